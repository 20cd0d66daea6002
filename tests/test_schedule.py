"""The FSRS layer: our rows to fsrs cards and back, retention from the database, UTC throughout."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta, timezone

import fsrs_rs_python as rs
import pytest
from fsrs import Card as FsrsCard
from fsrs import Rating, Scheduler, State

from quizgen.core import importing
from quizgen.core.store import Store
from quizgen.core.time import anki_next_day_at, from_stored, to_stored
from quizgen.study import schedule
from quizgen.study.schedule import (
    NEW,
    FaceScheduler,
    SettingError,
    check_setting,
    describe_interval,
    from_fsrs,
    setting_value,
    to_fsrs,
)

NOW = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


def test_a_new_face_becomes_a_fresh_learning_card_due_now(unseen):
    card = to_fsrs(unseen, card_id=7, now=NOW)
    assert card.state == State.Learning and card.step == 0
    assert card.stability is None and card.due == NOW and card.last_review is None


def test_rows_round_trip_through_fsrs(unseen):
    row = FaceScheduler(fuzz=False).review(unseen, Rating.Good, NOW)
    assert from_fsrs(to_fsrs(row, 1, NOW)) == row


def test_first_good_answer_starts_learning_and_easy_graduates(unseen):
    scheduler = FaceScheduler(fuzz=False)
    good = scheduler.review(unseen, Rating.Good, NOW)
    assert good["state"] == State.Learning and good["last_review"] == NOW.isoformat(timespec="microseconds")
    assert datetime.fromisoformat(good["due"]) - NOW == timedelta(minutes=10)
    easy = scheduler.review(unseen, Rating.Easy, NOW)
    assert easy["state"] == State.Review
    assert datetime.fromisoformat(easy["due"]) - NOW >= timedelta(days=1)


def test_preview_gives_longer_waits_for_better_ratings(unseen):
    scheduler = FaceScheduler(fuzz=False)
    graduated = scheduler.review(unseen, Rating.Easy, NOW)
    later = NOW + timedelta(days=10)
    previews = scheduler.preview(graduated, later, (1, 0))
    waits = {r: datetime.fromisoformat(row["due"]) - later for r, row in previews.items()}
    assert waits[Rating.Again] < waits[Rating.Hard] < waits[Rating.Good] < waits[Rating.Easy]


def test_lower_desired_retention_means_longer_intervals(unseen):
    def interval(retention: float) -> timedelta:
        scheduler = FaceScheduler(retention, fuzz=False)
        row = scheduler.review(unseen, Rating.Easy, NOW)
        later = NOW + timedelta(days=20)
        return datetime.fromisoformat(scheduler.review(row, Rating.Good, later)["due"]) - later

    assert interval(0.80) > interval(0.90) > interval(0.97)


def in_review(last_review: datetime) -> dict:
    return {"state": int(State.Review), "step": None, "stability": 5.0, "difficulty": 5.0,
            "due": to_stored(last_review + timedelta(days=5)), "last_review": to_stored(last_review)}


@pytest.mark.parametrize(("last", "answered", "anki_days"), [
    # Three days less five seconds: three of Anki's days, where py-fsrs alone counts two.
    (datetime(2025, 3, 1, 10, 0, 5, tzinfo=UTC), datetime(2025, 3, 4, 10, 0, 0, tzinfo=UTC), 3),
    # 23.50 to 5.00 the next morning: the next of Anki's days, though not 24 hours later.
    (datetime(2025, 3, 1, 23, 50, tzinfo=UTC), datetime(2025, 3, 2, 5, 0, tzinfo=UTC), 1),
    # 23.50 to 3.30: still the same Anki day, which begins at 4 am.
    (datetime(2025, 3, 1, 23, 50, tzinfo=UTC), datetime(2025, 3, 2, 3, 30, tzinfo=UTC), 0),
])
def test_an_answer_counts_the_days_since_the_last_review_as_anki_does(utc_days, last, answered, anki_days):
    """The memory state an answer leads to is the one Anki's FSRS (fsrs-rs) gives for the days Anki counts."""
    model = rs.FSRS(list(schedule.default_parameters()))
    for rating in Rating:
        row = FaceScheduler(fuzz=False).review(in_review(last), rating, answered)
        expected = getattr(model.next_states(rs.MemoryState(5.0, 5.0), 0.9, anki_days), rating.name.lower()).memory
        assert (row["stability"], row["difficulty"]) == pytest.approx((expected.stability, expected.difficulty),
                                                                     rel=1e-4), rating
        assert row["last_review"] == to_stored(answered)


def test_each_passing_rating_that_graduates_waits_a_day_longer_than_the_one_below(utc_days):
    """As Anki orders them: a card at its last learning step that Good and Easy would both send a day away waits
    two days after Easy; the memory state is still FSRS's for Easy."""
    now = datetime(2025, 3, 1, 12, tzinfo=UTC)
    row = {"state": int(State.Learning), "step": 1, "stability": 0.3, "difficulty": 9.0, "due": to_stored(now),
           "last_review": to_stored(now - timedelta(minutes=10))}
    scheduler = FaceScheduler(fuzz=False)
    alone = {rating: scheduler.review(row, rating, now) for rating in Rating}
    assert alone[Rating.Good]["due"] == alone[Rating.Easy]["due"] == to_stored(now + timedelta(days=1))
    rows = scheduler.preview(row, now, (1, 0))
    assert rows[Rating.Good]["due"] == to_stored(now + timedelta(days=1))
    assert rows[Rating.Easy]["due"] == to_stored(now + timedelta(days=2))
    assert rows[Rating.Easy]["stability"] == alone[Rating.Easy]["stability"]
    for fuzzed in (FaceScheduler(fuzz=True).preview(in_review(now - timedelta(days=d)), now, (1, 0))
                   for d in range(1, 30)):
        waits = [from_stored(fuzzed[r]["due"]) for r in (Rating.Hard, Rating.Good, Rating.Easy)]
        assert waits[0] < waits[1] < waits[2]


@pytest.mark.parametrize(("local", "next_day_at"), [
    # The evening before clocks go forward: the next day begins at 4 am on today's clock (3:00 UTC), as Anki has it,
    # though 4 am local will be 2:00 UTC by then.
    ("2026-03-28T23:50:00+01:00", "2026-03-29T03:00:00+00:00"),
    ("2026-03-29T01:30:00+01:00", "2026-03-29T03:00:00+00:00"),
    # The evening before they go back.
    ("2026-10-24T23:50:00+02:00", "2026-10-25T02:00:00+00:00"),
    ("2026-06-01T12:00:00+02:00", "2026-06-02T02:00:00+00:00"),
])
def test_the_next_day_begins_at_4_am_on_the_clock_as_it_is_now(monkeypatch, local, next_day_at):
    monkeypatch.setenv("TZ", "QCET-1QCEST,M3.5.0,M10.5.0/3")
    time.tzset()
    try:
        assert anki_next_day_at(datetime.fromisoformat(local)) == datetime.fromisoformat(next_day_at).timestamp()
    finally:
        monkeypatch.undo()
        time.tzset()


def test_times_in_other_zones_are_converted_to_utc(unseen):
    paris = timezone(timedelta(hours=1))
    row = FaceScheduler(fuzz=False).review(unseen, Rating.Good, NOW.astimezone(paris))
    assert row["last_review"].endswith("+00:00")
    assert datetime.fromisoformat(row["last_review"]) == NOW


def test_naive_times_are_refused(unseen):
    with pytest.raises(ValueError, match="naive"):
        FaceScheduler().review(unseen, Rating.Good, datetime(2025, 3, 1, 9, 0))


def test_recall_falls_with_time_since_the_last_review(unseen):
    scheduler = FaceScheduler(fuzz=False)
    row = scheduler.review(unseen, Rating.Easy, NOW)
    last = from_stored(row["last_review"])
    soon = scheduler.recall(row["stability"], last, NOW + timedelta(days=1))
    late = scheduler.recall(row["stability"], last, NOW + timedelta(days=60))
    assert 1.0 >= soon > late > 0.0


@pytest.mark.parametrize(
    "delta, text",
    [
        (timedelta(seconds=20), "1 minute"),
        (timedelta(minutes=10), "10 minutes"),
        (timedelta(hours=1), "1 hour"),
        (timedelta(days=4), "4 days"),
        (timedelta(days=91), "3 months"),
        (timedelta(days=98), "3.2 months"),
        (timedelta(days=104), "3.4 months"),
        (timedelta(days=548), "1.5 years"),
    ],
)
def test_intervals_read_naturally(delta, text):
    assert describe_interval(delta) == text


def test_short_intervals_for_the_rating_line():
    assert describe_interval(timedelta(minutes=10), short=True) == "10 min"
    assert describe_interval(timedelta(days=4), short=True) == "4 days"


def test_settings_come_from_the_config_table_with_defaults(tmp_path):
    store = Store.open(tmp_path / "s.db")
    assert setting_value(store.get_config, "retention") == 0.9
    assert setting_value(store.get_config, "new-limit") == 20
    store.set_config("retention", check_setting("retention", "0.85"))
    assert setting_value(store.get_config, "retention") == 0.85


@pytest.mark.parametrize("key, value", [("retention", "0.5"), ("retention", "high"), ("retention", "1"),
                                        ("new-limit", "-1"), ("new-limit", "ten"), ("speed", "1")])
def test_bad_settings_are_refused_with_a_reason(key, value):
    with pytest.raises(SettingError):
        check_setting(key, value)


def test_state_zero_is_ours_alone():
    assert NEW not in {int(s) for s in State}


@pytest.fixture
def small_db(tmp_path, db_path):
    """A database with one small deck of our own, so the CLI has no bundled deck to add."""
    source = tmp_path / "one.toml"
    source.write_text(
        '[deck]\nslug = "tiny"\nname = "Tiny"\n\n[[cards]]\nid = "one"\nkind = "typed"\nsection = "S"\n'
        'prompt = "What is one plus one, in words?"\nanswer = "two"\n',
        encoding="utf-8",
    )
    importing.import_paths(Store.open(db_path), [source])
    return db_path


@pytest.fixture
def unseen(small_db) -> dict:
    """The schedule row of a face never studied, as the store holds it."""
    store = Store.open(small_db)
    ((pk, face),) = store.new_faces("tiny")
    row = store.quiz_face(pk, face)[1]
    store.close()
    return row


def test_config_lists_settings_with_their_defaults(small_db, run):
    result = run("config")
    assert result.exit_code == 0
    assert "retention = 0.9" in result.output and "new-limit = 20" in result.output


def test_config_json_gives_every_setting_and_each_decks_own_parameters(small_db, run):
    own = [round(value * 1.1, 4) if index == 0 else value for index, value in enumerate(schedule.default_parameters())]
    assert run("config", "parameters", ",".join(map(str, own)), "--deck", "tiny").exit_code == 0
    assert run("config", "retention", "0.85").exit_code == 0
    result = run("config", "--json")
    assert result.exit_code == 0, result.stderr
    shown = json.loads(result.stdout)
    assert (shown["retention"], shown["new-limit"], shown["learn-ahead"]) == (0.85, 20, 20)
    assert shown["parameters"] == schedule.default_parameters()
    assert shown["deck_parameters"] == {"tiny": own}


@pytest.mark.parametrize("args", [("--jsn",), ("--json", "retention"), ("--json", "--deck", "tiny")])
def test_config_refuses_a_mistyped_option_or_json_with_a_setting_named(small_db, run, args):
    result = run("config", *args)
    assert result.exit_code == 2 and result.stderr.strip().splitlines()[-1].startswith("Error: ")


def test_config_sets_and_reads_back_a_setting(small_db, run):
    assert run("config", "retention", "0.85").output.strip() == "retention = 0.85"
    assert run("config", "retention").output.strip() == "0.85"
    assert Store.open(small_db).get_config("retention") == "0.85"


@pytest.mark.parametrize(
    "args, message",
    [
        (("retention", "2"), "Error: retention must be between 0.70 and 0.99 (got 2); 0.9 is a good default"),
        (("pace",), "Error: unknown setting 'pace' (settings: retention, new-limit, learn-ahead, parameters)"),
        (("new-limit", "lots"), "Error: new-limit must be a whole number, not 'lots'"),
        # Anki's own limits.
        (("new-limit", "99999999999999999999999"),
         "Error: new-limit must be from 0 to 9999 new cards a day (got 99999999999999999999999)"),
        (("learn-ahead", "10000000000"), "Error: learn-ahead must be from 0 to 1440 minutes (got 10000000000)"),
        (("learn-ahead", "1441"), "Error: learn-ahead must be from 0 to 1440 minutes (got 1441)"),
        # A value that looks like an option reaches the setting's own check.
        (("new-limit", "-1"), "Error: new-limit cannot be negative: it takes 0 to 9999 new cards a day"),
        (("retention", "-0.5"), "Error: retention must be between 0.70 and 0.99 (got -0.5); 0.9 is a good default"),
        # What was typed is quoted on the one line, its control characters as escapes.
        (("ret\nention", "1"),
         "Error: unknown setting 'ret\\x0aention' (settings: retention, new-limit, learn-ahead, parameters)"),
        (("retention", "0.8\r\n0.9"),
         "Error: retention must be a number between 0.70 and 0.99, not '0.8\\x0d\\x0a0.9'"),
    ],
)
def test_config_refuses_bad_input_in_one_line(small_db, run, args, message):
    result = run("config", *args)
    assert result.exit_code == 1 and result.output.strip() == message
    assert Store.open(small_db).get_config("retention") is None


def test_config_takes_settings_up_to_ankis_limits(small_db, run):
    assert run("config", "new-limit", "9999").output.strip() == "new-limit = 9999"
    assert run("config", "learn-ahead", "1440").output.strip() == "learn-ahead = 1440"


def test_a_stored_setting_beyond_the_limits_is_taken_as_the_limit(small_db, run):
    """As an older version could store it, or a hand in the database: the quiz runs at the limit."""
    store = Store.open(small_db)
    store.set_config("learn-ahead", "10000000000")
    store.set_config("new-limit", "99999999999999999999999")
    store.close()
    listing = run("config").output
    assert "new-limit = 9999" in listing and "learn-ahead = 1440" in listing
    result = run("quiz", "tiny", input="two\n\n")
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    assert Store.open(small_db).review_count(1) == 1


@pytest.mark.parametrize(
    "args, message",
    [
        (("stats", "a\nb"), "Error: no deck 'a\\x0ab' (decks: tiny)"),
        (("optimize", "a\nb"), "Error: no deck 'a\\x0ab' (decks: tiny)"),
        (("config", "--deck", "a\nb", "parameters"), "Error: no deck 'a\\x0ab' (decks: tiny)"),
        (("config", "parameters", "abc\ndef"), "Error: parameters must be 21 numbers, not 'abc\\x0adef'"),
        (("show", "on\te"), "Error: no card 'on\\x09e'"),
        (("stats", "--retention", "text"), "Error: retention must be a number between 0.70 and 0.99, not 'text'"),
        (("stats", "--retention", ""), "Error: retention must be a number between 0.70 and 0.99, not ''"),
        (("stats", "--retention", "-1"),
         "Error: retention must be between 0.70 and 0.99 (got -1); 0.9 is a good default"),
    ],
)
def test_names_and_values_given_are_refused_on_one_line(small_db, run, args, message):
    result = run(*args)
    assert result.exit_code == 1
    assert result.stdout == "" and result.stderr == message + "\n"


@pytest.mark.parametrize("parameters", [None, [*Scheduler().parameters[:20], 0.3]])
def test_recall_is_fsrs_own_retrievability(parameters):
    """Stats sum the forgetting curve over every face without building fsrs cards: the same numbers fsrs gives."""
    scheduler = FaceScheduler(parameters=parameters, fuzz=False)
    now = datetime(2026, 6, 1, 12, tzinfo=UTC)
    for stability, days in [(0.5, 0.2), (3.0, 1.9), (12.5, 30), (200.0, 400)]:
        last = now - timedelta(days=days)
        card = FsrsCard(card_id=0, state=State.Review, stability=stability, last_review=last, due=now)
        expected = scheduler.scheduler.get_card_retrievability(card, now)
        assert scheduler.recall(stability, last, now) == pytest.approx(expected, rel=1e-12)
