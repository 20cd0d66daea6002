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
    Forecast,
    QuizOptions,
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
    plan = review_plan(DECK, due, new, daily_limit=3, started_today=1, studied_today={2}, retention=0.9)
    assert plan.mode == REVIEW and plan.queue == [Entry(5, 0), Entry(6, 0), Entry(1, 0), Entry(3, 0)]
    assert (plan.due, plan.new, plan.unseen) == (2, 2, 4)
    assert plan.scheduler is not None
    short = review_plan(DECK, due, new, daily_limit=3, started_today=1, studied_today={2}, retention=0.9, count=3)
    assert short.queue == plan.queue[:3] and (short.due, short.new) == (2, 1)


def test_practice_asks_every_face_and_an_exam_a_sample_of_cards_both_by_seed():
    faces = [Entry(pk, face) for pk in range(1, 31) for face in (0, 1)]
    practice = practice_plan(DECK, faces, random.Random(4))
    assert practice.mode == PRACTICE and sorted(practice.queue) == faces and practice.scheduler is None
    assert practice_plan(DECK, faces, random.Random(4)).queue == practice.queue
    exam = exam_plan(DECK, faces, random.Random(4))
    assert exam.mode == EXAM and len({e.card_pk for e in exam.queue}) == len(exam.queue) == DEFAULT_EXAM_SIZE
    assert len(exam_plan(DECK, faces, random.Random(4), count=5).queue) == 5


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
    assert plan.deck.slug == "rivers" and (plan.due, plan.new, plan.unseen) == (0, 2, 5)
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
    assert forecast(store, "rivers", NOW) == Forecast(tomorrow=1, week=3)
