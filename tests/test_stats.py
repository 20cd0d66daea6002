"""``quizgen stats``: figures computed from a real database of answers given at pinned times."""

from __future__ import annotations

import io
import json
import random
import time
from datetime import UTC, date, datetime, timedelta

import pytest
from rich.console import Console

from quizgen.core import importing
from quizgen.core.store import Answer, Store
from quizgen.core.time import local_day
from quizgen.study import stats
from quizgen.study.schedule import FaceScheduler
from quizgen.study.session import REVIEW, Entry, Item, Session

NOW = datetime(2025, 6, 15, 12, 0, tzinfo=UTC)

DECK_FILE = '''
[deck]
slug = "tides"
name = "Tides and Coasts"
description = """
How the sea shapes the shore.
A practice deck written for tests.
"""
''' + "".join(
    f'''
[[cards]]
id = "{card_id}"
kind = "typed"
section = "{section}"
prompt = "{prompt}"
answer = "{answer}"
'''
    for card_id, section, prompt, answer in [
        ("spring-tide", "Tides", "What is the tide with the largest range called?", "spring tide"),
        ("spit", "Coasts > Deposition", "What is a ridge of sand reaching out from the coast called?", "spit"),
        ("neap-tide", "Tides", "What is the tide with the smallest range called?", "neap tide"),
        ("groyne", "Coasts > Deposition", "What is a low wall built out to sea to hold sand called?", "groyne"),
        ("stack", "Coasts > Erosion", "What is a pillar of rock left standing off a cliff called?", "stack"),
        ("arch", "Coasts > Erosion", "What forms when waves cut through a headland?", "arch"),
    ]
)


pytestmark = pytest.mark.usefixtures("utc_days")


@pytest.fixture
def store(tmp_path, db_path) -> Store:
    source = tmp_path / "tides.toml"
    source.write_text(DECK_FILE, encoding="utf-8")
    opened = Store.open(db_path)
    importing.import_paths(opened, [source], now=NOW - timedelta(days=60))
    yield opened
    opened.close()


def study(store: Store, when: datetime, answers: dict[str, bool]) -> None:
    """Answer these cards in a review session at ``when``: right (the stored answer) or wrong."""
    by_id = {s.card.id: s for s in store.cards("tides")}
    queue = [Entry(by_id[card_id].pk, 0) for card_id in answers]

    def fetch(entry: Entry) -> Item:
        return Item(entry.card_pk, entry.face, *store.quiz_face(entry.card_pk, entry.face))

    session = Session(REVIEW, queue, fetch, lambda: when, random.Random(0), FaceScheduler(fuzz=False))
    session_id = store.start_session("tides", REVIEW, 0, when)
    for card_id, right in answers.items():
        question = session.next_question()
        assert question.card.id == card_id
        outcome = session.answer(question.card.fields["answer"] if right else "no idea")
        store.record_answer(session_id, outcome.record())
    store.end_session(session_id, when)


@pytest.fixture
def history(store) -> Store:
    study(store, NOW - timedelta(days=40), {"spring-tide": True, "spit": False})
    study(store, NOW - timedelta(days=10), {"spring-tide": True, "spit": False, "neap-tide": True})
    study(store, NOW - timedelta(days=2, hours=3), {"spit": False, "groyne": True})
    return store


def test_an_unstudied_deck(store):
    figures = stats.compute(store, "tides", NOW)
    assert (figures.cards, figures.faces, figures.new, figures.learning, figures.review) == (6, 6, 6, 0, 0)
    assert (figures.due, figures.reviews, figures.accuracy, figures.retrievability) == (0, 0, None, None)
    assert figures.weakest_cards == [] and figures.weakest_sections == []
    assert len(figures.forecast) == 14 and sum(n for _d, n in figures.forecast) == 0


def test_counts_reviews_and_accuracy_over_each_window(history):
    figures = stats.compute(history, "tides", NOW)
    assert figures.scope == "Tides and Coasts"
    assert (figures.cards, figures.new) == (6, 2)
    assert figures.learning + figures.review == 4
    assert (figures.reviews, figures.reviews_7d, figures.reviews_30d) == (7, 2, 5)
    assert figures.accuracy == pytest.approx(4 / 7)
    assert figures.accuracy_30d == pytest.approx(3 / 5)
    assert 0.0 < figures.retrievability <= 1.0


def test_due_figures_and_forecast_agree_with_the_stored_schedule(history):
    figures = stats.compute(history, "tides", NOW)
    dues = [datetime.fromisoformat(row[0]) for row in history.db.execute(
        "SELECT due FROM schedule WHERE state > 0").fetchall()]
    assert figures.due == sum(due <= NOW for due in dues) >= 2
    assert figures.due_week == sum(due <= NOW + timedelta(days=7) for due in dues)
    today = NOW.date()
    assert figures.forecast[0] == (today, figures.due + sum(d > NOW and d.date() == today for d in dues))
    for day, count in figures.forecast[1:]:
        assert count == sum(due.date() == day for due in dues)


def test_suspended_and_buried_cards_are_not_counted_due(history):
    """As the quiz would not ask them: a suspended card is left out of what is due now, this week and on every day
    of the forecast; a buried one of what is due now, until its burial ends."""
    before = stats.compute(history, "tides", NOW)
    due_now = [pk for pk, _face in history.due_faces("tides", NOW)]
    assert len(due_now) >= 2
    suspended, buried = due_now[:2]
    history.suspend_card(suspended, NOW)
    history.bury_card(buried, NOW + timedelta(hours=6))
    after = stats.compute(history, "tides", NOW)
    assert after.due == before.due - 2
    assert after.due_week == before.due_week - 1
    assert sum(n for _day, n in after.forecast) == sum(n for _day, n in before.forecast) - 1
    (summary,) = history.deck_summaries(NOW)
    assert summary["due"] == after.due


def test_faces_of_suspended_and_buried_cards_are_counted_apart_from_new_learning_and_review(history):
    """As Anki's card counts put suspended and buried cards in slices of their own: a suspended new card is not among
    the new faces, nor a suspended studied one among those in learning or review."""
    by_id = {s.card.id: s.pk for s in history.cards("tides")}
    before = stats.compute(history, "tides", NOW)
    history.suspend_card(by_id["arch"], NOW)  # never studied
    history.suspend_card(by_id["spring-tide"], NOW)  # studied twice, right both times
    after = stats.compute(history, "tides", NOW)
    assert (after.faces, after.suspended, after.new) == (before.faces, 2, before.new - 1)
    assert after.learning + after.review == before.learning + before.review - 1
    drawn = io.StringIO()
    stats.render(after, Console(file=drawn, width=80))
    assert f"new {after.new} · learning {after.learning} · review {after.review} · suspended 2" in drawn.getvalue()
    # A buried card too, until its burial ends.
    history.bury_card(by_id["stack"], NOW + timedelta(hours=6))
    buried = stats.compute(history, "tides", NOW)
    assert (buried.buried, buried.new, buried.suspended) == (1, after.new - 1, 2)
    assert stats.compute(history, "tides", NOW + timedelta(hours=7)).buried == 0


def test_history_is_thirty_local_days_ending_today(history):
    figures = stats.compute(history, "tides", NOW)
    assert len(figures.history) == 30
    assert figures.history[0][0] == NOW.date() - timedelta(days=29) and figures.history[-1][0] == NOW.date()
    by_day = {day: (count, right) for day, count, right in figures.history}
    assert by_day[(NOW - timedelta(days=10)).date()] == (3, 2)
    assert by_day[(NOW - timedelta(days=2, hours=3)).date()] == (2, 1)
    assert sum(count for count, _right in by_day.values()) == 5


def test_history_days_follow_the_learners_time_zone(history, monkeypatch):
    monkeypatch.setenv("TZ", "Pacific/Kiritimati")  # UTC+14: 09:00 UTC is already the next day there
    time.tzset()
    figures = stats.compute(history, "tides", NOW)
    by_day = {day: count for day, count, _right in figures.history}
    assert by_day[(NOW - timedelta(days=2, hours=3) + timedelta(hours=14)).date()] == 2


def test_history_puts_an_answer_on_the_local_day_it_was_given_across_a_dst_change(store, monkeypatch):
    """23:30 in Berlin on 27 March, in winter time, is still 27 March when stats run in summer time on 10 April."""
    monkeypatch.setenv("TZ", "Europe/Berlin")
    time.tzset()
    late_evening = datetime(2026, 3, 27, 22, 30, tzinfo=UTC)  # 23:30 CET (UTC+1)
    study(store, late_evening, {"spring-tide": True})
    stats_run = datetime(2026, 4, 10, 10, 0, tzinfo=UTC)  # 12:00 CEST (UTC+2)
    assert local_day(late_evening) == date(2026, 3, 27)
    by_day = {day: count for day, count, _right in stats.compute(store, "tides", stats_run).history}
    assert by_day[date(2026, 3, 27)] == 1 and by_day[date(2026, 3, 28)] == 0


def test_weakest_sections_and_cards(history):
    figures = stats.compute(history, "tides", NOW)
    assert [(s.section, s.correct, s.answered) for s in figures.weakest_sections] == [("Coasts > Deposition", 1, 3)]
    weakest = figures.weakest_cards[0]
    assert (weakest.id, weakest.wrong, weakest.answered) == ("spit", 3, 3)
    assert weakest.prompt.startswith("What is a ridge of sand")
    difficulties = [c.difficulty for c in figures.weakest_cards]
    assert difficulties == sorted(difficulties, reverse=True) and len(figures.weakest_cards) == 4


def test_all_decks_together_and_one_deck_alone(history, tmp_path):
    other = tmp_path / "other.toml"
    other.write_text(
        '[deck]\nslug = "stars"\nname = "Stars"\n\n[[cards]]\nid = "sun"\nkind = "typed"\nsection = "Sun"\n'
        'prompt = "Which star is nearest to us?"\nanswer = "the sun"\n',
        encoding="utf-8",
    )
    importing.import_paths(history, [other])
    study_stars = {s.card.id: s for s in history.cards("stars")}
    sun = study_stars["sun"].pk
    history.record_answer(
        history.start_session("stars", REVIEW, 0, NOW),
        Answer(sun, 0, reviewed_at=NOW - timedelta(hours=1), mode=REVIEW, rating=3, correct=True, response="sun",
               duration_ms=900, due_before=None,
               schedule=FaceScheduler(fuzz=False).review(history.quiz_face(sun, 0)[1], 3, NOW)),
    )
    together = stats.compute(history, None, NOW)
    alone = stats.compute(history, "tides", NOW)
    assert together.scope == "All decks" and (together.cards, together.reviews) == (7, 8)
    assert (alone.cards, alone.reviews, alone.reviews_7d) == (6, 7, 2)


def test_drawing_fits_80_columns_and_shows_both_charts(history):
    out = io.StringIO()
    console = Console(file=out, width=80, no_color=True, highlight=False, markup=False, emoji=False)
    stats.render(stats.compute(history, "tides", NOW), console)
    text = out.getvalue()
    assert all(len(line) <= 80 for line in text.splitlines())
    assert "Tides and Coasts" in text
    assert "Reviews 7 all time · 2 last 7 days · 5 last 30 days" in text
    assert "Due over the next 14 days" in text and "Sun 15 Jun" in text
    assert "Reviews over the last 30 days" in text and "█" in text
    assert "Coasts > Deposition" in text and "spit" in text
    # The simulated workload is of the faces studied so far, and says so when some are new.
    assert "Of the faces studied so far: the 2 new ones are not in it." in text


@pytest.mark.parametrize("width", [40, 60, 80, 120])
def test_the_weakest_cards_keep_their_figures_and_ids_whole_however_long_their_prompts(history, width):
    figures = stats.compute(history, "tides", NOW)
    long_prompt = "Which of the many things the sea does to a shore, over years and over storms, " * 3
    card_id = "coasts-spring-tides-and-their-range-long"
    figures.weakest_cards = [stats.WeakCard("tides", card_id, 0, "", long_prompt, 9.7, 0.4, 16, 13)]
    out = io.StringIO()
    stats.render(figures, Console(file=out, width=width, color_system=None))
    lines = out.getvalue().splitlines()
    header = next(line for line in lines if line.lstrip().startswith("card "))
    assert header.split()[-2:] == ["difficulty", "wrong"]
    first = next(index for index, line in enumerate(lines) if line.lstrip().startswith(card_id[:10]))
    assert lines[first].split()[-4:] == ["9.7/10", "13", "of", "16"]
    # Too long for the column, the id folds onto the lines below, whole.
    assert card_id in "".join(line.split()[0] for line in lines[first:first + 3] if not line.startswith("   "))
    assert max(len(line) for line in lines) <= width


def test_stats_command_json_has_the_promised_keys(history, run):
    result = run("stats", "tides", "--json")
    data = json.loads(result.output)
    assert {"cards", "new", "due", "reviews"} <= set(data)
    assert (data["cards"], data["new"], data["reviews"]) == (6, 2, 7)
    assert len(data["forecast"]) == 14 and len(data["history"]) == 30
    assert data["weakest_cards"][0]["id"] == "spit"


def test_stats_command_draws_in_the_terminal(history, run):
    result = run("stats")
    assert result.exit_code == 0
    assert "Tides and Coasts" in result.output and "Weakest cards" in result.output


def test_stats_of_an_unknown_deck_is_one_line(history, run):
    result = run("stats", "planets")
    assert result.exit_code == 1
    assert result.output.strip() == "Error: no deck 'planets' (decks: tides)"


def test_practice_and_exam_answers_are_counted_apart_from_reviews(history):
    before = stats.compute(history, "tides", NOW)
    by_id = {s.card.id: s for s in history.cards("tides")}
    for mode, card_id, right in [("practice", "stack", False), ("practice", "arch", False),
                                 ("practice", "spring-tide", True), ("exam", "stack", False)]:
        session_id = history.start_session("tides", mode, 0, NOW - timedelta(hours=1))
        history.record_answer(session_id, Answer(by_id[card_id].pk, 0, NOW - timedelta(hours=1), mode, 3 if right
                                                 else 1, right, "x", 800, None, None))
    figures = stats.compute(history, "tides", NOW)
    # Reviews, accuracy and the weakest sections and cards are the scheduled reviews' alone.
    assert (figures.reviews, figures.reviews_7d, figures.accuracy) == (before.reviews, 2, before.accuracy)
    assert figures.weakest_sections == before.weakest_sections
    assert [(c.id, c.wrong) for c in figures.weakest_cards] == [(c.id, c.wrong) for c in before.weakest_cards]
    assert (figures.practice_answers, figures.practice_correct, figures.exam_answers, figures.exam_correct) == (
        3, 1, 1, 0)
    data = figures.to_dict()
    assert (data["practice_answers"], data["exam_answers"], data["reviews"]) == (3, 1, 7)
    out = io.StringIO()
    stats.render(figures, Console(file=out, width=80, no_color=True, highlight=False, markup=False, emoji=False))
    assert "Not counted as reviews: practice 3 answers, 33% right · exam 1 answer, 0% right" in out.getvalue()


def test_true_retention_bands_each_wait_rounded_to_whole_days(store):
    """Half a day rounds to none (a learning step, left out), and a wait half way between two bands to the even day."""
    start = NOW - timedelta(days=25)
    study(store, start, {"spring-tide": True, "spit": True, "neap-tide": True, "groyne": True})
    study(store, start + timedelta(hours=12), {"spring-tide": True})
    study(store, start + timedelta(days=1.5), {"spit": False})
    study(store, start + timedelta(days=6.5), {"neap-tide": True})
    study(store, start + timedelta(days=20.5), {"groyne": True})
    bands = {band.band: (band.reviews, band.recalled) for band in stats.compute(store, "tides", NOW).true_retention}
    assert bands == {"1 day": (0, 0), "2-6 days": (2, 1), "1-3 weeks": (1, 1), "3 weeks+": (0, 0)}


def retention_bands(store: Store) -> dict[str, tuple[int, int]]:
    return {band.band: (band.reviews, band.recalled) for band in stats.compute(store, "tides", NOW).true_retention}


def test_true_retention_counts_the_wait_from_an_earlier_review_written_later(store):
    """An Anki review imported after our own, but given between two of them, is the one the later review waited on."""
    start = NOW - timedelta(days=28)
    study(store, start, {"groyne": True})
    study(store, start + timedelta(days=25), {"groyne": False})
    assert retention_bands(store)["3 weeks+"] == (1, 0)
    pk = store.card("tides/groyne").pk
    between = (start + timedelta(days=22)).isoformat(timespec="microseconds")
    with store.transaction():
        store.add_anki_history(
            [(pk, 0, between, 3, 8000, between, None, 1, None, "review")], [], [], {(pk, 0): between}, [], []
        )
    bands = retention_bands(store)
    assert (bands["2-6 days"], bands["3 weeks+"]) == ((1, 0), (1, 1))


def test_a_database_from_before_waits_were_stored_gets_them_on_upgrade(store, db_path):
    start = NOW - timedelta(days=25)
    study(store, start, {"spring-tide": True, "spit": True, "neap-tide": True})
    study(store, start + timedelta(days=1.5), {"spit": False})
    study(store, start + timedelta(days=6.5), {"neap-tide": True, "spring-tide": False})
    expected = retention_bands(store)
    assert sum(reviews for reviews, _recalled in expected.values()) == 3
    # As an older quizgen left it: no stored waits, nor the migration that adds them.
    store.db.executescript(
        """DROP INDEX idx_reviews_recent; DROP INDEX idx_schedule_hardest;
           ALTER TABLE reviews DROP COLUMN elapsed_days;
           DELETE FROM _sqlite_migrations WHERE name = 'm008_review_elapsed';"""
    )
    store.close()
    upgraded = Store.open(db_path)
    try:
        assert retention_bands(upgraded) == expected
    finally:
        upgraded.close()
