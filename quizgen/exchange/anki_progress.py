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
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from fsrs import Scheduler, State

from quizgen.core.store import ScheduledReview, Store, StudiedFace
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


@dataclass
class Progress:
    """What a deck's export carries of the learner's study, read once before the package is built."""

    now: datetime
    retention: float
    faces: dict[tuple[int, int], StudiedFace] = field(default_factory=dict)
    reviews: dict[tuple[int, int], list[ScheduledReview]] = field(default_factory=lambda: defaultdict(list))

    @classmethod
    def read(cls, store: Store, deck: str, retention: float, now: datetime) -> Progress:
        progress = cls(now, retention)
        progress.faces = {(row.card_pk, row.face): row for row in store.studied_faces(deck)}
        for review in store.scheduled_reviews(deck):
            progress.reviews[(review.card_pk, review.face)].append(review)
        return progress


def write_progress(cursor: sqlite3.Cursor, progress: Progress, notes: dict[str, tuple[int, bool]]) -> None:
    """Schedule the package's cards and log their reviews.

    Args:
        cursor: on the collection genanki has just written.
        notes: for each note GUID, the card pk it was made from and whether it is a cloze note (whose card
            ordinals are deletion numbers less one; every other note type's ordinals are our face numbers).
    """
    conf = json.loads(cursor.execute("SELECT conf FROM col").fetchone()[0])
    conf.update({"schedVer": 2, "creationOffset": 0, "localOffset": 0, "rollover": 0})
    cursor.execute("UPDATE col SET crt = ?, conf = ?", [PACKAGE_CREATED, json.dumps(conf)])
    today = (int(progress.now.timestamp()) - PACKAGE_CREATED) // int(DAY.total_seconds())
    steps = Scheduler()
    card_updates, revlog = [], []
    used_ids: set[int] = set()
    rows = cursor.execute("SELECT c.id, c.ord, n.guid FROM cards c JOIN notes n ON n.id = c.nid").fetchall()
    for anki_id, ordinal, guid in rows:
        pk, cloze = notes[guid]
        key = (pk, ordinal + 1 if cloze else ordinal)
        face = progress.faces.get(key)
        if face is None:
            continue
        reviews = progress.reviews.get(key, [])
        entries = list(_revlog_entries(anki_id, reviews, used_ids))
        revlog.extend(entries)
        lapses = sum(1 for entry in entries if entry[3] == 1 and entry[8] == ENTRY_REVIEW)
        card_updates.append((*_card_schedule(face, progress, today, steps), len(entries), lapses, anki_id))
    cursor.executemany(
        "UPDATE cards SET type = ?, queue = ?, due = ?, ivl = ?, factor = ?, left = ?, data = ?, reps = ?, lapses = ?"
        " WHERE id = ?",
        card_updates,
    )
    # In time order, the order of revlog's key, each row lands at the end of the table instead of anywhere in it.
    revlog.sort()
    cursor.executemany("INSERT INTO revlog VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", revlog)


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


def _revlog_entries(
    anki_id: int, reviews: Iterable[ScheduledReview], used_ids: set[int]
) -> Iterable[tuple[int, int, int, int, int, int, int, int, int]]:
    """Anki revlog rows: id (the review's time in ms, unique), cid, usn, ease, ivl, lastIvl, factor, time, type.

    Intervals are days when a day or more, else negative seconds, as Anki writes them. A review is a learning
    review until the face first waited a day or more, a review after such a wait, and relearning after a lapse.
    """
    day = int(DAY.total_seconds())
    last_interval = 0
    graduated = False
    for review in reviews:
        kind = ENTRY_REVIEW if last_interval > 0 else ENTRY_RELEARN if graduated else ENTRY_LEARN
        wait = review.wait_seconds or 0
        interval = round(wait / day) if wait >= day else -wait
        entry_id = review.reviewed_ms
        while entry_id in used_ids:
            entry_id += 1
        used_ids.add(entry_id)
        factor = 0 if kind == ENTRY_LEARN else STARTING_EASE
        yield (
            entry_id, anki_id, -1, review.rating, interval, last_interval, factor,
            max(0, review.duration_ms or 0), kind,
        )
        graduated = graduated or interval > 0
        last_interval = interval
