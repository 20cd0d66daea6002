"""The SQLite store: decks, cards, the schedule of each card face, reviews and sessions, in one file.

Every write is one transaction: an import either lands whole or not at all, and an answer (its review row and its
new schedule) is committed before the quiz moves on.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, NamedTuple

from sqlite_utils import Database

from quizgen.core import paths, time
from quizgen.core.bulk import collector_paused
from quizgen.core.cards import Card, Deck, hash_of
from quizgen.core.errors import DatabaseBusy, DatabaseError, ImportProblems, UnknownCard, UnknownDeck
from quizgen.core.kinds import kind_named
from quizgen.core.migrations import APPLICATION_ID, migrations
from quizgen.core.questions import Bank, Problem, load_strict
from quizgen.core.time import from_stored, to_stored

SQLITE_HEADER = b"SQLite format 3\x00"
BUSY_TIMEOUT_MS = 10_000


def origin_name(path: str | Path) -> str:
    """How a card's file is remembered: bundled files by their place in the bundle, others by absolute path."""
    resolved = Path(path).resolve()
    try:
        return "bundled:" + resolved.relative_to(paths.bundled_root().resolve()).as_posix()
    except ValueError:
        return paths.display_path(resolved)


def origin_exists(origin: str) -> bool:
    """Whether the file a card was imported from is still there."""
    if origin.startswith("bundled:"):
        return (paths.bundled_root() / origin.removeprefix("bundled:")).is_file()
    return Path(origin).is_file()


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


class ScheduledReview(NamedTuple):
    """One answer that moved a face's schedule: when (Unix ms), how it was rated, how long it took, and the wait
    it led to (seconds; None if the schedule was left without a due date)."""

    card_pk: int
    face: int
    reviewed_ms: int
    rating: int
    duration_ms: int | None
    wait_seconds: int | None

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
            for (pk, _data, origin, modified), data in zip(rows, parsed):
                yield StoredCard(pk, Card.from_stored(self._deck, data), origin, modified, None)


@dataclass
class ImportReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0
    retired: list[str] = field(default_factory=list)
    restored: list[str] = field(default_factory=list)
    decks: list[str] = field(default_factory=list)
    # Cards whose kind now exports to another Anki note type: Anki will not update their notes in place.
    new_note_type: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "decks": self.decks,
            "added": len(self.added),
            "updated": len(self.updated),
            "unchanged": self.unchanged,
            "retired": len(self.retired),
            "restored": len(self.restored),
            "new_note_type": self.new_note_type,
        }

    def summary(self) -> str:
        return (
            f"{len(self.added)} added, {len(self.updated)} updated, {self.unchanged} unchanged, "
            f"{len(self.retired)} retired, {len(self.restored)} restored"
        )


def open_database(path: Path, create_folder: bool = False) -> Database:
    """Open (creating if new) a quizgen database, upgrading its schema; refuse anything else with one line."""
    if path.is_dir():
        raise DatabaseError(f"database path {path} is a folder, not a file")
    if not path.parent.exists():
        if not create_folder:
            raise DatabaseError(f"cannot open database {path}: folder {path.parent} does not exist")
        path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        try:
            with path.open("rb") as fh:
                header = fh.read(len(SQLITE_HEADER))
        except OSError as ex:
            raise DatabaseError(f"cannot read database {path}: {ex.strerror or ex}") from None
        if not header:
            raise DatabaseError(f"{path} is an empty file, not a quizgen database (remove it to start afresh)")
        if header != SQLITE_HEADER:
            raise DatabaseError(f"{path} is not a quizgen database (not an SQLite file)")
    try:
        db = Database(_connect(path))
        db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        _check_identity(db, path)
        if db.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
            db.execute("PRAGMA journal_mode = wal")
        db.execute("PRAGMA foreign_keys = ON")
        if migrations.pending(db):
            migrations.apply(db)
    except sqlite3.DatabaseError as ex:
        raise DatabaseError(describe_sqlite_error(ex, path)) from None
    return db


def _connect(path: Path) -> sqlite3.Connection:
    """A connection; read-only when the file's permission bits say so, honoured even for root (who could write it)."""
    if path.exists() and not path.stat().st_mode & 0o222:
        return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    return sqlite3.connect(path)


def existing_decks(path: Path) -> dict[str, Deck]:
    """The decks of a quizgen database that already exists, read without writing anything; empty otherwise."""
    if not path.is_file():
        return {}
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            if conn.execute("PRAGMA application_id").fetchone()[0] != APPLICATION_ID:
                return {}
            conn.row_factory = sqlite3.Row
            return {row["slug"]: _deck_from_row(dict(row)) for row in conn.execute("SELECT * FROM decks")}
        finally:
            conn.close()
    except sqlite3.Error:
        return {}


def _check_identity(db: Database, path: Path) -> None:
    has_tables = db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] > 0
    if not has_tables:
        return
    app_id = db.execute("PRAGMA application_id").fetchone()[0]
    if app_id != APPLICATION_ID:
        raise DatabaseError(f"{path} is not a quizgen database (it holds another program's tables)")
    known = {m.name for m in migrations._migrations}
    unknown = [m.name for m in migrations.applied(db) if m.name not in known]
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
        return f"{path} is not a quizgen database ({text})"
    if is_busy(ex):
        return f"database {path} is busy in another process; try again"
    if "unable to open" in text:
        return f"cannot open database {path}"
    return f"database {path}: {text}"


class Store:
    """Library access to one quizgen database."""

    def __init__(self, db: Database, path: Path | None = None):
        self.db = db
        self.path = path

    @classmethod
    def open(cls, path: Path | None = None, seed_bundled: bool = True) -> Store:
        """Open the database at ``path`` (default: ``paths.default_db_path()``), filling an empty one with the bundled decks."""
        target, in_data_dir = (path, False) if path is not None else paths.default_db_path()
        store = cls(open_database(target, create_folder=in_data_dir), target)
        if seed_bundled and store.is_empty():
            store.import_bundled()
        return store

    def close(self) -> None:
        self.db.close()

    def set_busy_timeout(self, milliseconds: int) -> None:
        """How long a write waits for another process's write lock before it fails with DatabaseBusy."""
        self.db.execute(f"PRAGMA busy_timeout = {int(milliseconds)}")

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One write transaction, taken up front (BEGIN IMMEDIATE) so concurrent writers queue instead of failing."""
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
            raise UnknownDeck(f"no deck '{slug}' (decks: {known})")
        return _deck_from_row(rows[0])

    def resolve_deck(self, slug: str | None) -> Deck:
        """The named deck, or the only deck when none is named."""
        if slug:
            return self.deck(slug)
        decks = self.decks()
        if len(decks) == 1:
            return decks[0]
        if not decks:
            raise UnknownDeck("the database has no decks; run 'quizgen import'")
        raise UnknownDeck(f"several decks: name one of {', '.join(d.slug for d in decks)}")

    def deck_summaries(self, now: datetime | None = None) -> list[dict[str, Any]]:
        """Per deck: slug, name, cards (active), retired, new and due faces."""
        moment = to_stored(now or time.now())
        rows = self.db.execute(
            """
            SELECT d.slug, d.name,
              (SELECT count(*) FROM cards c WHERE c.deck = d.slug AND c.retired IS NULL) AS cards,
              (SELECT count(*) FROM cards c WHERE c.deck = d.slug AND c.retired IS NOT NULL) AS retired,
              (SELECT count(*) FROM schedule s JOIN cards c ON c.pk = s.card_pk
                 WHERE c.deck = d.slug AND c.retired IS NULL AND s.state = 0) AS new,
              (SELECT count(*) FROM schedule s JOIN cards c ON c.pk = s.card_pk
                 WHERE c.deck = d.slug AND c.retired IS NULL AND s.state > 0 AND s.due <= ?) AS due
            FROM decks d ORDER BY d.slug
            """,
            [moment],
        ).fetchall()
        return [dict(zip(("slug", "name", "cards", "retired", "new", "due"), row)) for row in rows]

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
        """A card by ``id`` or ``deck/id``."""
        deck, _, card_id = reference.rpartition("/")
        sql = "SELECT pk, deck, data, origin, modified, retired FROM cards WHERE card_id = ?"
        params = [card_id]
        if deck:
            sql += " AND deck = ?"
            params.append(deck)
        rows = self.db.execute(sql, params).fetchall()
        if not rows:
            raise UnknownCard(f"no card '{reference}'")
        if len(rows) > 1:
            decks = ", ".join(sorted(row[1] for row in rows))
            raise UnknownCard(f"card id '{card_id}' is in several decks ({decks}); write it as DECK/{card_id}")
        return _stored_from_row(rows[0])

    def review_count(self, card_pk: int) -> int:
        return int(self.db.execute("SELECT count(*) FROM reviews WHERE card_pk = ?", [card_pk]).fetchone()[0])

    def schedule_rows(self, card_pk: int) -> list[dict[str, Any]]:
        return list(self.db["schedule"].rows_where("card_pk = ?", [card_pk], order_by="face"))

    def is_card_origin(self, path: Path) -> bool:
        """True if cards in the database were imported from this file (so it is someone's question file)."""
        row = self.db.execute("SELECT 1 FROM cards WHERE origin = ? LIMIT 1", [origin_name(path)]).fetchone()
        return row is not None

    # Import --------------------------------------------------------------------------------------------------

    def import_bundled(self, now: datetime | None = None) -> ImportReport:
        return self.import_bank(load_strict(paths.bundled_paths()), now)

    def import_paths(self, files: list[Path], now: datetime | None = None) -> ImportReport:
        known = {deck.slug: deck for deck in self.decks()}
        with collector_paused():
            return self.import_bank(load_strict(files, known), now)

    def import_bank(self, bank: Bank, now: datetime | None = None) -> ImportReport:
        """Sync the database with validated files, all or nothing.

        New cards are added; changed cards are updated in place (same pk, so reviews and schedule stay); cards
        missing from a file they came from are retired, and restored if they come back.
        """
        stamp = to_stored(now or time.now())
        report = ImportReport()
        with self.transaction():
            for deck in bank.decks.values():
                self._upsert_deck(deck, stamp)
            touched_decks = sorted({loaded.card.deck for loaded in bank.cards} | set(bank.decks))
            report.decks = touched_decks
            files = {origin_name(name) for name in bank.question_files}
            # Cards from these files count too, whatever their deck: a file emptied, or moved to another deck,
            # retires what it held.
            existing = self._existing_cards(touched_decks, sorted(files))
            seen: set[tuple[str, str]] = set()
            origins: dict[str, str] = {}
            inserts, added, updates, faces_by_pk = [], [], [], {}
            taken: list[Problem] = []
            for loaded in bank.cards:
                card = loaded.card
                key = (card.deck, card.id)
                seen.add(key)
                origin = origins.get(loaded.path) or origins.setdefault(loaded.path, origin_name(loaded.path))
                data = card.to_json()
                digest = hash_of(data)
                old = existing.get(key)
                if old is None:
                    inserts.append(
                        (card.deck, card.id, card.kind, card.section, data, digest, origin, loaded.line, stamp, stamp)
                    )
                    added.append(card)
                    report.added.append(card.id)
                    continue
                pk, old_hash, old_origin, old_line, retired, old_kind = old
                if old_origin != origin and not retired and old_origin not in files and origin_exists(old_origin):
                    taken.append(Problem(loaded.path, loaded.line,
                                         f"card '{card.id}' of deck '{card.deck}' already comes from {old_origin}; "
                                         "a card belongs to one file (import both together to move it)"))
                    continue
                changed = old_hash != digest
                if kind_named(old_kind).anki_note != card.spec.anki_note:
                    report.new_note_type.append(card.id)
                if changed:
                    report.updated.append(card.id)
                    faces_by_pk[pk] = card
                if retired:
                    report.restored.append(card.id)
                if not changed and not retired:
                    report.unchanged += 1
                if changed or retired or origin != old_origin or loaded.line != old_line:
                    updates.append(
                        (card.kind, card.section, data, digest, origin, loaded.line,
                         stamp if changed else None, pk)
                    )
            if taken:
                raise ImportProblems(taken)
            self.db.conn.executemany(
                """UPDATE cards SET kind = ?, section = ?, data = ?, content_hash = ?, origin = ?, origin_line = ?,
                   modified = coalesce(?, modified), retired = NULL WHERE pk = ?""",
                updates,
            )
            self._drop_stale_faces(faces_by_pk)
            if inserts:
                # The write lock is held (BEGIN IMMEDIATE), so the next pks are ours to number.
                first_pk = self.db.execute("SELECT coalesce(max(pk), 0) + 1 FROM cards").fetchone()[0]
                self.db.conn.executemany(
                    """INSERT INTO cards (pk, deck, card_id, kind, section, data, content_hash, origin, origin_line,
                       created, modified) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                    [(first_pk + n, *row) for n, row in enumerate(inserts)],
                )
                faces_by_pk.update((first_pk + n, card) for n, card in enumerate(added))
            self.db.conn.executemany(
                "INSERT OR IGNORE INTO schedule (card_pk, face, state) VALUES (?, ?, 0)",
                [(pk, face.number) for pk, card in faces_by_pk.items() for face in card.faces()],
            )
            gone = {
                key: pk for key, (pk, _hash, origin, _line, retired, _kind) in existing.items()
                if origin in files and key not in seen and not retired
            }
            self.db.conn.executemany("UPDATE cards SET retired = ? WHERE pk = ?", [(stamp, pk) for pk in gone.values()])
            report.retired = [card_id for _deck, card_id in gone]
        return report

    def _upsert_deck(self, deck: Deck, stamp: str) -> None:
        row = {
            "slug": deck.slug, "name": deck.name, "description": deck.description,
            "source_title": deck.source_title, "source_location": deck.source_location,
        }
        current = list(self.db["decks"].rows_where("slug = ?", [deck.slug]))
        if not current:
            self.db["decks"].insert({**row, "created": stamp, "modified": stamp})
        elif any(current[0][k] != v for k, v in row.items()):
            self.db["decks"].update(deck.slug, {**row, "modified": stamp})

    def _existing_cards(
        self, decks: list[str], origins: list[str] = ()
    ) -> dict[tuple[str, str], tuple[int, str, str, int, str | None, str]]:
        """Stored cards of these decks or from these files, by (deck, card id)."""
        if not decks and not origins:
            return {}
        rows = self.db.execute(
            f"""SELECT deck, card_id, pk, content_hash, origin, origin_line, retired, kind FROM cards
                WHERE deck IN ({", ".join("?" for _ in decks)}) OR origin IN ({", ".join("?" for _ in origins)})""",
            [*decks, *origins],
        ).fetchall()
        return {(r[0], r[1]): (r[2], r[3], r[4], r[5], r[6], r[7]) for r in rows}

    def _drop_stale_faces(self, changed: dict[int, Card]) -> None:
        """Drop the schedule rows of faces that changed cards no longer have (a cloze deletion removed, say)."""
        for pks in _chunks(list(changed), 500):
            rows = self.db.execute(
                f"SELECT card_pk, face FROM schedule WHERE card_pk IN ({', '.join('?' for _ in pks)})", pks
            ).fetchall()
            stale = [(pk, face) for pk, face in rows if face not in {f.number for f in changed[pk].faces()}]
            self.db.conn.executemany("DELETE FROM schedule WHERE card_pk = ? AND face = ?", stale)

    # Settings ------------------------------------------------------------------------------------------------

    def get_config(self, key: str, default: str | None = None) -> str | None:
        row = self.db.execute("SELECT value FROM config WHERE key = ?", [key]).fetchone()
        return row[0] if row else default

    def set_config(self, key: str, value: str) -> None:
        with self.transaction():
            self.db.execute("INSERT OR REPLACE INTO config (key, value) VALUES (?, ?)", [key, value])

    # Quiz ----------------------------------------------------------------------------------------------------
    # What the quiz reads and writes. The queues are lists of (card pk, face) so a quiz over 100k cards stays
    # small; a face's card is read when it is asked. Each answer is one transaction holding its review row, the
    # face's new schedule and the session's tally, committed before the next question is shown.

    def _faces(
        self, condition: str, order: str, deck: str, kinds: list[str] | None, section: str | None, extra: list[Any]
    ) -> list[tuple[int, int]]:
        where, params = card_filter("c.", deck, kinds, section)
        sql = (
            f"SELECT s.card_pk, s.face FROM schedule s JOIN cards c ON c.pk = s.card_pk "
            f"WHERE {where} AND {condition} ORDER BY {order}"
        )
        return [(pk, face) for pk, face in self.db.execute(sql, params + extra).fetchall()]

    def due_faces(
        self, deck: str, now: datetime, kinds: list[str] | None = None, section: str | None = None
    ) -> list[tuple[int, int]]:
        """Faces already studied and due by ``now``, most overdue first."""
        return self._faces(
            "s.state > 0 AND s.due <= ?", "s.due, s.card_pk, s.face", deck, kinds, section, [to_stored(now)]
        )

    def new_faces(
        self, deck: str, kinds: list[str] | None = None, section: str | None = None
    ) -> list[tuple[int, int]]:
        """Faces never studied, in the order their cards were written."""
        return self._faces("s.state = 0", "s.card_pk, s.face", deck, kinds, section, [])

    def all_faces(
        self, deck: str, kinds: list[str] | None = None, section: str | None = None
    ) -> list[tuple[int, int]]:
        return self._faces("1", "s.card_pk, s.face", deck, kinds, section, [])

    def new_faces_started(self, deck: str, since: datetime) -> int:
        """Faces first studied (in review mode) since ``since``: what the daily new-card limit counts."""
        return int(self.db.execute(
            """SELECT count(DISTINCT r.card_pk || ':' || r.face) FROM reviews r JOIN cards c ON c.pk = r.card_pk
               WHERE c.deck = ? AND r.reviewed_at >= ? AND r.scheduled = 1 AND r.due_before IS NULL""",
            [deck, to_stored(since)],
        ).fetchone()[0])

    def cards_studied_since(self, deck: str, since: datetime) -> set[int]:
        """Cards with any face answered (in review mode) since ``since``: their other new faces wait a day, so one
        face never gives away its sibling."""
        rows = self.db.execute(
            """SELECT DISTINCT r.card_pk FROM reviews r JOIN cards c ON c.pk = r.card_pk
               WHERE c.deck = ? AND r.reviewed_at >= ? AND r.scheduled = 1""",
            [deck, to_stored(since)],
        ).fetchall()
        return {pk for (pk,) in rows}

    def quiz_face(self, card_pk: int, face: int) -> tuple[Card, dict[str, Any]]:
        """A card and the schedule row of one of its faces; UnknownCard once it is retired or the face is gone."""
        row = self.db.execute(
            """SELECT c.deck, c.data, s.state, s.step, s.stability, s.difficulty, s.due, s.last_review
               FROM cards c JOIN schedule s ON s.card_pk = c.pk
               WHERE c.pk = ? AND s.face = ? AND c.retired IS NULL""",
            [card_pk, face],
        ).fetchone()
        if row is None:
            raise UnknownCard(f"no card face {card_pk}/{face}")
        deck, data, *schedule = row
        keys = ("state", "step", "stability", "difficulty", "due", "last_review")
        return Card.from_dict(deck, json.loads(data)), dict(zip(keys, schedule, strict=True))

    def count_due_between(self, deck: str, start: datetime, end: datetime) -> int:
        """Faces of active cards falling due after ``start`` and by ``end``."""
        return int(self.db.execute(
            """SELECT count(*) FROM schedule s JOIN cards c ON c.pk = s.card_pk
               WHERE c.deck = ? AND c.retired IS NULL AND s.state > 0 AND s.due > ? AND s.due <= ?""",
            [deck, to_stored(start), to_stored(end)],
        ).fetchone()[0])

    def next_due(self, deck: str, kinds: list[str] | None = None, section: str | None = None) -> datetime | None:
        """When the next studied face falls due, if any."""
        where, params = card_filter("c.", deck, kinds, section)
        row = self.db.execute(
            f"SELECT min(s.due) FROM schedule s JOIN cards c ON c.pk = s.card_pk WHERE {where} AND s.state > 0",
            params,
        ).fetchone()
        return from_stored(row[0]) if row[0] else None

    def start_session(self, deck: str, mode: str, seed: int, now: datetime) -> int:
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
        """Store one answer of the session, and the face's new schedule if it has one; returns the review's id."""
        due_after = answer.schedule["due"] if answer.schedule else answer.due_before
        conn = self.db.conn
        with self.transaction():
            cursor = conn.execute(
                """INSERT INTO reviews (card_pk, face, session_id, reviewed_at, mode, rating, correct, response,
                   duration_ms, scheduled, due_before, due_after) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                [answer.card_pk, answer.face, session_id, to_stored(answer.reviewed_at), answer.mode,
                 int(answer.rating), int(answer.correct), answer.response, answer.duration_ms,
                 int(answer.schedule is not None), answer.due_before, due_after],
            )
            if answer.schedule is not None:
                self._write_schedule(answer.card_pk, answer.face, answer.schedule)
            conn.execute(
                "UPDATE sessions SET answered = answered + 1, correct = correct + ? WHERE id = ?",
                [int(answer.correct), session_id],
            )
        return _row_id(cursor)

    def amend_answer(self, review_id: int, answer: Answer) -> None:
        """Replace a stored answer's rating (the learner overrode the proposed one) and the schedule it led to, from
        the amended answer; the rest of the review row stays as first stored."""
        due_after = answer.schedule["due"] if answer.schedule else answer.due_before
        with self.transaction():
            self.db.conn.execute(
                "UPDATE reviews SET rating = ?, due_after = ? WHERE id = ?", [int(answer.rating), due_after, review_id]
            )
            if answer.schedule is not None:
                self._write_schedule(answer.card_pk, answer.face, answer.schedule)

    def _write_schedule(self, card_pk: int, face: int, row: dict[str, Any]) -> None:
        self.db.conn.execute(
            """UPDATE schedule SET state = ?, step = ?, stability = ?, difficulty = ?, due = ?, last_review = ?
               WHERE card_pk = ? AND face = ?""",
            [row["state"], row["step"], row["stability"], row["difficulty"], row["due"], row["last_review"],
             card_pk, face],
        )

    # Stats ---------------------------------------------------------------------------------------------------
    # What ``quizgen stats`` reads, for one deck or (deck None) all of them. Big databases are read in one pass:
    # rows are yielded as SQLite produces them, not gathered into lists.

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
        return (FaceSchedule(*row) for row in rows)

    def face_answer_tally(self, card_pk: int, face: int) -> tuple[int, int]:
        """How often one face was answered, and how often rightly."""
        answered, right = self.db.execute(
            "SELECT count(*), coalesce(sum(correct), 0) FROM reviews WHERE card_pk = ? AND face = ?", [card_pk, face]
        ).fetchone()
        return int(answered), int(right)

    def answer_tally(self, deck: str | None = None) -> tuple[int, int]:
        """How many answers were ever given (to the deck's cards, retired ones too), and how many were right."""
        review_filter, params = self._reviews_of(deck)
        answered, right = self.db.execute(
            f"SELECT count(*), coalesce(sum(correct), 0) FROM reviews r WHERE 1 {review_filter}", params
        ).fetchone()
        return int(answered), int(right)

    def card_sections(self, deck: str | None = None) -> dict[int, str]:
        """The section of every card (retired ones too, whose answers still count), by pk."""
        where, params = ("WHERE deck = ?", [deck]) if deck else ("", [])
        return dict(self.db.execute(f"SELECT pk, section FROM cards {where}", params).fetchall())

    def answers_since(self, since: datetime, deck: str | None = None) -> Iterator[tuple[int, int, str]]:
        """Card pk, right (1) or not (0), and stored time of every answer given since ``since``, read by the
        reviewed_at index."""
        review_filter, params = self._reviews_of(deck)
        rows: Iterator[tuple[int, int, str]] = self.db.execute(
            f"SELECT card_pk, correct, reviewed_at FROM reviews r WHERE reviewed_at >= ? {review_filter}",
            [to_stored(since), *params],
        )
        return rows

    def _reviews_of(self, deck: str | None) -> tuple[str, list[Any]]:
        """The condition on ``reviews r`` for one deck's answers; none when it is the only deck."""
        if deck is None or len(self.decks()) == 1:
            return "", []
        # The unary + keeps SQLite on a plain scan (or the reviewed_at index) instead of a million card_pk lookups.
        return "AND +r.card_pk IN (SELECT pk FROM cards WHERE deck = ?)", [deck]

    # Exchange ------------------------------------------------------------------------------------------------
    # What an export with progress carries: the schedule of every studied face and the reviews that made it.

    def studied_faces(self, deck: str) -> list[StudiedFace]:
        """The schedule of every studied face of the deck's active cards."""
        rows = self.db.execute(
            """SELECT s.card_pk, s.face, s.state, s.step, s.stability, s.difficulty, s.due, s.last_review
               FROM schedule s JOIN cards c ON c.pk = s.card_pk
               WHERE c.deck = ? AND c.retired IS NULL AND s.state > 0""",
            [deck],
        ).fetchall()
        return [StudiedFace(*row) for row in rows]

    def scheduled_reviews(self, deck: str) -> list[ScheduledReview]:
        """The reviews that moved a schedule (practice and exam answers left out), oldest first for each face.

        Times come as Unix milliseconds and waits as seconds, worked out by SQLite: an export reads a review of every
        study day of every card, and parsing that many timestamps in Python would cost more than the rest of it.
        """
        rows = self.db.execute(
            """SELECT r.card_pk, r.face,
                 CAST(round((julianday(r.reviewed_at) - 2440587.5) * 86400000) AS INTEGER),
                 r.rating, r.duration_ms,
                 CAST(round((julianday(r.due_after) - julianday(r.reviewed_at)) * 86400) AS INTEGER)
               FROM reviews r JOIN cards c ON c.pk = r.card_pk
               WHERE c.deck = ? AND c.retired IS NULL AND r.scheduled = 1
               ORDER BY r.card_pk, r.face, r.reviewed_at, r.id""",
            [deck],
        ).fetchall()
        return [ScheduledReview(*row) for row in rows]

def _row_id(cursor: sqlite3.Cursor) -> int:
    """The id of the row an INSERT just wrote (always set after one)."""
    assert cursor.lastrowid is not None
    return cursor.lastrowid


def _chunks(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def card_filter(
    prefix: str,
    deck: str | None,
    kinds: list[str] | None = None,
    section: str | None = None,
    search: str | None = None,
    include_retired: bool = False,
) -> tuple[str, list[Any]]:
    """One SQL condition (and its parameters) for the filters every listing shares; ``prefix`` is a table alias."""
    where, params = ["1"], []
    if deck:
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
    return StoredCard(pk=pk, card=Card.from_dict(deck, json.loads(data)), origin=origin, modified=modified, retired=retired)
