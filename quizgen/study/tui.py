"""The quiz in a terminal: draw questions and feedback with rich, read answers, store each one before moving on.

Everything the quiz decides is in ``plan`` (what to ask) and ``session`` (asking it); this module only shows it and
reads keys. It works on any terminal width (rich wraps), plain when ``NO_COLOR`` is set or output is not a terminal,
and with answers piped on stdin. Ctrl-C or Ctrl-D at any prompt ends the session like ``q``: answers already given
were committed one by one. While another process holds the database's write lock, an answer waits and is retried.
"""

from __future__ import annotations

import io
import random
import re
import signal
import sys
from collections.abc import Callable
from contextlib import suppress
from datetime import datetime, timedelta
from functools import partial
from types import ModuleType
from typing import TypeVar

from fsrs import Rating
from rich.console import Console
from rich.table import Table
from rich.text import Text

from quizgen.core import time
from quizgen.core.cards import Deck
from quizgen.core.display import literal, plural
from quizgen.core.errors import DatabaseBusy, QuizgenError, UnknownCard
from quizgen.core.kinds.grading import LETTERS, InvalidAnswer, differences, nearest_answer
from quizgen.core.store import ScheduleMoved, Store
from quizgen.study import actions
from quizgen.study.plan import Plan, QuizOptions, face_fetcher, forecast, open_plan
from quizgen.study.schedule import RATING_NAMES, describe_interval
from quizgen.study.session import (
    EXAM,
    PRACTICE,
    REVIEW,
    Outcome,
    Question,
    Session,
    Summary,
)

HELP = (
    "Keys: ? this help · s skip this card · q end the session (answers so far are kept; so do Ctrl-C and Ctrl-D).\n"
    "Typing: arrows, Home/End and Ctrl-A/Ctrl-E move in the line; Up and Down recall this session's answers.\n"
    "Free text is graded leniently: case, accents, punctuation, articles, filler words, British or American "
    "spelling, singular or plural, numbers in words, the order of a list and small typos do not matter; "
    "Enter on its own shows the answer (counts as wrong). End an answer with ! (pitutary!) to count it right "
    "when you know it is.\n"
    "A card with a hint says so: h shows it before the answer.\n"
    "After an answer: Enter goes on; ! counts a wrong answer right; in review mode 1-4 replaces the proposed "
    "rating (1 Again, 2 Hard, 3 Good, 4 Easy; Again counts as wrong, the others as right). A card rated Again "
    "comes back at the end of the session; one still being learnt comes back when due, or sooner when nothing "
    "else is left ('quizgen config learn-ahead', minutes)."
)
# While another process holds the write lock, a write is tried again and again, each try waiting this long. Short,
# because SQLite's wait does not return to Python: Ctrl-C is honoured only between tries.
BUSY_TRY_MS = 250
# After this many tries (3 s) the learner is told why the quiz stopped; a brief wait (another quiz committing)
# passes silently.
BUSY_TRIES_UNTOLD = 12

T = TypeVar("T")
# On input that is not a terminal, this many unusable answers in a row at one prompt end the session: piped input
# that keeps failing (``yes | quizgen quiz``) would otherwise loop for ever.
MAX_REFUSALS = 3


# Terminal escapes in a prompt, which readline must be told take no room on the line.
_ESCAPE = re.compile(r"(\x1b\[[0-9;]*m)")


def _line_editing() -> ModuleType | None:
    """The readline module, with its history emptied and left to us; None where Python has none (Windows)."""
    try:
        import readline
    except ImportError:
        return None
    readline.set_auto_history(False)
    readline.clear_history()
    return readline


RATING_KEYS = {str(int(rating)): rating for rating in Rating}
CLAIM_KEY = "!"


def _an_answer(question: Question, key: str) -> bool:
    """Whether ``s`` or ``q`` typed at this question answers it rather than skipping or quitting: it is the letter of
    a choice shown, or an answer accepted (sulfur's symbol, say). A self-rated card's prompts take Enter and a
    rating, never an answer."""
    if question.self_rated:
        return False
    if question.options:
        return ord(key) - ord("a") < len(question.options)
    accepted = [question.expected, *question.card.fields.get("accept", [])]
    return any(isinstance(answer, str) and answer.strip().casefold() == key for answer in accepted)


class _Skip(Exception):
    pass


class _Quit(Exception):
    pass


class _Moved(Exception):
    """A card action moved the quiz on from the face shown (undone, buried, suspended, edited)."""


def describe_duration(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min"


class Screen:
    """What the learner sees and types. Input raises EOFError at the end of piped input, like Ctrl-D."""

    def __init__(self) -> None:
        if sys.stdin is None:
            raise QuizgenError("the quiz reads answers from standard input, which is closed")
        # Undecodable bytes in an answer become U+FFFD rather than breaking the line, or its storing.
        if isinstance(sys.stdin, io.TextIOWrapper):
            sys.stdin.reconfigure(errors="replace")
        self.interactive = sys.stdin.isatty()
        # Markup off: card text is shown as written, brackets and all.
        self.console = Console(highlight=False, markup=False, emoji=False)
        self._prompting: tuple[str, Question | None] | None = None
        self._refusals = 0
        # Line editing on a terminal only: piped answers are read line by line, as they come. History is kept per
        # prompt for this session and never written to disk.
        self._readline = _line_editing() if self.interactive and sys.stdout.isatty() else None
        self._histories: dict[str, list[str]] = {}
        # Does a card action (``actions.KEYS``) typed at a prompt; True if the quiz stays at that prompt.
        self.act: Callable[[str], bool] | None = None

    def say(self, text: str | Text = "", style: str = "") -> None:
        self.console.print(literal(text), style=style)

    def refuse(self, message: str) -> None:
        """Say why an answer cannot be used; on input that is not a terminal and keeps failing, end the session."""
        self.say(message, style="yellow")
        self._refusals += 1
        if self._refusals >= MAX_REFUSALS and not self.interactive:
            self.say(f"{self._refusals} unusable answers in a row from input that is not a terminal; "
                     "ending the session.", style="yellow")
            raise _Quit

    def prompt(self, label: str, question: Question | None = None) -> str:
        """One line of input; ``?`` shows help and asks again, ``s`` and ``q`` skip and quit."""
        if self._prompting is None or self._prompting[0] != label or self._prompting[1] is not question:
            self._prompting, self._refusals = (label, question), 0
        while True:
            text = self._read(Text(f"{label} > ", style="bold"), label).strip()
            key = text.casefold()
            if key == "?":
                self.say(HELP, style="dim")
                self.say(actions.HELP, style="dim")
                continue
            if key in actions.KEYS and self.act is not None:
                if self.act(actions.KEYS[key]):
                    continue
                raise _Moved
            if key in ("q", "s") and not (question is not None and _an_answer(question, key)):
                if key == "q":
                    raise _Quit
                if question is not None:
                    raise _Skip
            return text

    def _read(self, prompt: Text, label: str) -> str:
        if self._readline is None:
            return self.console.input(prompt)
        with self.console.capture() as captured:
            self.console.print(prompt, end="")
        history = self._histories.setdefault(label, [])
        self._readline.clear_history()
        for line in history:
            self._readline.add_history(line)
        # The prompt goes to input() so that readline redraws it (Ctrl-L, a line that wraps).
        text = input(_ESCAPE.sub("\x01\\1\x02", captured.get()))
        if text.strip() and text not in history[-1:]:
            history.append(text)
        return text

    # Screens ---------------------------------------------------------------------------------------------------

    def start(self, decks: list[Deck], mode: str, due: int, new: int, unseen: int, size: int, learning: int = 0
              ) -> None:
        self.say(literal(" · ".join(deck.name for deck in decks), "bold"))
        if mode == REVIEW:
            # Faces still being learnt come when due, within the learn-ahead limit: counted apart from the queue.
            still = f", {learning} still being learnt" if learning else ""
            self.say(f"Review: {due} due now, {new} new (of {unseen} never studied){still}.")
        elif mode == PRACTICE:
            self.say(f"Practice: {plural(size, 'card')}, with feedback; the schedule is left as it is.")
        else:
            self.say(f"Exam: {plural(size, 'random card')}, scored at the end; the schedule is left as it is.")
        self.say("? help · s skip · q quit · :u undo · every answer is saved as you go", style="dim")

    def deck_note(self, deck: Deck, several: bool) -> None:
        """The deck's notice, once a session; prefixed with the deck's name when the session spans several."""
        self.say(f"{deck.name}: {deck.note}" if several else deck.note, style="italic")

    def nothing_due(self, plan: Plan, now: datetime) -> None:
        """Why there is no question, and what the learner can do instead."""
        self.say(literal(" · ".join(deck.name for deck in plan.decks), "bold"))
        if plan.next_due is None and not plan.unseen:
            self.say("Nothing to study: no cards match.")
            return
        if plan.next_due is not None:
            self.say(f"Nothing due now; the next review is in {describe_interval(plan.next_due - now)}.")
        if plan.over_limit:
            self.say(f"Today's new cards are done ({plan.over_limit} more wait): come back tomorrow, "
                     "or use --new-limit.")
        if plan.siblings:
            faces = "1 new face waits" if plan.siblings == 1 else f"{plan.siblings} new faces wait"
            self.say(f"{faces} for another face of the same card to be studied first (a cloze's other blank, "
                     "a glossary card's reverse): they come a day later, whatever --new-limit says.")
        self.say("To study ahead: quizgen quiz --mode practice")

    def acted(self, done: actions.Done) -> None:
        self.say(done.message, style="yellow")
        if done.card is not None:
            self.say(literal(done.card.prompt, "bold"))
            self.say(literal(f"Answer: {done.card.answer}"))

    def question(self, q: Question) -> None:
        self.say()
        header = f"Question {q.number} of {q.total} · {q.kind}" + (" · new" if q.item.is_new else "")
        self.say(literal(header, "dim"))
        self.say(literal(q.text, "bold"))
        if q.lefts:
            for n, left in enumerate(q.lefts, 1):
                self._line(f"{n}.", left)
            self.say()
        for i, option in enumerate(q.options):
            self._line(f"{LETTERS[i]})", option)

    def _line(self, label: str, text: str) -> None:
        """A labelled line whose wrapped continuation stays indented under the text."""
        grid = Table.grid(padding=(0, 1))
        grid.add_column(width=4, justify="right")
        grid.add_column()
        grid.add_row(label, literal(text))
        self.console.print(grid)

    def reveal(self, q: Question, explain: bool = True) -> None:
        """The back of a self-rated card, with its explanation unless ``explain`` is False (exam mode)."""
        self.say(literal(q.back))
        if explain and q.card.explanation:
            self.say(literal(f"Why: {q.card.explanation}"))

    def feedback(self, outcome: Outcome) -> None:
        q = outcome.question
        if not q.self_rated:
            if outcome.correct:
                verdict = "Right, accepted (typo)." if outcome.typo else "Right."
                if outcome.slow:
                    verdict += " Slow, so proposed as Hard."
                self.say(literal(verdict, "bold green"))
            else:
                self.say(literal("Wrong.", "bold red"))
            if outcome.detail:
                self.say(literal(outcome.detail))
            typed = outcome.response.strip()
            if q.card.spec.free_text and typed and (outcome.typo or not outcome.correct):
                # Marked against the accepted answer nearest what was typed: a slip on "post-menopausal" is shown
                # on it, not on "postmenopausal".
                accepted = [q.expected, *(a for a in q.card.fields.get("accept", []) if isinstance(a, str))]
                nearest = nearest_answer(typed, accepted)
                self._compare(typed, nearest)
                if nearest != q.expected:
                    self.say(literal(f"(the answer as written first: {q.expected})", "dim"))
            else:
                self.say(literal(f"Answer: {q.expected}"))
            # A self-rated card's explanation came with its back.
            if q.card.explanation:
                self.say(literal(f"Why: {q.card.explanation}"))
        self.say(literal(f"Section: {q.card.section}", "dim"))

    def _compare(self, typed: str, expected: str) -> None:
        """What was typed above the answer, the characters that differ marked: in colour on a colour terminal,
        in brackets (a missing character as [-]) where there is no colour."""
        plain = self.console.no_color or self.console.color_system is None
        typed_runs, answer_runs = differences(typed, expected)

        def marked(label: str, runs: list[tuple[str, bool]], style: str) -> Text:
            line = Text(label)
            for run, differs in runs:
                line.append(f"[{run}]" if differs and plain else run, style=style if differs else "")
            return line

        self.say(marked("You typed: ", typed_runs, "bold red"))
        self.say(marked("Answer:    ", answer_runs, "bold green"))

    def rating_choices(self, outcome: Outcome) -> None:
        """The four ratings with the wait each would give."""
        self.waits({rating: outcome.interval(rating) for rating in Rating})

    def waits(self, waits: dict[Rating, timedelta | None]) -> None:
        """The four ratings with the wait each would give; nothing if no rating schedules anything."""
        if not any(waits.values()):
            return
        parts = []
        for rating in Rating:
            wait = waits.get(rating)
            shown = f" {describe_interval(wait, short=True)}" if wait else ""
            parts.append(f"{int(rating)} {RATING_NAMES[rating]}{shown}")
        self.say("  " + " · ".join(parts), style="dim")

    def next_review(self, outcome: Outcome) -> None:
        wait = outcome.interval()
        if wait is not None:
            self.say(f"Rating: {RATING_NAMES[outcome.rating]}, next review in {describe_interval(wait)}.")

    def summary(self, summary: Summary, due_tomorrow: int | None, due_week: int | None) -> None:
        self.say()
        if summary.answered:
            score = f"{summary.correct} of {summary.answered} right ({summary.accuracy:.0%})"
        else:
            score = "nothing answered"
        extra = []
        if summary.skipped:
            extra.append(f"{summary.skipped} skipped")
        if summary.remaining:
            extra.append(f"{summary.remaining} not reached")
        line = f"Session over: {score} in {describe_duration(summary.elapsed)}"
        self.say(literal(line + ("; " + ", ".join(extra) if extra else "") + ".", "bold"))
        if summary.by_section:
            table = Table("section", "right", "accuracy", header_style="bold", box=None, padding=(0, 1))
            table.columns[0].overflow = "fold"
            for section, score_ in summary.by_section.items():
                table.add_row(literal(section), f"{score_.correct}/{score_.answered}", f"{score_.accuracy:.0%}")
            self.console.print(table)
        if summary.mode == EXAM and summary.missed:
            self.say(literal("Missed:", "bold"))
            for outcome in summary.missed:
                q = outcome.question
                self.say(literal(f"- {q.text}"))
                self.say(literal(f"  answer: {q.expected}", "green"))
        if summary.next_learning is not None:
            cards = "1 card" if summary.learning == 1 else f"{summary.learning} cards"
            wait = describe_interval(summary.next_learning - summary.ended)
            self.say(f"Still being learnt: {cards}, the next due in {wait}; come back then.")
        if due_tomorrow is not None:
            self.say(f"Due tomorrow: {due_tomorrow} · due in the next 7 days: {due_week}")


# The quiz loop ---------------------------------------------------------------------------------------------------


def run_quiz(store: Store, options: QuizOptions) -> Summary | None:
    """Plan the session, run it, store every answer; None if there was nothing to ask."""
    # A process started with SIGINT ignored (a background job of a script, say) would otherwise make Ctrl-C dead.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    screen = Screen()
    clock = time.now
    now = clock()
    seed = options.seed if options.seed is not None else random.SystemRandom().randrange(2**31)
    rng = random.Random(seed)
    plan = open_plan(store, options, now, rng)
    if plan.empty:
        screen.nothing_due(plan, now)
        return None

    session = Session(
        options.mode, plan.queue, face_fetcher(store, plan.new_limit, clock), clock, rng, plan.scheduler,
        plan.learning, plan.learn_ahead, plan.deck_schedulers,
    )
    store.set_busy_timeout(BUSY_TRY_MS)
    slugs = [deck.slug for deck in plan.decks]
    deck_of_session = slugs[0] if len(slugs) == 1 else None
    session_id = _patiently(screen, partial(store.start_session, deck_of_session, options.mode, seed, now))
    screen.start(plan.decks, options.mode, plan.due, plan.new, plan.unseen, len(plan.queue), len(plan.learning))
    card_actions = actions.CardActions(session, store, session_id, clock, partial(_patiently, screen))

    def act(action: str) -> bool:
        try:
            done = card_actions.perform(action)
        except actions.NotDone as stopped:
            screen.say(stopped.message, style="red")
            raise
        screen.acted(done)
        return not done.moved

    screen.act = act
    interrupted = False
    try:
        _loop(session, screen, store, card_actions, {deck.slug: deck for deck in plan.decks})
    except (KeyboardInterrupt, EOFError):
        interrupted = True
        session.quit()
        screen.say()
    summary = session.summary()
    # Only the session's end time is left to write, its answers are all stored: after Ctrl-C it is not waited for
    # while another process holds the database, and a Ctrl-C while waiting gives it up.
    with suppress(KeyboardInterrupt, DatabaseBusy):
        if interrupted:
            store.end_session(session_id, summary.ended)
        else:
            _patiently(screen, partial(store.end_session, session_id, summary.ended))
    coming = forecast(store, slugs, summary.ended)
    screen.summary(summary, coming.tomorrow, coming.week)
    return summary


def _patiently(screen: Screen, write: Callable[[], T], told: bool = False) -> T:
    """Do ``write``, trying again for as long as another process holds the database (Ctrl-C gives up), saying so
    once unless ``told`` already."""
    tries = 0
    while True:
        try:
            return write()
        except DatabaseBusy:
            tries += 1
            if tries == BUSY_TRIES_UNTOLD and not told:
                screen.say("database busy, retrying...", style="yellow")


def _recorded(session: Session, screen: Screen, store: Store, session_id: int, outcome: Outcome) -> tuple[int, Outcome]:
    """Store the answer, and its id; when another quiz has answered the face since it was shown, the answer is
    worked out again from the schedule that left it, so neither answer's effect is lost. While another process
    holds the database, Ctrl-C does not drop the answer: a second one quits without it, and says so (the session's
    tally leaves it out too)."""
    interrupted = False
    while True:
        try:
            record = partial(store.record_answer, session_id, outcome.record())
            return _patiently(screen, record, told=interrupted), outcome
        except ScheduleMoved as moved:
            screen.say(CHANGED_ELSEWHERE, style="yellow")
            outcome = session.rebase(moved.stored)
        except KeyboardInterrupt:
            if store.answer_id(session_id, outcome.record()) is not None:
                raise  # stored just before Ctrl-C came: the quiz ends as it does anywhere else
            if not interrupted:
                interrupted = True
                screen.say("Not saved yet: still trying (Ctrl-C again to quit without this answer).", style="yellow")
                continue
            session.undo()
            screen.say("This answer was not saved: the database stayed busy.", style="red")
            raise


def _loop(
    session: Session, screen: Screen, store: Store, card_actions: actions.CardActions, decks: dict[str, Deck]
) -> None:
    """Ask until the session is done; ``decks`` are the session's, each of whose notice is shown once, before
    its first question."""
    noted: set[str] = set()
    while (question := session.next_question()) is not None:
        deck = decks.get(question.card.deck)
        if deck is not None and deck.slug not in noted:
            noted.add(deck.slug)
            if deck.note:
                screen.deck_note(deck, len(decks) > 1)
        screen.question(question)
        try:
            outcome = _ask_self_rated(session, screen, store, question) if question.self_rated else _ask(
                session, screen, question)
        except _Skip:
            session.skip()
            continue
        except _Moved:
            continue
        except _Quit:
            session.quit()
            return
        review_id, outcome = _recorded(session, screen, store, card_actions.session_id, outcome)
        card_actions.review_ids.append(review_id)
        try:
            _after(session, screen, store, review_id, outcome)
        except _Moved:
            continue
        except _Quit:
            session.quit()
            return


def _ask(session: Session, screen: Screen, question: Question) -> Outcome:
    while True:
        response = screen.prompt(question.card.spec.input_label, question)
        try:
            return session.answer(response)
        except InvalidAnswer as problem:
            screen.refuse(str(problem))


HINT_KEY = "h"
# An answer given there, or taken back.
CHANGED_ELSEWHERE = "Another quiz has changed this card since it was shown: the wait comes from its schedule now."


def _ask_self_rated(session: Session, screen: Screen, store: Store, question: Question) -> Outcome:
    hint = question.card.fields.get("hint")
    label = f"Enter to show the answer · {HINT_KEY} for a hint" if hint else "Enter to show the answer"
    while screen.prompt(label, question).casefold() == HINT_KEY:
        if hint:
            screen.say("Hint: " + hint.replace("\n", "\n      "), style="cyan")
        else:
            screen.refuse("this card has no hint: Enter shows the answer")
    # The waits about to be shown are those of the face as stored now: another quiz may have answered it meanwhile.
    with suppress(UnknownCard):
        if session.refresh(store.quiz_face(question.item.card_pk, question.item.face)[1]):
            screen.say(CHANGED_ELSEWHERE, style="yellow")
    session.reveal()
    screen.reveal(question, explain=session.mode != EXAM)
    screen.waits(dict(session.waits()))
    while True:
        text = screen.prompt("How well did you know it? 1 Again · 2 Hard · 3 Good · 4 Easy", question)
        if text in ("1", "2", "3", "4"):
            return session.rate(int(text))
        screen.refuse("type 1, 2, 3 or 4")


def _after(session: Session, screen: Screen, store: Store, review_id: int, outcome: Outcome) -> None:
    """Feedback (not in exam mode) and, in review mode, the chance to replace the proposed rating."""
    if session.mode == EXAM:
        return
    screen.feedback(outcome)
    if outcome.question.self_rated:
        screen.next_review(outcome)
        return
    ratings: dict[str, Rating] = {}
    if session.mode == PRACTICE:
        label, hint = "Enter to go on", ""
    else:
        screen.next_review(outcome)
        screen.rating_choices(outcome)
        label, ratings = "Enter to go on, or 1-4 to change the rating", dict(RATING_KEYS)
        hint = "press Enter, or type 1, 2, 3 or 4"
    if not outcome.correct:
        # "I was right": the grader missed a synonym or a spelling it should have taken.
        if outcome.question.card.spec.free_text:
            screen.say(f"{CLAIM_KEY} if you were right: counts it right (rated Good)", style="dim")
        ratings[CLAIM_KEY] = Rating.Good
        hint += ", or ! if you were right" if hint else ""
    while True:
        text = screen.prompt(label)
        if text in ratings:
            changed = session.rate(ratings[text])
            try:
                _patiently(screen, partial(store.amend_answer, review_id, changed.record()))
            except KeyboardInterrupt:
                # Ctrl-C while the database was busy: the session goes back to the rating stored, and says so.
                if store.stored_rating(review_id) != int(changed.rating):
                    session.rate(outcome.rating)
                    screen.say("The rating change was not saved: the database stayed busy.", style="red")
                raise
            if changed.correct != outcome.correct:
                screen.say(Text("Counted as right." if changed.correct else "Counted as wrong.", style="bold"))
            screen.next_review(changed)
            return
        # In practice mode anything but ! goes on, as Enter does.
        if not text or not hint:
            return
        screen.refuse(hint)
