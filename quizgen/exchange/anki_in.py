"""Anki packages and collections read into plain data: decks, cards in question-file form, reviews and schedules.

Reads ``.apkg`` and ``.colpkg`` packages and collection files (``collection.anki2``, ``.anki21``, ``.anki21b``) of
every format Anki writes, with the ``anki`` library itself. The source is never opened for writing: Anki upgrades a
collection when it opens one, so it only ever sees a copy in a temporary directory, removed afterwards.

Stock note types are recognised by their templates, not their names (people rename them): Basic becomes a
flashcard, Basic (and reversed card) a glossary card (face 0 is Anki's card 1, face 1 its card 2), Basic (optional
reversed card) either of the two by its third field, Basic (type in the answer) a typed card and Cloze a cloze card
with the same deletion numbers (face ``n`` is deletion ``cn``), revealed and self-rated as in Anki unless its note
type has a type-in box. Any other note type gives one flashcard per Anki card, from the rendered question and answer.

Ids are derived from the note's GUID (and the card's template for other note types), deck slugs from the top-level
deck's name, so reading the same package again gives the same ids.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
import shutil
import sqlite3
import tempfile
import unicodedata
import zipfile
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NamedTuple

from anki import import_export_pb2
from anki._backend import RustBackend
from anki.collection import CardId, Collection
from anki.errors import AnkiException, BackendIOError, DBError

from quizgen.core.errors import QuizgenError
from quizgen.core.kinds import cloze_syntax
from quizgen.exchange.anki_html import Converted, Omitted, marker_for, to_text

PACKAGE_COLLECTIONS = ("collection.anki21b", "collection.anki21", "collection.anki2")
ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
SQLITE_MAGIC = b"SQLite format 3\x00"
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
# The zstd frame of empty input: the media list of a package that has no media, in the current package format.
EMPTY_ZSTD_FRAME = bytes.fromhex("28b52ffd2000010000")

QUEUE_STATES = {-3: "buried", -2: "buried", -1: "suspended"}
TYPE_STATES = {0: "new", 1: "learning", 2: "review", 3: "relearning"}
# Anki's revlog entry types, and two more that Anki tells apart by an ease factor of 0, as its FSRS does: an answer in
# a filtered deck that does not reschedule (a preview), and a manual entry that resets the card to new.
REVLOG_KINDS = {
    0: "learn", 1: "review", 2: "relearn", 3: "filtered", 4: "manual", 5: "rescheduled", 6: "preview", 7: "reset",
}
# The text of a card side that is empty in Anki (a Basic note's blank back, say): the card is kept, with its history.
EMPTY_SIDE = "[empty in Anki]"
# Due values above this are epoch seconds (intraday learning), below it day numbers; Anki tells them apart so too.
EPOCH_DUE_FLOOR = 1_000_000_000
NUMBER = (int, float)

TEMPLATE_REF = re.compile(r"\{\{\s*([#^/]?)\s*([^{}]*?)\s*\}\}")
TYPE_ANSWER = re.compile(r"\[\[type:(.+?)\]\]")
AV_TAG = re.compile(r"\[anki:play:([qa]):(\d+)\]")
# How Anki renders ``{{hint:Field}}``: a link named for the field, then the field hidden until the link is clicked.
HINT_START = re.compile(
    r'<a class=hint href="#"[^>]*>\s*(.*?)</a>\s*<div id="hint\w+" class=hint style="display: none">', re.DOTALL
)
# Any tag, its quoted attribute values (which may hold a "</div>" of their own) taken whole.
TAG = re.compile(r"""<(/?)([A-Za-z][\w-]*)(?:[^>"']|"[^"]*"|'[^']*')*>""")
# How quizgen's own export writes a flashcard's hint into its front.
OWN_HINT = re.compile(r'<details class="hint"><summary>Hint</summary>(.*?)</details>', re.DOTALL)


class AnkiReadError(QuizgenError):
    """An Anki file that cannot be read: damaged, not Anki's, or from a newer Anki."""


@dataclass(frozen=True)
class AnkiDeck:
    slug: str
    name: str
    description: str
    # What the deck's options preset in Anki schedules with under FSRS: the parameters as Anki keeps them (FSRS-6's
    # 21, or an older version's; None when none were fitted, so Anki's defaults), and desired retention.
    fsrs_parameters: tuple[float, ...] | None = None
    desired_retention: float | None = None


class FaceKey(NamedTuple):
    """One face of one quizgen card: what the scheduler keys reviews and states on."""

    deck: str
    card_id: str
    face: int


class Review(NamedTuple):
    """One revlog entry. ``rating`` (1-4) is set only for an answer that moved the schedule; previews, manual
    changes, resets and rescheduling are events. ``kind`` names the entry as ``REVLOG_KINDS`` does.

    A named tuple keeping Anki's millisecond timestamp, as there are often hundreds of thousands.
    """

    time_ms: int
    kind: str
    rating: int | None
    duration_ms: int
    interval: int  # days when positive, seconds when negative, as Anki keeps it
    factor: int  # the ease factor the entry left (2500 is 250%), or 0: where FSRS seeds a log cut short from SM-2

    @property
    def time(self) -> datetime:
        return datetime.fromtimestamp(self.time_ms / 1000, UTC)

    @property
    def is_rating(self) -> bool:
        return self.rating is not None


@dataclass(frozen=True)
class MemoryState:
    stability: float
    difficulty: float


@dataclass(slots=True)
class FaceSchedule:
    """Where a face stands in Anki: ``state`` is new, learning, review, relearning, suspended or buried; ``card_type``
    is what it is under a suspension or burial (new, learning, review or relearning)."""

    state: str
    card_type: str
    due: datetime | None  # None for new cards, which have a position instead
    new_position: int | None
    interval_days: int
    ease: float | None  # SM-2 ease factor (2.5 = 250%), None when unset
    reps: int
    lapses: int
    memory: MemoryState | None  # FSRS memory state when Anki has one, else None: compute it from the reviews
    desired_retention: float | None
    last_review: datetime | None
    steps_left: int = 0  # of a card in (re)learning: how many of its learning or relearning steps are left


@dataclass(frozen=True)
class Skipped:
    """A note (``anki_card_id`` None) or one card of a note left out, and why."""

    note_guid: str
    note_type: str
    anki_card_id: int | None
    reason: str
    # The start of the note's first field as text, to find it by in Anki's browser.
    begins: str = ""

    def describe(self) -> str:
        found_by = f'"{self.begins}", ' if self.begins else ""
        return f"note {found_by}{self.note_type}, GUID {self.note_guid}: {self.reason}"


@dataclass
class AnkiReport:
    notes_read: int = 0
    cards_read: int = 0  # Anki cards that became a face
    skipped: list[Skipped] = field(default_factory=list)
    kinds: Counter[str] = field(default_factory=Counter)  # quizgen cards per kind
    media: Counter[str] = field(default_factory=Counter)  # omitted references per kind: image, audio, video, latex
    media_files: set[str] = field(default_factory=set)
    reviews_read: int = 0
    reviews_dropped: int = 0  # of cards skipped or no longer in the collection
    # The notes whose cards are in several Anki decks (the start of the first field, and the deck they went to): a
    # quizgen card is in one deck and section, its first Anki card's.
    split_notes: list[str] = field(default_factory=list)

    def summary(self) -> list[str]:
        """The report as lines for people."""
        kinds = ", ".join(f"{count} {kind}" for kind, count in sorted(self.kinds.items())) or "no cards"
        lines = [f"{self.notes_read} notes read as {kinds}; {self.reviews_read} reviews"]
        if self.skipped:
            lines.append(f"{len(self.skipped)} skipped:")
            lines += [f"  {s.describe()}" for s in self.skipped]
        if self.media:
            omitted = ", ".join(f"{count} {kind}" for kind, count in sorted(self.media.items()))
            lines.append(f"media not shown in the terminal: {omitted}")
        if self.reviews_dropped:
            lines.append(f"{self.reviews_dropped} reviews of skipped or deleted cards left out")
        return lines


@dataclass
class AnkiImport:
    decks: list[AnkiDeck]
    cards: dict[str, list[dict[str, Any]]]  # deck slug -> cards exactly as a question file's [[cards]] holds them
    faces: dict[int, FaceKey]  # Anki card id -> the face it became
    reviews: dict[FaceKey, list[Review]]  # oldest first; every face has an entry
    schedules: dict[FaceKey, FaceSchedule]
    report: AnkiReport
    # The GUID of each note read -> its fields as Anki has them (HTML), to compare with what quizgen exports.
    note_fields: dict[str, list[str]] = field(default_factory=dict)
    # (deck slug, card id) of the cards with a side that is only media the terminal cannot show, or nothing at all.
    unshowable: set[tuple[str, str]] = field(default_factory=set)


def read_anki(path: Path | str) -> AnkiImport:
    """Read an Anki package or collection file; raise AnkiReadError if it cannot be read."""
    source = Path(path)
    if source.is_dir():
        raise AnkiReadError(f"{source}: a folder, not an Anki file")
    if not source.is_file():
        raise AnkiReadError(f"{source}: no such file")
    try:
        with _opened(source) as (col, tables):
            return _Reader(col, tables).read()
    except OSError as error:
        raise AnkiReadError(f"{source}: cannot be read: {error.strerror or error}") from None


@contextmanager
def _opened(source: Path) -> Iterator[tuple[Collection, _Tables]]:
    with source.open("rb") as handle:
        head = handle.read(16)
    with tempfile.TemporaryDirectory(prefix="quizgen-anki-") as scratch:
        col_path = Path(scratch) / "collection.anki2"
        backend = RustBackend()
        try:
            if head.startswith(ZIP_MAGIC):
                _restore_package(backend, source, source, col_path)
            elif head.startswith(ZSTD_MAGIC):
                _restore_package(backend, source, _package_around(source, Path(scratch)), col_path)
            elif head.startswith(SQLITE_MAGIC):
                _copy_collection(source, col_path)
            elif source.suffix.lower() in (".apkg", ".colpkg"):
                raise AnkiReadError(f"{source}: not an Anki package (not a zip archive)")
            else:
                raise AnkiReadError(f"{source}: not an Anki package or collection")
            # Read before Anki opens the file: once it writes (upgrading an older collection), its connection
            # keeps the file locked to every other.
            tables = _read_tables(col_path)
            col = Collection(str(col_path), backend=backend)
        except AnkiException as error:
            raise AnkiReadError(f"{source}: {_reason(error)}") from None
        try:
            if isinstance(tables, sqlite3.Error):
                raise AnkiReadError(f"{source}: not an Anki collection (its tables cannot be read)")
            yield col, tables
        finally:
            col.close()


# The file type named by the one note of the stand-in collection Anki puts in a package for old versions: its text
# is in the exporter's language, and each of Anki's translations of it keeps this name.
STAND_IN_FILE_TYPE = ".colpkg"


def _refuse_a_stand_in(source: Path, first_notes: list[tuple[Any, ...]]) -> None:
    """The one-note stand-in Anki writes into a package for versions too old to read the real collection beside it
    is not the learner's cards. It is told by its note (``first_notes``: the ``flds`` of up to two notes), a request
    for a newer Anki in the first field and nothing in the others, wherever it was moved; unzipped by hand, it has
    the real collection beside it."""
    fields = first_notes[0][0].split("\x1f") if len(first_notes) == 1 and isinstance(first_notes[0][0], str) else []
    if not (fields and STAND_IN_FILE_TYPE in fields[0] and not any(fields[1:])):
        return
    for real in ("collection.anki21b", "collection.anki21"):
        if (source.parent / real).is_file():
            raise AnkiReadError(
                f"{source}: the stand-in Anki puts in a package for old versions of Anki; the cards are in {real} "
                "beside it: import that, or the package itself"
            )
    raise AnkiReadError(
        f"{source}: the stand-in Anki puts in a package for old versions of Anki, not a deck's cards: import the "
        "package it came from"
    )


def _restore_package(backend: RustBackend, source: Path, package: Path, col_path: Path) -> None:
    """Unpack a package's collection with Anki's own restore.

    This is Anki's restore of a collection package, not its .apkg importer: it unpacks whichever collection the
    package holds (anki2, anki21 or compressed anki21b, refusing one newer than it knows) and leaves it exactly as
    written, card ids, note GUIDs, scheduling, FSRS memory states and revlog included. The importer instead merges
    into another collection: it shifts due days, takes cards out of filtered decks, renumbers decks and copies note
    types, and takes longer. An .apkg has the same layout as a .colpkg, so both are read this way.
    """
    try:
        with zipfile.ZipFile(package) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError):
        raise AnkiReadError(f"{source}: a damaged or truncated zip archive, not a readable package") from None
    if not names.intersection(PACKAGE_COLLECTIONS):
        raise AnkiReadError(f"{source}: a zip archive with no Anki collection in it")
    backend.import_collection_package(
        col_path=str(col_path),
        backup_path=str(package),
        media_folder=str(col_path.with_suffix(".media")),
        media_db=str(col_path.with_suffix(".media.db")),
    )


def _package_around(source: Path, scratch: Path) -> Path:
    """A compressed collection (collection.anki21b taken out of a package) put back in a package Anki can restore."""
    package = scratch / "wrapped.colpkg"
    meta = import_export_pb2.PackageMetadata(version=import_export_pb2.PackageMetadata.VERSION_LATEST)
    with zipfile.ZipFile(package, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("meta", meta.SerializeToString())
        archive.write(source, "collection.anki21b")
        archive.writestr("media", EMPTY_ZSTD_FRAME)
    return package


def _copy_collection(source: Path, col_path: Path) -> None:
    shutil.copyfile(source, col_path)
    # A collection open in Anki keeps its latest changes in the write-ahead log beside it.
    wal = source.with_name(source.name + "-wal")
    if wal.is_file():
        shutil.copyfile(wal, col_path.with_name(col_path.name + "-wal"))
    # Anki would create its tables in any other SQLite file, so only a file that has them goes on.
    try:
        db = sqlite3.connect(col_path)
        try:
            tables = {row[0] for row in db.execute("select name from sqlite_master where type = 'table'")}
            if not {"col", "notes", "cards", "revlog"} <= tables:
                raise AnkiReadError(f"{source}: a SQLite database, but not an Anki collection")
            try:
                first_notes = db.execute("select flds from notes limit 2").fetchall()
            except sqlite3.OperationalError:
                first_notes = []  # tables not Anki's, as Anki's own reader goes on to say
        finally:
            db.close()
    except sqlite3.DatabaseError:
        raise AnkiReadError(f"{source}: not an Anki collection (a damaged SQLite file)") from None
    _refuse_a_stand_in(source, first_notes)


def _reason(error: AnkiException) -> str:
    message = str(error).strip()
    if (isinstance(error, DBError) and "FileTooNew" in message) or "newer version" in message:
        return "made by a newer version of Anki than this reader knows; export it from Anki as an older format"
    if "NotADatabase" in message or "not a database" in message:
        return "not an Anki collection (damaged or not SQLite)"
    if isinstance(error, DBError) and ("no such table" in message or "no such column" in message):
        return "not an Anki collection (a SQLite database whose tables are not Anki's)"
    if isinstance(error, BackendIOError) or "ProtoError" in message:
        return "a damaged Anki package: what it holds cannot be unpacked"
    first_line = message.splitlines()[0] if message else ""
    # Anki's reader words some failures for people and others as its own internal structures ("DbError { … }").
    if not first_line or "{" in first_line:
        return "damaged, or not an Anki file"
    return f"cannot be read as an Anki file: {first_line}"


@dataclass
class _Tables:
    """The rows of a collection's cards and notes, and its review log by Anki card id (oldest first)."""

    cards: list[tuple[Any, ...]]
    notes: list[tuple[Any, ...]]
    revlog: dict[int, list[Review]]
    reviews_read: int


def _read_tables(col_path: Path) -> _Tables | sqlite3.Error:
    """The collection's own rows, read with SQLite: the anki library hands every row over as JSON, several times
    slower for a review log of a hundred thousand entries. The columns read are the same in every collection
    version. A file whose tables cannot be read gives the error, which Anki's own refusal of it comes before."""
    try:
        db = sqlite3.connect(f"{col_path.as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as error:
        return error
    try:
        cards = db.execute(
            "select id, nid, did, odid, ord, type, queue, due, odue, ivl, factor, reps, lapses, left, data "
            "from cards order by nid, ord"
        ).fetchall()
        notes = db.execute("select id, guid, mid, tags, flds from notes order by id").fetchall()
        revlog: dict[int, list[Review]] = {}
        kinds, count = REVLOG_KINDS, 0
        # Made as the tuple it is: Review(...) and Review._make pass through Python code for every row.
        make = tuple.__new__
        # As in Anki's own FSRS: an answer given in a filtered deck that reschedules counts; previews, manual
        # changes, resets, rescheduling and filtered entries without an answer are events.
        for rid, cid, rating, ivl, duration, rtype, factor in db.execute(
            "select id, cid, case when type between 0 and 3 and ease between 1 and 4 and (type < 3 or factor != 0)"
            " then ease end, ivl, time, case when factor = 0 and type in (3, 4) then type + 3 else type end, factor "
            "from revlog order by id"
        ):
            face_reviews = revlog.get(cid)
            if face_reviews is None:
                face_reviews = revlog[cid] = []
            # The kind is looked up, not made by the query: one string for all rows of a kind, not one each.
            face_reviews.append(make(Review, (rid, kinds.get(rtype, "unknown"), rating, duration, ivl, factor)))
            count += 1
        return _Tables(cards, notes, revlog, count)
    except sqlite3.Error as error:
        return error
    finally:
        db.close()


@dataclass(frozen=True)
class _Shape:
    """How a note type's notes become quizgen cards; the fields are indexes into a note's fields."""

    kind: str  # flashcard, glossary, optional, typed, cloze, rendered, image-occlusion
    first: int = 0
    second: int = 0
    switch: int = 0
    extras: tuple[int, ...] = ()
    typed_in: bool = False  # a cloze with Anki's type-in box: typed in quizgen too, where other clozes are revealed


def _refs(template: str) -> list[tuple[str, str]]:
    return [(sigil, name) for sigil, name in TEMPLATE_REF.findall(template)]


def note_shape(notetype: dict[str, Any]) -> _Shape:
    """Recognise a stock note type by its fields' roles in its templates."""
    names = [f["name"] for f in notetype["flds"]]
    index = {name: i for i, name in enumerate(names)}
    templates = notetype["tmpls"]
    questions = [_refs(t["qfmt"]) for t in templates]
    answers = [[ref for ref in _refs(t["afmt"]) if ref != ("", "FrontSide")] for t in templates]

    def plain(refs: list[tuple[str, str]]) -> str | None:
        return refs[0][1] if len(refs) == 1 and refs[0][0] == "" and refs[0][1] in index else None

    if notetype.get("type") == 1:
        if any(name.startswith("cloze:") and "image-occlusion" in t["qfmt"] for t in templates for _, name in
               _refs(t["qfmt"])):
            return _Shape("image-occlusion")
        # Cloze, or a cloze typed in ({{cloze:Text}} {{type:cloze:Text}}), asked in quizgen as Anki asks it.
        question = questions[0] if len(templates) == 1 else []
        if question and all(sigil == "" for sigil, _name in question) and question[0][1].startswith("cloze:"):
            text = question[0][1].removeprefix("cloze:")
            deletions = {f"cloze:{text}", f"type:cloze:{text}"}
            answer_fields = [name for sigil, name in answers[0] if sigil == ""]
            if text in index and all(name in deletions for _sigil, name in question[1:]) and all(
                name in index or name in deletions for name in answer_fields
            ):
                extras = tuple(dict.fromkeys(index[name] for name in answer_fields if name in index and name != text))
                typed_in = any(name == f"type:cloze:{text}" for _sigil, name in question)
                return _Shape("cloze", first=index[text], extras=extras, typed_in=typed_in)
        return _Shape("rendered")
    if len(templates) == 1:
        front, back = plain(questions[0]), plain(answers[0])
        if front and back and front != back:
            return _Shape("flashcard", index[front], index[back])
        q, a = questions[0], answers[0]
        if len(q) == 2 and q[0][0] == "" and q[0][1] in index and q[1][0] == "" and q[1][1].startswith("type:"):
            answer = q[1][1].removeprefix("type:")
            if answer in index and answer != q[0][1] and a in ([q[1]], [q[0], q[1]]):
                return _Shape("typed", index[q[0][1]], index[answer])
    if len(templates) == 2:
        front, back = plain(questions[0]), plain(answers[0])
        if front and back and front != back and plain(answers[1]) == front:
            if plain(questions[1]) == back:
                return _Shape("glossary", index[front], index[back])
            q = questions[1]
            if (
                len(q) == 3
                and q[0][0] == "#"
                and q[2] == ("/", q[0][1])
                and q[1] == ("", back)
                and q[0][1] in index
                and q[0][1] not in (front, back)
            ):
                return _Shape("optional", index[front], index[back], switch=index[q[0][1]])
    return _Shape("rendered")


def card_id_base(guid: str) -> str:
    """A quizgen card id from an Anki note GUID: the same GUID gives the same id in every import."""
    return "anki-" + hashlib.sha256(guid.encode("utf-8")).hexdigest()[:16]


def slugify(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii").lower()
    return "-".join(re.findall(r"[a-z0-9]+", ascii_name))


def hashed_slug(name: str) -> str:
    """The slug of a deck name that gives none, or the same one as another name: with a hash of the name."""
    suffix = hashlib.sha256(name.encode("utf-8")).hexdigest()[:8]
    return f"{slugify(name)}-{suffix}" if slugify(name) else f"anki-deck-{suffix}"


def deck_slugs(names: list[str]) -> dict[str, str]:
    """Slugs for top-level deck names, from the name; names that give no slug or the same one get a hash of it."""
    taken = Counter(slugify(name) for name in names)
    return {
        name: slugify(name) if slugify(name) and taken[slugify(name)] == 1 else hashed_slug(name) for name in names
    }


def with_deck_slugs(imported: AnkiImport, slugs: dict[str, str]) -> AnkiImport:
    """What was read, its decks' slugs changed as ``slugs`` says (slug read -> slug to use)."""
    if all(slugs.get(deck.slug, deck.slug) == deck.slug for deck in imported.decks):
        return imported

    def key(face: FaceKey) -> FaceKey:
        return face._replace(deck=slugs.get(face.deck, face.deck))

    return dataclasses.replace(
        imported,
        decks=[dataclasses.replace(deck, slug=slugs.get(deck.slug, deck.slug)) for deck in imported.decks],
        cards={slugs.get(deck, deck): cards for deck, cards in imported.cards.items()},
        faces={cid: key(face) for cid, face in imported.faces.items()},
        reviews={key(face): reviews for face, reviews in imported.reviews.items()},
        schedules={key(face): schedule for face, schedule in imported.schedules.items()},
    )


@dataclass(slots=True)
class _AnkiCard:
    id: int
    ord: int
    deck_id: int
    type: int
    queue: int
    due: int
    interval: int
    factor: int
    reps: int
    lapses: int
    left: int  # of a card in (re)learning: how many of its steps are left (the last three digits)
    data: str


class _Reader:
    def __init__(self, col: Collection, tables: _Tables):
        self.col = col
        self.tables = tables
        self.report = AnkiReport()
        self.cards: dict[str, list[dict[str, Any]]] = {}
        self.faces: dict[int, FaceKey] = {}
        self.schedules: dict[FaceKey, FaceSchedule] = {}
        self.note_fields: dict[str, list[str]] = {}
        self.unshowable: set[tuple[str, str]] = set()
        self._empty: set[int] | None = None
        timing = col.sched
        self.today = timing.today
        self.next_day_at = timing.day_cutoff

    def read(self) -> AnkiImport:
        col = self.col
        notetypes = {int(m["id"]): m for m in col.models.all()}
        shapes = {mid: note_shape(m) for mid, m in notetypes.items()}
        deck_names = {int(d.id): d.name for d in col.decks.all_names_and_ids()}
        # Anki's own check puts a card whose deck is gone in the default deck (id 1), whatever it is called now.
        orphans = deck_names.get(1, "Default")
        tops = sorted({name.split("::")[0] for name in [*deck_names.values(), orphans]})
        slugs = deck_slugs(tops)
        by_note: dict[int, list[_AnkiCard]] = {}
        for (cid, nid, did, odid, ordinal, ctype, queue, due, odue, ivl, factor, reps, lapses, left,
             data) in self.tables.cards:
            # A card in a filtered deck keeps its home deck and due in odid/odue.
            home, home_due = (odid, odue or due) if odid else (did, due)
            by_note.setdefault(nid, []).append(
                _AnkiCard(cid, ordinal, home, ctype, queue, home_due, ivl, factor, reps, lapses, left, data)
            )
        field_names = {mid: [f["name"] for f in m["flds"]] for mid, m in notetypes.items()}
        places: dict[str, tuple[str, str]] = {}  # deck name -> its top-level deck and its section, made once
        used_tops: set[str] = set()
        guid_notes: dict[str, int] = {}  # GUID -> the first note (lowest id) that has it
        for nid, guid, mid, tags, flds in self.tables.notes:
            cards = by_note.get(nid)
            notetype = notetypes.get(mid)
            if not cards or notetype is None:
                continue
            fields = flds.split("\x1f")
            first_with_guid = guid_notes.setdefault(guid, nid)
            if first_with_guid != nid:
                # Anki keeps GUIDs unique; a hand-edited or merged collection may not. The ids come from the GUID,
                # so only the first note can have them.
                reason = f"note {nid} has the GUID already used by note {first_with_guid}, which is kept"
                self.report.skipped.append(Skipped(guid, notetype["name"], None, reason, _beginning(fields)))
                continue
            deck_name = deck_names.get(cards[0].deck_id, orphans)
            if any(card.deck_id != cards[0].deck_id for card in cards):
                self.report.split_notes.append(f'"{_beginning(fields)}" (in {deck_name})')
            if deck_name not in places:
                places[deck_name] = (deck_name.split("::")[0], " > ".join(p.strip() for p in deck_name.split("::")))
            top, section = places[deck_name]
            base = {"deck": slugs[top], "section": section, "tags": tags.split()}
            note = _Note(guid, notetype["name"], field_names[mid], fields, cards, base)
            self.note_fields[guid] = fields
            if self._read_note(note, shapes[mid]):
                self.report.notes_read += 1
                used_tops.add(top)
        reviews = self._reviews()
        decks = [AnkiDeck(slugs[top], top, self._deck_description(top), *self._fsrs_preset(top))
                 for top in tops if top in used_tops]
        return AnkiImport(decks, self.cards, self.faces, reviews, self.schedules, self.report, self.note_fields,
                          self.unshowable)

    def _empty_cards(self) -> set[int]:
        """The cards whose front Anki's templates leave blank, found once, when a card is first rendered."""
        if self._empty is None:
            self._empty = {cid for note in self.col.get_empty_cards().notes for cid in note.card_ids}
        return self._empty

    def _fsrs_preset(self, top: str) -> tuple[tuple[float, ...] | None, float | None]:
        """The FSRS parameters and desired retention of the options preset of the top-level deck. A package of
        decks does not say whether FSRS is on in the collection: parameters fitted are the learner's all the same."""
        deck = self.col.decks.by_name(top)
        if deck is None:
            return None, None
        preset = self.col.decks.config_dict_for_deck_id(deck["id"])
        # The newest FSRS version Anki has fitted for the preset (each version has a key of its own).
        fitted = next((values for key in ("fsrsParams6", "fsrsParams5", "fsrsWeights")
                       if isinstance(values := preset.get(key), list) and values), None)
        parameters = tuple(float(v) for v in fitted) if fitted and all(isinstance(v, NUMBER) for v in fitted) else None
        retention = preset.get("desiredRetention")
        return parameters, float(retention) if isinstance(retention, NUMBER) else None

    def _deck_description(self, top: str) -> str:
        """The Anki deck's description as text; quizgen decks need one, so a deck without says where it came from."""
        deck = self.col.decks.by_name(top)
        text = to_text(str(deck.get("desc", ""))).text if deck else ""
        return text if text.strip() else f"Cards from the Anki deck {top}."

    def _read_note(self, note: _Note, shape: _Shape) -> bool:
        """Turn one note into its quizgen cards; False when nothing of it could be used."""
        if shape.kind == "image-occlusion":
            return note.skip(self.report, "image occlusion needs its image")
        if shape.kind == "rendered":
            return self._read_rendered(note)
        first = note.text(shape.first)
        if shape.kind == "cloze":
            return self._read_cloze(note, shape, first)
        second = note.text(shape.second)
        kind = shape.kind
        if kind == "optional":
            reverse = to_text(note.fields[shape.switch]) if shape.switch < len(note.fields) else Converted("")
            kind = "glossary" if reverse.text.strip() else "flashcard"
        if not first.has_text and not first.omitted:
            # Anki itself lists such a card under Tools > Empty Cards.
            return note.skip(self.report, "the front is empty once its HTML is made text")
        unshowable = not first.has_text or not second.has_text
        if kind == "typed":
            if second.has_text:
                answer = " ".join(line.strip() for line in second.text.splitlines() if line.strip())
                fields = {"prompt": first.text, "answer": answer}
            else:  # nothing to type in: it is asked as a flashcard
                kind, fields = "flashcard", {"front": first.text, "back": _shown(second)}
            return self._add(note, {"kind": kind, **fields}, {0: 0}, unshowable=unshowable)
        if kind == "flashcard":
            fields = {"front": first.text, "back": _shown(second)}
            return self._add(note, {"kind": kind, **fields}, {0: 0}, unshowable=unshowable)
        if kind == "glossary":
            fields = {"term": first.text, "definition": _shown(second)}
            return self._add(note, {"kind": kind, **fields}, {0: 0, 1: 1}, unshowable=unshowable)
        raise AssertionError(kind)

    def _read_cloze(self, note: _Note, shape: _Shape, first: Converted) -> bool:
        # An empty deletion is an Anki card with nothing to recall: it is left out, and its card with it.
        text = cloze_syntax.without_empty(first.text)
        problems = cloze_syntax.problems(text)
        if problems:
            return note.skip(self.report, f"cloze text not usable: {problems[0]}")
        numbers = cloze_syntax.numbers(text)
        cloze: dict[str, Any] = {"kind": "cloze", "text": text}
        if not shape.typed_in:
            cloze["reveal"] = True  # Anki shows the deletion and the learner rates their recall
        extras = [note.text(i).text for i in shape.extras]
        explanation = "\n".join(text for text in extras if text.strip())
        if explanation:
            cloze["explanation"] = explanation
        # Asked by what is around a deletion, answered by what is in it: either being only media, it cannot be asked.
        around = cloze_syntax.outside(text)
        asked_by_media = any(marker_for(item) in around for item in first.omitted) and not Converted(
            around, first.omitted).has_text
        answered_by_media = all(not Converted(d.answer, first.omitted).has_text for d in cloze_syntax.deletions(text))
        unshowable = asked_by_media or answered_by_media
        return self._add(note, cloze, {number - 1: number for number in numbers}, unshowable=unshowable)

    def _read_rendered(self, note: _Note) -> bool:
        """One flashcard per Anki card of a note type that is none of the stock ones, from the card as Anki shows it."""
        added = False
        for card in note.cards:
            if card.id in self._empty_cards():
                # Anki would show its own notice on the card, and lists it under Tools > Empty Cards.
                note.skip(self.report, f"card {card.ord + 1}: its template leaves the front blank", card.id)
                continue
            output = self.col.get_card(CardId(card.id)).render_output()
            question_html, hints_html = _hints_taken_out(output.question_text, note)
            question = _rendered_text(question_html, output.question_av_tags, note, False)
            # The answer side repeats the question's hints above its answer, where they are no use; one of its own is
            # shown, as if opened.
            answer_html = _hints_taken_out(output.answer_text, note, open_but=set(hints_html))[0]
            answer = _rendered_text(answer_html, output.answer_av_tags, note, True)
            hints = [_rendered_text(hint, output.question_av_tags, note, False) for hint in hints_html]
            if not question.has_text and not question.omitted:
                note.skip(self.report, f"card {card.ord + 1}: the front is empty once its HTML is made text", card.id)
                continue
            flashcard = {"kind": "flashcard", "front": question.text, "back": _shown(answer)}
            if hint := "\n".join(hint.text for hint in hints if hint.text.strip()):
                flashcard["hint"] = hint
            added = self._add(note, flashcard, {card.ord: 0}, f"-{card.ord + 1}", [question, answer, *hints],
                              unshowable=not question.has_text or not answer.has_text)
        return added

    def _add(
        self,
        note: _Note,
        fields: dict[str, Any],
        faces: dict[int, int],
        id_suffix: str = "",
        converted: list[Converted] | None = None,
        unshowable: bool = False,
    ) -> bool:
        deck = note.base["deck"]
        card_id = card_id_base(note.guid) + id_suffix
        if unshowable:
            self.unshowable.add((deck, card_id))
        data: dict[str, Any] = {"id": card_id, "kind": fields.pop("kind"), "section": note.base["section"]}
        explanation = fields.pop("explanation", "")
        data.update(fields)
        if explanation:
            data["explanation"] = explanation
        if note.base["tags"]:
            data["tags"] = list(note.base["tags"])
        self.cards.setdefault(deck, []).append(data)
        self.report.kinds[data["kind"]] += 1
        for item in note.omitted if converted is None else [o for c in converted for o in c.omitted]:
            self.report.media[item.kind] += 1
            if item.name:
                self.report.media_files.add(item.name)
        for card in note.cards:
            if card.ord in faces:
                key = FaceKey(deck, card_id, faces[card.ord])
                self.faces[card.id] = key
                self.schedules[key] = self._schedule(card)
                self.report.cards_read += 1
            elif converted is None:
                note.skip(self.report, f"card {card.ord + 1} has no face in the quizgen card", card.id)
        return True

    def _schedule(self, card: _AnkiCard) -> FaceSchedule:
        card_type = TYPE_STATES.get(card.type, "new")
        state = QUEUE_STATES.get(card.queue, card_type)
        due: datetime | None = None
        position: int | None = None
        if card.type == 0:
            position = card.due
        elif card.due > EPOCH_DUE_FLOOR:
            due = datetime.fromtimestamp(card.due, UTC)
        else:
            # A day number counts days since the collection was made; each day starts at its rollover hour, so day
            # ``today`` started a day before ``next_day_at``.
            due = datetime.fromtimestamp(self.next_day_at - (self.today - card.due + 1) * 86400, UTC)
        memory, retention, last = None, None, None
        if len(card.data) > 2:
            extra = _json_object(card.data)
            stability, difficulty = extra.get("s"), extra.get("d")
            desired, last_seconds = extra.get("dr"), extra.get("lrt")
            if isinstance(stability, NUMBER) and isinstance(difficulty, NUMBER):
                memory = MemoryState(float(stability), float(difficulty))
            if isinstance(desired, NUMBER):
                retention = float(desired)
            if isinstance(last_seconds, int) and last_seconds > 0:
                last = datetime.fromtimestamp(last_seconds, UTC)
        return FaceSchedule(
            state=state,
            card_type=card_type,
            due=due,
            new_position=position,
            interval_days=card.interval if card.type in (2, 3) else 0,
            ease=card.factor / 1000 if card.factor else None,
            reps=card.reps,
            lapses=card.lapses,
            memory=memory,
            desired_retention=retention,
            last_review=last,
            steps_left=card.left % 1000 if card.type in (1, 3) else 0,
        )

    def _reviews(self) -> dict[FaceKey, list[Review]]:
        revlog = self.tables.revlog
        reviews = {key: revlog.pop(cid, []) for cid, key in self.faces.items()}
        self.report.reviews_dropped = sum(len(rest) for rest in revlog.values())
        self.report.reviews_read = self.tables.reviews_read - self.report.reviews_dropped
        return reviews


@dataclass
class _Note:
    guid: str
    notetype: str
    names: list[str]
    fields: list[str]
    cards: list[_AnkiCard]
    base: dict[str, Any]
    omitted: list[Omitted] = field(default_factory=list)

    def text(self, index: int) -> Converted:
        converted = to_text(self.fields[index]) if index < len(self.fields) else Converted("")
        self.omitted += converted.omitted
        return converted

    def skip(self, report: AnkiReport, reason: str, anki_card_id: int | None = None) -> bool:
        report.skipped.append(Skipped(self.guid, self.notetype, anki_card_id, reason, _beginning(self.fields)))
        return False


def _shown(side: Converted) -> str:
    """A side's text, where a side with nothing at all says so (one with only media has its markers)."""
    return side.text if side.has_text or side.omitted else EMPTY_SIDE


def _beginning(fields: list[str], length: int = 40) -> str:
    """The first field of a note as one line of text, cut short."""
    text = " ".join(to_text(fields[0]).text.split()) if fields else ""
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


def _rendered_text(side_html: str, av_tags: Any, note: _Note, answer: bool) -> Converted:
    """A rendered side as text: Anki's sound placeholders back to their files, the type-in box to its answer."""

    def sound(match: re.Match[str]) -> str:
        index = int(match[2])
        tag = av_tags[index] if index < len(av_tags) else None
        filename = getattr(tag, "filename", "")
        return f"[sound:{filename}]" if filename else ""

    def typed(match: re.Match[str]) -> str:
        if not answer:
            return ""
        return "<div>" + _field_by_name(note, match[1]) + "</div>"

    side = TYPE_ANSWER.sub(typed, AV_TAG.sub(sound, side_html))
    return to_text(side, after_answer_rule=answer)


def _hints_taken_out(side_html: str, note: _Note, open_but: set[str] | None = None) -> tuple[str, list[str]]:
    """A rendered side without the hints Anki renders for ``{{hint:Field}}`` (or quizgen's export writes), and each
    hint's HTML: the terminal shows a hint when asked, not behind a link. With ``open_but``, each hint not in it
    stays, as its text."""
    kept: list[str] = []
    hints: list[str] = []
    at = 0
    while found := [match for match in (HINT_START.search(side_html, at), OWN_HINT.search(side_html, at)) if match]:
        start = min(found, key=lambda match: match.start())
        if start.re is OWN_HINT:  # one of quizgen's own export, read back
            content, end = start[1], start.end()
        else:
            content, end = _hint_content(side_html, start.end(), _field_by_name(note, start[1].strip()))
        opened = open_but is not None and content not in open_but
        kept += [side_html[at : start.start()], *([f"<div>{content}</div>"] if opened else [])]
        hints.append(content)
        at = end
    kept.append(side_html[at:])
    return "".join(kept), hints


def _hint_content(side_html: str, begins: int, field_html: str) -> tuple[str, int]:
    """The hint that begins at ``begins`` and where its hidden block ends: the field it shows, as Anki puts it there
    whole; else (a field other filters changed) up to the end of the block, found by its tags."""
    if field_html and side_html.startswith(field_html + "</div>", begins):
        return field_html, begins + len(field_html) + len("</div>")
    depth = 1
    for tag in TAG.finditer(side_html, begins):
        if tag[2].lower() == "div":
            depth += -1 if tag[1] else 1
            if depth == 0:
                return side_html[begins : tag.start()], tag.end()
    end = side_html.find("</div>", begins)  # a div of the hint's own left open: the block ends at the first close
    return (side_html[begins:end], end + len("</div>")) if end >= 0 else (side_html[begins:], len(side_html))


def _field_by_name(note: _Note, name: str) -> str:
    """A field's raw value by a template's name for it (``type:Back`` names ``Back``, ``type:cloze:Text`` ``Text``)."""
    plain = name.split(":")[-1]
    return note.fields[note.names.index(plain)] if plain in note.names[: len(note.fields)] else ""


def _json_object(text: str) -> dict[str, Any]:
    if not text:
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
