"""``quizgen optimize``, deck parameters and the FSRS figures of ``quizgen stats``, checked against Anki itself.

A simulated learner with known FSRS parameters studies on quizgen's schedule for a year; the same reviews go into a
real Anki collection and into a quizgen database, and both optimizers fit them.
"""

from __future__ import annotations

import dataclasses
import json
import os
import random
import shutil
import sqlite3
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import fsrs_rs_python as rs
import pytest
from fsrs import Card as FsrsCard
from fsrs import Rating, Scheduler

from quizgen.core.store import Store
from quizgen.core.time import now
from quizgen.study import optimize, schedule
from quizgen.study.plan import QuizOptions, open_plan
from quizgen.study.schedule import from_fsrs

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

import learner

DECK = learner.DECK
FACES, DAYS = 400, 365


@pytest.fixture(scope="module", autouse=True)
def utc_days():
    """The learner's days in UTC, the same everywhere this runs (Anki and quizgen both read the local zone)."""
    saved = os.environ.get("TZ")
    os.environ["TZ"] = "UTC"
    time.tzset()
    yield
    if saved is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = saved
    time.tzset()


@pytest.fixture(scope="module")
def simulated(tmp_path_factory, utc_days) -> tuple[Path, Path]:
    """A quizgen database and an Anki collection holding the same year of the simulated learner's reviews, ending
    today."""
    folder = tmp_path_factory.mktemp("simulated")
    start = datetime.now().astimezone() - timedelta(days=DAYS)
    histories = learner.simulate(FACES, DAYS, start=start)
    store = Store.open(folder / "quizgen.db")
    learner.write_quizgen(store, folder, histories)
    store.close()
    learner.write_anki(folder / "collection.anki2", histories)
    return folder / "quizgen.db", folder / "collection.anki2"


@pytest.fixture
def studied(simulated, db_path) -> Path:
    """This test's own copy of the simulated learner's quizgen database."""
    shutil.copy(simulated[0], db_path)
    return db_path


def anki(collection: Path):
    from anki.collection import Collection

    return Collection(str(collection))


def report_of(run, *args: str) -> dict:
    result = run("optimize", *args, "--json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_optimize_fits_what_anki_fits_and_anki_scores_it_as_its_own(run, studied, simulated):
    report = report_of(run, DECK)
    col = anki(simulated[1])
    try:
        fitted = col._backend.compute_fsrs_params(
            search="", current_params=[], ignore_revlogs_before_ms=0, num_of_relearning_steps=1, health_check=False
        )
        anki_own = col._backend.evaluate_params_legacy(params=list(fitted.params), search="",
                                                       ignore_revlogs_before_ms=0)
        anki_on_ours = col._backend.evaluate_params_legacy(params=report["fitted"], search="",
                                                           ignore_revlogs_before_ms=0)
        anki_on_defaults = col._backend.evaluate_params_legacy(params=schedule.default_parameters(), search="",
                                                               ignore_revlogs_before_ms=0)
    finally:
        col.close()
    # The same training items as Anki's optimizer builds from its revlog.
    assert report["items"] == fitted.fsrs_items > optimize.MIN_ITEMS
    assert report["reviews"] > 3000
    # Trained as Anki trains (its epochs, a face's items together): the very parameters Anki fits.
    assert report["fitted"] == pytest.approx(list(fitted.params), abs=1e-5)
    assert anki_on_ours.log_loss == pytest.approx(anki_own.log_loss, rel=0.01)
    assert report["fitted_all"]["log_loss"] == pytest.approx(anki_on_ours.log_loss, rel=0.02)
    assert report["fitted_all"]["rmse_bins"] == pytest.approx(anki_on_ours.rmse_bins, rel=0.05)
    # The current parameters, scored while the fit runs, are scored as Anki scores them.
    assert report["current_all"]["log_loss"] == pytest.approx(anki_on_defaults.log_loss, rel=0.02)
    assert report["current_all"]["rmse_bins"] == pytest.approx(anki_on_defaults.rmse_bins, rel=0.05)


def test_fitted_parameters_predict_later_reviews_better_than_the_defaults(run, studied):
    report = report_of(run, DECK)
    assert report["health_check"] is True
    assert report["fitted_future"]["rmse_bins"] < report["current_future"]["rmse_bins"]
    assert report["fitted_all"]["log_loss"] < report["current_all"]["log_loss"]
    # Held out by time: fitted on the first 70% of the items, scored on the rest.
    store = Store.open(studied)
    training = optimize.training_set(store.rating_history(DECK), now())
    store.close()
    items = training.items
    cut = len(items) * 7 // 10
    past = optimize.TrainingSet(items[:cut], training.face_numbers[:cut], 0, 0)
    on_past = optimize.fit(past, schedule.default_parameters(), DECK)
    assert on_past.fitted is not None
    fitted, defaults = optimize.evaluate(on_past.fitted, items[cut:]), optimize.evaluate(
        schedule.default_parameters(), items[cut:])
    assert fitted.log_loss < defaults.log_loss
    assert fitted.rmse_bins < defaults.rmse_bins



@pytest.mark.parametrize("noise", [False, True])
def test_the_health_check_gives_anki_s_verdict(run, db_path, tmp_path, noise):
    """Passed for the simulated learner, failed for the same schedule answered at random, by Anki's check as by
    Anki (``compute_fsrs_params`` with its health check): any fit beats the defaults on noise, so that is no test."""
    start = datetime.now().astimezone() - timedelta(days=DAYS)
    histories = learner.simulate(40, DAYS, seed=1, start=start)
    if noise:
        chance = random.Random(1)
        histories = [[dataclasses.replace(review, rating=chance.choice(list(Rating))) for review in reviews]
                     for reviews in histories]
    store = Store.open(db_path)
    learner.write_quizgen(store, tmp_path, histories)
    store.close()
    learner.write_anki(tmp_path / "collection.anki2", histories)
    report = report_of(run, DECK)
    col = anki(tmp_path / "collection.anki2")
    try:
        theirs = col._backend.compute_fsrs_params(
            search="", current_params=[], ignore_revlogs_before_ms=0, num_of_relearning_steps=1, health_check=True
        )
    finally:
        col.close()
    assert report["items"] == theirs.fsrs_items > optimize.MIN_ITEMS
    assert report["health_check"] is theirs.health_check_passed is (not noise)
    if noise:  # which a fit still predicts better than the defaults do: no sign of a healthy fit
        assert report["fitted_future"]["rmse_bins"] < report["current_future"]["rmse_bins"]


def test_the_report_reads_as_text_and_changes_nothing_without_apply(run, studied):
    before = studied.read_bytes()
    result = run("optimize", DECK)
    assert result.exit_code == 0, result.stderr
    text = result.stdout
    assert "training items" in text and "log loss" in text and "RMSE(bins)" in text
    assert "Health check passed" in text
    assert "Nothing changed: run again with --apply" in text
    assert run("config", "parameters", "--deck", DECK).stdout.strip() == optimize.format_parameters(
        schedule.default_parameters())
    store = Store.open(studied)
    assert store.get_config(f"parameters:{DECK}") is None
    store.close()
    assert len(studied.read_bytes()) == len(before)


def test_apply_stores_the_decks_parameters_and_reschedules_its_faces_in_review(run, studied):
    store = Store.open(studied)
    due_before = {(pk, face): due for pk, face, _s, _st, _d, due, _l in store.face_schedules(DECK)}
    store.close()
    report = report_of(run, DECK, "--apply")
    assert report["applied"] is True and report["rescheduled"] > 100
    shown = run("config", "parameters", "--deck", DECK).stdout.strip()
    assert shown == optimize.format_parameters(report["parameters"])
    assert f"parameters --deck {DECK} = {shown}" in run("config").stdout
    store = Store.open(studied)
    due_after = {(pk, face): due for pk, face, _s, _st, _d, due, _l in store.face_schedules(DECK)}
    plan = open_plan(store, QuizOptions(decks=[DECK]), datetime.now().astimezone(), __import__("random").Random(1))
    store.close()
    assert sum(due_before[key] != due_after[key] for key in due_before) >= report["rescheduled"] // 2
    # The quiz schedules the deck with the parameters it stored.
    deck_scheduler = plan.deck_schedulers[DECK]
    assert list(deck_scheduler.scheduler.parameters) == pytest.approx(report["parameters"], abs=1e-6)


def test_an_apply_that_fails_midway_leaves_neither_parameters_nor_due_dates(run, studied):
    """The parameters and the due dates they give are written together: stored alone, a later fit would find them
    no better than themselves and never reschedule."""
    conn = sqlite3.connect(studied)
    conn.execute("CREATE TRIGGER cut_short BEFORE UPDATE ON schedule BEGIN SELECT RAISE(ABORT, 'disk full'); END")
    conn.commit()
    conn.close()
    before = schedules(studied, DECK)
    result = run("optimize", DECK, "--apply")
    assert result.exit_code != 0 and "disk full" in result.stderr
    assert f"parameters --deck {DECK}" not in run("config").stdout
    assert schedules(studied, DECK) == before
    conn = sqlite3.connect(studied)
    conn.execute("DROP TRIGGER cut_short")
    conn.commit()
    conn.close()
    assert report_of(run, DECK, "--apply")["rescheduled"] > 100


def schedules(path: Path, deck: str) -> list[tuple]:
    store = Store.open(path)
    try:
        return list(store.face_schedules(deck))
    finally:
        store.close()


def test_apply_writes_nothing_when_the_current_parameters_are_kept(run, studied):
    # Every deck's parameters already the very fit: the deck's fit is no better than what it inherits.
    fitted = report_of(run, DECK)["fitted"]
    assert run("config", "parameters", ", ".join(map(str, fitted))).exit_code == 0
    before = schedules(studied, DECK)
    result = run("optimize", DECK, "--apply")
    assert result.exit_code == 0, result.stderr
    assert "Nothing applied: the fit is no better than the current parameters, which are kept." in result.stdout
    assert "Applied" not in result.stdout and "rescheduled" not in result.stdout
    assert f"parameters --deck {DECK}" not in run("config").stdout
    store = Store.open(studied)
    assert store.get_config(f"parameters:{DECK}") is None
    store.close()
    assert schedules(studied, DECK) == before
    # The same for every deck together.
    report = report_of(run, "--apply")
    assert (report["kept"], report["applied"], report["rescheduled"]) == (True, False, 0)
    assert run("config", "parameters").stdout.strip() == optimize.format_parameters(fitted)
    assert schedules(studied, DECK) == before


def other_deck(path: Path, folder: Path) -> None:
    """A second deck of the simulated learner, 60 days of reviews of its own."""
    store = Store.open(path)
    start = datetime.now().astimezone() - timedelta(days=60)
    learner.write_quizgen(store, folder, learner.simulate(40, 60, seed=11, start=start), deck="other")
    store.close()


def test_applying_for_every_deck_reschedules_only_the_decks_without_their_own(run, studied, tmp_path):
    other_deck(studied, tmp_path)
    own = [round(v, 4) for v in learner.TRUE_PARAMETERS]
    assert run("config", "parameters", "--deck", "other", ", ".join(map(str, own))).exit_code == 0
    store = Store.open(studied)
    in_review = len(store.faces_in_review(DECK))
    assert store.faces_in_review("other")
    store.close()
    before = schedules(studied, "other")
    # Fitted to the reviews of the decks the shared parameters schedule, not to those of a deck with its own.
    report = report_of(run)
    store = Store.open(studied)
    assert report["reviews"] == optimize.read_training(store, DECK, now())[1].reviews
    store.close()
    assert report["scope"] == f"Decks without parameters of their own: {DECK}"
    result = run("optimize", "--apply")
    assert result.exit_code == 0, result.stderr
    assert f"Applied: parameters stored; {in_review:,} faces in review rescheduled." in result.stdout
    assert schedules(studied, "other") == before
    assert run("config", "parameters", "--deck", "other").stdout.strip() == optimize.format_parameters(own)


def test_default_for_one_deck_makes_it_follow_every_decks_parameters_again(run, studied, tmp_path):
    other_deck(studied, tmp_path)
    own = [round(v, 4) for v in learner.TRUE_PARAMETERS]
    run("config", "parameters", "--deck", "other", ", ".join(map(str, own)))
    result = run("config", "parameters", "--deck", "other", "default")
    assert result.exit_code == 0, result.stderr
    assert "deck 'other' has no parameters of its own now: it uses every deck's" in result.stderr
    assert result.stdout.strip() == optimize.format_parameters(schedule.default_parameters())
    assert "parameters --deck other" not in run("config").stdout
    # A fit for every deck now reaches it too.
    report = report_of(run, "--apply")
    assert report["applied"] is True
    shown = optimize.format_parameters(report["parameters"])
    assert run("config", "parameters", "--deck", "other").stdout.strip() == shown
    store = Store.open(studied)
    assert report["rescheduled"] == len(store.faces_in_review(DECK)) + len(store.faces_in_review("other"))
    store.close()
    # Without --deck, 'default' is FSRS's own parameters, for every deck without its own.
    assert run("config", "parameters", "default").stdout.strip() == optimize.format_parameters(
        schedule.default_parameters())
    assert run("config", "parameters", "--deck", "other").stdout.strip() == optimize.format_parameters(
        schedule.default_parameters())


def test_too_little_history_is_said_plainly_and_the_defaults_are_kept(run, db_path, tmp_path):
    store = Store.open(db_path)
    start = datetime.now().astimezone() - timedelta(days=40)
    learner.write_quizgen(store, tmp_path, learner.simulate(15, 40, start=start))
    store.close()
    result = run("optimize", "--apply")
    assert result.exit_code == 0, result.stderr
    assert f"Too little history to fit: FSRS needs at least {optimize.MIN_ITEMS} items" in result.stdout
    assert "The current parameters are kept." in result.stdout
    assert run("config", "parameters").stdout.strip() == optimize.format_parameters(schedule.default_parameters())


def test_a_database_without_reviews_has_nothing_to_fit(run, db_path, tmp_path):
    store = Store.open(db_path)
    learner.write_quizgen(store, tmp_path, [[] for _ in range(3)])
    store.close()
    result = run("optimize")
    assert result.exit_code == 1
    assert len(result.stderr.strip().splitlines()) == 1
    assert "nothing to fit: the database has no reviews from review mode yet" in result.stderr


@pytest.mark.parametrize("deck", [None, DECK])
def test_json_of_a_database_without_reviews_is_a_report_of_too_little_to_fit(run, db_path, tmp_path, deck):
    store = Store.open(db_path)
    learner.write_quizgen(store, tmp_path, [[] for _ in range(3)])
    store.close()
    report = report_of(run, *([deck] if deck else []))
    assert (report["reviews"], report["items"], report["enough"], report["fitted"]) == (0, 0, False, None)
    assert report["current"] == schedule.default_parameters()


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("0.2 1.2 2.3", "FSRS takes 21 parameters, got 3"),
        (" ".join(["0.5"] * 20 + ["0.9"]), "parameter w[4] = 0.5 is outside FSRS's bounds 1..10"),
        ("a b c", "parameters must be 21 numbers"),
        # Led by a minus sign, still the parameters, not an option.
        (", ".join(["-inf"] + ["1"] * 20), "parameter w[0] = -inf is outside FSRS's bounds"),
    ],
)
def test_parameters_out_of_fsrs_bounds_are_refused_in_one_line(run, value, message):
    result = run("config", "parameters", value)
    assert result.exit_code != 0
    assert len(result.stderr.strip().splitlines()) == 1
    assert message in result.stderr
    assert run("config", "parameters").stdout.strip() == optimize.format_parameters(schedule.default_parameters())


def test_parameters_are_set_per_deck_beside_retention_and_default_restores_them(run, studied):
    chosen = [round(v, 4) for v in learner.TRUE_PARAMETERS]
    result = run("config", "parameters", "--deck", DECK, ", ".join(map(str, chosen)))
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip() == optimize.format_parameters(chosen)
    # Stored, not applied to the due dates already set: said once, beside the parameters.
    assert result.stderr.startswith("due dates stay as they are: each face's next answer is scheduled with these")
    assert run("config", "parameters", "--deck", DECK).stderr == ""
    listing = run("config").stdout
    assert "retention = 0.9" in listing
    assert f"parameters --deck {DECK} = {optimize.format_parameters(chosen)}" in listing
    assert run("config", "parameters").stdout.strip() == optimize.format_parameters(schedule.default_parameters())
    run("config", "parameters", "--deck", DECK, "default")
    assert run("config", "parameters", "--deck", DECK).stdout.strip() == optimize.format_parameters(
        schedule.default_parameters())
    assert run("config", "retention", "--deck", DECK, "0.8").exit_code != 0
    misused = run("config", "--deck", DECK)
    assert misused.exit_code == 2 and "--deck goes with 'parameters'" in misused.stderr


def test_py_fsrs_and_fsrs_rs_agree_on_memory_and_intervals_for_the_same_parameters():
    parameters = learner.TRUE_PARAMETERS
    scheduler = Scheduler(parameters=tuple(parameters), enable_fuzzing=False)
    model = rs.FSRS(parameters)
    history = learner.simulate(30, 200, seed=3, start=datetime(2025, 3, 1, 9).astimezone())
    checked = 0
    for reviews in history:
        card = FsrsCard(card_id=1, due=reviews[0].at)
        steps: list[rs.FSRSReview] = []
        previous = None
        for review in reviews:
            card, _log = scheduler.review_card(card, review.rating, review.at)
            day = review.at.date()
            steps.append(rs.FSRSReview(int(review.rating), 0 if previous is None else (day - previous).days))
            previous = day
            state = model.memory_state(rs.FSRSItem(steps))
            assert state.stability == pytest.approx(card.stability, rel=1e-3)
            assert state.difficulty == pytest.approx(card.difficulty, rel=1e-3)
            if from_fsrs(card)["state"] == 2:
                waited = (card.due - review.at).days
                assert optimize.interval_days(state.stability, 0.9, parameters) == waited
                assert max(round(model.next_interval(state.stability, 0.9, int(Rating.Good))), 1) == waited
                checked += 1
    assert checked > 100


def test_stats_show_true_retention_and_a_simulated_workload_at_another_retention(run, studied):
    data = json.loads(run("stats", DECK, "--json", "--retention", "0.8").stdout)
    assert data["desired_retention"] == 0.9
    assert 0.5 < data["true_retention_30d"] < 1
    assert sum(band["reviews"] for band in data["true_retention"]) > 50
    current, lower = data["workload"]
    assert (current["retention"], lower["retention"]) == (0.9, 0.8)
    assert len(current["days"]) == 30
    # Lower desired retention: longer intervals, fewer reviews.
    assert 0 < lower["total"] < current["total"]
    text = run("stats", DECK, "--retention", "0.8").stdout
    assert "Retention: desired 90% · true" in text
    assert "Simulated reviews a day, next 30 days, at 90% desired retention: " in text
    assert "at 80% desired retention" in text
    assert "at 85.5% desired retention" in run("stats", DECK, "--retention", "0.855").stdout
    # The retention in use already has its forecast: asked for again, it is not drawn twice.
    assert len(json.loads(run("stats", DECK, "--json", "--retention", "0.9").stdout)["workload"]) == 1
    refused = run("stats", "--retention", "1.5")
    assert refused.exit_code != 0 and "retention must be between 0.70 and 0.99" in refused.stderr


def test_stats_lines_stay_whole_in_80_columns(run, studied):
    data = json.loads(run("stats", DECK, "--json").stdout)
    lines = run("stats", DECK).stdout.splitlines()
    assert max(len(line) for line in lines) <= 80
    for band in data["true_retention"]:
        if band["reviews"]:
            assert any(f"{band['band']} {band['retention']:.0%} of {band['reviews']:,}" in line for line in lines)
    assert any(line.startswith("Simulated reviews a day") and line.endswith("in all") for line in lines)


def test_the_fitted_parameters_print_on_one_line_however_narrow_the_terminal(run, studied):
    lines = run("optimize", DECK).stdout.splitlines()
    fitted = next(line for line in lines if line.startswith("Fitted parameters: "))
    assert len(fitted.removeprefix("Fitted parameters: ").split(", ")) == 21


def test_an_empty_deck_name_is_no_deck_not_every_deck(run, studied):
    for args in (["optimize", "", "--apply"], ["stats", ""], ["config", "parameters", "default", "--deck", ""]):
        result = run(*args)
        assert result.exit_code == 1 and result.stderr.strip() == "Error: no deck '' (decks: simulated)", args
    assert "--deck" not in run("config").stdout


def test_a_fit_for_every_deck_when_each_has_its_own_parameters_says_there_is_nothing_to_fit(run, studied):
    own = [round(v, 4) for v in learner.TRUE_PARAMETERS]
    assert run("config", "parameters", "--deck", DECK, ", ".join(map(str, own))).exit_code == 0
    result = run("optimize")
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "Error: nothing to fit: every deck has parameters of its own (fit one with 'quizgen optimize DECK')"
    )


@pytest.mark.parametrize("deck", [None, DECK])
def test_parameters_damaged_in_the_database_are_named_with_how_to_set_them_again(run, studied, deck):
    store = Store.open(studied)
    store.set_config(schedule.parameters_key(deck), "[0.1, 0.2, 0.3]")
    store.close()
    option = f" --deck {DECK}" if deck else ""
    for command in (["stats", DECK], ["quiz", DECK, "-n", "1"], ["optimize", DECK]):
        result = run(*command)
        assert result.exit_code == 1, command
        whose = f" of deck '{DECK}'" if deck else ""
        assert result.stderr.strip() == (
            f"Error: the FSRS parameters{whose} stored in the database are not valid (FSRS takes 21 parameters, got "
            f"3); 'quizgen config parameters{option} default' sets them again"
        )
    assert run("config", "parameters", *option.split(), "default").exit_code == 0
    assert run("stats", DECK).exit_code == 0


def test_stats_of_every_deck_simulate_each_deck_with_its_own_parameters(run, studied, tmp_path):
    other_deck(studied, tmp_path)

    def workload(*deck: str) -> int:
        return json.loads(run("stats", *deck, "--json").stdout)["workload"][0]["total"]

    with_defaults = workload(DECK)
    own = [round(v, 4) for v in learner.TRUE_PARAMETERS]
    assert run("config", "parameters", "--deck", DECK, ", ".join(map(str, own))).exit_code == 0
    alone = {name: workload(name) for name in (DECK, "other")}
    assert alone[DECK] != with_defaults
    # Every deck together: each deck's part simulated with its parameters, as it is alone.
    assert workload() == sum(alone.values())
