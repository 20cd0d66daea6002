"""Planning a quiz: the new-card allowance, what counts as today, the queue of each mode and the closing forecast,
with the clock pinned and the learner in Berlin (a DST change falls on 29 March 2026)."""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime, timedelta

import pytest

from quizgen.core import importing
from quizgen.core.cards import Deck
from quizgen.core.store import Answer, Store
from quizgen.core.time import to_stored
from quizgen.study.plan import (
    DEFAULT_EXAM_SIZE,
    DeckNew,
    Forecast,
    QuizOptions,
    bury_until,
    exam_plan,
    forecast,
    forecast_windows,
    new_allowance,
    open_plan,
    practice_plan,
    review_plan,
    today_began,
)
from quizgen.study.session import EXAM, PRACTICE, REVIEW, Entry

OCEANS = Deck(slug="oceans", name="Oceans")

DECK = Deck(slug="rivers", name="Rivers")


@pytest.fixture(autouse=True)
def berlin(monkeypatch):
    monkeypatch.setenv("TZ", "Europe/Berlin")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_the_allowance_is_what_is_left_of_the_daily_limit():
    assert new_allowance(20, 5) == 15
    assert new_allowance(3, 7) == 0


def test_today_begins_at_the_learners_midnight():
    # 00:30 on 29 March in Berlin (still winter time) is 23:30 UTC on the 28th.
    assert today_began(datetime(2026, 3, 28, 23, 30, tzinfo=UTC)) == datetime(2026, 3, 28, 23, 0, tzinfo=UTC)
    # After the change to summer time, midnight is 22:00 UTC.
    assert today_began(datetime(2026, 4, 10, 10, 0, tzinfo=UTC)) == datetime(2026, 4, 9, 22, 0, tzinfo=UTC)


def test_a_review_asks_due_faces_then_new_ones_within_the_allowance_none_of_a_card_studied_today():
    due = [Entry(5, 0), Entry(6, 0)]
    new = [Entry(1, 0), Entry(2, 0), Entry(3, 0), Entry(3, 1)]
    plan = review_plan([DECK], due, [DeckNew(new, started_today=1)], daily_limit=3, answered_today={Entry(2, 1)},
                       retention=0.9)
    assert plan.mode == REVIEW and plan.queue == [Entry(5, 0), Entry(6, 0), Entry(1, 0), Entry(3, 0)]
    assert (plan.due, plan.new, plan.unseen) == (2, 2, 4)
    assert plan.scheduler is not None
    short = review_plan(
        [DECK], due, [DeckNew(new, started_today=1)], daily_limit=3, answered_today={Entry(2, 1)}, retention=0.9,
        count=3,
    )
    assert short.queue == plan.queue[:3] and (short.due, short.new) == (2, 1)


def test_practice_asks_every_face_and_an_exam_a_sample_of_cards_both_by_seed():
    faces = [Entry(pk, face) for pk in range(1, 31) for face in (0, 1)]
    practice = practice_plan([DECK], faces, random.Random(4))
    assert practice.mode == PRACTICE and sorted(practice.queue) == faces and practice.scheduler is None
    assert practice_plan([DECK], faces, random.Random(4)).queue == practice.queue
    exam = exam_plan([DECK], faces, random.Random(4))
    assert exam.mode == EXAM and len({e.card_pk for e in exam.queue}) == len(exam.queue) == DEFAULT_EXAM_SIZE
    assert len(exam_plan([DECK], faces, random.Random(4), count=5).queue) == 5


def test_the_forecast_counts_the_learners_tomorrow_and_a_week_including_overdue():
    ended = datetime(2026, 3, 28, 20, 0, tzinfo=UTC)  # 21:00 on Saturday in Berlin
    tomorrow, week = forecast_windows(ended)
    # Sunday 29 March is 23 hours long: winter midnight to summer midnight.
    assert tomorrow == (datetime(2026, 3, 28, 23, 0, tzinfo=UTC), datetime(2026, 3, 29, 22, 0, tzinfo=UTC))
    assert week[0] < datetime(2000, 1, 1, tzinfo=UTC) and week[1] == ended + timedelta(days=7)


@pytest.fixture
def store(tmp_path) -> Store:
    source = tmp_path / "rivers.toml"
    source.write_text(
        '[deck]\nslug = "rivers"\nname = "Rivers"\n'
        + "".join(
            f'\n[[cards]]\nid = "c{n}"\nkind = "typed"\nsection = "S"\nprompt = "Question {n}?"\nanswer = "a{n}"\n'
            for n in range(1, 6)
        ),
        encoding="utf-8",
    )
    opened = Store.open(tmp_path / "plan.db")
    importing.import_paths(opened, [source])
    yield opened
    opened.close()


NOW = datetime(2026, 4, 10, 10, 0, tzinfo=UTC)  # noon in Berlin


def answer(store: Store, card_pk: int, at: datetime, due: datetime) -> None:
    """A right answer to a card's only face, stored with the schedule it led to."""
    schedule = {"state": 2, "step": None, "stability": 5.0, "difficulty": 5.0, "due": to_stored(due),
                "last_review": to_stored(at)}
    session_id = store.start_session("rivers", REVIEW, 0, at)
    store.record_answer(session_id, Answer(card_pk, 0, at, REVIEW, 3, True, "a", 1000, None, schedule))


def test_a_plan_read_from_the_store_follows_the_stored_new_limit_unless_told_otherwise(store):
    store.set_config("new-limit", "2")
    plan = open_plan(store, QuizOptions(), NOW, random.Random(1))
    assert [deck.slug for deck in plan.decks] == ["rivers"] and (plan.due, plan.new, plan.unseen) == (0, 2, 5)
    assert open_plan(store, QuizOptions(new_limit=4), NOW, random.Random(1)).new == 4
    spent = open_plan(store, QuizOptions(new_limit=0), NOW, random.Random(1))
    assert spent.queue == [] and spent.next_due is None and spent.unseen == 5


def test_answers_since_local_midnight_spend_the_allowance_and_the_forecast_counts_what_they_scheduled(store):
    answer(store, 1, NOW - timedelta(hours=2), due=NOW - timedelta(hours=1))  # overdue again
    answer(store, 2, NOW, due=datetime(2026, 4, 11, 21, 30, tzinfo=UTC))  # 23:30 tomorrow in Berlin
    answer(store, 3, NOW, due=NOW + timedelta(days=3))
    answer(store, 4, datetime(2026, 4, 9, 21, 59, tzinfo=UTC), due=NOW + timedelta(days=30))  # 23:59 yesterday
    plan = open_plan(store, QuizOptions(new_limit=4), NOW, random.Random(1))
    # Three faces first studied today leave one of four; card 4 was first studied yesterday.
    assert plan.queue == [Entry(1, 0), Entry(5, 0)] and (plan.due, plan.new, plan.unseen) == (1, 1, 1)
    assert forecast(store, ["rivers"], NOW) == Forecast(tomorrow=1, week=3)


def test_several_decks_ask_every_due_face_first_then_each_decks_new_faces_within_its_own_allowance():
    due = [Entry(9, 0), Entry(1, 0)]  # across decks, most overdue first
    rivers = DeckNew([Entry(2, 0), Entry(3, 0), Entry(4, 0)], started_today=1)
    oceans = DeckNew([Entry(7, 0), Entry(8, 0)], started_today=0)
    plan = review_plan([DECK, OCEANS], due, [rivers, oceans], daily_limit=2, answered_today=set(), retention=0.9)
    assert plan.queue == [Entry(9, 0), Entry(1, 0), Entry(2, 0), Entry(7, 0), Entry(8, 0)]
    assert (plan.due, plan.new, plan.unseen, plan.over_limit, plan.siblings) == (2, 3, 5, 2, 0)


def test_new_faces_left_out_are_told_apart_siblings_held_back_from_faces_over_the_limit():
    # Card 1 was studied today: its new face waits a day. Card 2's second face waits for its first.
    new = DeckNew([Entry(1, 1), Entry(2, 0), Entry(2, 1), Entry(3, 0), Entry(4, 0), Entry(4, 1)], started_today=0)
    plan = review_plan([DECK], [], [new], daily_limit=2, answered_today={Entry(1, 0)}, retention=0.9)
    assert plan.queue == [Entry(2, 0), Entry(3, 0)]
    # Card 4 waits for the limit; its second face would wait for its first anyway.
    assert (plan.over_limit, plan.siblings) == (1, 3)
    spent = review_plan([DECK], [], [new], daily_limit=0, answered_today=set(), retention=0.9)
    assert spent.queue == [] and (spent.over_limit, spent.siblings) == (4, 2)


def test_a_face_made_new_again_today_is_not_held_back_as_its_own_sibling():
    """Answered today and then forgotten (Anki's Forget, brought over by an import), a one-face card is new again
    and asked; of a two-face card forgotten so, the other face still waits a day."""
    new = DeckNew([Entry(1, 0), Entry(2, 1), Entry(2, 0)], started_today=0)
    plan = review_plan([DECK], [], [new], daily_limit=5, answered_today={Entry(1, 0), Entry(2, 0)}, retention=0.9)
    assert plan.queue == [Entry(1, 0), Entry(2, 0)]
    assert plan.siblings == 1


def test_a_buried_card_comes_back_at_the_learners_next_midnight():
    assert bury_until(NOW) == datetime(2026, 4, 10, 22, 0, tzinfo=UTC)
    # 00:30 on 29 March in Berlin, winter time: the next midnight is summer time's.
    assert bury_until(datetime(2026, 3, 28, 23, 30, tzinfo=UTC)) == datetime(2026, 3, 29, 22, 0, tzinfo=UTC)


def learning(store: Store, card_pk: int, at: datetime, due: datetime) -> None:
    """A right answer to a new face that leaves it in learning, due at ``due``."""
    schedule = {"state": 1, "step": 1, "stability": 2.0, "difficulty": 5.0, "due": to_stored(due),
                "last_review": to_stored(at)}
    session_id = store.start_session("rivers", REVIEW, 0, at)
    store.record_answer(session_id, Answer(card_pk, 0, at, REVIEW, 3, True, "a", 1000, None, schedule))


def test_faces_being_learnt_within_the_learn_ahead_limit_are_kept_for_the_session(store):
    learning(store, 1, NOW - timedelta(minutes=2), due=NOW + timedelta(minutes=8))
    learning(store, 2, NOW - timedelta(minutes=1), due=NOW + timedelta(minutes=30))
    plan = open_plan(store, QuizOptions(new_limit=0), NOW, random.Random(1))
    assert plan.queue == [] and not plan.empty
    assert plan.learning == [(Entry(1, 0), NOW + timedelta(minutes=8))]
    assert plan.learn_ahead == timedelta(minutes=20)
    store.set_config("learn-ahead", "5")
    later = open_plan(store, QuizOptions(new_limit=0), NOW, random.Random(1))
    assert later.empty and later.next_due == NOW + timedelta(minutes=8)


def test_buried_and_suspended_cards_are_left_out_of_every_mode(store):
    store.bury_card(1, bury_until(NOW))
    store.suspend_card(2, NOW)
    plan = open_plan(store, QuizOptions(), NOW, random.Random(1))
    assert {e.card_pk for e in plan.queue} == {3, 4, 5}
    for mode in (PRACTICE, EXAM):
        assert {e.card_pk for e in open_plan(store, QuizOptions(mode=mode), NOW, random.Random(1)).queue} == {3, 4, 5}
    tomorrow = open_plan(store, QuizOptions(), NOW + timedelta(hours=12), random.Random(1))
    assert {e.card_pk for e in tomorrow.queue} == {1, 3, 4, 5}
    assert store.unsuspend_card(2) and not store.unsuspend_card(2)
    assert store.card_marks(NOW) == {1: ["buried"]}


def test_with_no_deck_named_every_deck_is_studied_and_names_narrow(store, tmp_path):
    other = tmp_path / "oceans.toml"
    other.write_text('[deck]\nslug = "oceans"\nname = "Oceans"\n\n[[cards]]\nid = "salt"\nkind = "typed"\n'
                     'section = "S"\nprompt = "Salty?"\nanswer = "yes"\n', encoding="utf-8")
    importing.import_paths(store, [other])
    together = open_plan(store, QuizOptions(new_limit=1), NOW, random.Random(1))
    assert [d.slug for d in together.decks] == ["oceans", "rivers"] and together.queue == [Entry(6, 0), Entry(1, 0)]
    alone = open_plan(store, QuizOptions(decks=["oceans"], new_limit=1), NOW, random.Random(1))
    assert [d.slug for d in alone.decks] == ["oceans"] and alone.queue == [Entry(6, 0)]
    practice = open_plan(store, QuizOptions(mode=PRACTICE), NOW, random.Random(1))
    assert sorted(practice.queue) == [Entry(pk, 0) for pk in range(1, 7)]
