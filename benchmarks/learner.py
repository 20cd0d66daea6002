"""A simulated learner whose memory follows FSRS with known parameters, studying on quizgen's schedule, and the same
review history written twice: into a real Anki collection (notes added by the ``anki`` library, revlog rows and card
states written straight into its tables) and into a quizgen database (cards imported from a question file, reviews
recorded through the store). The optimize tests and benchmark fit both and compare.

Reviews fall in the learner's afternoon, so quizgen's midnight and Anki's 4 a.m. day boundaries give the same days.
"""

from __future__ import annotations

import json
import random
import sys
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import fsrs_rs_python as rs
from fsrs import Card as FsrsCard
from fsrs import Rating, Scheduler, State

from quizgen.core.importing import import_paths
from quizgen.core.store import Answer, Store
from quizgen.core.time import to_stored
from quizgen.study.schedule import from_fsrs

DECK = "simulated"
# A learner who forgets new cards much sooner than FSRS's defaults expect, on a steeper curve.
TRUE_PARAMETERS = [
    0.05, 0.2, 0.6, 2.0, 7.0, 0.6, 2.5, 0.02, 1.5, 0.2, 0.9, 1.8, 0.08, 0.3, 1.3, 0.5, 2.2,
    0.5, 0.1, 0.1, 0.5,
]
FIRST_RATINGS = ([Rating.Again, Rating.Hard, Rating.Good, Rating.Easy], [0.25, 0.1, 0.55, 0.1])
RECALLED_RATINGS = ([Rating.Hard, Rating.Good, Rating.Easy], [0.15, 0.75, 0.1])
ANKI_KIND = {State.Learning: 0, State.Review: 1, State.Relearning: 2}


@dataclass(frozen=True)
class Review:
    at: datetime
    rating: Rating
    kind: int  # Anki's revlog type: 0 learning, 1 review, 2 relearning
    due_before: datetime | None
    after: FsrsCard


def simulate(faces: int, days: int, seed: int = 7, start: datetime | None = None) -> list[list[Review]]:
    """Each face's reviews, oldest first: faces start over the first half of ``days`` and are studied whenever
    quizgen's scheduler (FSRS's defaults, no fuzz) says they are due, until ``days`` have passed."""
    rng = random.Random(seed)
    first_day = (start or datetime(2025, 1, 6).astimezone()).date()
    end = datetime.combine(first_day + timedelta(days=days), time()).astimezone()
    scheduler = Scheduler(enable_fuzzing=False)
    truth = rs.FSRS(TRUE_PARAMETERS)
    decay = TRUE_PARAMETERS[20]
    factor = 0.9 ** (-1 / decay) - 1
    histories = []
    for index in range(faces):
        day = first_day + timedelta(days=rng.randrange(max(days // 2, 1)))
        at = datetime.combine(day, time(12, rng.randrange(60))).astimezone()
        card = FsrsCard(card_id=index + 1, due=at)
        memory = None
        previous_day = None
        reviews: list[Review] = []
        while at < end:
            today = at.date()
            elapsed = 0 if previous_day is None else (today - previous_day).days
            if memory is None:
                rating = rng.choices(*FIRST_RATINGS)[0]
            else:
                recall = (1 + factor * elapsed / memory.stability) ** -decay
                rating = rng.choices(*RECALLED_RATINGS)[0] if rng.random() < recall else Rating.Again
            states = truth.next_states(memory, 0.9, elapsed)
            memory = {Rating.Again: states.again, Rating.Hard: states.hard, Rating.Good: states.good,
                      Rating.Easy: states.easy}[rating].memory
            kind = 0 if not reviews else ANKI_KIND[card.state]
            due_before = card.due if reviews else None
            card, _log = scheduler.review_card(card, rating, at)
            reviews.append(Review(at, rating, kind, due_before, card))
            previous_day = today
            at = card.due
        histories.append(reviews)
    return histories


def write_quizgen(store: Store, folder: Path, histories: list[list[Review]], deck: str = DECK) -> None:
    """Cards of ``deck`` from a question file, one flashcard (one face, numbered 0) per simulated face, then every
    review through the store."""
    questions = folder / f"{deck}.json"
    cards = [{"id": f"f{i:05d}", "kind": "flashcard", "section": "Simulated", "front": f"Question {i}",
              "back": f"Answer {i}"} for i in range(len(histories))]
    questions.write_text(json.dumps({"deck": {"slug": deck, "name": "Simulated learner"}, "cards": cards}))
    import_paths(store, [questions])
    answers = []
    for index, reviews in enumerate(histories):
        pk = store.card(f"{deck}/f{index:05d}").pk
        for review in reviews:
            answers.append(Answer(
                pk, 0, review.at, "review", int(review.rating), review.rating != Rating.Again, "", 5000,
                to_stored(review.due_before) if review.due_before else None, from_fsrs(review.after),
            ))
    if not answers:
        return
    answers.sort(key=lambda answer: answer.reviewed_at)
    session = store.start_session(deck, "review", 0, answers[0].reviewed_at)
    store.record_answers(session, answers)
    store.end_session(session, answers[-1].reviewed_at)


def write_anki(path: Path, histories: list[list[Review]]) -> None:
    """A collection with one Basic note per face and the same reviews in its revlog."""
    from anki.collection import AddNoteRequest, Collection

    col = Collection(str(path))
    try:
        model = col.models.by_name("Basic")
        deck_id = col.decks.id("Simulated")
        assert model is not None and deck_id is not None
        notes = []
        for index in range(len(histories)):
            note = col.new_note(model)
            note["Front"], note["Back"] = f"Question {index}", f"Answer {index}"
            notes.append(note)
        # One batch: col.add_note per note would take minutes for the benchmark's ten thousand.
        col.add_notes([AddNoteRequest(note, deck_id) for note in notes])
        revlog, cards = [], []
        used: set[int] = set()
        for note, reviews in zip(notes, histories, strict=True):
            card_id = note.card_ids()[0]
            last_interval = 0
            for review in reviews:
                stamp = int(review.at.timestamp() * 1000)
                while stamp in used:  # revlog ids are unique milliseconds
                    stamp += 1
                used.add(stamp)
                wait = review.after.due - review.at
                interval = wait.days if review.after.state == State.Review else -int(wait.total_seconds())
                revlog.append((stamp, card_id, -1, int(review.rating), interval, last_interval, 2500, 5000,
                               review.kind))
                last_interval = interval
            cards.append((max(last_interval, 1), card_id))
        col.db.executemany(
            "INSERT INTO revlog (id, cid, usn, ease, ivl, lastIvl, factor, time, type) VALUES (?,?,?,?,?,?,?,?,?)",
            revlog,
        )
        # Studied cards in review, so Anki reads them as it reads any studied card.
        col.db.executemany("UPDATE cards SET type = 2, queue = 2, due = 0, ivl = ? WHERE id = ?", cards)
    finally:
        col.close()
