"""What the learner can do to a card in the middle of a quiz: take back the last answer, bury, suspend, flag, edit.

Each is typed at any prompt of the quiz, as ``:`` and a letter, so it can never be taken for an answer (``a``-``h``
are choices, ``t``/``f`` true or false, and a typed answer never starts with a colon). Each is stored at once, in
its own transaction, like an answer. ``CardActions`` does them over the session and the store and says what
happened; the terminal shows it (``tui``).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from quizgen.core import paths
from quizgen.core.cards import Card
from quizgen.core.display import one_line
from quizgen.core.errors import QuizgenError
from quizgen.core.store import Store
from quizgen.study.plan import bury_until
from quizgen.study.session import Session, SessionState

UNDO, BURY, SUSPEND, FLAG, EDIT = "undo", "bury", "suspend", "flag", "edit"
KEYS = {":u": UNDO, ":b": BURY, ":s": SUSPEND, ":f": FLAG, ":e": EDIT}
HELP = (
    "Card actions, at any prompt: :u undo the last answer (asked again) · :b bury this card until tomorrow · "
    ":s suspend it (never asked until 'quizgen unsuspend CARD') · :f flag it, or unflag · :e edit its question "
    "file in $EDITOR, then re-import it."
)


@dataclass(frozen=True)
class Done:
    """What an action did: the line to show, whether the quiz moves on from the face shown (``moved``), and, after
    an edit, the card as it is now."""

    message: str
    moved: bool
    card: Card | None = None


class NotDone(KeyboardInterrupt):
    """Ctrl-C while the database was busy stopped an action before it was stored: the quiz ends, saying so."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class CardActions:
    """The actions of one session.

    Args:
        session: the running session.
        store: where actions and answers are stored.
        session_id: the session's row.
        clock: now.
        write: runs a store write (the quiz retries it while the database is busy).
        editor: runs the editor on a file at a line; by default ``$EDITOR`` (else ``$VISUAL``, else vi) as
            ``EDITOR +LINE FILE``.
    """

    def __init__(
        self,
        session: Session,
        store: Store,
        session_id: int,
        clock: Callable[[], datetime],
        write: Callable[[Callable[[], Any]], Any],
        editor: Callable[[Path, int], None] | None = None,
    ):
        self.session = session
        self.store = store
        self.session_id = session_id
        self.clock = clock
        self.write = write
        self.editor = editor or run_editor
        # The stored review of each answer of the session, in step with ``session.outcomes``.
        self.review_ids: list[int] = []

    def perform(self, action: str) -> Done:
        session = self.session
        card_pk = session.question.item.card_pk
        label = f"{session.question.card.deck}/{session.question.card.id}"
        if action == UNDO:
            return self._undo()
        if action == BURY:
            self.write(lambda: self.store.bury_card(card_pk, bury_until(self.clock())))
            session.set_aside(card_pk)
            return Done(f"Buried {label} until tomorrow.", moved=True)
        if action == SUSPEND:
            self.write(lambda: self.store.suspend_card(card_pk, self.clock()))
            session.set_aside(card_pk)
            return Done(f"Suspended {label}: it is not asked again until 'quizgen unsuspend {label}'.", moved=True)
        if action == FLAG:
            flagged = self.write(lambda: self.store.toggle_flag(card_pk))
            return Done(f"Flagged {label}." if flagged else f"Flag taken off {label}.", moved=False)
        if action == EDIT:
            return self._edit(card_pk, label)
        raise ValueError(f"unknown action {action!r}")

    def _undo(self) -> Done:
        session = self.session
        if not session.outcomes:
            return Done("Nothing to undo yet.", moved=False)
        # Taken back from the store first, then from the session: Ctrl-C while the database is busy leaves both as
        # they were, or both without the answer.
        outcome, review_id = session.outcomes[-1], self.review_ids[-1]
        try:
            left = self.write(lambda: self.store.undo_answer(
                self.session_id, review_id, outcome.record(), outcome.question.item.schedule
            ))
        except KeyboardInterrupt:
            if self.store.stored_rating(review_id) is not None:
                raise NotDone("The answer was not taken back: the database stayed busy.") from None
            session.undo()
            self.review_ids.pop()
            raise
        session.undo(ask_again=left is not None, schedule=left)
        self.review_ids.pop()
        card = outcome.question.card
        if left is None:
            return Done(f"Answer to {card.deck}/{card.id} taken back; another quiz has answered it since, so it is "
                        "asked when that answer makes it due.", moved=True)
        return Done(f"Answer to {card.deck}/{card.id} taken back; it is asked again.", moved=True)

    def _edit(self, card_pk: int, label: str) -> Done:
        origin, line = self.store.card_origin(card_pk)
        if origin and origin.startswith(paths.BUNDLED_ORIGIN):
            # Its files are quizgen's own, replaced by the next upgrade (and often not the learner's to write).
            deck = self.session.question.card.deck
            return Done(f"{label} is a card of the bundled deck: to edit it, fork the deck first ('quizgen deck fork "
                        f"{deck} DIR/'), then ':e' edits your copy.", moved=False)
        path = paths.origin_path(origin) if origin else None
        if path is None or path.suffix not in (".toml", ".json") or not path.is_file():
            where = f" (it came from {paths.origin_label(origin)})" if origin else ""
            return Done(f"{label} has no question file to edit{where}.", moved=False)
        try:
            self.editor(path, line or 1)
        except OSError as ex:
            return Done(f"cannot run the editor: {ex.strerror or ex}", moved=False)
        except ValueError as ex:  # an editor command shlex cannot split
            return Done(f"cannot run the editor: {ex}", moved=False)
        from quizgen.core import importing

        try:
            report = self.write(lambda: importing.import_paths(self.store, [path]))
        except QuizgenError as ex:
            return Done(f"{ex}\nNothing was imported; the card stays as it was.", moved=False)
        try:
            card, _schedule = self.store.quiz_face(card_pk, self.session.question.item.face)
        except QuizgenError:
            card = None
        message = f"{paths.display_path(path)} re-imported: {report.summary()}."
        if self.session.state in (SessionState.ASKING, SessionState.REVEALED):
            self.session.reask()
            return Done(message, moved=True)
        return Done(message, moved=False, card=card)


def run_editor(path: Path, line: int) -> None:
    """Open ``path`` at ``line`` in the learner's editor, and wait for it."""
    # Here, not at the top: the quiz starts without them.
    import shlex
    import subprocess

    command = os.environ.get("EDITOR") or os.environ.get("VISUAL") or "vi"
    try:
        words = shlex.split(command)
    except ValueError as problem:
        raise ValueError(f"{one_line(command)} ({str(problem).lower()})") from None
    subprocess.run([*words, f"+{line}", str(path)], check=False)
