"""Learning progress in an Anki package: each studied face's schedule and reviews, written as Anki stores them.

genanki writes notes and new cards only. Into the collection it builds, this fills in every studied card's type,
queue, due date, interval and FSRS memory state (the card's ``data``: stability ``s``, difficulty ``d``, desired
retention ``dr``, last review ``lrt``), and one ``revlog`` row per scheduled review. Anki's importer takes them
when "Import any learning progress" is on, for cards new to the collection (it leaves the scheduling of cards it
already has alone, so progress reaches an Anki collection once, on the first import of each card).

Due dates of review cards are day numbers counted from the collection's creation, and Anki's importer shifts them
by the difference between the package's "today" and the collection's. The package is therefore given a creation
time and day boundaries of its own (midnight UTC, no offsets, no rollover hour) that make its today a plain count of
days; a face due in N of the learner's Anki days is written as today + N, and lands N days after the collection's
today. Anki's days begin at its rollover hour, not at midnight: between midnight and then, Anki's today is still the
day before.
"""

from __future__ import annotations

import json
import math
import sqlite3
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from fsrs import Scheduler, State

from quizgen.core.store import Store, StudiedFace
from quizgen.core.time import anki_day, from_stored

# 2024-01-01 00:00 UTC: the package collection's creation, from which its day numbers count.
PACKAGE_CREATED = 1704067200
DAY = timedelta(days=1)
# A due time this much of a day past a whole number of days after the review is that number: float error, no more.
PART_OF_A_DAY_IGNORED = 1e-6
# Anki's default ease, which it gives every card that leaves learning; FSRS does not use it.
STARTING_EASE = 2500

# Anki's card types and queues, and revlog entry kinds.
TYPE_LEARNING, TYPE_REVIEW, TYPE_RELEARNING = 1, 2, 3
QUEUE_SUSPENDED, QUEUE_LEARNING, QUEUE_REVIEW = -1, 1, 2
ENTRY_LEARN, ENTRY_REVIEW, ENTRY_RELEARN = 0, 1, 2

# Where in a row of Anki's cards table its type, queue, due, ivl, factor, left and data are.
SCHEDULE_COLUMNS = (6, 7, 8, 9, 10, 13, 17)


@dataclass
class Progress:
    """What a deck's export carries of the learner's study: the schedules, read before the package is built, and
    the store the reviews are copied from while it is written."""

    store: Store
    deck: str
    now: datetime
    retention: float
    faces: dict[tuple[int, int], StudiedFace] = field(default_factory=dict)

    @classmethod
    def read(cls, store: Store, deck: str, retention: float, now: datetime) -> Progress:
        progress = cls(store, deck, now, retention)
        progress.faces = {(row.card_pk, row.face): row for row in store.studied_faces(deck)}
        return progress


def schedule_cards(
    cursor: sqlite3.Cursor, progress: Progress, cards: list[list[Any]], faces: list[tuple[int, int]]
) -> None:
    """Fill in the schedule of each studied card among the package's ``cards`` rows, before they are written.

    Args:
        cursor: on the collection being written, whose day boundaries this sets.
        faces: for each row of ``cards``, the card pk and face it was made from.
    """
    conf = json.loads(cursor.execute("SELECT conf FROM col").fetchone()[0])
    conf.update({"schedVer": 2, "creationOffset": 0, "localOffset": 0, "rollover": 0})
    cursor.execute("UPDATE col SET crt = ?, conf = ?", [PACKAGE_CREATED, json.dumps(conf)])
    today = (int(progress.now.timestamp()) - PACKAGE_CREATED) // int(DAY.total_seconds())
    learner_today = anki_day(progress.now)
    steps = Scheduler()
    for row, key in zip(cards, faces, strict=True):
        face = progress.faces.get(key)
        if face is None:
            continue
        suspended = row[SCHEDULE_COLUMNS[1]] == QUEUE_SUSPENDED
        schedule = _card_schedule(face, progress, today, learner_today, steps)
        for column, value in zip(SCHEDULE_COLUMNS, schedule, strict=True):
            row[column] = value
        if suspended:  # a card suspended in quizgen stays so in Anki, its schedule kept under the suspension
            row[SCHEDULE_COLUMNS[1]] = QUEUE_SUSPENDED


def _interval(review: str) -> str:
    """SQL for the interval a review (``review`` is an alias of the copied reviews) led to, as Anki logs it: days
    when a day or more (rounded half to even, as Python rounds), else negative seconds; 0 for no review."""
    wait = f"coalesce({review}.wait_seconds, 0)"
    return (
        f"CASE WHEN {wait} >= 86400 THEN {wait} / 86400 + CASE WHEN 2 * ({wait} % 86400) > 86400 THEN 1"
        f" WHEN 2 * ({wait} % 86400) = 86400 THEN {wait} / 86400 % 2 ELSE 0 END ELSE -{wait} END"
    )


# Anki revlog rows, but for the card, of each copied review (r) beside the review of its face before it (p): id (the
# review's time in ms), ease, ivl, lastIvl, factor, time and type. The copy holds each face's reviews in consecutive
# rowids, oldest first. An answer imported from Anki keeps the type Anki gave it (its learning steps may be days
# apart). Any other is a learning review until the face first waited a day or more, a review after such a wait, and
# relearning after a lapse. Whether the face had waited a day (or its interval was otherwise positive) before:
# whether the last such review before this one is of the same face.
GRADUATED = """coalesce((SELECT g.card_pk = r.card_pk AND g.face = r.face FROM graduations g
    WHERE g.seq < r.rowid ORDER BY g.seq DESC LIMIT 1), 0)"""
ENTRIES = f"""SELECT r.card_pk, r.face, r.rowid AS seq, r.reviewed_ms AS id, r.rating AS ease,
      {_interval("r")} AS ivl, {_interval("p")} AS last_ivl,
      CASE WHEN {_interval("p")} > 0 OR {GRADUATED} THEN {STARTING_EASE} ELSE 0 END AS factor,
      max(0, coalesce(r.duration_ms, 0)) AS time,
      CASE WHEN r.anki_type IS NOT NULL THEN r.anki_type WHEN {_interval("p")} > 0 THEN {ENTRY_REVIEW}
        WHEN {GRADUATED} THEN {ENTRY_RELEARN} ELSE {ENTRY_LEARN} END AS type
    FROM reviews r LEFT JOIN reviews p ON p.rowid = r.rowid - 1 AND p.card_pk = r.card_pk AND p.face = r.face"""
PACKAGE_ENTRIES = """SELECT e.id, f.anki_id, -1, e.ease, e.ivl, e.last_ivl, e.factor, e.time, e.type
    FROM review_log.entries e JOIN temp.package_cards f ON f.card_pk = e.card_pk AND f.face = e.face"""


class ReviewLog:
    """The revlog rows of a deck's scheduled reviews, worked out by SQLite in a scratch database on another thread
    while the package's notes are made (Python, which leaves SQLite free to run beside it), then written into the
    package for its studied cards."""

    def __init__(self, progress: Progress, scratch: Path, pool: Executor):
        self.path = scratch
        self.ready = pool.submit(_work_out_log, progress.store.scheduled_reviews_copier(progress.deck), scratch)

    def write(self, cursor: sqlite3.Cursor, cards: list[tuple[int, int, int]]) -> None:
        """One revlog row per scheduled review of each of the package's cards (card pk, face, Anki card id), and each
        card's count of reviews and lapses."""
        self.ready.result()
        cursor.execute(
            "CREATE TEMP TABLE package_cards (card_pk INTEGER, face INTEGER, anki_id INTEGER,"
            " PRIMARY KEY (card_pk, face)) WITHOUT ROWID"
        )
        cursor.executemany("INSERT INTO package_cards VALUES (?, ?, ?)", cards)
        cursor.connection.commit()  # a database is attached outside any transaction
        cursor.execute("ATTACH DATABASE ? AS review_log", [str(self.path)])
        # The log's indexes are made again once it is full: cheaper than keeping them in order row by row.
        indexes = cursor.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'revlog'"
        ).fetchall()
        for name, _sql in indexes:
            cursor.execute(f"DROP INDEX {name}")
        try:
            # In time order, the order of revlog's key, each row lands at the end of the table instead of anywhere.
            cursor.execute(f"INSERT INTO revlog {PACKAGE_ENTRIES} ORDER BY e.rowid")
        except sqlite3.IntegrityError:
            # Reviews of the same millisecond (a history imported whole, say): the insert was undone; each id then
            # takes the next free millisecond, in the order of the cards and each card's reviews.
            entries = cursor.execute(f"{PACKAGE_ENTRIES} ORDER BY f.anki_id, e.seq").fetchall()
            used_ids: set[int] = set()
            for index, (entry_id, *rest) in enumerate(entries):
                while entry_id in used_ids:
                    entry_id += 1
                used_ids.add(entry_id)
                entries[index] = (entry_id, *rest)
            entries.sort()
            cursor.executemany("INSERT INTO revlog VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", entries)
        for _name, sql in indexes:
            cursor.execute(sql)
        cursor.execute(
            """UPDATE cards SET reps = totals.reviews, lapses = totals.lapses
               FROM review_log.face_totals totals
               JOIN temp.package_cards f ON f.card_pk = totals.card_pk AND f.face = totals.face
               WHERE cards.id = f.anki_id"""
        )
        cursor.execute("DROP TABLE temp.package_cards")
        cursor.connection.commit()
        cursor.execute("DETACH DATABASE review_log")


def _work_out_log(copy_reviews: Callable[[Path, str], None], path: Path) -> None:
    """The reviews copied into a new database at ``path``, the revlog entries made of them (``entries``, in time
    order) and each face's count of reviews and lapses (``face_totals``)."""
    copy_reviews(path, "reviews")
    connection = sqlite3.connect(path)
    try:
        connection.execute("PRAGMA journal_mode = OFF")
        connection.execute("PRAGMA synchronous = OFF")
        connection.execute("CREATE TABLE graduations (seq INTEGER PRIMARY KEY, card_pk INTEGER, face INTEGER)")
        connection.execute(
            "INSERT INTO graduations SELECT rowid, card_pk, face FROM reviews WHERE wait_seconds >= 86400"
            " OR wait_seconds < 0"
        )
        connection.execute(f"CREATE TABLE entries AS {ENTRIES} ORDER BY r.reviewed_ms")
        # A lapse: Again on a review, not on a learning or relearning step.
        connection.execute(
            f"""CREATE TABLE face_totals AS
                SELECT card_pk, face, count(*) AS reviews, sum(ease = 1 AND type = {ENTRY_REVIEW}) AS lapses
                FROM entries GROUP BY card_pk, face"""
        )
        connection.commit()
    finally:
        connection.close()


def _card_schedule(
    face: StudiedFace, progress: Progress, today: int, learner_today: date, scheduler: Scheduler
) -> tuple[int, int, int, int, int, int, str]:
    """type, queue, due, ivl, factor, left and data of a studied card; ``today`` is the package's day number of
    the learner's Anki day ``learner_today``."""
    due = from_stored(face.due)
    last_review = from_stored(face.last_review)
    # What json.dumps writes of these four numbers, written directly: json.dumps took half the time of a face here.
    data = (
        f'{{"s": {round(face.stability, 4)!r}, "d": {round(face.difficulty, 4)!r}, "dr": {progress.retention!r}, '
        f'"lrt": {int(last_review.timestamp())}}}'
    )
    # The ease Anki gave a card it scheduled, which SM-2 goes on from; FSRS does not use it. While the schedule is
    # still the one that came from Anki, so is its interval (a due date set by hand, a relearning card's next one).
    ease = round(face.ease * 1000) if face.ease else STARTING_EASE
    anki_interval = face.anki_interval if face.anki_due == face.due else None
    if face.state == State.Review:
        # Whole days from the last review to the due day. Our own due times are whole days after the review; one
        # from Anki is the start of its due day, which an answer given late in a day is hours short of.
        interval = anki_interval or max(1, math.ceil((due - last_review) / DAY - PART_OF_A_DAY_IGNORED))
        due_day = today + (anki_day(due) - learner_today).days
        return TYPE_REVIEW, QUEUE_REVIEW, due_day, interval, ease, 0, data
    # Learning steps are minutes apart: such cards are due at a moment, not on a day. ``left`` is how many steps
    # remain, which is how Anki knows where in its steps a card is.
    if face.state == State.Relearning:
        card_type, factor, steps = TYPE_RELEARNING, ease, len(scheduler.relearning_steps)
    else:
        card_type, factor, steps = TYPE_LEARNING, 0, len(scheduler.learning_steps)
    left = max(1, steps - (face.step or 0))
    return card_type, QUEUE_LEARNING, int(due.timestamp()), anki_interval or 0, factor, left, data

