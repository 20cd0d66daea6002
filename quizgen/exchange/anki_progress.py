"""Learning progress in an Anki package: each studied face's schedule and reviews, written as Anki stores them.

genanki writes notes and new cards only. Into the collection it builds, this fills in every studied card's type,
queue, due date, interval and FSRS memory state (the card's ``data``: stability ``s``, difficulty ``d``, desired
retention ``dr``, last review ``lrt``), and one ``revlog`` row per scheduled review. Anki's importer takes them
when "Import any learning progress" is on, for cards new to the collection (it leaves the scheduling of cards it
already has alone, so progress reaches an Anki collection once, on the first import of each card).

Due dates of review cards are day numbers counted from the collection's creation, and Anki's importer shifts them
by the difference between the package's "today" and the collection's. The package is therefore given a creation
time and day boundaries of its own (midnight UTC, no offsets, no rollover hour) that make its today a plain count of
days; a face due in N of the learner's days is written as today + N, and lands N days after the collection's today.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from fsrs import Scheduler, State

from quizgen.core.store import Store, StudiedFace
from quizgen.core.time import from_stored, local_day

# 2024-01-01 00:00 UTC: the package collection's creation, from which its day numbers count.
PACKAGE_CREATED = 1704067200
DAY = timedelta(days=1)
# Anki's default ease, which it gives every card that leaves learning; FSRS does not use it.
STARTING_EASE = 2500

# Anki's card types and queues, and revlog entry kinds.
TYPE_LEARNING, TYPE_REVIEW, TYPE_RELEARNING = 1, 2, 3
QUEUE_LEARNING, QUEUE_REVIEW = 1, 2
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
) -> list[tuple[int, int, int]]:
    """Fill in the schedule of each studied card among the package's ``cards`` rows, before they are written.

    Args:
        cursor: on the collection being written, whose day boundaries this sets.
        faces: for each row of ``cards``, the card pk and face it was made from.

    Returns:
        Card pk, face and Anki card id of each studied card, for ``write_review_log``.
    """
    conf = json.loads(cursor.execute("SELECT conf FROM col").fetchone()[0])
    conf.update({"schedVer": 2, "creationOffset": 0, "localOffset": 0, "rollover": 0})
    cursor.execute("UPDATE col SET crt = ?, conf = ?", [PACKAGE_CREATED, json.dumps(conf)])
    today = (int(progress.now.timestamp()) - PACKAGE_CREATED) // int(DAY.total_seconds())
    steps = Scheduler()
    studied = []
    for row, key in zip(cards, faces, strict=True):
        face = progress.faces.get(key)
        if face is None:
            continue
        for column, value in zip(SCHEDULE_COLUMNS, _card_schedule(face, progress, today, steps), strict=True):
            row[column] = value
        studied.append((*key, row[0]))
    return studied


def _interval(review: str) -> str:
    """SQL for the interval a review (``review`` is an alias of the copied reviews) led to, as Anki logs it: days
    when a day or more (rounded half to even, as Python rounds), else negative seconds; 0 for no review."""
    wait = f"coalesce({review}.wait_seconds, 0)"
    return (
        f"CASE WHEN {wait} >= 86400 THEN {wait} / 86400 + CASE WHEN 2 * ({wait} % 86400) > 86400 THEN 1"
        f" WHEN 2 * ({wait} % 86400) = 86400 THEN {wait} / 86400 % 2 ELSE 0 END ELSE -{wait} END"
    )


# Each copied review of a studied card (r), beside the review of its face before it (p). The copy holds each face's
# reviews in a run of consecutive rowids, oldest first.
REVIEWS_IN_ORDER = """temp.studied_reviews r
    JOIN temp.studied_cards f ON f.card_pk = r.card_pk AND f.face = r.face
    LEFT JOIN temp.studied_reviews p ON p.rowid = r.rowid - 1 AND p.card_pk = r.card_pk AND p.face = r.face"""
# Whether the face had waited a day or more (or its interval was otherwise positive) before this review: whether the
# last such review before it is of the same face.
GRADUATED = """coalesce((SELECT g.card_pk = r.card_pk AND g.face = r.face FROM temp.graduations g
    WHERE g.seq < r.rowid ORDER BY g.seq DESC LIMIT 1), 0)"""
# Anki revlog rows: id (the review's time in ms), cid, usn, ease, ivl, lastIvl, factor, time and type. A review is
# a learning review until the face first waited a day or more, a review after such a wait, and relearning after a
# lapse.
REVLOG_ROWS = f"""SELECT r.reviewed_ms, f.anki_id, -1, r.rating, {_interval("r")}, {_interval("p")},
      CASE WHEN {_interval("p")} > 0 OR {GRADUATED} THEN {STARTING_EASE} ELSE 0 END,
      max(0, coalesce(r.duration_ms, 0)),
      CASE WHEN {_interval("p")} > 0 THEN {ENTRY_REVIEW} WHEN {GRADUATED} THEN {ENTRY_RELEARN} ELSE {ENTRY_LEARN} END
    FROM {REVIEWS_IN_ORDER}"""


def write_review_log(cursor: sqlite3.Cursor, progress: Progress, studied: list[tuple[int, int, int]]) -> None:
    """One revlog row per scheduled review of each studied card (card pk, face, Anki card id), and each card's
    count of reviews and lapses; worked out in SQL, in the collection, from a copy of the reviews."""
    cursor.execute(
        "CREATE TEMP TABLE studied_cards (card_pk INTEGER, face INTEGER, anki_id INTEGER, PRIMARY KEY (card_pk, face))"
        " WITHOUT ROWID"
    )
    cursor.executemany("INSERT INTO studied_cards VALUES (?, ?, ?)", studied)
    cursor.connection.commit()  # the store's database is attached to the collection, which takes no transaction
    progress.store.copy_scheduled_reviews(progress.deck, cursor.connection, "studied_reviews")
    cursor.execute("CREATE TEMP TABLE graduations (seq INTEGER PRIMARY KEY, card_pk INTEGER, face INTEGER)")
    cursor.execute(
        "INSERT INTO graduations SELECT rowid, card_pk, face FROM temp.studied_reviews"
        " WHERE wait_seconds >= 86400 OR wait_seconds < 0"
    )
    # The log's indexes are made again once it is full: cheaper than keeping them in order row by row.
    indexes = cursor.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'revlog'"
    ).fetchall()
    for name, _sql in indexes:
        cursor.execute(f"DROP INDEX {name}")
    try:
        # In time order, the order of revlog's key, each row lands at the end of the table instead of anywhere in it.
        cursor.execute(f"INSERT INTO revlog {REVLOG_ROWS} ORDER BY r.reviewed_ms")
    except sqlite3.IntegrityError:
        # Reviews of the same millisecond (a history imported whole, say): the insert was undone; each id then takes
        # the next free millisecond, in the order of the cards and each card's reviews.
        entries = cursor.execute(f"{REVLOG_ROWS} ORDER BY f.anki_id, r.rowid").fetchall()
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
    # Counted from the log: reviews through its index on cid alone, lapses (Again on a review, not on a learning or
    # relearning step) from the few rows that are one.
    cursor.execute(
        """UPDATE cards SET reps = logged.reviews
           FROM (SELECT cid, count(*) AS reviews FROM revlog GROUP BY cid) AS logged WHERE cards.id = logged.cid"""
    )
    cursor.execute(
        f"""UPDATE cards SET lapses = logged.lapses
            FROM (SELECT cid, count(*) AS lapses FROM revlog NOT INDEXED WHERE ease = 1 AND type = {ENTRY_REVIEW}
                  GROUP BY cid) AS logged
            WHERE cards.id = logged.cid"""
    )
    for table in ("studied_cards", "studied_reviews", "graduations"):
        cursor.execute(f"DROP TABLE temp.{table}")


def _card_schedule(
    face: StudiedFace, progress: Progress, today: int, scheduler: Scheduler
) -> tuple[int, int, int, int, int, int, str]:
    """type, queue, due, ivl, factor, left and data of a studied card."""
    due = from_stored(face.due)
    last_review = from_stored(face.last_review)
    data = json.dumps(
        {
            "s": round(face.stability, 4),
            "d": round(face.difficulty, 4),
            "dr": progress.retention,
            "lrt": int(last_review.timestamp()),
        }
    )
    if face.state == State.Review:
        interval = max(1, round((due - last_review) / DAY))
        due_day = today + (local_day(due) - local_day(progress.now)).days
        return TYPE_REVIEW, QUEUE_REVIEW, due_day, interval, STARTING_EASE, 0, data
    # Learning steps are minutes apart: such cards are due at a moment, not on a day. ``left`` is how many steps
    # remain, which is how Anki knows where in its steps a card is.
    if face.state == State.Relearning:
        card_type, factor, steps = TYPE_RELEARNING, STARTING_EASE, len(scheduler.relearning_steps)
    else:
        card_type, factor, steps = TYPE_LEARNING, 0, len(scheduler.learning_steps)
    left = max(1, steps - (face.step or 0))
    return card_type, QUEUE_LEARNING, int(due.timestamp()), 0, factor, left, data

