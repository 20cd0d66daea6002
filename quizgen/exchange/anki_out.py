"""Anki notes from cards (genanki): note types with fixed ids, notes with stable GUIDs, and .apkg writing.

How re-imports stay clean: Anki's importer matches an incoming note to one in the collection by GUID, and replaces
the existing note only when the incoming note's modification time is newer than the collection's copy (otherwise it
counts the note as a duplicate and leaves it alone). genanki stamps every note with the package's write time, which
would make every re-import rewrite every note, and would let an old export overwrite the learner's own later edits.
So each note here carries the time its card's content last changed in our database: an unchanged export updates
nothing, a reworded card updates exactly its note, and a note the learner edited in Anki since stays theirs.

Note types are identified by id. Their ids never change; a change to a note type's field or template list makes a
new note type with a new id, because Anki keys notes to a note type's fields by position.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import tempfile
import zipfile
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

import genanki

from quizgen.core.cards import Card, Deck
from quizgen.core.kinds.anki_html import html_text
from quizgen.core.kinds.base import BASIC_NOTE, CHOICE_NOTE, CLOZE_NOTE, GLOSSARY_NOTE, TYPE_IN_NOTE
from quizgen.core.store import StoredCard
from quizgen.core.time import from_stored
from quizgen.exchange.anki_progress import Progress, ReviewLog, schedule_cards

CSS = """\
.card {
  font-family: -apple-system, BlinkMacSystemFont, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  font-size: 20px;
  line-height: 1.45;
  text-align: left;
  color: #1f2328;
  background-color: #ffffff;
  max-width: 38em;
  margin: 0 auto;
  padding: 0.5em 0.75em;
  overflow-wrap: anywhere;
}
.question { font-weight: 600; margin-bottom: 0.6em; }
.instruction, .label { font-size: 0.8em; color: #59636e; margin-bottom: 0.4em; }
.answer { font-weight: 600; }
ol.choices { list-style-type: upper-alpha; padding-left: 1.8em; }
ol.choices li, ul.items li, ol.order li { margin: 0.3em 0; }
li.right { font-weight: 600; color: #1a7f37; }
li.other { color: #59636e; }
.mark { margin-left: 0.3em; }
table.pairs { border-collapse: collapse; width: 100%; }
table.pairs td { border-top: 1px solid #d1d9e0; padding: 0.35em 0.4em; vertical-align: top; }
table.pairs td.arrow { color: #59636e; width: 1.5em; text-align: center; }
.accepted { font-size: 0.85em; color: #59636e; margin-top: 0.4em; }
.explanation { margin-top: 0.9em; padding: 0.5em 0.7em; border-left: 3px solid #0969da; background-color: #f6f8fa; }
.source { margin-top: 0.9em; font-size: 0.75em; color: #59636e; }
.source .passage { display: block; font-style: italic; margin-top: 0.2em; }
.cloze { font-weight: 600; color: #0969da; }
hr#answer { border: none; border-top: 1px solid #d1d9e0; margin: 0.9em 0; }
input#typeans { width: 100%; box-sizing: border-box; font-size: 1em; padding: 0.3em; }
.nightMode .card, .card.nightMode { color: #e6edf3; background-color: #1f2328; }
.nightMode .instruction, .nightMode .label, .nightMode li.other, .nightMode .accepted, .nightMode .source,
.nightMode table.pairs td.arrow { color: #9198a1; }
.nightMode li.right { color: #3fb950; }
.nightMode .explanation { background-color: #262c36; border-left-color: #4493f8; }
.nightMode .cloze { color: #4493f8; }
.nightMode table.pairs td, .nightMode hr#answer { border-top-color: #3d444d; }
@media (max-width: 480px) {
  .card { font-size: 18px; padding: 0.4em 0.5em; }
  ol.choices { padding-left: 1.4em; }
}
"""

BACK_MATTER = """
{{#Explanation}}<div class="explanation">{{Explanation}}</div>{{/Explanation}}
<div class="source">{{Source}}</div>"""


class NoteType(genanki.Model):
    """A genanki model with a fixed id and fixed modification times.

    Args:
        style_changed: when the templates or CSS last changed (Unix seconds). Written as the note type's
            modification time, so Anki updates its copy only when we restyle.
        layout_changed: when the way cards are laid out into this type's fields last changed. No note is older
            than this, so a new layout reaches notes whose cards did not change.
    """

    def __init__(
        self,
        model_id: int,
        name: str,
        fields: Sequence[str],
        templates: Sequence[tuple[str, str, str]],
        *,
        style_changed: int,
        layout_changed: int,
        cloze_type: bool = False,
    ):
        super().__init__(
            model_id,
            name,
            fields=[{"name": field} for field in fields],
            templates=[{"name": label, "qfmt": front, "afmt": back} for label, front, back in templates],
            css=CSS,
            model_type=genanki.Model.CLOZE if cloze_type else genanki.Model.FRONT_BACK,
        )
        self.style_changed = style_changed
        self.layout_changed = layout_changed

    def to_json(self, timestamp: float, deck_id: int) -> dict[str, Any]:
        data: dict[str, Any] = super().to_json(timestamp, deck_id)
        data["mod"] = self.style_changed
        return data


# 2026-11-27 00:00 UTC: when these note types were defined.
DEFINED = 1795737600
# 2026-12-01 00:00 UTC: from then on an opening bracket is escaped in every field, so that "[sound:...]" in a card's
# text is shown, not played; notes exported before need to take the new fields.
BRACKETS_ESCAPED = 1796083200

CHOICE = NoteType(
    1912583601,
    "quizgen choice",
    ["Question", "Instruction", "Choices", "Answer", "Explanation", "Source"],
    [
        (
            "Choice",
            '<div class="question">{{Question}}</div>\n<div class="instruction">{{Instruction}}</div>\n{{Choices}}',
            '<div class="question">{{Question}}</div>\n<hr id="answer">\n{{Answer}}' + BACK_MATTER,
        )
    ],
    style_changed=DEFINED,
    layout_changed=BRACKETS_ESCAPED,
)

TYPE_IN = NoteType(
    1399709735,
    "quizgen type-in",
    ["Prompt", "Answer", "Accepted", "Explanation", "Source"],
    [
        (
            "Type the answer",
            '<div class="question">{{Prompt}}</div>\n{{type:Answer}}',
            '<div class="question">{{Prompt}}</div>\n<hr id="answer">\n{{type:Answer}}\n'
            '{{#Accepted}}<div class="accepted">Also accepted: {{Accepted}}</div>{{/Accepted}}' + BACK_MATTER,
        )
    ],
    style_changed=DEFINED,
    layout_changed=BRACKETS_ESCAPED,
)

CLOZE = NoteType(
    1421531481,
    "quizgen cloze",
    ["Text", "Explanation", "Source"],
    [("Cloze", '<div class="text">{{cloze:Text}}</div>', '<div class="text">{{cloze:Text}}</div>' + BACK_MATTER)],
    style_changed=DEFINED,
    layout_changed=BRACKETS_ESCAPED,
    cloze_type=True,
)

GLOSSARY = NoteType(
    1989365034,
    "quizgen glossary",
    ["Term", "Definition", "Explanation", "Source"],
    [
        (
            "Term to definition",
            '<div class="label">Define</div>\n<div class="question">{{Term}}</div>',
            '{{FrontSide}}\n<hr id="answer">\n<div class="answer">{{Definition}}</div>' + BACK_MATTER,
        ),
        (
            "Definition to term",
            '<div class="label">Which term?</div>\n<div class="question">{{Definition}}</div>',
            '{{FrontSide}}\n<hr id="answer">\n<div class="answer">{{Term}}</div>' + BACK_MATTER,
        ),
    ],
    style_changed=DEFINED,
    layout_changed=BRACKETS_ESCAPED,
)

BASIC = NoteType(
    2080288619,
    "quizgen basic",
    ["Front", "Back", "Explanation", "Source"],
    [("Card", "{{Front}}", '{{FrontSide}}\n<hr id="answer">\n{{Back}}' + BACK_MATTER)],
    style_changed=DEFINED,
    layout_changed=BRACKETS_ESCAPED,
)

NOTE_TYPES = (CHOICE, TYPE_IN, CLOZE, GLOSSARY, BASIC)
NOTE_TYPE_OF = {
    CHOICE_NOTE: CHOICE, TYPE_IN_NOTE: TYPE_IN, CLOZE_NOTE: CLOZE, GLOSSARY_NOTE: GLOSSARY, BASIC_NOTE: BASIC
}
NOTE_TYPE_IDS = frozenset(note_type.model_id for note_type in NOTE_TYPES)
# Anki's card flags are numbered colours; quizgen's one flag is Anki's first, red.
RED_FLAG = 1


class CollectionRows:
    """The notes and cards table rows of a package, gathered as its notes are written and then inserted in one
    statement per table: one statement per row, as genanki runs them, costs more than making the rows."""

    def __init__(self) -> None:
        self.notes: list[tuple[Any, ...]] = []
        self.cards: list[list[Any]] = []
        # For each card row, the card pk and face it was made from.
        self.faces: list[tuple[int, int]] = []

    def insert(self, cursor: sqlite3.Cursor) -> None:
        cursor.executemany("INSERT INTO notes VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", self.notes)
        cursor.executemany(f"INSERT INTO cards VALUES ({', '.join('?' * 18)})", self.cards)


class QuizgenNote(genanki.Note):
    """A note stamped with its card's last change, not the package's write time, whose rows go to ``rows``."""

    def __init__(
        self,
        model: NoteType,
        fields: list[str],
        tags: Iterable[str],
        guid: str,
        modified: int,
        pk: int,
        rows: CollectionRows,
        on_written: Callable[[], None] | None = None,
        marks: Collection[str] = (),
        deletions: Iterable[int] = (),
    ):
        super().__init__(model=model, fields=fields, tags=tags, guid=guid)
        # A cloze note's deletion numbers, as the card has them: genanki finds them in the text with a pattern that
        # misses a deletion nested in another.
        self.deletions = sorted(deletions)
        self.modified = modified
        self.pk = pk
        self.rows = rows
        self.on_written = on_written
        # What the learner marked the card with in quizgen (``Store.card_marks``): every Anki card of the note
        # arrives suspended when it is suspended, flagged red when it is flagged.
        self.marks = marks

    def _cloze_cards(self) -> list[genanki.Card]:
        return [genanki.Card(number - 1) for number in self.deletions] if self.deletions else super()._cloze_cards()

    def write_to_db(self, cursor: sqlite3.Cursor, timestamp: float, deck_id: int, id_gen: Iterator[int]) -> None:
        """The rows genanki's ``Note.write_to_db`` inserts, in its order of ids. Its check for stray HTML tags is
        left out: every field is card text escaped into our own markup."""
        self._check_number_model_fields_matches_num_fields()
        note_id = next(id_gen)
        self.rows.notes.append(
            (
                note_id, self.guid, self.model.model_id, self.modified, -1, self._format_tags(), self._format_fields(),
                self.sort_field, 0, 0, "",
            )
        )
        # A cloze note's card ordinals are deletion numbers less one; every other note type's are our face numbers.
        face_offset = 1 if self.model.model_type == genanki.Model.CLOZE else 0
        suspended = "suspended" in self.marks
        flag = RED_FLAG if "flagged" in self.marks else 0
        for card in self.cards:
            queue = -1 if card.suspend or suspended else 0
            card_id = next(id_gen)
            self.rows.cards.append(
                [card_id, note_id, deck_id, card.ord, self.modified, -1, 0, queue, self.due, 0, 0, 0, 0, 0, 0, 0, flag,
                 ""]
            )
            self.rows.faces.append((self.pk, card.ord + face_offset))
        if self.on_written:
            self.on_written()


@lru_cache(maxsize=4096)
def _source(section: str, source: str) -> str:
    """Cached: a deck's cards share a few dozen sections."""
    out = f'<span class="section">{html_text(section)}</span>'
    if source:
        out += f'<span class="passage">{html_text(source)}</span>'
    return out


def note_fields(card: Card) -> tuple[NoteType, list[str]]:
    """The note type for a card and its fields, every piece of card text HTML-escaped."""
    kind = card.spec
    fields = kind.anki_fields(card)
    fields.append(html_text(card.explanation))
    fields.append(_source(card.section, card.source))
    return NOTE_TYPE_OF[kind.anki_note], fields


@lru_cache(maxsize=4096)
def _tag(value: str) -> str:
    """One tag component: Anki separates tags by spaces and nests them with '::'."""
    return "_".join(value.replace('"', " ").split()).replace("::", ":")


def _own_tag(value: str) -> str:
    """A card's own tag, whose '::' nest it as in Anki (a tag of a card imported from Anki keeps its hierarchy)."""
    return "::".join(part for part in (_tag(p) for p in value.split("::")) if part)


@lru_cache(maxsize=4096)
def _section_tag(section: str) -> str:
    return "section::" + "::".join(part for part in (_tag(p) for p in section.split(">")) if part)


def note_tags(card: Card) -> list[str]:
    """``quizgen``, ``kind::<kind>``, ``section::<Top>::<Sub>`` and the card's own tags, without spaces."""
    return list(_tags(card.kind, card.section, tuple(card.tags)))


@lru_cache(maxsize=4096)
def _tags(kind: str, section: str, own: tuple[str, ...]) -> tuple[str, ...]:
    """Cached: a deck's cards share a few kinds, sections and tags."""
    tags = ["quizgen", f"kind::{kind}", _section_tag(section), *(_own_tag(t) for t in own)]
    return tuple(dict.fromkeys(tag for tag in tags if tag))


def note_guid(card: Card) -> str:
    """Stable for the card's identity, so a reworded card updates its note instead of adding one."""
    guid: str = genanki.guid_for(card.deck, card.id)
    return guid


def note_modified(stored: StoredCard, note_type: NoteType) -> int:
    """When the note's content last changed: its card's change in our database, or a newer layout of its type."""
    return max(_seconds(stored.modified), note_type.layout_changed)


@lru_cache(maxsize=4096)
def _seconds(stamp: str) -> int:
    """Cached: the cards of one import share their change time."""
    return int(from_stored(stamp).timestamp())


def make_note(
    stored: StoredCard, rows: CollectionRows, on_written: Callable[[], None] | None = None,
    marks: Collection[str] = (),
) -> QuizgenNote:
    card = stored.card
    note_type, fields = note_fields(card)
    tags = _tags(card.kind, card.section, tuple(card.tags))
    modified = note_modified(stored, note_type)
    deletions = [face.number for face in card.faces()] if note_type.model_type == genanki.Model.CLOZE else []
    return QuizgenNote(note_type, fields, tags, note_guid(card), modified, stored.pk, rows, on_written, marks,
                       deletions)


class ProgressPackage(genanki.Package):
    """A package whose studied cards carry their schedule and review log (``anki_progress``)."""

    def __init__(self, progress: Progress | None, review_log: ReviewLog | None):
        super().__init__([])
        self.progress = progress
        self.review_log = review_log
        self.rows = CollectionRows()

    def write_to_db(self, cursor: sqlite3.Cursor, timestamp: float, id_gen: Iterator[int]) -> None:
        # The collection is a scratch file built whole and then zipped: nothing to keep safe from a crash on the way.
        # A journal in memory still lets a failed statement be undone.
        cursor.execute("PRAGMA journal_mode = MEMORY")
        cursor.execute("PRAGMA synchronous = OFF")
        cursor.execute("PRAGMA temp_store = MEMORY")
        super().write_to_db(cursor, timestamp, id_gen)
        if self.progress is not None:
            schedule_cards(cursor, self.progress, self.rows.cards, self.rows.faces)
        self.rows.insert(cursor)
        if self.review_log is not None:
            # Every card, not only the studied ones: a card Anki forgot (new again) keeps its log there.
            self.review_log.write(cursor, [(pk, face, row[0]) for row, (pk, face) in zip(
                self.rows.cards, self.rows.faces, strict=True)])


def deck_id(*names: str) -> int:
    """A deck id derived from names alone, so every export of a deck uses the same ids."""
    digest = hashlib.sha256("\x1f".join(("quizgen", *names)).encode("utf-8")).digest()
    return (1 << 30) + int.from_bytes(digest[:4], "big") % (1 << 30)


@lru_cache(maxsize=4096)
def subdeck_path(section: str, deck_name: str) -> tuple[str, ...]:
    """The subdeck below the deck that a card of this section goes in, as deck name components: its top-level
    section; or, when the section begins with the deck's own name, as the sections of cards imported from Anki do
    (each is its Anki deck's path), the rest of that path, so that the notes go back to the Anki decks they came
    from (the deck itself when nothing is left)."""
    parts = [part.strip().replace("::", ":") for part in section.split(">")]
    if parts[0].casefold() == deck_name.strip().casefold():
        return tuple(part or "General" for part in parts[1:])
    return (parts[0] or "General",)


def build_package(
    deck: Deck,
    cards: Iterable[StoredCard],
    flat: bool = False,
    on_written: Callable[[], None] | None = None,
    progress: Progress | None = None,
    review_log: ReviewLog | None = None,
    marks: Mapping[int, Collection[str]] | None = None,
) -> genanki.Package:
    """One Anki deck named after ours, with a subdeck per top-level section unless ``flat`` (see ``subdeck_path``).

    The parent deck is always included, so it carries the deck's description even when its notes sit in subdecks.
    With ``progress``, studied cards carry their schedule and reviews; without it every card is new. ``marks``:
    the learner's marks of cards by pk (``Store.card_marks``), which a suspended or flagged card takes along.
    """
    marks = marks or {}
    description = html_text(deck.description.strip())
    parent = genanki.Deck(deck_id(deck.slug), deck.name, description=description)
    subdecks: dict[tuple[str, ...], genanki.Deck] = {(): parent}
    package = ProgressPackage(progress, review_log)
    for stored in cards:
        target = parent
        if not flat:
            path = subdeck_path(stored.card.section, deck.name)
            target = subdecks.get(path)
            if target is None:
                target = subdecks[path] = genanki.Deck(
                    deck_id(deck.slug, *path), "::".join((deck.name, *path)), description=html_text(deck.note)
                )
        target.add_note(make_note(stored, package.rows, on_written, marks.get(stored.pk, ())))
    package.decks = list(subdecks.values())
    return package


def write_package(
    path: Path,
    deck: Deck,
    cards: Iterable[StoredCard],
    flat: bool = False,
    timestamp: float | None = None,
    on_written: Callable[[], None] | None = None,
    progress: Progress | None = None,
    marks: Mapping[int, Collection[str]] | None = None,
) -> None:
    """Write an .apkg; ``timestamp`` fixes the package's note and card ids, for reproducible files; ``marks`` as
    ``build_package`` takes them."""
    # Leaving the pool waits for its thread, before the scratch folder it writes in goes.
    with _removed_scratch_files() as scratch, ThreadPoolExecutor(max_workers=1) as pool:
        review_log = None if progress is None else ReviewLog(progress, scratch / "reviews.db", pool)
        package = build_package(deck, cards, flat, on_written, progress, review_log, marks)
        package.write_to_file(str(path), timestamp=timestamp)


@contextmanager
def _removed_scratch_files() -> Iterator[Path]:
    """genanki builds the collection in a ``tempfile.mkstemp()`` file that it never deletes (several MB for a big
    deck); point the temp folder at one of ours for the duration, and remove it."""
    previous = tempfile.tempdir
    with tempfile.TemporaryDirectory(prefix="quizgen-apkg-") as scratch:
        tempfile.tempdir = scratch
        try:
            yield Path(scratch)
        finally:
            tempfile.tempdir = previous


MAX_COLLECTION = 512 * 1024 * 1024
"""The largest collection read from an existing .apkg to tell whether we wrote it (ours take under 1 MB a
thousand cards): a bound for zip files that unpack to far more than they hold."""


def is_package_of(path: Path, slug: str) -> bool:
    """True if ``path`` is an .apkg we wrote of deck ``slug``: it uses our note types and holds the deck's id."""
    try:
        with zipfile.ZipFile(path) as archive, tempfile.TemporaryDirectory(prefix="quizgen-apkg-") as folder:
            if archive.getinfo("collection.anki2").file_size > MAX_COLLECTION:
                return False
            collection = Path(archive.extract("collection.anki2", folder))
            connection = sqlite3.connect(collection)
            try:
                models, decks = connection.execute("SELECT models, decks FROM col").fetchone()
            finally:
                connection.close()
        ours = any(int(model_id) in NOTE_TYPE_IDS for model_id in json.loads(models))
        return ours and deck_id(slug) in {int(key) for key in json.loads(decks)}
    except (OSError, KeyError, ValueError, TypeError, zipfile.BadZipFile, sqlite3.Error):
        return False
