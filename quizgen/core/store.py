"""The SQLite store: decks, cards, the schedule of each card face, reviews and sessions, in one file.

Every write is one transaction: an import either lands whole or not at all, and an answer (its review row and its
new schedule) is committed before the quiz moves on.
"""

from __future__ import annotations

import json
import math
import os
import sqlite3
import tempfile
from bisect import bisect_left
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice
from operator import lt
from pathlib import Path
from time import monotonic, sleep
from typing import TYPE_CHECKING, Any, NamedTuple

from quizgen.core import paths, time
from quizgen.core.cards import Card, Deck
from quizgen.core.display import one_line
from quizgen.core.errors import DatabaseBusy, DatabaseError, ImportProblems, UnknownCard, UnknownDeck, WriteError
from quizgen.core.files import not_regular
from quizgen.core.migrations import APPLICATION_ID, NAMES, migrations
from quizgen.core.sqlite import Database
from quizgen.core.time import from_stored, to_stored

if TYPE_CHECKING:
    from quizgen.core.sync import ImportPlan

SQLITE_HEADER = b"SQLite format 3\x00"
BUSY_TIMEOUT_MS = 10_000
# In the user's cache folder: the databases that passed the damage check, as they were then.
CHECKED_FILE = "checked-databases.json"
CHECKED_KEPT = 20
# The config key saying the database has had its bundled decks: a database is filled with them once.
SEEDED = "seeded"
# Card ids named when the start of an id given matches several.
AMBIGUOUS_SHOWN = 8


@dataclass(frozen=True)
class Answer:
    """One answer as stored: its review row and, when the mode reschedules, the face's new schedule row.

    ``due_before`` is the face's due time (stored text) when it was asked; ``schedule`` is None when the mode
    leaves the schedule alone (practice, exam).
    """

    card_pk: int
    face: int
    reviewed_at: datetime
    mode: str
    rating: int
    correct: bool
    response: str
    duration_ms: int
    due_before: str | None
    schedule: dict[str, Any] | None
    # The face's schedule that ``schedule`` was worked out from: when the stored one is no longer it (another quiz
    # answered the face meanwhile), nothing is written and ScheduleMoved gives the stored one.
    schedule_before: dict[str, Any] | None = None


# A face's schedule row, as a quiz works it out and the schedule table keeps it.
SCHEDULE_COLUMNS = ("state", "step", "stability", "difficulty", "due", "last_review")
# A face never studied, as its schedule row has it.
NEW_SCHEDULE = {"state": 0, "step": None, "stability": None, "difficulty": None, "due": None, "last_review": None}


class ScheduleMoved(Exception):
    """The face's schedule changed since the answer being stored was worked out from it; ``stored`` is it now."""

    def __init__(self, stored: dict[str, Any]):
        super().__init__("the face's schedule changed meanwhile")
        self.stored = stored


class FaceSchedule(NamedTuple):
    """One face's row of the schedule table; times are stored text, None until the face is first reviewed."""

    card_pk: int
    face: int
    state: int
    stability: float | None
    difficulty: float | None
    due: str | None
    last_review: str | None


@dataclass
class StoredCard:
    """A card as the database holds it."""

    pk: int
    card: Card
    origin: str
    modified: str
    retired: str | None


class ScheduleTally(NamedTuple):
    """The faces of some cards by where they stand in FSRS's schedule (see ``Store.schedule_tally``)."""

    faces: int
    new: int  # of cards neither suspended nor buried, as are review
    review: int
    suspended: int  # faces of suspended cards, whatever their state
    buried: int  # faces of buried cards (not suspended), whatever their state
    due: int
    due_week: int
    studied: int
    recall_sum: float


class StudiedFace(NamedTuple):
    """A face's schedule row as stored: ``state`` is an ``fsrs.State`` value, times are stored UTC text."""

    card_pk: int
    face: int
    state: int
    step: int | None
    stability: float
    difficulty: float
    due: str
    last_review: str
    # For a face imported from Anki (``anki_sm2``): the SM-2 ease and interval Anki gave it, and the due date it came
    # with (the schedule is still Anki's while the face is due then).
    ease: float | None = None
    anki_interval: int | None = None
    anki_due: str | None = None


class FaceDetail(NamedTuple):
    """One face's schedule row as stored, with how often it lapsed (Again after it had been learnt)."""

    card_pk: int
    face: int
    state: int
    stability: float | None
    difficulty: float | None
    due: str | None
    last_review: str | None
    lapses: int


class CardReview(NamedTuple):
    """One answer given to a card, as stored (``reviewed_at`` is stored UTC text)."""

    face: int
    reviewed_at: str
    mode: str
    rating: int
    correct: int | None
    response: str | None
    duration_ms: int | None
    scheduled: int | None


class RatingHistory(NamedTuple):
    """The rated reviews of one face that moved its schedule, oldest first: stored times and ratings (1-4)."""

    card_pk: int
    face: int
    times: list[str]
    ratings: list[int]


@dataclass
class FaceHistory:
    """What an Anki import merges a face's Anki history with: its schedule row (as ``quiz_face`` gives it), the
    times (Unix ms) of its own scheduled reviews, the Anki revlog ids already imported for it (``kindless``: those of
    its answers imported without their Anki kind, see m011), and where its FSRS history begins
    (``face_history_starts``; None from its first review)."""

    schedule: dict[str, Any]
    native_ms: list[int]
    anki_ids: set[int]
    starts_at: str | None = None
    kindless: set[int] = field(default_factory=set)
    seed: Sm2Seed | None = None  # ``face_sm2_seeds``: where FSRS starts a log without learning steps


class Sm2Seed(NamedTuple):
    """Where FSRS starts a face whose Anki log has no learning steps, as Anki's FSRS does: the memory state SM-2's
    ease (2.5 is 250%) and interval in days stand for at the answer ``seeded_at`` (a stored time), the first one
    after any reset; the answers after it are replayed from there."""

    seeded_at: str
    ease: float
    interval_days: float


class SeededHistory(NamedTuple):
    """A face in review that FSRS starts from an SM-2 seed: the seed, and the stored times and ratings (1-4) of
    the rated answers that moved its schedule after it, oldest first."""

    card_pk: int
    face: int
    seed: Sm2Seed
    times: list[str]
    ratings: list[int]


# An imported Anki answer, as written: card pk, face, reviewed at, rating, duration in ms as Anki has it, due before,
# due after (stored times or None), revlog id, elapsed days (see m008; None where the store is to work it out) and
# the kind Anki logged it as (see m011).
# Plain tuples, as there are often hundreds of thousands. Every rating but Again (1) is correct.
AnkiReviewRow = tuple[int, int, str, int, int, str | None, str | None, int, float | None, str]
# The Anki kind of an answer imported before kinds were kept: kind, card pk, face, revlog id.
AnkiKindRow = tuple[str, int, int, int]
# An imported Anki event: card pk, face, revlog id, happened at, kind, interval.
AnkiEventRow = tuple[int, int, int, str, str, int]


class CardRows:
    """Cards fetched as database rows, each built into a ``StoredCard`` only when iterated over."""

    PARSED_TOGETHER = 100

    def __init__(self, deck: str, rows: list[tuple[int, str, str, str]]):
        self._deck = deck
        self._rows = rows

    def __len__(self) -> int:
        return len(self._rows)

    def __iter__(self) -> Iterator[StoredCard]:
        # One json.loads per hundred cards' data: for cards this small, most of its cost is per call.
        for start in range(0, len(self._rows), self.PARSED_TOGETHER):
            rows = self._rows[start : start + self.PARSED_TOGETHER]
            parsed = json.loads("[" + ",".join([data for _pk, data, _origin, _modified in rows]) + "]")
            for (pk, _data, origin, modified), data in zip(rows, parsed, strict=True):
                yield StoredCard(pk, Card.from_stored(self._deck, data), origin, modified, None)


@dataclass(frozen=True)
class StoredRow:
    """What an import plan needs to know of a stored card."""

    pk: int
    content_hash: str
    origin: str
    origin_line: int | None
    retired: str | None
    kind: str


@dataclass(frozen=True)
class StoredRows:
    """The stored cards of some decks and files, by (deck, card id), as read at one moment."""

    decks: tuple[str, ...]
    origins: tuple[str, ...]
    rows: dict[tuple[str, str], StoredRow]
    # PRAGMA data_version before the read: it changes only when another connection commits.
    version: int


class StalePlan(DatabaseError):
    """Another process changed the cards an import was planned on; plan again."""


def open_database(
    path: Path, create_folder: bool = False, read_only: bool = False, on_upgrade: Callable[[int], None] | None = None
) -> tuple[Database, str | None]:
    """Open (creating if new) a quizgen database, upgrading its schema; refuse anything else with one line.

    Returns the database and, when it cannot be written, why not (then it is opened read-only and left as it is).
    ``read_only`` opens it so even when it could be written. ``on_upgrade`` is told the number of reviews stored
    before an existing database's schema is upgraded, which for a long history takes a while.
    """
    kind = _not_a_file(path)
    if kind:
        raise DatabaseError(f"database path {path} is {kind}, not a file")
    if not path.parent.exists():
        if not create_folder:
            raise DatabaseError(f"cannot open database {path}: folder {path.parent} does not exist")
        # Every answer typed is in there: the folder is the user's alone.
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    if not path.exists():
        if read_only:
            raise DatabaseError(f"no database at {path}")
        _create(path)
    try:
        with path.open("rb") as fh:
            header = fh.read(len(SQLITE_HEADER))
    except OSError as ex:
        raise DatabaseError(f"cannot read database {path}: {ex.strerror or ex}") from None
    if not header:
        raise DatabaseError(f"{path} is an empty file, not a quizgen database (remove it to start afresh)")
    if header != SQLITE_HEADER:
        raise DatabaseError(f"{path} is not a quizgen database (not an SQLite file)")
    reason = unwritable_reason(path) or ("opened read-only" if read_only else None)
    signature = file_signature(path)  # before connecting, which makes a -wal file
    try:
        # No sqlite-utils plugins: quizgen calls none, and looking for them reads every installed package's metadata.
        db = Database(_connect(path, reason), execute_plugins=False)
        db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        _check_intact(db, path, signature)
        _check_identity(db, path)
        db.execute("PRAGMA foreign_keys = ON")
        if reason is None:
            _retry_while_locked(lambda: _use_wal(db))
            _upgrade(db, on_upgrade)
        elif migrations.pending(db) and db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]:
            raise DatabaseError(f"database {path} needs upgrading by this quizgen, and cannot be written ({reason})")
    except sqlite3.DatabaseError as ex:
        raise DatabaseError(describe_sqlite_error(ex, path)) from None
    return db, reason


def _not_a_file(path: Path) -> str | None:
    """What the database path is when it is there and not a regular file, found without opening it: opening a FIFO
    waits for a writer that never comes."""
    try:
        return not_regular(path)
    except WriteError as ex:
        raise DatabaseError(str(ex).replace("cannot write", "cannot open database", 1)) from None


def _create(path: Path) -> None:
    """Make a new database whole beside ``path``, then link it into place: a second quizgen starting at the same
    moment finds either no file or a finished one, never an empty file or a schema half made."""
    try:
        fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".new", dir=path.parent)
    except OSError as ex:
        raise DatabaseError(f"cannot create database {path}: {ex.strerror or ex}") from None
    os.close(fd)  # mkstemp makes it 0600: the answers in it are the user's alone
    partial = Path(name)
    try:
        db = Database(sqlite3.connect(partial), execute_plugins=False)
        try:
            db.execute("PRAGMA journal_mode = wal")
            migrations.apply(db)
        finally:
            db.close()
        try:
            os.link(partial, path)
        except FileExistsError:
            pass  # another quizgen made it first: use that one
        except OSError:
            # A filesystem without hard links: a plain rename, unless the other quizgen got there first.
            if not path.exists():
                os.replace(partial, path)
    except sqlite3.Error as ex:
        raise DatabaseError(describe_sqlite_error(ex, path)) from None
    except OSError as ex:
        raise DatabaseError(f"cannot create database {path}: {ex.strerror or ex}") from None
    finally:
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(name + suffix).unlink(missing_ok=True)


def unwritable_reason(path: Path) -> str | None:
    """Why the database file, or the folder its -wal and -shm files go in, cannot be written; None if it can."""
    try:
        if os.statvfs(path).f_flag & os.ST_RDONLY:
            return "the filesystem is read-only"
    except OSError:
        pass
    # The permission bits, not access(): root may write anything, but a file marked read-only is kept so.
    if not path.stat().st_mode & 0o222 or not os.access(path, os.W_OK):
        return "the file is read-only"
    if not os.access(path.parent, os.W_OK):
        return f"its folder {path.parent} is not writable"
    return None


def _connect(path: Path, unwritable: str | None) -> sqlite3.Connection:
    """A connection; read-only when the database cannot be written."""
    if unwritable is None:
        return sqlite3.connect(path)
    return sqlite3.connect(_read_only_uri(path), uri=True)


def _read_only_uri(path: Path) -> str:
    uri = f"{path.resolve().as_uri()}?mode=ro"
    if not os.access(path.parent, os.W_OK) and not path.with_name(path.name + "-wal").exists():
        # A read-only connection to a WAL database makes a -shm file, impossible here; with no -wal file
        # there is nothing but the file itself to read, so it may be read as unchanging.
        uri += "&immutable=1"
    return uri


def _use_wal(db: Database) -> None:
    if db.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
        db.execute("PRAGMA journal_mode = wal")


def _upgrade(db: Database, on_upgrade: Callable[[int], None] | None = None) -> None:
    """Apply pending migrations holding the write lock, so two quizgens opening an old database upgrade it once."""
    if not migrations.pending(db):
        return
    if on_upgrade is not None and db["reviews"].exists():
        on_upgrade(db.execute("SELECT count(*) FROM reviews").fetchone()[0])
    db.execute("BEGIN IMMEDIATE")
    try:
        migrations.apply(db)
        db.execute("COMMIT")
    except BaseException:
        if db.conn.in_transaction:
            db.execute("ROLLBACK")
        raise


def _retry_while_locked(action: Any) -> None:
    """Run ``action``, waiting while another connection holds a lock it needs.

    Switching to WAL takes an exclusive lock and fails at once, busy timeout or not, while anyone else writes.
    """
    deadline = monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            action()
            return
        except sqlite3.OperationalError as ex:
            if "locked" not in str(ex) or monotonic() > deadline:
                raise
            sleep(0.05)


def _check_intact(db: Database, path: Path, signature: list[int] | None) -> None:
    """Refuse a damaged file before anything reads or writes past the damage.

    The check reads every page (a second or more for a database of a million reviews), so it runs once for each
    state of the file: ``signature`` (see ``file_signature``) is remembered once the file has passed.
    """
    checked = _read_checked()
    key = str(path.resolve())
    if signature is not None and checked.get(key) == signature:
        return
    result = db.execute("PRAGMA quick_check(1)").fetchone()[0]
    if result != "ok":
        # The first finding, on one line (SQLite heads the findings with a "*** in database main ***" line).
        findings = [line for line in result.splitlines() if line.strip() and not line.startswith("***")]
        raise DatabaseError(damaged_message(path, findings[0] if findings else "failed its integrity check"))
    if signature is not None:
        checked.pop(key, None)
        checked[key] = signature
        _write_checked(dict(list(checked.items())[-CHECKED_KEPT:]))


def file_signature(path: Path) -> list[int] | None:
    """What changes whenever the database's content may have: inode, size and time of the file and its -wal."""
    try:
        signature = []
        for file in (path, path.with_name(path.name + "-wal")):
            if file.exists():
                info = file.stat()
                signature += [info.st_ino, info.st_size, info.st_mtime_ns]
        return signature
    except OSError:
        return None


def _read_checked() -> dict[str, list[int]]:
    try:
        checked = json.loads((paths.cache_dir() / CHECKED_FILE).read_text())
        return checked if isinstance(checked, dict) else {}
    except (OSError, ValueError):
        return {}


def _write_checked(checked: dict[str, list[int]]) -> None:
    """Remember which files passed; best effort (a read-only home just means checking again next time)."""
    try:
        folder = paths.cache_dir()
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        target = folder / CHECKED_FILE
        partial = target.with_name(f".{CHECKED_FILE}.{os.getpid()}")
        partial.write_text(json.dumps(checked))
        os.replace(partial, target)
    except OSError:
        pass


def damaged_message(path: Path | str, detail: str) -> str:
    return (
        f"database {path} is damaged ({detail}); nothing was written. Recover what it holds with: "
        f"sqlite3 {path} .recover | sqlite3 recovered.db"
    )


def _check_identity(db: Database, path: Path) -> None:
    has_tables = db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] > 0
    if not has_tables:
        return
    app_id = db.execute("PRAGMA application_id").fetchone()[0]
    if app_id != APPLICATION_ID:
        raise DatabaseError(f"{path} is not a quizgen database (it holds another program's tables)")
    unknown = [m.name for m in migrations.applied(db) if m.name not in NAMES]
    if unknown:
        raise DatabaseError(
            f"{path} was written by a newer quizgen (schema {unknown[-1]}); upgrade quizgen to use it"
        )


def is_busy(ex: sqlite3.Error) -> bool:
    """Whether another connection held the lock for longer than the busy timeout."""
    text = str(ex)
    return "locked" in text or "busy" in text


def describe_sqlite_error(ex: sqlite3.Error, path: Path | str) -> str:
    text = str(ex)
    if "readonly" in text:
        return f"database {path} is read-only: nothing was written"
    if "disk is full" in text or "database or disk is full" in text:
        return f"database {path}: the disk is full: nothing was written"
    if "not a database" in text or "malformed" in text:
        return damaged_message(path, text)
    if is_busy(ex):
        return f"database {path} is busy in another process; try again"
    if "unable to open" in text:
        return f"cannot open database {path}"
    return f"database {path}: {text}"


class Store:
    """Library access to one quizgen database."""

    def __init__(self, db: Database, path: Path | None = None, read_only: str | None = None):
        self.db = db
        self.path = path
        # Why the database cannot be written, when it cannot.
        self.read_only = read_only
        # While the review indexes are dropped for a bulk write: from when, face by face, elapsed_days is to be set
        # once they are back (without them each review would cost a scan of its face's).
        self._elapsed_deferred: dict[tuple[int, int], str] | None = None

    @classmethod
    def open(
        cls, path: Path | None = None, read_only: bool = False, on_upgrade: Callable[[int], None] | None = None
    ) -> Store:
        """Open the database at ``path`` (default: ``paths.default_db_path()``); read-only when it must be, or asked.
        ``on_upgrade``: see ``open_database``."""
        target, in_data_dir = (path, False) if path is not None else paths.default_db_path()
        db, reason = open_database(target, create_folder=in_data_dir, read_only=read_only, on_upgrade=on_upgrade)
        return cls(db, target, reason)

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def reader(self) -> Iterator[Store]:
        """The same database through a second, read-only connection that another thread may use, to read two things
        at once; each of its reads sees the database as last committed, as this store's own reads do outside a
        transaction."""
        (_seq, _name, file), *_ = self.db.execute("PRAGMA database_list").fetchall()
        connection = sqlite3.connect(_read_only_uri(Path(file)), uri=True, check_same_thread=False)
        try:
            connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            yield Store(Database(connection, execute_plugins=False), self.path, "a second connection, for reading")
        finally:
            connection.close()

    def set_busy_timeout(self, milliseconds: int) -> None:
        """How long a write waits for another process's write lock before it fails with DatabaseBusy."""
        self.db.execute(f"PRAGMA busy_timeout = {int(milliseconds)}")

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One write transaction, taken up front (BEGIN IMMEDIATE) so concurrent writers queue instead of failing."""
        if self.read_only:
            raise DatabaseError(f"database {self.path} is read-only ({self.read_only}): nothing was written")
        conn = self.db.conn
        try:
            conn.execute("BEGIN IMMEDIATE")
            yield
            conn.execute("COMMIT")
        except BaseException as ex:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            if isinstance(ex, sqlite3.Error):
                error = DatabaseBusy if is_busy(ex) else DatabaseError
                raise error(describe_sqlite_error(ex, self.path or "")) from None
            raise

    # Decks ---------------------------------------------------------------------------------------------------

    def is_empty(self) -> bool:
        return bool(self.db.execute("SELECT count(*) FROM decks").fetchone()[0] == 0)

    def decks(self) -> list[Deck]:
        return [_deck_from_row(row) for row in self.db["decks"].rows_where(order_by="slug")]

    def deck(self, slug: str) -> Deck:
        rows = list(self.db["decks"].rows_where("slug = ?", [slug]))
        if not rows:
            known = ", ".join(d.slug for d in self.decks()) or "none"
            raise UnknownDeck(f"no deck '{one_line(slug)}' (decks: {known})")
        return _deck_from_row(rows[0])

    def deck_slug(self, named: str) -> str:
        """The slug of the deck ``named`` names: its slug, or its name as ``quizgen decks`` shows it, in any case.
        A name no deck has is given back as it is, for ``deck`` to refuse with the decks there are."""
        if self.db.execute("SELECT 1 FROM decks WHERE slug = ?", [named]).fetchone():
            return named
        wanted = named.casefold()
        slugs = [deck.slug for deck in self.decks() if deck.name.casefold() == wanted]
        if len(slugs) > 1:
            raise UnknownDeck(f"several decks are named '{one_line(named)}': give the slug of one ({', '.join(slugs)})")
        return slugs[0] if slugs else named

    def resolve_deck(self, slug: str | None) -> Deck:
        """The named deck, or the only deck when none is named."""
        if slug is not None:
            return self.deck(slug)
        decks = self.decks()
        if len(decks) == 1:
            return decks[0]
        if not decks:
            raise UnknownDeck("the database has no decks; run 'quizgen import'")
        raise UnknownDeck(f"several decks: name one of {', '.join(d.slug for d in decks)}")

    def resolve_decks(self, slugs: list[str]) -> list[Deck]:
        """The named decks (each once, in the order named), or every deck when none is named."""
        if slugs:
            return [self.deck(slug) for slug in dict.fromkeys(slugs)]
        decks = self.decks()
        if not decks:
            raise UnknownDeck("the database has no decks; run 'quizgen import'")
        return decks

    def deck_summaries(self, now: datetime | None = None) -> list[dict[str, Any]]:
        """Per deck: slug, name, cards (active), retired, and the new and due faces a quiz may ask now (of cards
        neither suspended nor buried)."""
        moment = to_stored(now or time.now())
        rows = self.db.execute(
            f"""
            SELECT d.slug, d.name,
              (SELECT count(*) FROM cards c WHERE c.deck = d.slug AND c.retired IS NULL) AS cards,
              (SELECT count(*) FROM cards c WHERE c.deck = d.slug AND c.retired IS NOT NULL) AS retired,
              (SELECT count(*) FROM schedule s JOIN cards c ON c.pk = s.card_pk
                 WHERE c.deck = d.slug AND c.retired IS NULL AND {ASKABLE} AND s.state = 0) AS new,
              (SELECT count(*) FROM schedule s JOIN cards c ON c.pk = s.card_pk
                 WHERE c.deck = d.slug AND c.retired IS NULL AND {ASKABLE} AND s.state > 0 AND s.due <= ?) AS due
            FROM decks d ORDER BY d.slug
            """,
            [moment, moment, moment],
        ).fetchall()
        return [dict(zip(("slug", "name", "cards", "retired", "new", "due"), row, strict=True)) for row in rows]

    # Cards ---------------------------------------------------------------------------------------------------

    def cards(
        self,
        deck: str | None = None,
        kinds: list[str] | None = None,
        section: str | None = None,
        search: str | None = None,
        include_retired: bool = False,
    ) -> list[StoredCard]:
        """Cards matching every given filter; ``section`` and ``search`` match case-insensitively anywhere."""
        if deck:
            self.deck(deck)
        where, params = card_filter("", deck, kinds, section, search, include_retired)
        sql = f"SELECT pk, deck, data, origin, modified, retired FROM cards WHERE {where} ORDER BY deck, pk"
        return [_stored_from_row(row) for row in self.db.execute(sql, params).fetchall()]

    def active_cards(self, deck: str, kinds: list[str] | None = None, section: str | None = None) -> CardRows:
        """The deck's active cards of the given kinds and section (matched as in ``cards``), built as they are read.

        For exports, which read each card once: a card lives only while its note or row is made, rather than all of
        a big deck at once (holding them all makes the garbage collector walk them over and over).
        """
        self.deck(deck)
        where, params = card_filter("", deck, kinds, section)
        sql = f"SELECT pk, data, origin, modified FROM cards WHERE {where} ORDER BY pk"
        return CardRows(deck, self.db.execute(sql, params).fetchall())

    def card(self, reference: str) -> StoredCard:
        """A card by ``id`` or ``deck/id``, or by the start of its id when only one card's id starts so."""
        deck, _, card_id = reference.rpartition("/")
        rows = self._cards_named(deck, "card_id = ?", card_id) if card_id else []
        if not rows and card_id:
            rows = self._cards_named(deck, "card_id LIKE ? ESCAPE '\\'", _like_escape(card_id) + "%")
            if len(rows) > 1:
                several_decks = len({row[1] for row in rows}) > 1
                names = [f"{row[1]}/{row[2]}" if several_decks else row[2] for row in rows]
                shown = ", ".join(names[:AMBIGUOUS_SHOWN])
                more = f" and {len(names) - AMBIGUOUS_SHOWN} more" if len(names) > AMBIGUOUS_SHOWN else ""
                raise UnknownCard(f"'{one_line(reference)}' is the start of {len(rows)} card ids: {shown}{more}")
        if not rows:
            raise UnknownCard(f"no card '{one_line(reference)}'")
        if len(rows) > 1:
            decks = ", ".join(sorted(row[1] for row in rows))
            raise UnknownCard(f"card id '{card_id}' is in several decks ({decks}); write it as DECK/{card_id}")
        return _stored_from_row(rows[0][:2] + rows[0][3:])

    def _cards_named(self, deck: str, condition: str, value: str) -> list[tuple]:
        sql = f"SELECT pk, deck, card_id, data, origin, modified, retired FROM cards WHERE {condition}"
        params = [value]
        if deck:
            sql += " AND deck = ?"
            params.append(deck)
        return self.db.execute(sql + " ORDER BY deck, card_id", params).fetchall()

    def review_count(self, card_pk: int) -> int:
        return int(self.db.execute("SELECT count(*) FROM reviews WHERE card_pk = ?", [card_pk]).fetchone()[0])

    def schedule_rows(self, card_pk: int) -> list[dict[str, Any]]:
        return list(self.db["schedule"].rows_where("card_pk = ?", [card_pk], order_by="face"))

    def card_faces(self, card_pk: int) -> list[FaceDetail]:
        """The schedule of each face of one card, with its lapses."""
        return self._face_details("c.pk = ?", [card_pk])

    def listed_faces(
        self,
        deck: str | None = None,
        kinds: list[str] | None = None,
        section: str | None = None,
        search: str | None = None,
        include_retired: bool = False,
    ) -> dict[int, list[FaceDetail]]:
        """The faces of the cards ``cards`` lists with the same filters, by card pk."""
        where, params = card_filter("c.", deck, kinds, section, search, include_retired)
        faces: dict[int, list[FaceDetail]] = {}
        for detail in self._face_details(where, params):
            faces.setdefault(detail.card_pk, []).append(detail)
        return faces

    def _face_details(self, where: str, params: list[Any]) -> list[FaceDetail]:
        # A lapse is an Again given to a face in review. Anki logs which answers were reviews (m011); for the others, a
        # face was in review when the answer before had set it a wait of a day or more: FSRS waits that long only in
        # its Review state, so Again during the first learning steps or a relearning step is no lapse. The wait set,
        # not the one kept: a due date from Anki is the start of its day, hours short of a day after the answer. (An
        # export to Anki types its revlog entries by the same rule.)
        rows = self.db.execute(
            f"""WITH scheduled AS (
                  SELECT r.card_pk, r.face, r.rating, r.anki_kind,
                    lag(round((julianday(r.due_after) - julianday(r.reviewed_at)) * 86400))
                      OVER (PARTITION BY r.card_pk, r.face ORDER BY r.reviewed_at, r.id) AS wait_set_seconds
                  FROM reviews r JOIN cards c ON c.pk = r.card_pk WHERE {where} AND r.scheduled = 1
                ), lapses AS (
                  SELECT card_pk, face, count(*) AS lapses FROM scheduled
                  WHERE rating = 1 AND CASE WHEN anki_kind IS NULL
                    THEN wait_set_seconds >= 86400 ELSE anki_kind = 'review' END
                  GROUP BY card_pk, face
                )
                SELECT s.card_pk, s.face, s.state, s.stability, s.difficulty, s.due, s.last_review,
                  coalesce(l.lapses, 0)
                FROM schedule s JOIN cards c ON c.pk = s.card_pk
                  LEFT JOIN lapses l ON l.card_pk = s.card_pk AND l.face = s.face
                WHERE {where} ORDER BY s.card_pk, s.face""",
            [*params, *params],
        ).fetchall()
        return [FaceDetail(*row) for row in rows]

    def card_reviews(self, card_pk: int) -> list[CardReview]:
        """Every answer given to the card, oldest first."""
        rows = self.db.execute(
            """SELECT face, reviewed_at, mode, rating, correct, response, duration_ms, scheduled FROM reviews
               WHERE card_pk = ? ORDER BY reviewed_at, id""",
            [card_pk],
        ).fetchall()
        return [CardReview(*row) for row in rows]

    def is_card_origin(self, path: Path) -> bool:
        """True if cards in the database were imported from this file (so it is someone's question file)."""
        row = self.db.execute("SELECT 1 FROM cards WHERE origin = ? LIMIT 1", [paths.origin_name(path)]).fetchone()
        return row is not None

    # Import --------------------------------------------------------------------------------------------------

    def import_rows(self, decks: list[str], origins: list[str]) -> StoredRows:
        """The stored cards of these decks or from these files (whatever their deck: a file emptied, or moved to
        another deck, retires what it held), for planning an import."""
        version = self.db.execute("PRAGMA data_version").fetchone()[0]
        return StoredRows(tuple(decks), tuple(origins), self._import_rows(decks, origins), version)

    def anki_origins_of(self, card_ids: list[str]) -> list[str]:
        """The Anki files (origins) that cards of these ids were imported from, whatever their deck now: a note keeps
        its GUID, and so its card id, when its deck is renamed, and the export that brings it back may have another
        name."""
        # The ids as one JSON parameter: SQLite then reads the cards once, however many ids a file has.
        rows = self.db.execute(
            f"""SELECT DISTINCT origin FROM cards WHERE origin LIKE '{paths.ANKI_ORIGIN}%'
                AND card_id IN (SELECT value FROM json_each(?)) ORDER BY origin""",
            [json.dumps(card_ids)],
        ).fetchall()
        return [origin for (origin,) in rows]

    def _import_rows(self, decks: list[str] | tuple[str, ...], origins: list[str] | tuple[str, ...]) -> dict:
        if not decks and not origins:
            return {}
        rows = self.db.execute(
            f"""SELECT deck, card_id, pk, content_hash, origin, origin_line, retired, kind FROM cards
                WHERE deck IN ({", ".join("?" for _ in decks)}) OR origin IN ({", ".join("?" for _ in origins)})""",
            [*decks, *origins],
        ).fetchall()
        return {(r[0], r[1]): StoredRow(*r[2:]) for r in rows}

    def apply(self, plan: ImportPlan, now: datetime | None = None, then: Callable[[], None] | None = None) -> None:
        """Write an import plan in one transaction: all of it or, on any failure, nothing.

        Raises ``StalePlan`` (writing nothing) if another process changed the planned-on cards since they were read.
        ``then`` runs in the same transaction once the cards are written (an Anki import adds their history).
        """
        if plan.refusals:
            raise ImportProblems(plan.refusals)
        stamp = to_stored(now or time.now())
        conn = self.db.conn
        with self.transaction():
            basis = plan.basis
            if (
                self.db.execute("PRAGMA data_version").fetchone()[0] != basis.version
                and self._import_rows(basis.decks, basis.origins) != basis.rows
            ):
                raise StalePlan(f"database {self.path} changed during the import; nothing was written")
            for deck in plan.decks:
                self._upsert_deck(deck, stamp)
            conn.executemany(
                """UPDATE cards SET deck = ?, kind = ?, section = ?, data = ?, content_hash = ?, origin = ?,
                   origin_line = ?, modified = coalesce(?, modified), retired = NULL WHERE pk = ?""",
                [(u.card.deck, u.card.kind, u.card.section, u.data, u.digest, u.origin, u.line,
                  stamp if u.edited else None, u.pk) for u in plan.updates],
            )
            faces_by_pk = {u.pk: u.card for u in plan.updates if u.edited}
            self._drop_stale_faces(faces_by_pk)
            if plan.inserts:
                # The write lock is held (BEGIN IMMEDIATE), so the next pks are ours to number.
                first_pk = self.db.execute("SELECT coalesce(max(pk), 0) + 1 FROM cards").fetchone()[0]
                conn.executemany(
                    """INSERT INTO cards (pk, deck, card_id, kind, section, data, content_hash, origin, origin_line,
                       created, modified) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                    [(first_pk + n, new.card.deck, new.card.id, new.card.kind, new.card.section, new.data, new.digest,
                      new.origin, new.line, stamp, stamp) for n, new in enumerate(plan.inserts)],
                )
                faces_by_pk.update((first_pk + n, new.card) for n, new in enumerate(plan.inserts))
            conn.executemany(
                "INSERT OR IGNORE INTO schedule (card_pk, face, state) VALUES (?, ?, 0)",
                [(pk, face.number) for pk, card in faces_by_pk.items() for face in card.faces()],
            )
            conn.executemany("UPDATE cards SET retired = ? WHERE pk = ?", [(stamp, pk) for pk in plan.retires])
            if then is not None:
                then()

    def _upsert_deck(self, deck: Deck, stamp: str) -> None:
        row = {
            "slug": deck.slug, "name": deck.name, "description": deck.description,
            "source_title": deck.source_title, "source_location": deck.source_location,
        }
        decks = self.db.table("decks")
        current = list(decks.rows_where("slug = ?", [deck.slug]))
        if not current:
            decks.insert({**row, "created": stamp, "modified": stamp})
        elif any(current[0][k] != v for k, v in row.items()):
            decks.update(deck.slug, {**row, "modified": stamp})

    def _drop_stale_faces(self, changed: dict[int, Card]) -> None:
        """Drop the schedule rows of faces that changed cards no longer have (a cloze deletion removed, say)."""
        for pks in _chunks(list(changed), 500):
            rows = self.db.execute(
                f"SELECT card_pk, face FROM schedule WHERE card_pk IN ({', '.join('?' for _ in pks)})", pks
            ).fetchall()
            stale = [(pk, face) for pk, face in rows if face not in {f.number for f in changed[pk].faces()}]
            self.db.conn.executemany("DELETE FROM schedule WHERE card_pk = ? AND face = ?", stale)
            self.db.conn.executemany("DELETE FROM face_history_starts WHERE card_pk = ? AND face = ?", stale)
            self.db.conn.executemany("DELETE FROM face_sm2_seeds WHERE card_pk = ? AND face = ?", stale)
            self.db.conn.executemany("DELETE FROM anki_sm2 WHERE card_pk = ? AND face = ?", stale)

    # Decks as a whole --------------------------------------------------------------------------------------------

    def deck_contents(self, slug: str) -> tuple[int, int]:
        """How many cards (retired ones too) and answers the deck holds."""
        self.deck(slug)
        cards, reviews = self.db.execute(
            """SELECT count(*), (SELECT count(*) FROM reviews r JOIN cards c ON c.pk = r.card_pk WHERE c.deck = ?)
               FROM cards WHERE deck = ?""",
            [slug, slug],
        ).fetchone()
        return int(cards), int(reviews)

    def delete_deck(self, slug: str) -> None:
        """Remove the deck with its cards, their schedule and reviews, and its sessions, in one transaction."""
        self.deck(slug)
        with self.transaction():
            kept = self._release_sessions_of_moved_cards(slug)
            self._delete_rows("decks", "slug = ?", [slug])
            self._recount_sessions(kept)
            # Emptied, the database must not be filled with the bundled decks again on its next use.
            self.db.conn.execute("INSERT OR REPLACE INTO config (key, value) VALUES (?, ?)", [SEEDED, "yes"])

    def reset_deck(self, slug: str) -> None:
        """Forget every answer given to the deck's cards and its sessions: every face is new again."""
        self.deck(slug)
        cards = "card_pk IN (SELECT pk FROM cards WHERE deck = ?)"
        with self.transaction():
            kept = self._release_sessions_of_moved_cards(slug)
            self._delete_rows("reviews", cards, [slug])
            self._delete_rows("sessions", "deck = ?", [slug])
            self._recount_sessions(kept)
            # With no answers left, every face's FSRS history begins with its next one.
            self._delete_rows("face_history_starts", cards, [slug])
            self._delete_rows("face_sm2_seeds", cards, [slug])
            self._delete_rows("anki_sm2", cards, [slug])
            self.db.conn.execute(
                f"""UPDATE schedule SET state = 0, step = NULL, stability = NULL, difficulty = NULL, due = NULL,
                    last_review = NULL WHERE {cards}""",
                [slug],
            )

    def _release_sessions_of_moved_cards(self, slug: str) -> list[int]:
        """The deck's sessions that hold answers to cards now in another deck (an Anki import moves a card to the
        deck its note is in now) become sessions of no one deck, so that those answers stay when the deck's own go;
        their ids."""
        kept = [row[0] for row in self.db.execute(
            """SELECT DISTINCT s.id FROM sessions s JOIN reviews r ON r.session_id = s.id
               JOIN cards c ON c.pk = r.card_pk WHERE s.deck = ? AND c.deck != ?""",
            [slug, slug],
        )]
        self.db.conn.executemany("UPDATE sessions SET deck = NULL WHERE id = ?", [(session,) for session in kept])
        return kept

    def _recount_sessions(self, sessions: list[int]) -> None:
        """Each session's tally of answers, from the answers it still holds."""
        self.db.conn.executemany(
            """UPDATE sessions SET answered = (SELECT count(*) FROM reviews WHERE session_id = sessions.id),
                 correct = (SELECT count(*) FROM reviews WHERE session_id = sessions.id AND correct = 1)
               WHERE id = ?""",
            [(session,) for session in sessions],
        )

    def _delete_rows(self, table: str, condition: str, params: list[Any]) -> None:
        """Delete the rows of ``table`` meeting ``condition``, after the rows of any table that refer to them."""
        for child, column, key in self._referring(table):
            self._delete_rows(child, f"{column} IN (SELECT {key} FROM {table} WHERE {condition})", params)
        self.db.conn.execute(f"DELETE FROM {table} WHERE {condition}", params)

    def _referring(self, table: str) -> list[tuple[str, str, str]]:
        """(table, column, referred column) of every foreign key to ``table``, whichever migration added it."""
        names = [row[0] for row in self.db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        found = []
        for name in names:
            for _id, _seq, target, column, key, *_rest in self.db.execute(f"PRAGMA foreign_key_list([{name}])"):
                if target == table and name != table:
                    found.append((name, column, key or "rowid"))
        return found

    def move_origins(self, moves: list[tuple[int, str, int | None]]) -> None:
        """Make other files the origins of cards, as (card pk, origin, line): their content and history stay."""
        with self.transaction():
            self.db.conn.executemany("UPDATE cards SET origin = ?, origin_line = ? WHERE pk = ?",
                                     [(origin, line, pk) for pk, origin, line in moves])

    # Settings ------------------------------------------------------------------------------------------------

    def get_config(self, key: str, default: str | None = None) -> str | None:
        row = self.db.execute("SELECT value FROM config WHERE key = ?", [key]).fetchone()
        return row[0] if row else default

    def set_config(self, key: str, value: str) -> None:
        with self.transaction():
            self.db.execute("INSERT OR REPLACE INTO config (key, value) VALUES (?, ?)", [key, value])

    def add_config(self, values: dict[str, str]) -> None:
        """Set each of these keys that has no value yet, inside the caller's transaction (an import's)."""
        self.db.conn.executemany("INSERT OR IGNORE INTO config (key, value) VALUES (?, ?)", values.items())

    def delete_config(self, key: str) -> None:
        with self.transaction():
            self.db.execute("DELETE FROM config WHERE key = ?", [key])

    # Quiz ----------------------------------------------------------------------------------------------------
    # What the quiz reads and writes. The queues are lists of (card pk, face) so a quiz over 100k cards stays
    # small; a face's card is read when it is asked. Each answer is one transaction holding its review row, the
    # face's new schedule and the session's tally, committed before the next question is shown.

    def _faces(
        self, condition: str, order: str, deck: str | list[str], kinds: list[str] | None, section: str | None,
        extra: list[Any], now: datetime | None = None,
    ) -> list[tuple[int, int]]:
        """Faces the quiz may ask: of active cards neither suspended nor buried at ``now`` (default: now)."""
        where, params = card_filter("c.", deck, kinds, section)
        sql = (
            f"SELECT s.card_pk, s.face FROM schedule s JOIN cards c ON c.pk = s.card_pk "
            f"WHERE {where} AND {ASKABLE} AND {condition} ORDER BY {order}"
        )
        params.append(to_stored(now or time.now()))
        return [(pk, face) for pk, face in self.db.execute(sql, params + extra).fetchall()]

    def due_faces(
        self, deck: str | list[str], now: datetime, kinds: list[str] | None = None, section: str | None = None
    ) -> list[tuple[int, int]]:
        """Faces already studied and due by ``now``, most overdue first (of one deck, or several together)."""
        return self._faces(
            "s.state > 0 AND s.due <= ?", "s.due, s.card_pk, s.face", deck, kinds, section, [to_stored(now)], now
        )

    def learning_faces(
        self, deck: str | list[str], after: datetime, until: datetime, kinds: list[str] | None = None,
        section: str | None = None,
    ) -> list[tuple[int, int, str]]:
        """Faces in (re)learning falling due after ``after`` and by ``until``, with their stored due times."""
        where, params = card_filter("c.", deck, kinds, section)
        rows = self.db.execute(
            f"""SELECT s.card_pk, s.face, s.due FROM schedule s JOIN cards c ON c.pk = s.card_pk
                WHERE {where} AND {ASKABLE} AND s.state IN (1, 3) AND s.due > ? AND s.due <= ?
                ORDER BY s.due, s.card_pk, s.face""",
            [*params, to_stored(after), to_stored(after), to_stored(until)],
        ).fetchall()
        return [(pk, face, due) for pk, face, due in rows]

    def new_faces(
        self, deck: str | list[str], kinds: list[str] | None = None, section: str | None = None,
        now: datetime | None = None,
    ) -> list[tuple[int, int]]:
        """Faces never studied, in the order their cards were written."""
        return self._faces("s.state = 0", "s.card_pk, s.face", deck, kinds, section, [], now)

    def all_faces(
        self, deck: str | list[str], kinds: list[str] | None = None, section: str | None = None,
        now: datetime | None = None,
    ) -> list[tuple[int, int]]:
        return self._faces("1", "s.card_pk, s.face", deck, kinds, section, [], now)

    def new_faces_started(self, deck: str, since: datetime) -> int:
        """Faces first studied (in review mode) since ``since``: what the daily new-card limit counts."""
        return int(self.db.execute(
            """SELECT count(DISTINCT r.card_pk || ':' || r.face) FROM reviews r JOIN cards c ON c.pk = r.card_pk
               WHERE c.deck = ? AND r.reviewed_at >= ? AND r.scheduled = 1 AND r.due_before IS NULL""",
            [deck, to_stored(since)],
        ).fetchone()[0])

    def faces_answered_since(self, deck: str, since: datetime) -> set[tuple[int, int]]:
        """The faces (card pk, face) answered in review mode since ``since``: their cards' other new faces wait a
        day, so one face never gives away its sibling."""
        rows = self.db.execute(
            """SELECT DISTINCT r.card_pk, r.face FROM reviews r JOIN cards c ON c.pk = r.card_pk
               WHERE c.deck = ? AND r.reviewed_at >= ? AND r.scheduled = 1""",
            [deck, to_stored(since)],
        ).fetchall()
        return {(pk, face) for pk, face in rows}

    def _schedule_row(self, card_pk: int, face: int) -> dict[str, Any] | None:
        row = self.db.execute(
            f"SELECT {', '.join(SCHEDULE_COLUMNS)} FROM schedule WHERE card_pk = ? AND face = ?", [card_pk, face]
        ).fetchone()
        return dict(zip(SCHEDULE_COLUMNS, row, strict=True)) if row is not None else None

    def quiz_face(self, card_pk: int, face: int, askable_at: datetime | None = None) -> tuple[Card, dict[str, Any]]:
        """A card and the schedule row of one of its faces; UnknownCard once it is retired or the face is gone, and,
        with ``askable_at``, while the card is suspended or buried at that moment."""
        set_aside = "AND c.suspended IS NULL AND (c.buried_until IS NULL OR c.buried_until <= ?)" if askable_at else ""
        row = self.db.execute(
            f"""SELECT c.deck, c.data, s.state, s.step, s.stability, s.difficulty, s.due, s.last_review
               FROM cards c JOIN schedule s ON s.card_pk = c.pk
               WHERE c.pk = ? AND s.face = ? AND c.retired IS NULL {set_aside}""",
            [card_pk, face, *([to_stored(askable_at)] if askable_at else [])],
        ).fetchone()
        if row is None:
            raise UnknownCard(f"no card face {card_pk}/{face} to ask")
        deck, data, *schedule = row
        keys = ("state", "step", "stability", "difficulty", "due", "last_review")
        return Card.from_dict(deck, json.loads(data)), dict(zip(keys, schedule, strict=True))

    def count_due_between(self, deck: str | list[str], start: datetime, end: datetime) -> int:
        """Faces of active cards, not suspended, falling due after ``start`` and by ``end``."""
        where, params = card_filter("c.", deck)
        return int(self.db.execute(
            f"""SELECT count(*) FROM schedule s JOIN cards c ON c.pk = s.card_pk
               WHERE {where} AND c.suspended IS NULL AND s.state > 0 AND s.due > ? AND s.due <= ?""",
            [*params, to_stored(start), to_stored(end)],
        ).fetchone()[0])

    def next_due(
        self, deck: str | list[str], kinds: list[str] | None = None, section: str | None = None
    ) -> datetime | None:
        """When the next studied face of a card not suspended falls due, if any."""
        where, params = card_filter("c.", deck, kinds, section)
        row = self.db.execute(
            f"""SELECT min(s.due) FROM schedule s JOIN cards c ON c.pk = s.card_pk
                WHERE {where} AND c.suspended IS NULL AND s.state > 0""",
            params,
        ).fetchone()
        return from_stored(row[0]) if row[0] else None

    def start_session(self, deck: str | None, mode: str, seed: int, now: datetime) -> int:
        """A new session's id; ``deck`` is None for a session over several decks."""
        with self.transaction():
            cursor = self.db.conn.execute(
                "INSERT INTO sessions (deck, mode, seed, started, answered, correct) VALUES (?, ?, ?, ?, 0, 0)",
                [deck, mode, seed, to_stored(now)],
            )
        return _row_id(cursor)

    def end_session(self, session_id: int, now: datetime) -> None:
        with self.transaction():
            self.db.conn.execute("UPDATE sessions SET ended = ? WHERE id = ?", [to_stored(now), session_id])

    def record_answer(self, session_id: int, answer: Answer) -> int:
        """Store one answer of the session, and the face's new schedule if it has one; returns the review's id.

        Raises ScheduleMoved, writing nothing, when the answer's ``schedule_before`` is no longer the face's."""
        conn = self.db.conn
        with self.transaction():
            if answer.schedule is not None and answer.schedule_before is not None:
                stored = self._schedule_row(answer.card_pk, answer.face)
                if stored is not None and stored != answer.schedule_before:
                    raise ScheduleMoved(stored)
            cursor = self._insert_answer(session_id, answer)
            if answer.schedule is not None:
                self._set_elapsed({(answer.card_pk, answer.face): to_stored(answer.reviewed_at)})
            conn.execute(
                "UPDATE sessions SET answered = answered + 1, correct = correct + ? WHERE id = ?",
                [int(answer.correct), session_id],
            )
        return _row_id(cursor)

    def stored_rating(self, review_id: int) -> int | None:
        """The rating a review is stored with; None once it is gone (taken back)."""
        row = self.db.execute("SELECT rating FROM reviews WHERE id = ?", [review_id]).fetchone()
        return int(row[0]) if row else None

    def answer_id(self, session_id: int, answer: Answer) -> int | None:
        """The id of this answer of the session if it is stored (an interrupted write may or may not have been)."""
        row = self.db.execute(
            "SELECT id FROM reviews WHERE session_id = ? AND card_pk = ? AND face = ? AND reviewed_at = ?",
            [session_id, answer.card_pk, answer.face, to_stored(answer.reviewed_at)],
        ).fetchone()
        return int(row[0]) if row else None

    def amend_answer(self, review_id: int, answer: Answer) -> None:
        """Replace a stored answer's rating (the learner overrode the proposed one), whether it was right, and the
        schedule it led to, from the amended answer, keeping its session's tally; the rest of the review row stays
        as first stored."""
        due_after = answer.schedule["due"] if answer.schedule else answer.due_before
        conn = self.db.conn
        with self.transaction():
            (session_id, was_correct), = conn.execute(
                "SELECT session_id, correct FROM reviews WHERE id = ?", [review_id]
            ).fetchall()
            conn.execute(
                "UPDATE reviews SET rating = ?, correct = ?, due_after = ? WHERE id = ?",
                [int(answer.rating), int(answer.correct), due_after, review_id],
            )
            conn.execute(
                "UPDATE sessions SET correct = correct + ? WHERE id = ?",
                [int(answer.correct) - int(was_correct), session_id],
            )
            if answer.schedule is not None:
                self._write_schedule(answer.card_pk, answer.face, answer.schedule)

    def undo_answer(
        self, session_id: int, review_id: int, answer: Answer, schedule_before: dict[str, Any]
    ) -> dict[str, Any] | None:
        """Take back a stored answer: its review row goes, and the face's schedule returns to ``schedule_before``
        if the answer had moved it (to new, if the answer was the face's first study, as it may have become when
        another quiz took back the answer this one was worked out from); returns the face's schedule then. Unless
        another quiz has answered the face since: its answer, worked out from this one's schedule, stands, and now
        follows what came before this one; None in that case."""
        with self.transaction():
            moved_since = answer.schedule is not None and self._schedule_row(answer.card_pk, answer.face) != {
                key: answer.schedule[key] for key in SCHEDULE_COLUMNS}
            self.db.conn.execute(
                """UPDATE sessions SET answered = answered - 1,
                   correct = correct - (SELECT correct FROM reviews WHERE id = ?) WHERE id = ?""",
                [review_id, session_id],
            )
            if moved_since:
                # The next answer was due when this one said; it is now due when the face was before this one (a
                # face first studied by this answer is first studied by that one, for the day's new cards).
                self.db.conn.execute(
                    """UPDATE reviews SET due_before = (SELECT due_before FROM reviews WHERE id = :taken)
                       WHERE id = (SELECT id FROM reviews WHERE card_pk = :pk AND face = :face AND scheduled = 1
                                   AND id != :taken AND reviewed_at >= :at ORDER BY reviewed_at, id LIMIT 1)""",
                    {"taken": review_id, "pk": answer.card_pk, "face": answer.face,
                     "at": to_stored(answer.reviewed_at)},
                )
            (first_study,) = self.db.execute("SELECT due_before IS NULL FROM reviews WHERE id = ?", [review_id]
                                             ).fetchone() or (False,)
            self.db.conn.execute("DELETE FROM reviews WHERE id = ?", [review_id])
            if answer.schedule is not None and not moved_since:
                if first_study:
                    schedule_before = {**schedule_before, **NEW_SCHEDULE}
                self._write_schedule(answer.card_pk, answer.face, schedule_before)
            if answer.schedule is not None:
                # A review after the one taken back (another quiz's, or one of a clock gone back) follows another now.
                self._set_elapsed({(answer.card_pk, answer.face): to_stored(answer.reviewed_at)})
        return None if moved_since else schedule_before

    # Card actions --------------------------------------------------------------------------------------------
    # What the learner does to a card during a quiz, each committed at once like an answer.

    def bury_card(self, card_pk: int, until: datetime) -> None:
        """Leave the card's faces out of every quiz until ``until``."""
        with self.transaction():
            self.db.conn.execute("UPDATE cards SET buried_until = ? WHERE pk = ?", [to_stored(until), card_pk])

    def suspend_card(self, card_pk: int, now: datetime) -> None:
        """Never ask the card again until it is unsuspended: the learner's own suspension, whatever the card's was."""
        with self.transaction():
            self.suspend_cards([card_pk], now)
            self.db.conn.execute("UPDATE cards SET suspended_unshowable = NULL WHERE pk = ?", [card_pk])

    def suspend_cards(self, card_pks: list[int], now: datetime, unshowable: bool = False) -> None:
        """Suspend these cards (a card already suspended keeps its time); call inside a transaction, as an import
        does for the cards it brings suspended, ``unshowable`` for those suspended as a side cannot be shown."""
        stamp = to_stored(now)
        self.db.conn.executemany(
            "UPDATE cards SET suspended = coalesce(suspended, ?), suspended_unshowable = ? WHERE pk = ?",
            [(stamp, 1 if unshowable else None, pk) for pk in card_pks],
        )

    def unsuspend_card(self, card_pk: int) -> bool:
        """Let a suspended card be asked again; False if it was not suspended."""
        with self.transaction():
            cursor = self.db.conn.execute(
                "UPDATE cards SET suspended = NULL, suspended_unshowable = NULL WHERE pk = ? AND suspended IS NOT NULL",
                [card_pk],
            )
        return cursor.rowcount > 0

    def toggle_flag(self, card_pk: int) -> bool:
        """Flag the card, or take its flag off; whether it is flagged now."""
        with self.transaction():
            self.db.conn.execute("UPDATE cards SET flagged = 1 - flagged WHERE pk = ?", [card_pk])
        return bool(self.db.execute("SELECT flagged FROM cards WHERE pk = ?", [card_pk]).fetchone()[0])

    def card_origin(self, card_pk: int) -> tuple[str | None, int | None]:
        """The origin (see ``paths.origin_name``) and line a card was imported from."""
        origin, line = self.db.execute("SELECT origin, origin_line FROM cards WHERE pk = ?", [card_pk]).fetchone()
        return origin, line

    def card_marks(self, now: datetime, card_pk: int | None = None) -> dict[int, list[str]]:
        """What cards are marked with (all cards, or one): "suspended" (by the learner or Anki; "suspended: cannot
        be shown here" when an Anki import suspended it for a side the terminal cannot show), "flagged", "buried"
        (until the start of the day it was buried for), by pk; unmarked cards are left out."""
        moment = to_stored(now)
        rows = self.db.execute(
            f"""SELECT pk, suspended, suspended_unshowable, flagged, buried_until FROM cards
                WHERE (suspended IS NOT NULL OR flagged = 1 OR buried_until > ?) {"AND pk = ?" if card_pk else ""}""",
            [moment, card_pk] if card_pk else [moment],
        ).fetchall()
        marks = {}
        for pk, suspended, unshowable, flagged, buried_until in rows:
            names = [UNSHOWABLE if unshowable else "suspended"] if suspended else []
            names += ["flagged"] if flagged else []
            names += ["buried"] if buried_until and buried_until > moment else []
            marks[pk] = names
        return marks

    def record_answers(self, session_id: int, answers: list[Answer]) -> None:
        """Store many answers of one session in one transaction: a review history brought in whole."""
        conn = self.db.conn
        since: dict[tuple[int, int], str] = {}
        with self.transaction():
            for answer in answers:
                self._insert_answer(session_id, answer)
                if answer.schedule is not None:
                    at = to_stored(answer.reviewed_at)
                    key = (answer.card_pk, answer.face)
                    since[key] = min(since.get(key, at), at)
            self._set_elapsed(since)
            conn.execute(
                "UPDATE sessions SET answered = answered + ?, correct = correct + ? WHERE id = ?",
                [len(answers), sum(a.correct for a in answers), session_id],
            )

    def _insert_answer(self, session_id: int, answer: Answer) -> sqlite3.Cursor:
        """One answer's review row and, when it moved the schedule, the face's new schedule; inside a transaction."""
        due_after = answer.schedule["due"] if answer.schedule else answer.due_before
        cursor = self.db.conn.execute(
            """INSERT INTO reviews (card_pk, face, session_id, reviewed_at, mode, rating, correct, response,
               duration_ms, scheduled, due_before, due_after) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            [answer.card_pk, answer.face, session_id, to_stored(answer.reviewed_at), answer.mode,
             int(answer.rating), int(answer.correct), answer.response, answer.duration_ms,
             int(answer.schedule is not None), answer.due_before, due_after],
        )
        if answer.schedule is not None:
            self._write_schedule(answer.card_pk, answer.face, answer.schedule)
        return cursor

    def _set_elapsed(self, since: dict[tuple[int, int], str]) -> None:
        """Set ``elapsed_days`` (see m008) on the scheduled reviews of each (card pk, face) from a stored time on: the
        reviews just written there and the ones after, whose previous review may have changed. In a transaction."""
        if self._elapsed_deferred is not None:
            for key, at in since.items():
                self._elapsed_deferred[key] = min(self._elapsed_deferred.get(key, at), at)
            return
        self.db.conn.executemany(
            f"""UPDATE reviews SET elapsed_days = {ELAPSED_DAYS}
                WHERE card_pk = ? AND face = ? AND scheduled = 1 AND due_before IS NOT NULL AND reviewed_at >= ?""",
            [(card_pk, face, at) for (card_pk, face), at in since.items()],
        )

    def _write_schedule(self, card_pk: int, face: int, row: dict[str, Any]) -> None:
        self.db.conn.execute(
            """UPDATE schedule SET state = ?, step = ?, stability = ?, difficulty = ?, due = ?, last_review = ?
               WHERE card_pk = ? AND face = ?""",
            [row["state"], row["step"], row["stability"], row["difficulty"], row["due"], row["last_review"],
             card_pk, face],
        )

    # Stats ---------------------------------------------------------------------------------------------------
    # What ``quizgen stats`` reads, for one deck or (deck None) all of them. On 100k cards and 1M reviews SQLite does
    # the counting: tallies come back counted, and where rows must reach Python their times come as whole days or
    # milliseconds worked out in SQL, not as text to parse.

    def active_card_count(self, deck: str | None = None) -> int:
        where, params = card_filter("", deck)
        return int(self.db.execute(f"SELECT count(*) FROM cards WHERE {where}", params).fetchone()[0])

    def face_schedules(self, deck: str | None = None) -> Iterator[FaceSchedule]:
        """The schedule of every face of the active cards."""
        where, params = card_filter("c.", deck)
        rows = self.db.execute(
            f"""SELECT s.card_pk, s.face, s.state, s.stability, s.difficulty, s.due, s.last_review
                FROM schedule s JOIN cards c ON c.pk = s.card_pk WHERE {where}""",
            params,
        )
        return map(FaceSchedule._make, rows)

    def schedule_tally(
        self, now: datetime, week: datetime, factor: float, decay: float, deck: str | list[str] | None = None
    ) -> ScheduleTally:
        """How many faces the active cards have; of them how many are of suspended cards, of cards buried at ``now``,
        and of the rest how many are new and in review; how many studied ones are due by ``now`` (of cards a quiz may
        ask then: neither suspended nor buried) and by ``week`` (of cards not suspended); and the sum over the studied
        faces of FSRS's forgetting curve ``(1 + factor * days / stability) ** -decay``, by whole days since their last
        review (0 for one after ``now``).
        """
        where, params = card_filter("c.", deck)
        since = f"{_JULIAN_MS.format('(SELECT julianday(?))')} - {_JULIAN_MS.format('s.last_review')}"
        days = f"max(0, ({since}) / 86400000)"
        query = f"""SELECT count(*), coalesce(sum(s.state = 0 AND {ASKABLE}), 0),
                      coalesce(sum(s.state = 2 AND {ASKABLE}), 0), coalesce(sum(c.suspended IS NOT NULL), 0),
                      coalesce(sum(c.suspended IS NULL AND c.buried_until > ?), 0),
                      coalesce(sum(s.state > 0 AND s.due <= ? AND {ASKABLE}), 0),
                      coalesce(sum(s.state > 0 AND s.due <= ? AND c.suspended IS NULL), 0),
                      coalesce(sum(s.state > 0), 0),
                      coalesce(sum(CASE WHEN s.state > 0 THEN pow(1 + ? * {days} / s.stability, ?) END), 0)
                    FROM schedule s JOIN cards c ON c.pk = s.card_pk WHERE {where}"""
        moment = to_stored(now)
        values = [moment, moment, moment, moment, moment, to_stored(week), factor, moment, -decay, *params]
        try:
            row = self.db.execute(query, values).fetchone()
        except sqlite3.OperationalError as ex:
            if "no such function" not in str(ex):
                raise
            # An SQLite built without its math functions: Python's pow is the same C function.
            self.db.conn.create_function("pow", 2, math.pow, deterministic=True)
            row = self.db.execute(query, values).fetchone()
        return ScheduleTally._make(row)

    def faces_due_by_day(
        self, starts: list[str], deck: str | list[str] | None = None
    ) -> list[tuple[int, int, float, float]]:
        """The studied faces of the active cards not suspended due before the last of ``starts``, the stored times at
        which consecutive days begin: the day each is due (0 for the first, overdue faces too), the day of its last
        review in whole days of 24 hours from the first start (negative before it, rounded down), its stability and
        difficulty."""
        where, params = card_filter("c.", deck)
        days = " ".join(f"WHEN s.due < ? THEN {day}" for day in range(len(starts) - 1))
        since = f"{_JULIAN_MS.format('s.last_review')} - {_JULIAN_MS.format('(SELECT julianday(?))')}"
        # SQLite's integer division rounds toward zero: counted from 100,000 days back, it rounds down.
        last_day = f"({since} + {100_000 * DAY_MS}) / {DAY_MS} - 100000"
        # One pass in the table's order, each face's day told apart by comparisons. The due index, or the hardest
        # faces' index, would read the faces in an order that jumps about the cards, a page read for each.
        rows: list[tuple[int, int, float, float]] = self.db.execute(
            f"""SELECT CASE {days} END,
                  {last_day},
                  s.stability, s.difficulty
                FROM schedule s NOT INDEXED JOIN cards c ON c.pk = s.card_pk
                WHERE {where} AND c.suspended IS NULL AND s.state > 0 AND s.due < ?""",
            [*starts[1:], starts[0], *params, starts[-1]],
        ).fetchall()
        return rows

    def hardest_faces(self, count: int, deck: str | None = None) -> list[tuple[int, int, float, float, str]]:
        """The ``count`` studied faces of the active cards of highest FSRS difficulty (of lowest stability among
        equals, then the latest card and face): card pk, face, difficulty, stability and last review."""
        where, params = card_filter("c.", deck)
        # CROSS JOIN: the schedule first, read in this order from its index until enough faces of the cards are found.
        rows: list[tuple[int, int, float, float, str]] = self.db.execute(
            f"""SELECT s.card_pk, s.face, s.difficulty, s.stability, s.last_review
                FROM schedule s CROSS JOIN cards c ON c.pk = s.card_pk WHERE {where} AND s.state > 0
                ORDER BY s.difficulty DESC, s.stability, s.card_pk DESC, s.face DESC LIMIT ?""",
            [*params, count],
        ).fetchall()
        return rows

    # Stats count scheduled reviews (answers that moved a schedule); practice and exam answers are tallied apart.

    def face_answer_tally(self, card_pk: int, face: int) -> tuple[int, int]:
        """How often one face was reviewed, and how often rightly."""
        answered, right = self.db.execute(
            """SELECT count(*), coalesce(sum(correct), 0) FROM reviews
               WHERE card_pk = ? AND face = ? AND scheduled = 1""",
            [card_pk, face],
        ).fetchone()
        return int(answered), int(right)

    def answer_tally(self, deck: str | None = None) -> tuple[int, int]:
        """How many reviews were ever given (to the deck's cards, retired ones too), and how many were right."""
        review_filter, params = self._reviews_of(deck)
        answered, right = self.db.execute(
            f"SELECT count(*), coalesce(sum(correct), 0) FROM reviews r WHERE r.scheduled = 1 {review_filter}",
            params,
        ).fetchone()
        return int(answered), int(right)

    def unscheduled_tally(self, deck: str | None = None) -> dict[str, tuple[int, int]]:
        """Answers that left the schedule alone (practice, exam), by mode: how many, and how many right."""
        review_filter, params = self._reviews_of(deck)
        rows = self.db.execute(
            f"""SELECT r.mode, count(*), coalesce(sum(r.correct), 0) FROM reviews r
                WHERE r.scheduled = 0 {review_filter} GROUP BY r.mode""",
            params,
        ).fetchall()
        return {mode: (int(answered), int(right)) for mode, answered, right in rows}

    def answer_tally_from(self, starts: list[str], deck: str | None = None) -> list[tuple[int, int]]:
        """How many reviews were given from each of the stored times ``starts`` until the next (from the last, until
        any time later), and how many rightly; each stretch is read by the reviewed_at index."""
        review_filter, params = self._reviews_of(deck)
        stretches = ", ".join("(?, ?, ?)" for _ in starts)
        bounds = [*starts, LATER_THAN_ANY_TIME]
        rows = self.db.execute(
            f"""WITH stretches(stretch, start, end) AS (VALUES {stretches})
                SELECT t.stretch, count(*), coalesce(sum(r.correct), 0)
                FROM stretches t JOIN reviews r ON r.reviewed_at >= t.start AND r.reviewed_at < t.end
                WHERE r.scheduled = 1 {review_filter} GROUP BY t.stretch""",
            [value for i, start in enumerate(starts) for value in (i, start, bounds[i + 1])] + params,
        ).fetchall()
        tallies = [(0, 0)] * len(starts)
        for stretch, answered, right in rows:
            tallies[stretch] = (int(answered), int(right))
        return tallies

    def section_tally(
        self, since: datetime, recent: datetime, deck: str | None = None
    ) -> list[tuple[str, int, int, int]]:
        """For each section (of the cards, retired ones too, whose reviews still count): how many reviews were given
        since ``since``, how many rightly, and how many of them since ``recent``."""
        deck_filter, params = ("AND c.deck = ?", [deck]) if deck else ("", [])
        # Tallied card by card first, so each card's row is read once, in the table's order.
        rows: list[tuple[str, int, int, int]] = self.db.execute(
            f"""SELECT c.section, sum(t.answered), sum(t.right), sum(t.recent)
                FROM (SELECT r.card_pk, count(*) AS answered, coalesce(sum(r.correct), 0) AS right,
                        sum(r.reviewed_at >= ?) AS recent
                      FROM reviews r WHERE r.reviewed_at >= ? AND r.scheduled = 1 GROUP BY +r.card_pk) t
                  JOIN cards c ON c.pk = t.card_pk
                WHERE 1 {deck_filter} GROUP BY c.section""",
            [to_stored(recent), to_stored(since), *params],
        ).fetchall()
        return rows

    def recall_by_wait(self, since: datetime, least_days: list[int], deck: str | None = None) -> list[tuple[int, int]]:
        """What true retention counts: of the scheduled reviews since ``since`` that the face was due for and that
        followed an earlier one of the face, in each band of days waited since it (from ``least_days[i]`` whole days,
        rounded as Python rounds, half to even, until the next band's), how many there were and how many were
        recalled (rated above Again). Each review's wait is stored on it (``elapsed_days``), so one index has them."""
        review_filter, params = self._reviews_of(deck)
        bands = " ".join(
            f"WHEN r.elapsed_days {'>=' if days % 2 == 0 else '>'} {days - 0.5} THEN {band}"
            for band, days in reversed(list(enumerate(least_days)))
        )
        rows = self.db.execute(
            f"""SELECT CASE {bands} END AS band, count(*), sum(r.rating > 1) FROM reviews r
                WHERE r.reviewed_at >= ? AND r.scheduled = 1 AND r.elapsed_days IS NOT NULL {review_filter}
                GROUP BY band HAVING band IS NOT NULL""",
            [to_stored(since), *params],
        ).fetchall()
        tallies = [(0, 0)] * len(least_days)
        for band, reviews, recalled in rows:
            tallies[band] = (int(reviews), int(recalled))
        return tallies

    def _reviews_of(self, deck: str | None) -> tuple[str, list[Any]]:
        """The condition on ``reviews r`` for one deck's answers; none when it is the only deck."""
        if deck is None or len(self.decks()) == 1:
            return "", []
        # The unary + keeps SQLite on a plain scan (or the reviewed_at index) instead of a million card_pk lookups.
        return "AND +r.card_pk IN (SELECT pk FROM cards WHERE deck = ?)", [deck]

    # Optimizing ----------------------------------------------------------------------------------------------
    # What ``quizgen optimize`` reads, every rating that moved a schedule, and writes: new memory states.

    def rating_history(self, deck: str | list[str] | None = None) -> list[RatingHistory]:
        """The reviews of each face of the active cards that moved a schedule and have a 1-4 rating, face by face (by
        card pk, then face), each face's oldest first (reviews of a face at the same instant, lowest rating first):
        its FSRS history, from where ``face_history_starts`` says it begins."""
        where, params = card_filter("c.", deck)
        # One row a face, its times as one text and its ratings (one digit each) as another: a row for each review
        # would cost more to make in Python than the rest of the reading.
        rows = self.db.execute(
            f"""SELECT c.pk, r.face, group_concat(r.reviewed_at), group_concat(r.rating, '')
                FROM cards c JOIN reviews r ON r.card_pk = c.pk
                WHERE {where} AND r.scheduled = 1 AND r.rating BETWEEN 1 AND 4
                GROUP BY c.pk, r.face ORDER BY c.pk, r.face""",
            params,
        ).fetchall()
        # Few faces, if any, have a history beginning later than their first review: looked up, not joined.
        rows_of_starts = self.db.execute("SELECT card_pk, face, starts_at FROM face_history_starts")
        starts = {(pk, face): at for pk, face, at in rows_of_starts}
        faces = []
        for card_pk, face, joined_times, joined_ratings in rows:
            times, ratings = joined_times.split(","), list(map(int, joined_ratings))
            # Read from the face's index in this order already (so this only checks it): an aggregate's order is not
            # one SQLite promises. Reviews at one instant are put in order of rating.
            if not all(map(lt, times, islice(times, 1, None))):
                ordered = sorted(zip(times, ratings, strict=True))
                times, ratings = [moment for moment, _ in ordered], [rating for _, rating in ordered]
            starts_at = starts.get((card_pk, face))
            if starts_at is not None:
                first = bisect_left(times, starts_at)
                times, ratings = times[first:], ratings[first:]
                if not times:
                    continue
            faces.append(RatingHistory(card_pk, face, times, ratings))
        return faces

    def seeded_histories(self, deck: str | list[str] | None = None) -> list[SeededHistory]:
        """The faces of the active cards (of the deck, of each deck listed, or of all) that FSRS starts from an SM-2
        seed, each with its rated answers that moved a schedule after the seed (left out of ``rating_history``)."""
        where, params = card_filter("c.", deck)
        rows = self.db.execute(
            f"""SELECT s.card_pk, s.face, s.seeded_at, s.ease, s.interval_days,
                  group_concat(r.reviewed_at), group_concat(r.rating, '')
                FROM face_sm2_seeds s JOIN cards c ON c.pk = s.card_pk
                LEFT JOIN reviews r ON r.card_pk = s.card_pk AND r.face = s.face AND r.scheduled = 1
                  AND r.rating BETWEEN 1 AND 4 AND r.reviewed_at > s.seeded_at
                WHERE {where} GROUP BY s.card_pk, s.face ORDER BY s.card_pk, s.face""",
            params,
        ).fetchall()
        histories = []
        for card_pk, face, seeded_at, ease, interval, joined_times, joined_ratings in rows:
            pairs = sorted(zip(joined_times.split(","), map(int, joined_ratings), strict=True)) if joined_times else []
            histories.append(SeededHistory(card_pk, face, Sm2Seed(seeded_at, ease, interval),
                                           [moment for moment, _ in pairs], [rating for _, rating in pairs]))
        return histories

    def faces_in_review(self, deck: str | None = None) -> dict[tuple[int, int], datetime]:
        """The last review time of every face of the active cards in the Review state, by (card pk, face)."""
        where, params = card_filter("c.", deck)
        rows = self.db.execute(
            f"""SELECT s.card_pk, s.face, s.last_review FROM schedule s JOIN cards c ON c.pk = s.card_pk
                WHERE {where} AND s.state = 2 AND s.last_review IS NOT NULL""",
            params,
        ).fetchall()
        return {(pk, face): from_stored(last) for pk, face, last in rows}

    def card_decks(self, deck: str | None = None) -> dict[int, str]:
        """The deck of every active card (of ``deck`` only, if given), by pk."""
        where, params = card_filter("", deck)
        return dict(self.db.execute(f"SELECT pk, deck FROM cards WHERE {where}", params).fetchall())

    def set_parameters_and_memory_states(
        self, key: str, parameters: str, rows: list[tuple[int, int, float, float, datetime]]
    ) -> None:
        """Store FSRS parameters under config ``key`` and the new (card pk, face, stability, difficulty, due) of the
        faces they reschedule, in one transaction: interrupted, neither is written."""
        with self.transaction():
            self.db.execute("INSERT OR REPLACE INTO config (key, value) VALUES (?, ?)", [key, parameters])
            self.db.conn.executemany(
                "UPDATE schedule SET stability = ?, difficulty = ?, due = ? WHERE card_pk = ? AND face = ?",
                [(stability, difficulty, to_stored(due), pk, face) for pk, face, stability, difficulty, due in rows],
            )

    # Exchange ------------------------------------------------------------------------------------------------
    # What an export with progress carries: the schedule of every studied face and the reviews that made it.

    def studied_faces(self, deck: str) -> list[StudiedFace]:
        """The schedule of every studied face of the deck's active cards."""
        rows = self.db.execute(
            """SELECT s.card_pk, s.face, s.state, s.step, s.stability, s.difficulty, s.due, s.last_review, a.ease,
                 a.interval_days, a.due
               FROM schedule s JOIN cards c ON c.pk = s.card_pk
               LEFT JOIN anki_sm2 a ON a.card_pk = s.card_pk AND a.face = s.face
               WHERE c.deck = ? AND c.retired IS NULL AND s.state > 0""",
            [deck],
        ).fetchall()
        return [StudiedFace(*row) for row in rows]

    def scheduled_reviews_copier(self, deck: str) -> Callable[[Path, str], None]:
        """A function that copies the reviews of the deck's active cards that moved a schedule (practice and exam
        answers left out) into a new ``table`` of the SQLite database at a path, rowids in order oldest first for each
        face; it reads through a connection of its own, so another thread may call it.

        The table's columns are card_pk, face, reviewed_ms (Unix milliseconds), rating, duration_ms, wait_seconds
        (how long the schedule then waited; None if it was left without a due date) and anki_type (the revlog type
        Anki logged an imported answer as, see m011; None for quizgen's own). SQLite copies them from
        database to database: an export takes a review of every study day of every card, and as many Python objects
        would cost more than the rest of the export.
        """
        (_seq, _name, file), *_ = self.db.execute("PRAGMA database_list").fetchall()
        uri = _read_only_uri(Path(file))

        def copy(target: Path, table: str) -> None:
            connection = sqlite3.connect(uri, uri=True)
            try:
                connection.execute("ATTACH DATABASE ? AS target", [str(target)])
                # A scratch database, built whole.
                connection.execute("PRAGMA target.journal_mode = OFF")
                connection.execute("PRAGMA target.synchronous = OFF")
                # Read whole, in file order, then sorted: cheaper than reaching each face's reviews through an
                # index, since a face's reviews lie all over the table (one a study day).
                connection.execute(
                    f"""CREATE TABLE target.{table} AS
                        SELECT r.card_pk, r.face,
                          CAST(round((julianday(r.reviewed_at) - 2440587.5) * 86400000) AS INTEGER) AS reviewed_ms,
                          r.rating, r.duration_ms,
                          CAST(round((julianday(r.due_after) - julianday(r.reviewed_at)) * 86400) AS INTEGER)
                            AS wait_seconds,
                          CASE r.anki_kind WHEN 'learn' THEN 0 WHEN 'review' THEN 1 WHEN 'relearn' THEN 2
                            WHEN 'filtered' THEN 3 END AS anki_type
                        FROM reviews r NOT INDEXED
                        WHERE r.scheduled = 1
                          AND r.card_pk IN (SELECT pk FROM cards WHERE deck = ? AND retired IS NULL)
                        ORDER BY r.card_pk, r.face, r.reviewed_at, r.id""",
                    [deck],
                )
                connection.commit()
            finally:
                connection.close()

        return copy

    # Anki import -------------------------------------------------------------------------------------------
    # What an Anki import reads to link notes back to our cards and merge their history with ours; its writes run
    # inside the import's transaction (``apply(..., then=...)``).

    def card_keys(self) -> list[tuple[str, str, int]]:
        """Deck, card id and pk of every card, retired ones too."""
        return self.db.execute("SELECT deck, card_id, pk FROM cards").fetchall()

    def cards_by_pk(self, pks: list[int]) -> dict[int, Card]:
        cards: dict[int, Card] = {}
        for chunk in _chunks(pks, 500):
            rows = self.db.execute(
                f"SELECT pk, deck, data FROM cards WHERE pk IN ({', '.join('?' for _ in chunk)})", chunk
            ).fetchall()
            cards.update((pk, Card.from_dict(deck, json.loads(data))) for pk, deck, data in rows)
        return cards

    def card_pks(self, decks: list[str]) -> dict[tuple[str, str], int]:
        """The pk of every card of these decks, by (deck, card id)."""
        pks: dict[tuple[str, str], int] = {}
        for chunk in _chunks(decks, 500):
            rows = self.db.execute(
                f"SELECT deck, card_id, pk FROM cards WHERE deck IN ({', '.join('?' for _ in chunk)})", chunk
            ).fetchall()
            pks.update(((deck, card_id), pk) for deck, card_id, pk in rows)
        return pks

    def face_histories(self, pks: list[int]) -> dict[tuple[int, int], FaceHistory]:
        """The schedule row of every face of these cards, with the times of its own reviews and the Anki revlog ids
        already imported for it."""
        histories: dict[tuple[int, int], FaceHistory] = {}
        for chunk in _chunks(sorted(set(pks)), 500):
            marks = ", ".join("?" for _ in chunk)
            for pk, face, *row in self.db.execute(
                f"""SELECT card_pk, face, state, step, stability, difficulty, due, last_review FROM schedule
                    WHERE card_pk IN ({marks})""",
                chunk,
            ):
                keys = ("state", "step", "stability", "difficulty", "due", "last_review")
                histories[(pk, face)] = FaceHistory(dict(zip(keys, row, strict=True)), [], set())
            for pk, face, reviewed_ms, anki_id, kindless in self.db.execute(
                f"""SELECT card_pk, face,
                      CAST(round((julianday(reviewed_at) - 2440587.5) * 86400000) AS INTEGER), anki_revlog_id,
                      anki_kind IS NULL
                    FROM reviews WHERE card_pk IN ({marks}) AND scheduled = 1""",
                chunk,
            ):
                history = histories.get((pk, face))
                if history is None:
                    continue
                if anki_id is None:
                    history.native_ms.append(reviewed_ms)
                else:
                    history.anki_ids.add(anki_id)
                    if kindless:
                        history.kindless.add(anki_id)
            for pk, face, anki_id in self.db.execute(
                f"SELECT card_pk, face, anki_revlog_id FROM anki_events WHERE card_pk IN ({marks})", chunk
            ):
                if (pk, face) in histories:
                    histories[(pk, face)].anki_ids.add(anki_id)
            for pk, face, starts_at in self.db.execute(
                f"SELECT card_pk, face, starts_at FROM face_history_starts WHERE card_pk IN ({marks})", chunk
            ):
                if (pk, face) in histories:
                    histories[(pk, face)].starts_at = starts_at
            for pk, face, *seed in self.db.execute(
                f"""SELECT card_pk, face, seeded_at, ease, interval_days FROM face_sm2_seeds
                    WHERE card_pk IN ({marks})""",
                chunk,
            ):
                if (pk, face) in histories:
                    histories[(pk, face)].seed = Sm2Seed(*seed)
        return histories

    @contextmanager
    def review_indexes_deferred(self, adding: int) -> Iterator[None]:
        """Around adding up to ``adding`` reviews inside a transaction: when they outnumber the stored ones, the
        indexes of the reviews are dropped first and made again after, one sort each where every row added would
        otherwise go to its own place in each. The unique index of Anki revlog ids is among them, so the rows added
        must be ones already known to be new: made again, it refuses a repeat, failing the transaction. A failure
        rolls the indexes back with the rest."""
        conn = self.db.conn
        if adding <= conn.execute("SELECT count(*) FROM reviews").fetchone()[0]:
            yield
            return
        names = [name for _seq, name, _unique, origin, _partial in conn.execute("PRAGMA index_list(reviews)").fetchall()
                 if origin == "c"]
        made = [conn.execute("SELECT sql FROM sqlite_master WHERE name = ?", [name]).fetchone()[0] for name in names]
        for name in names:
            conn.execute(f'DROP INDEX "{name}"')
        self._elapsed_deferred = {}
        try:
            yield
            # The waits are set once the indexes they are found by are back, and before those holding them are made.
            holding = [sql for sql in made if "elapsed_days" in sql]
            for sql in made:
                if sql not in holding:
                    conn.execute(sql)
            since, self._elapsed_deferred = self._elapsed_deferred, None
            self._set_elapsed(since)
            for sql in holding:
                conn.execute(sql)
        finally:
            self._elapsed_deferred = None

    def add_anki_history(
        self,
        reviews: list[AnkiReviewRow],
        events: list[AnkiEventRow],
        schedules: list[tuple[int, int, dict]],
        joined: dict[tuple[int, int], str],
        starts: list[tuple[int, int, str | None]],
        seeds: list[tuple[int, int, Sm2Seed | None]],
    ) -> None:
        """Write imported Anki reviews and events (each revlog id once per face) and the schedules they lead to.

        ``joined``: the faces whose new reviews join stored ones, each with the time of its first new review; the
        elapsed days of their reviews from then on are worked out here (the other faces' reviews come with theirs).
        ``starts``: faces whose FSRS history now begins elsewhere (``face_history_starts``; None: at their first
        review). ``seeds``: faces whose SM-2 seed (``face_sm2_seeds``) is now this one, or none. Call inside a
        transaction (an Anki import's), as often as it takes to write them all.
        """
        conn = self.db.conn
        conn.executemany(
            """INSERT OR IGNORE INTO reviews (card_pk, face, reviewed_at, mode, rating, correct, response,
               duration_ms, scheduled, due_before, due_after, anki_revlog_id, elapsed_days, anki_kind)
               VALUES (?1, ?2, ?3, 'anki', ?4, ?4 > 1, '', max(?5, 0), 1, ?6, ?7, ?8, ?9, ?10)""",
            reviews,
        )
        self._set_elapsed(joined)
        conn.executemany(
            """INSERT OR IGNORE INTO anki_events (card_pk, face, anki_revlog_id, happened_at, kind, interval)
               VALUES (?, ?, ?, ?, ?, ?)""",
            events,
        )
        conn.executemany(
            """UPDATE schedule SET state = ?, step = ?, stability = ?, difficulty = ?, due = ?, last_review = ?
               WHERE card_pk = ? AND face = ?""",
            [(row["state"], row["step"], row["stability"], row["difficulty"], row["due"], row["last_review"],
              card_pk, face) for card_pk, face, row in schedules],
        )
        conn.executemany(
            "INSERT OR REPLACE INTO face_history_starts (card_pk, face, starts_at) VALUES (?, ?, ?)",
            [start for start in starts if start[2] is not None],
        )
        conn.executemany(
            "DELETE FROM face_history_starts WHERE card_pk = ? AND face = ?",
            [(card_pk, face) for card_pk, face, starts_at in starts if starts_at is None],
        )
        conn.executemany(
            """INSERT OR REPLACE INTO face_sm2_seeds (card_pk, face, seeded_at, ease, interval_days)
               VALUES (?, ?, ?, ?, ?)""",
            [(card_pk, face, *seed) for card_pk, face, seed in seeds if seed is not None],
        )
        conn.executemany(
            "DELETE FROM face_sm2_seeds WHERE card_pk = ? AND face = ?",
            [(card_pk, face) for card_pk, face, seed in seeds if seed is None],
        )

    def set_anki_sm2(self, rows: list[tuple[int, int, float, int, str | None]]) -> None:
        """Keep what SM-2 says of each of these faces in Anki (card pk, face, ease, interval in days, due as stored
        text). Inside an Anki import's transaction."""
        self.db.conn.executemany(
            "INSERT OR REPLACE INTO anki_sm2 (card_pk, face, ease, interval_days, due) VALUES (?, ?, ?, ?, ?)", rows
        )

    def add_anki_kinds(self, kinds: list[AnkiKindRow]) -> None:
        """Give answers imported before their Anki kinds were kept (m011) their kind. Inside a transaction, with the
        indexes of the reviews in place: each answer is found by its revlog id."""
        self.db.conn.executemany(
            """UPDATE reviews SET anki_kind = ? WHERE card_pk = ? AND face = ? AND anki_revlog_id = ?
               AND anki_kind IS NULL""",
            kinds,
        )


# Which cards a quiz may ask at a moment (its one parameter, a stored time): neither suspended nor buried then.
# Sorts after every stored time, which begins with the digits of its year.
LATER_THAN_ANY_TIME = "A"
# What ``reviews.elapsed_days`` holds (see m008): the days from the face's previous scheduled review, as SQLite takes
# the difference of two stored times.
ELAPSED_DAYS = """julianday(reviewed_at) - julianday(
    (SELECT max(p.reviewed_at) FROM reviews p WHERE p.card_pk = reviews.card_pk AND p.face = reviews.face
     AND p.scheduled = 1 AND p.reviewed_at < reviews.reviewed_at))"""
# A stored time in whole milliseconds (of the julian day count SQLite keeps them in; rounding drops float error).
DAY_MS = 86_400_000
_JULIAN_MS = f"CAST(round(julianday({{}}) * {DAY_MS}) AS INTEGER)"


ASKABLE = "c.suspended IS NULL AND (c.buried_until IS NULL OR c.buried_until <= ?)"
# The mark of a card an Anki import suspended because a side of it cannot be shown in the terminal.
UNSHOWABLE = "suspended: cannot be shown here"


def _row_id(cursor: sqlite3.Cursor) -> int:
    """The id of the row an INSERT just wrote (always set after one)."""
    assert cursor.lastrowid is not None
    return cursor.lastrowid


def _chunks(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def card_filter(
    prefix: str,
    deck: str | list[str] | None,
    kinds: list[str] | None = None,
    section: str | None = None,
    search: str | None = None,
    include_retired: bool = False,
) -> tuple[str, list[Any]]:
    """One SQL condition (and its parameters) for the filters every listing shares; ``prefix`` is a table alias.

    ``deck`` is one deck's slug or a list of them."""
    where, params = ["1"], []
    if isinstance(deck, list):
        where.append(f"{prefix}deck IN ({', '.join('?' for _ in deck)})")
        params.extend(deck)
    elif deck:
        where.append(f"{prefix}deck = ?")
        params.append(deck)
    if kinds:
        where.append(f"{prefix}kind IN ({', '.join('?' for _ in kinds)})")
        params.extend(kinds)
    if section:
        where.append(f"{prefix}section LIKE ? ESCAPE '\\'")
        params.append(f"%{_like_escape(section)}%")
    if search:
        where.append(f"({prefix}data LIKE ? ESCAPE '\\' OR {prefix}card_id LIKE ? ESCAPE '\\')")
        params.extend([f"%{_like_escape(search)}%"] * 2)
    if not include_retired:
        where.append(f"{prefix}retired IS NULL")
    return " AND ".join(where), params


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _deck_from_row(row: dict[str, Any]) -> Deck:
    return Deck(
        slug=row["slug"], name=row["name"], description=row["description"] or "",
        source_title=row["source_title"] or "", source_location=row["source_location"] or "",
    )


def _stored_from_row(row: tuple) -> StoredCard:
    pk, deck, data, origin, modified, retired = row
    return StoredCard(
        pk=pk, card=Card.from_dict(deck, json.loads(data)), origin=origin, modified=modified, retired=retired
    )
