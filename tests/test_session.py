"""The quiz state machine, with a pinned clock and seed: queues, every kind, ratings, modes, skip and quit."""

from __future__ import annotations

import json
import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from fsrs import Rating, State

from quizgen.core import importing
from quizgen.core.cards import Card
from quizgen.core.errors import DatabaseError, UnknownCard
from quizgen.core.kinds.grading import LETTERS, InvalidAnswer
from quizgen.core.store import Store
from quizgen.core.time import to_stored
from quizgen.study.plan import exam_queue, pick_new, practice_queue, spread_siblings
from quizgen.study.schedule import FaceScheduler, due_at
from quizgen.study.session import (
    EXAM,
    PRACTICE,
    REVIEW,
    Entry,
    Item,
    Session,
    SessionError,
    SessionState,
    propose_rating,
)

START = datetime(2025, 5, 4, 8, 30, tzinfo=UTC)
# The schedule row the store holds for a face never studied (checked against a real store below).
UNSEEN = {"state": 0, "step": None, "stability": None, "difficulty": None, "due": None, "last_review": None}

CARDS = [
    {"id": "longest", "kind": "mcq", "section": "Facts", "prompt": "Which river is longest in Africa?",
     "choices": ["Nile", "Congo", "Niger", "Zambezi"], "answer": "Nile", "explanation": "It runs north."},
    {"id": "wear", "kind": "multi", "section": "Processes", "prompt": "Which wear away a bank?",
     "choices": ["Abrasion", "Hydraulic action", "Condensation", "Photosynthesis"],
     "answer": ["Abrasion", "Hydraulic action"]},
    {"id": "salt", "kind": "truefalse", "section": "Facts", "prompt": "Every lake is fresh.", "answer": False},
    {"id": "delta", "kind": "typed", "section": "Landforms", "prompt": "The fan of sediment at a mouth?",
     "answer": "delta", "accept": ["river delta"]},
    {"id": "cycle", "kind": "cloze", "section": "Processes",
     "text": "Water rises by {{c1::evaporation}} and falls as {{c2::precipitation::rain or snow}}."},
    {"id": "stages", "kind": "order", "section": "Processes", "prompt": "Order the stages.",
     "items": ["Evaporation", "Condensation", "Precipitation", "Runoff"]},
    {"id": "parts", "kind": "match", "section": "Landforms", "prompt": "Match the parts.",
     "pairs": [["Source", "Where it begins"], ["Tributary", "A joining stream"], ["Mouth", "Where it ends"]]},
    {"id": "meander", "kind": "glossary", "section": "Glossary", "term": "Meander",
     "definition": "A wide bend in a river."},
    {"id": "oxbow", "kind": "flashcard", "section": "Landforms", "front": "How does an oxbow lake form?",
     "back": "A meander is cut off."},
]


class Clock:
    def __init__(self, start: datetime = START):
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs) -> None:
        self.now += timedelta(**kwargs)


def make_items(schedules: dict[Entry, dict] | None = None) -> dict[Entry, Item]:
    items = {}
    for pk, data in enumerate(CARDS, start=1):
        card = Card.from_dict("rivers", data)
        for face in card.faces():
            entry = Entry(pk, face.number)
            row = (schedules or {}).get(entry, UNSEEN)
            items[entry] = Item(pk, face.number, card, row)
    return items


def make_session(mode=REVIEW, queue=None, seed=3, clock=None, items=None):
    items = items or make_items()
    queue = queue if queue is not None else list(items)
    return Session(mode, queue, items.__getitem__, clock or Clock(), random.Random(seed), FaceScheduler(fuzz=False))


def pk_of(card_id: str) -> int:
    return next(i for i, data in enumerate(CARDS, start=1) if data["id"] == card_id)


def ask(card_id: str, face: int = 0, mode=REVIEW, clock=None, seed=3):
    session = make_session(mode, [Entry(pk_of(card_id), face)], seed=seed, clock=clock)
    return session, session.next_question()


def right_answer(question) -> str:
    """What a learner who knows the card types, read off the question as shown."""
    f = question.card.fields
    kind = question.kind
    if kind == "mcq":
        return LETTERS[question.options.index(f["answer"])]
    if kind == "multi":
        return ",".join(LETTERS[question.options.index(a)] for a in f["answer"])
    if kind == "truefalse":
        return "t" if f["answer"] else "f"
    if kind == "typed":
        return f["answer"]
    if kind == "cloze":
        return question.expected
    if kind == "order":
        return "".join(LETTERS[question.options.index(i)] for i in f["items"])
    if kind == "match":
        return " ".join(f"{n + 1}{LETTERS[question.options.index(r)]}" for n, (_l, r) in enumerate(f["pairs"]))
    raise AssertionError(kind)


def wrong_answer(question) -> str:
    return {"mcq": None, "multi": "c", "truefalse": "t", "typed": "estuary", "cloze": "melting",
            "order": None, "match": None}[question.kind] or _wrong_choice(question)


def _wrong_choice(question) -> str:
    right = right_answer(question)
    if question.kind == "mcq":
        return next(LETTERS[i] for i in range(len(question.options)) if LETTERS[i] != right)
    if question.kind == "order":
        return right[1] + right[0] + right[2:]
    pairs = right.split()
    letters = [p[1] for p in pairs]
    letters = letters[1:] + letters[:1]
    return " ".join(f"{n + 1}{letter}" for n, letter in enumerate(letters))


GRADED = ["longest", "wear", "salt", "delta", "cycle", "stages", "parts"]


# Queues --------------------------------------------------------------------------------------------------------


def test_a_card_retired_while_the_session_runs_is_passed_over():
    items = make_items()
    gone = Entry(pk_of("delta"), 0)
    kept = [entry for entry in items if entry != gone][:2]

    def fetch(entry):
        if entry == gone:
            raise UnknownCard("retired by an import meanwhile")
        return items[entry]

    session = Session(REVIEW, [gone, *kept, gone], fetch, Clock(), random.Random(1), FaceScheduler(fuzz=False))
    asked = []
    while (question := session.next_question()) is not None:
        asked.append(Entry(question.item.card_pk, question.item.face))
        session.skip()
    assert asked == kept


def test_siblings_are_spread_apart():
    entries = [Entry(1, 0), Entry(1, 1), Entry(2, 0), Entry(1, 2), Entry(3, 0)]
    assert spread_siblings(entries) == [Entry(1, 0), Entry(2, 0), Entry(3, 0), Entry(1, 1), Entry(1, 2)]


def test_practice_queue_is_every_face_shuffled_reproducibly_by_seed():
    entries = list(make_items())
    first = practice_queue(entries, random.Random(7))
    assert sorted(first) == sorted(entries)
    assert practice_queue(entries, random.Random(7)) == first
    assert practice_queue(entries, random.Random(8)) != first
    assert practice_queue(entries, random.Random(7), limit=4) == first[:4]


def test_exam_draws_distinct_cards_reproducibly():
    entries = list(make_items())
    drawn = exam_queue(entries, random.Random(1), size=5)
    assert len(drawn) == 5 and len({e.card_pk for e in drawn}) == 5
    assert exam_queue(entries, random.Random(1), size=5) == drawn
    assert len(exam_queue(entries, random.Random(1), size=50)) == len(CARDS)


# Every kind ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("card_id", GRADED)
def test_a_right_answer_is_proposed_good_and_reschedules(card_id):
    faces = [1, 2] if card_id == "cycle" else [0]
    for face in faces:
        session, question = ask(card_id, face)
        outcome = session.answer(right_answer(question))
        assert outcome.correct and not outcome.typo
        assert outcome.proposed == outcome.rating == Rating.Good
        assert outcome.schedule_after["state"] == State.Learning
        assert outcome.interval() == timedelta(minutes=10)


@pytest.mark.parametrize("card_id", GRADED)
def test_a_wrong_answer_is_proposed_again(card_id):
    session, question = ask(card_id, 1 if card_id == "cycle" else 0)
    outcome = session.answer(wrong_answer(question))
    assert not outcome.correct
    assert outcome.rating == Rating.Again
    assert outcome.interval() == timedelta(minutes=1)


def test_a_typo_is_right_but_proposed_hard():
    session, _question = ask("delta")
    outcome = session.answer("detla")
    assert outcome.correct and outcome.typo and outcome.rating == Rating.Hard


def test_a_slow_right_answer_is_proposed_hard():
    clock = Clock()
    session, question = ask("longest", clock=clock)
    clock.advance(seconds=45)
    outcome = session.answer(right_answer(question))
    assert outcome.correct and outcome.slow and outcome.rating == Rating.Hard
    assert outcome.duration_ms == 45_000


def test_accepted_alternatives_are_right():
    session, _question = ask("delta")
    assert session.answer("River Delta").correct


def test_unreadable_input_is_refused_and_the_question_stays():
    session, question = ask("longest")
    with pytest.raises(InvalidAnswer):
        session.answer("z")
    assert session.state == SessionState.ASKING
    assert session.answer(right_answer(question)).correct


def test_choices_are_shuffled_reproducibly_by_seed():
    shown = {tuple(ask("longest", seed=seed)[1].options) for seed in range(10)}
    assert len(shown) > 1
    assert ask("longest", seed=4)[1].options == ask("longest", seed=4)[1].options


def test_order_and_match_are_never_shown_already_solved():
    for seed in range(40):
        assert ask("stages", seed=seed)[1].options != CARDS[pk_of("stages") - 1]["items"]
        rights = [r for _l, r in CARDS[pk_of("parts") - 1]["pairs"]]
        assert ask("parts", seed=seed)[1].options != rights


def test_match_shows_numbered_lefts_and_lettered_rights():
    _session, question = ask("parts")
    assert question.lefts == ["Source", "Tributary", "Mouth"]
    assert sorted(question.options) == sorted(["Where it begins", "A joining stream", "Where it ends"])
    assert question.expected.startswith(right_answer(question))


def test_cloze_is_asked_once_per_deletion_with_the_other_filled_in():
    _s, first = ask("cycle", 1)
    assert first.text == "Water rises by [...] and falls as precipitation."
    assert first.expected == "evaporation"
    _s, second = ask("cycle", 2)
    assert second.text == "Water rises by evaporation and falls as [rain or snow]."
    assert second.expected == "precipitation"


def test_glossary_is_asked_both_ways_and_self_rated():
    session, forward = ask("meander", 0)
    assert (forward.text, forward.back) == ("Meander", "A wide bend in a river.")
    assert forward.self_rated
    with pytest.raises(SessionError):
        session.answer("a bend")
    _s, backward = ask("meander", 1)
    assert (backward.text, backward.back) == ("A wide bend in a river.", "Meander")


def test_a_cloze_with_reveal_is_shown_blanked_then_revealed_and_rated_as_anki_asks_it():
    card = Card.from_dict("rivers", {**CARDS[pk_of("cycle") - 1], "reveal": True})
    items = {Entry(1, face.number): Item(1, face.number, card, UNSEEN) for face in card.faces()}
    clock = Clock()
    session = Session(REVIEW, [Entry(1, 2)], items.__getitem__, clock, random.Random(3), FaceScheduler(fuzz=False))
    question = session.next_question()
    assert question.self_rated
    assert question.text == "Water rises by evaporation and falls as [rain or snow]."
    with pytest.raises(SessionError):
        session.answer("precipitation")
    clock.advance(seconds=5)
    session.reveal()
    assert question.back == "precipitation\nWater rises by evaporation and falls as precipitation."
    outcome = session.rate(Rating.Hard)
    assert (outcome.rating, outcome.correct, outcome.duration_ms) == (Rating.Hard, True, 5000)


@pytest.mark.parametrize("rating, correct", [(1, False), (2, True), (3, True), (4, True)])
def test_self_rated_cards_reveal_then_take_the_learners_rating(rating, correct):
    clock = Clock()
    session, _question = ask("oxbow", clock=clock)
    clock.advance(seconds=6)
    session.reveal()
    clock.advance(seconds=3)
    outcome = session.rate(rating)
    assert outcome.rating == rating and outcome.correct is correct
    assert outcome.duration_ms == 6000
    assert outcome.schedule_after == outcome.previews[Rating(rating)]


@pytest.mark.parametrize("rating", [Rating.Hard, Rating.Good, Rating.Easy])
def test_the_wait_shown_before_a_rating_is_the_one_it_gives_with_fuzz_on(rating):
    """fsrs spreads review intervals by a random fuzz: the waits offered and the schedule the rating then gives
    must come from the same draw, for each of many faces, while faces learnt together still get different ones."""
    clock = Clock()
    learnt = FaceScheduler(fuzz=False).review(UNSEEN, Rating.Easy, START - timedelta(days=40))
    items = make_items({entry: learnt for entry in make_items()})
    self_rated = [entry for entry, item in items.items() if item.card.spec.self_rated]
    session = Session(REVIEW, self_rated, items.__getitem__, clock, random.Random(5), FaceScheduler())
    offered = set()
    for _entry in self_rated:
        session.next_question()
        session.reveal()
        waits = session.waits()
        clock.advance(seconds=4)
        outcome = session.rate(rating)
        assert due_at(outcome.schedule_after) - outcome.reviewed_at == waits[rating]
        offered.add(waits[rating])
    assert len(offered) > 1


def test_the_learner_may_override_the_proposed_rating():
    session, question = ask("longest")
    proposed = session.answer(right_answer(question))
    easy = session.rate(Rating.Easy)
    assert easy.proposed == Rating.Good and easy.rating == Rating.Easy
    assert easy.schedule_after == proposed.previews[Rating.Easy]
    assert easy.interval() > proposed.interval()
    assert session.outcomes == [easy]
    assert easy.record().rating == 4 and easy.record().schedule == easy.schedule_after


def test_propose_rating_rules():
    assert propose_rating(False, False, False) == Rating.Again
    assert propose_rating(False, True, True) == Rating.Again
    assert propose_rating(True, True, False) == Rating.Hard
    assert propose_rating(True, False, True) == Rating.Hard
    assert propose_rating(True, False, False) == Rating.Good


# Modes ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", [PRACTICE, EXAM])
def test_practice_and_exam_leave_the_schedule_alone(mode):
    session, question = ask("longest", mode=mode)
    outcome = session.answer(right_answer(question))
    assert outcome.correct and outcome.schedule_after is None and outcome.interval() is None
    record = outcome.record()
    assert record.schedule is None and record.mode == mode and record.due_before is None


def test_review_mode_brings_a_lapsed_face_back_in_the_same_session():
    clock = Clock()
    session = make_session(REVIEW, [Entry(pk_of("longest"), 0), Entry(pk_of("salt"), 0)], clock=clock)
    first = session.next_question()
    session.answer(wrong_answer(first))
    clock.advance(seconds=5)
    second = session.next_question()
    session.answer("f")
    again = session.next_question()
    assert again.card.id == "longest" and again.total == 3
    assert again.item.schedule["state"] == State.Learning and not again.item.is_new
    session.answer(right_answer(again))
    assert session.next_question() is None
    assert second.card.id == "salt"


def test_a_session_walks_every_kind_and_summarises_by_section():
    clock = Clock()
    items = make_items()
    session = make_session(PRACTICE, list(items), clock=clock, items=items)
    wrong_ids = {"wear", "stages"}
    while (question := session.next_question()) is not None:
        clock.advance(seconds=4)
        if question.self_rated:
            session.reveal()
            session.rate(3)
        elif question.card.id in wrong_ids:
            session.answer(wrong_answer(question))
        else:
            session.answer(right_answer(question))
    summary = session.summary()
    assert summary.answered == len(items) and summary.correct == len(items) - 2
    assert summary.by_section["Processes"].answered == 4 and summary.by_section["Processes"].correct == 2
    assert {o.question.card.id for o in summary.missed} == wrong_ids
    assert summary.elapsed == timedelta(seconds=4 * len(items))
    assert summary.remaining == 0 and summary.skipped == 0


def test_skip_leaves_no_outcome_and_quit_ends_with_answers_kept():
    session = make_session(REVIEW, [Entry(1, 0), Entry(3, 0), Entry(4, 0), Entry(6, 0)])
    first = session.next_question()
    session.answer(right_answer(first))
    session.next_question()
    session.skip()
    session.next_question()
    session.quit()
    assert session.next_question() is None
    summary = session.summary()
    assert (summary.answered, summary.skipped, summary.remaining) == (1, 1, 2)


def test_calls_out_of_order_are_refused():
    session = make_session(REVIEW, [Entry(1, 0)])
    with pytest.raises(SessionError):
        session.answer("a")
    with pytest.raises(SessionError):
        session.rate(3)
    session.next_question()
    with pytest.raises(SessionError):
        session.reveal()


def test_review_mode_needs_a_scheduler_and_modes_are_known():
    with pytest.raises(ValueError):
        Session(REVIEW, [], dict().__getitem__, Clock(), random.Random(0))
    with pytest.raises(ValueError):
        Session("cram", [], dict().__getitem__, Clock(), random.Random(0), FaceScheduler())


def test_a_rating_given_after_4_am_keeps_the_wait_shown_before_it(utc_days):
    """The waits of a self-rated card are worked out when its answer is shown, and the rating gives the one shown,
    from the rating: rated a minute later, after Anki's day has turned at 4 am, it still gives the wait shown."""
    revealed = datetime(2025, 5, 4, 3, 59, 30, tzinfo=UTC)
    learnt = FaceScheduler(fuzz=False).review(UNSEEN, Rating.Good, revealed - timedelta(days=2, hours=6))
    items = make_items({entry: learnt for entry in make_items()})
    clock = Clock(revealed - timedelta(seconds=8))
    entry = next(entry for entry, item in items.items() if item.card.spec.self_rated)
    session = Session(REVIEW, [entry], items.__getitem__, clock, random.Random(5), FaceScheduler(fuzz=False))
    session.next_question()
    clock.advance(seconds=8)
    session.reveal()
    waits = session.waits()
    clock.advance(minutes=1)
    # A minute later the day has turned and the same rating would wait another time.
    assert FaceScheduler(fuzz=False).preview(learnt, clock.now, (entry.card_pk, entry.face))[Rating.Good] != (
        FaceScheduler(fuzz=False).preview(learnt, revealed, (entry.card_pk, entry.face))[Rating.Good])
    outcome = session.rate(Rating.Good)
    assert outcome.reviewed_at == clock.now
    assert due_at(outcome.schedule_after) - clock.now == waits[Rating.Good]
    assert outcome.schedule_after["last_review"] == to_stored(clock.now)


def test_a_face_another_quiz_studies_meanwhile_comes_back_when_it_is_due():
    """Stored as studied elsewhere since the plan (due in ten minutes), a queued face is held like one being learnt
    here: not asked now, asked once due."""
    clock = Clock()
    items = make_items()
    first, second = Entry(pk_of("longest"), 0), Entry(pk_of("salt"), 0)
    session = Session(REVIEW, [second, first], items.__getitem__, clock, random.Random(3), FaceScheduler(fuzz=False))
    studied = FaceScheduler(fuzz=False).review(UNSEEN, Rating.Good, clock.now)
    items[second] = replace(items[second], schedule=studied)
    assert session.next_question().item.card_pk == first.card_pk
    clock.advance(minutes=11)
    session.answer(right_answer(session.question))
    again = session.next_question()
    assert again is not None and again.item.card_pk == second.card_pk and again.item.schedule == studied


def test_a_due_face_is_rescheduled_from_its_stored_state():
    scheduler = FaceScheduler(fuzz=False)
    learnt = scheduler.review(UNSEEN, Rating.Easy, START - timedelta(days=30))
    items = make_items({Entry(1, 0): learnt})
    session = make_session(REVIEW, [Entry(1, 0)], items=items)
    question = session.next_question()
    assert not question.item.is_new
    outcome = session.answer(right_answer(question))
    assert outcome.schedule_after["state"] == State.Review
    assert outcome.interval() > timedelta(days=30)
    assert outcome.record().due_before == learnt["due"]


# Storing outcomes ----------------------------------------------------------------------------------------------


@pytest.fixture
def stored(tmp_path):
    """A real database holding the cards above, and a review session over all their faces."""
    source = tmp_path / "rivers.toml"
    lines = ['[deck]\nslug = "rivers"\nname = "Rivers"\n']
    for data in CARDS:
        lines.append("\n[[cards]]\n" + "".join(f"{key} = {json.dumps(value)}\n" for key, value in data.items()))
    source.write_text("".join(lines), encoding="utf-8")
    store = Store.open(tmp_path / "quiz.db")
    importing.import_paths(store, [source])
    yield store
    store.close()


def store_session(store: Store, clock: Clock) -> tuple[Session, int]:
    def fetch(entry: Entry) -> Item:
        return Item(entry.card_pk, entry.face, *store.quiz_face(entry.card_pk, entry.face))

    queue, _siblings, _over = pick_new(store.new_faces("rivers"), 20, set())
    session = Session(REVIEW, queue, fetch, clock, random.Random(2), FaceScheduler(fuzz=False))
    return session, store.start_session("rivers", REVIEW, 2, clock())


def test_a_face_never_studied_is_stored_as_the_rows_these_tests_start_from(stored):
    assert all(stored.quiz_face(pk, face)[1] == UNSEEN for pk, face in stored.new_faces("rivers"))


def test_an_answer_is_stored_with_its_new_schedule_and_an_override_replaces_both(stored):
    clock = Clock()
    session, session_id = store_session(stored, clock)
    question = session.next_question()
    outcome = session.answer(right_answer(question))
    review_id = stored.record_answer(session_id, outcome.record())
    pk = question.item.card_pk
    assert stored.schedule_rows(pk)[0]["due"] == outcome.schedule_after["due"]
    row = stored.db.execute("SELECT rating, correct, scheduled, due_before, due_after FROM reviews").fetchone()
    assert row == (3, 1, 1, None, outcome.schedule_after["due"])

    easy = session.rate(Rating.Easy)
    stored.amend_answer(review_id, easy.record())
    assert stored.schedule_rows(pk)[0]["state"] == State.Review
    assert stored.db.execute("SELECT rating, due_after FROM reviews").fetchone() == (4, easy.schedule_after["due"])
    assert stored.db.execute("SELECT answered, correct FROM sessions").fetchone() == (1, 1)


def test_a_failed_answer_write_leaves_nothing_behind(stored):
    clock = Clock()
    session, session_id = store_session(stored, clock)
    question = session.next_question()
    record = session.answer(right_answer(question)).record()
    before = stored.schedule_rows(question.item.card_pk)
    with pytest.raises(DatabaseError, match="NOT NULL"):
        stored.record_answer(session_id, replace(record, schedule={**record.schedule, "state": None}))
    assert stored.db.execute("SELECT count(*) FROM reviews").fetchone()[0] == 0
    assert stored.schedule_rows(question.item.card_pk) == before
    assert stored.db.execute("SELECT answered FROM sessions").fetchone()[0] == 0


def test_the_daily_new_limit_counts_faces_first_studied_since_midnight(stored):
    clock = Clock()
    session, session_id = store_session(stored, clock)
    for _ in range(3):
        question = session.next_question()
        if question.self_rated:
            session.reveal()
            outcome = session.rate(3)
        else:
            outcome = session.answer(right_answer(question))
        stored.record_answer(session_id, outcome.record())
    midnight = START.replace(hour=0, minute=0)
    assert stored.new_faces_started("rivers", midnight) == 3
    assert stored.new_faces_started("rivers", START + timedelta(minutes=1)) == 0
    assert len(pick_new(stored.new_faces("rivers"), 20 - 3, set())[0]) == len(CARDS) - 3


# Faces still being learnt -----------------------------------------------------------------------------------------


def learning_session(queue, clock, learn_ahead, learning=None):
    return Session(REVIEW, queue, make_items().__getitem__, clock, random.Random(3), FaceScheduler(fuzz=False),
                   learning, learn_ahead)


def test_a_face_left_in_learning_comes_back_when_nothing_else_is_left_within_the_learn_ahead_limit():
    clock = Clock()
    session = learning_session([Entry(pk_of("salt"), 0), Entry(pk_of("delta"), 0)], clock, timedelta(minutes=20))
    asked = []
    while (question := session.next_question()) is not None:
        asked.append(question.card.id)
        session.answer(right_answer(question))
        clock.advance(seconds=10)
    # Good on a new face: learning, due in 10 minutes; Good again: graduated to review, due in days.
    assert asked == ["salt", "delta", "salt", "delta"]
    summary = session.summary()
    assert summary.answered == 4 and summary.learning == 0 and summary.next_learning is None


def test_beyond_the_learn_ahead_limit_the_session_ends_and_says_when_the_next_is_due():
    clock = Clock()
    session = learning_session([Entry(pk_of("salt"), 0)], clock, timedelta(minutes=5))
    session.answer(right_answer(session.next_question()))
    assert session.next_question() is None
    summary = session.summary()
    assert summary.learning == 1 and summary.next_learning == START + timedelta(minutes=10)


def test_quitting_with_a_missed_face_to_come_back_counts_it_as_still_being_learnt():
    clock = Clock()
    session = learning_session([Entry(pk_of("salt"), 0), Entry(pk_of("delta"), 0)], clock, timedelta(minutes=5))
    session.answer(wrong_answer(session.next_question()))  # Again: back at the end, due in a minute
    session.answer(right_answer(session.next_question()))  # Good: due in ten minutes
    session.quit()
    summary = session.summary()
    assert summary.learning == 2 and summary.next_learning == START + timedelta(minutes=1)


def test_a_learning_face_falling_due_is_asked_before_the_rest_of_the_queue():
    clock = Clock()
    queue = [Entry(pk_of(card_id), 0) for card_id in ("salt", "delta", "longest")]
    session = learning_session(queue, clock, timedelta(0))
    session.answer(right_answer(session.next_question()))
    clock.advance(minutes=11)
    assert session.next_question().card.id == "salt"


def test_learning_faces_from_the_plan_are_asked_when_due_or_at_the_end():
    clock = Clock()
    session = learning_session([Entry(pk_of("delta"), 0)], clock, timedelta(minutes=20),
                               [(Entry(pk_of("salt"), 0), START + timedelta(minutes=8))])
    assert session.next_question().card.id == "delta"
    session.answer("delta")
    again = session.next_question()
    assert again.card.id == "salt" and again.number == 2 and again.total == 2


# Undo, set aside, ask again --------------------------------------------------------------------------------------


def test_undo_after_an_answer_asks_the_face_again_from_its_schedule_before():
    session = make_session(REVIEW, [Entry(pk_of("longest"), 0), Entry(pk_of("salt"), 0)])
    first = session.next_question()
    outcome = session.answer(wrong_answer(first))
    undone = session.undo()
    assert undone is outcome and undone.question.item.schedule == UNSEEN
    again = session.next_question()
    assert again.card.id == "longest" and again.item.schedule == UNSEEN and again.total == 2
    session.answer(right_answer(again))
    assert session.next_question().card.id == "salt"
    session.answer("f")
    # The Again taken back brings nothing back at the end.
    assert session.next_question() is None
    assert session.summary().answered == 2 and session.summary().correct == 2


def test_undo_at_the_next_prompt_asks_the_last_face_then_the_one_shown():
    session = make_session(REVIEW, [Entry(pk_of("longest"), 0), Entry(pk_of("salt"), 0)])
    session.answer(wrong_answer(session.next_question()))
    shown = session.next_question()
    assert (shown.card.id, shown.number, shown.total) == ("salt", 2, 3)  # the missed one comes back at the end
    assert session.undo() is not None
    again = session.next_question()
    # Asked again as what it was, the first question; the Again that would have brought it back is undone too.
    assert (again.card.id, again.number, again.total) == ("longest", 1, 2)
    session.answer(right_answer(session.question))
    shown = session.next_question()
    assert (shown.card.id, shown.number, shown.total) == ("salt", 2, 2)
    session.answer("f")
    assert session.next_question() is None


def test_nothing_to_undo_before_the_first_answer():
    session = make_session(REVIEW, [Entry(pk_of("salt"), 0)])
    session.next_question()
    assert session.undo() is None and session.state == SessionState.ASKING


def test_a_card_set_aside_asks_none_of_its_faces_again():
    cycle = pk_of("cycle")
    session = make_session(REVIEW, [Entry(cycle, 1), Entry(pk_of("salt"), 0), Entry(cycle, 2)])
    session.next_question()
    session.set_aside(cycle)
    assert session.next_question().card.id == "salt"
    session.answer("f")
    assert session.next_question() is None
    assert session.summary().remaining == 0 and session.summary().skipped == 0


def test_an_answered_card_set_aside_keeps_its_answer_and_does_not_come_back():
    session = make_session(REVIEW, [Entry(pk_of("longest"), 0)])
    session.answer(wrong_answer(session.next_question()))
    session.set_aside(pk_of("longest"))
    assert session.next_question() is None
    assert session.summary().answered == 1


def test_reask_shows_the_face_again_read_afresh():
    items = make_items()
    entry = Entry(pk_of("delta"), 0)
    session = Session(REVIEW, [entry], items.__getitem__, Clock(), random.Random(1), FaceScheduler(fuzz=False))
    assert session.next_question().text == "The fan of sediment at a mouth?"
    edited = Card.from_dict("rivers", {**CARDS[pk_of("delta") - 1], "prompt": "The fan at a river's mouth?"})
    items[entry] = replace(items[entry], card=edited)
    session.reask()
    again = session.next_question()
    assert again.text == "The fan at a river's mouth?" and again.number == 1
