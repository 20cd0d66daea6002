"""Which part of an Anki card's log is its FSRS history, as Anki's own FSRS reads it: answers in a filtered deck
that does not reschedule are previews, not reviews; a card reset to new begins again at its next learning steps;
and a log cut short (answers without the learning steps that began them) is left out of fitting, and starts from the
memory state SM-2's ease and interval stand for.
Built with the real anki library, imported and fitted through the command line."""

from __future__ import annotations

import json
import sqlite3
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import fsrs_rs_python as rs
import pytest
from anki.collection import Collection

from quizgen.core.store import Answer, Store
from quizgen.core.time import day_start, local_day
from quizgen.exchange.anki_in import card_id_base

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

import learner

FACES, DAYS, RESET, CUT, LEFT_NEW = 400, 200, 20, 20, 5


def answer_in_filtered_deck(col: Collection, search: str, reschedule: bool) -> int:
    """Build a filtered deck of the cards ``search`` finds, answer each Good there, and empty it again."""
    deck_id = col.decks.new_filtered("Filtered")
    deck = col.decks.get(deck_id)
    deck["terms"][0][0], deck["terms"][0][1], deck["resched"] = search, 100, reschedule
    col.decks.save(deck)
    col.sched.rebuild_filtered_deck(deck_id)
    col.decks.select(deck_id)
    answered = 0
    while queued := col.sched.get_queued_cards(fetch_limit=1).cards:
        card = col.get_card(queued[0].card.id)
        card.start_timer()
        col.sched.answerCard(card, 3)
        answered += 1
    col.sched.empty_filtered_deck(deck_id)
    return answered


def faces_of(run) -> dict[str, dict]:
    """Each card's one face, by card id, as ``quizgen cards --json`` shows it."""
    result = run("cards", "--json")
    assert result.exit_code == 0, result.stderr
    return {card["id"]: card["faces"][0] for card in json.loads(result.stdout)}


def test_a_preview_in_a_filtered_deck_is_not_a_review(run, tmp_path):
    path = tmp_path / "collection.anki2"
    col = Collection(str(path))
    try:
        col.set_config("fsrs", True)
        model = col.models.by_name("Basic")
        deck_id = col.decks.id("Science")
        assert model is not None and deck_id is not None
        note = col.new_note(model)
        note["Front"], note["Back"] = "What is the boiling point of water at sea level?", "100 degrees Celsius"
        col.add_note(note, deck_id)
        assert answer_in_filtered_deck(col, "deck:Science", reschedule=False) == 1
        guid = note.guid
    finally:
        col.close()

    result = run("import", str(path), "--json")
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["reviews_added"] == 0 and report["events_added"] == 1
    shown = run("show", card_id_base(guid), "--json")
    assert shown.exit_code == 0, shown.stderr
    card = json.loads(shown.stdout)
    assert card["reviews"] == 0 and card["faces"][0]["state"] == "new"


@pytest.fixture(scope="module")
def reset_and_cut(tmp_path_factory) -> tuple[Path, dict[str, int], list[str], list[str], list[str]]:
    """A collection of a simulated learner's year in which some cards were reset to new and answered once since,
    some reset and not answered since, and some have only the last two reviews of their log (the rest deleted, as
    a trimmed collection has it).

    Returns the collection, the rated answers of each card's FSRS history by quizgen card id, and the ids of the
    reset and answered, the cut, and the reset and left new cards."""
    path = tmp_path_factory.mktemp("anki-history") / "collection.anki2"
    start = datetime.now().astimezone() - timedelta(days=DAYS)
    learner.write_anki(path, learner.simulate(FACES, DAYS, start=start))
    col = Collection(str(path))
    try:
        ids = {int(cid): card_id_base(col.get_card(cid).note().guid) for cid in col.find_cards("")}
        reviewed = col.db.list("SELECT cid FROM revlog GROUP BY cid HAVING count(*) >= 4 ORDER BY cid")
        reset, cut = reviewed[:RESET], reviewed[RESET:RESET + CUT]
        left_new = reviewed[RESET + CUT:RESET + CUT + LEFT_NEW]
        col.sched.schedule_cards_as_new(reset + left_new, restore_position=False, reset_counts=True)
        stamp = int(col.db.scalar("SELECT max(id) FROM revlog")) + 1000  # after the resets, logged just now
        for offset, cid in enumerate(reset):
            col.db.execute("INSERT INTO revlog VALUES (?, ?, -1, 3, 1, 0, 2500, 5000, 0)", stamp + offset, cid)
            col.db.execute("UPDATE cards SET type = 2, queue = 2, due = ?, ivl = 1 WHERE id = ?",
                           col.sched.today + 1, cid)
        for cid in cut:
            kept = col.db.list("SELECT id FROM revlog WHERE cid = ? ORDER BY id DESC LIMIT 2", cid)
            col.db.execute(f"DELETE FROM revlog WHERE cid = ? AND id NOT IN ({', '.join(map(str, kept))})", cid)
            col.db.execute("UPDATE revlog SET type = 1 WHERE cid = ?", cid)
        rated = dict(col.db.all("SELECT cid, count(*) FROM revlog WHERE ease BETWEEN 1 AND 4 GROUP BY cid"))
    finally:
        col.close()
    history = {ids[cid]: 0 if cid in cut or cid in left_new else 1 if cid in reset else count
               for cid, count in rated.items()}
    return path, history, [ids[cid] for cid in reset], [ids[cid] for cid in cut], [ids[cid] for cid in left_new]


def test_fitting_takes_each_card_from_its_last_learning_steps_and_leaves_out_a_log_cut_short(run, reset_and_cut):
    path, history, _reset, _cut, _left_new = reset_and_cut
    assert run("import", str(path)).exit_code == 0
    result = run("optimize", "--json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["reviews"] == sum(history.values())


def anki_memory_states(path: Path, card_ids: list[str], parameters: list[float] | None = None) -> dict[str, tuple]:
    """Anki's own FSRS memory state of each of these cards (by quizgen card id) in a copy of the collection at
    ``path`` with FSRS turned on, under ``parameters`` (Anki's defaults if None)."""
    copy = path.with_name(f"anki-{len(card_ids)}-{parameters is not None}.anki2")
    copy.write_bytes(path.read_bytes())
    col = Collection(str(copy))
    try:
        col.set_config("fsrs", True)
        if parameters is not None:
            config = col.decks.config_dict_for_deck_id(col.decks.id("Simulated"))
            config["fsrsParams6"] = parameters
            col.decks.update_config(config)
        anki_ids = {card_id_base(col.get_card(cid).note().guid): cid for cid in col.find_cards("")}
        states = {card_id: col._backend.compute_memory_state(anki_ids[card_id]).state for card_id in card_ids}
    finally:
        col.close()
    return {card_id: (state.stability, state.difficulty) for card_id, state in states.items()}


def test_rescheduling_replays_a_reset_card_from_its_relearning_and_a_cut_one_from_its_sm2_seed(
    run, reset_and_cut, tmp_path
):
    path, _history, reset, cut, _left_new = reset_and_cut
    assert run("import", str(path)).exit_code == 0
    imported = faces_of(run)
    result = run("optimize", "--apply", "--json")
    assert result.exit_code == 0, result.stderr
    parameters = json.loads(result.stdout)["parameters"]
    after = faces_of(run)
    # A reset card answered Good once since: the memory state of that one answer, not of its year before.
    relearnt = rs.FSRS(parameters).memory_state(rs.FSRSItem([rs.FSRSReview(3, 0)]))
    for card_id in reset:
        assert after[card_id]["stability"] == pytest.approx(relearnt.stability, rel=1e-4)
    # A log cut short is left out of the fit, but its memory state follows the new parameters as Anki's does.
    anki = anki_memory_states(path, cut, parameters)
    for card_id in cut:
        assert (after[card_id]["stability"], after[card_id]["difficulty"]) == pytest.approx(anki[card_id], rel=1e-3)
        assert after[card_id]["stability"] != imported[card_id]["stability"]
        assert after[card_id]["last_review"] == imported[card_id]["last_review"]


def test_an_sm2_cards_memory_state_is_the_one_anki_computes_from_its_log(run, reset_and_cut):
    """The simulated collection's cards carry no FSRS memory state, as an SM-2 user's have none: each is worked out
    from the card's log as Anki's FSRS works it out when FSRS is turned on."""
    path, history, reset, cut, left_new = reset_and_cut
    assert run("import", str(path)).exit_code == 0
    faces = faces_of(run)
    whole = sorted(set(history) - {*reset, *cut, *left_new})[:100]
    anki = anki_memory_states(path, whole)
    for card_id in whole:
        assert (faces[card_id]["stability"], faces[card_id]["difficulty"]) == pytest.approx(anki[card_id], rel=1e-3)


def test_a_log_cut_short_starts_from_sm2_as_anki_starts_it(run, reset_and_cut, tmp_path):
    """The simulated collection's cards carry no FSRS memory state, as an SM-2 user's have none: Anki starts such a
    log from the state SM-2's ease and interval at its first answer stand for, and replays the answers after it."""
    path, _history, _reset, cut, _left_new = reset_and_cut
    copy = tmp_path / "sm2.anki2"
    copy.write_bytes(path.read_bytes())
    conn = sqlite3.connect(copy)
    conn.execute("UPDATE cards SET factor = 2300")
    conn.commit()
    conn.close()
    assert run("import", str(copy)).exit_code == 0
    faces = faces_of(run)
    anki = anki_memory_states(copy, cut)
    for card_id in cut:
        assert (faces[card_id]["stability"], faces[card_id]["difficulty"]) == pytest.approx(anki[card_id], rel=1e-3)


def test_a_card_reset_and_not_studied_since_is_new_with_its_old_answers_shown(run, reset_and_cut):
    path, _history, _reset, _cut, left_new = reset_and_cut
    assert run("import", str(path)).exit_code == 0
    shown = run("show", left_new[0]).stdout
    assert "  flashcard: new, not scheduled yet" in shown.splitlines()
    assert "reviews (" in shown and "never reviewed" not in shown


def test_after_a_deck_reset_a_face_cut_short_in_anki_is_fitted_from_its_next_answers(run, reset_and_cut, db_path):
    """Forgotten, the Anki log that kept the face out of fitting is gone: what the learner answers next is its whole
    history."""
    path, _history, _reset, cut, _left_new = reset_and_cut
    assert run("import", str(path)).exit_code == 0
    assert run("deck", "reset", "simulated", "--yes").exit_code == 0
    store = Store.open(db_path)
    try:
        pk = store.card_pks(["simulated"])[("simulated", cut[0])]
        now = datetime.now(UTC)
        learnt = {"state": 2, "step": None, "stability": 3.0, "difficulty": 5.0,
                  "due": (now + timedelta(days=3)).isoformat(), "last_review": now.isoformat()}
        session = store.start_session("simulated", "review", 0, now)
        store.record_answer(session, Answer(pk, 0, now, "review", 3, True, "", 3000, None, learnt))
        assert [(face.card_pk, face.ratings) for face in store.rating_history("simulated")] == [(pk, [3])]
        assert store.seeded_histories("simulated") == []
    finally:
        store.close()


def noon_days_ago(days: float) -> int:
    """Unix ms of noon UTC ``days`` days ago."""
    noon = datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0)
    return int((noon - timedelta(days=days)).timestamp() * 1000)


def logged_card(path: Path, front: str, log: list[tuple[int, int, int, int, int, int]], interval: int, factor: int,
                due_in: int, preset: dict | None = None) -> tuple[int, str]:
    """A collection at ``path`` with one Basic card in the deck Simulated, with this log (Unix ms, ease, interval,
    last interval, ease factor and kind of each entry), in review with this interval and ease factor, due in
    ``due_in`` of Anki's days; ``preset`` sets options of the deck's preset. Returns the card's id and GUID."""
    col = Collection(str(path))
    try:
        deck = col.decks.id("Simulated")
        if preset:
            options = col.decks.config_dict_for_deck_id(deck)
            options.update(preset)
            col.decks.update_config(options)
        note = col.new_note(col.models.by_name("Basic"))
        note["Front"], note["Back"] = front, "answer"
        col.add_note(note, deck)
        cid = note.cards()[0].id
        for stamp, ease, logged_interval, last, logged_factor, kind in log:
            col.db.execute("INSERT INTO revlog VALUES (?, ?, -1, ?, ?, ?, ?, 5000, ?)", stamp, cid, ease,
                           logged_interval, last, logged_factor, kind)
        col.db.execute("UPDATE cards SET type = 2, queue = 2, reps = ?, ivl = ?, factor = ?, due = ? WHERE id = ?",
                       len(log), interval, factor, col.sched.today + due_in, cid)
        return cid, note.guid
    finally:
        col.close()


def memory_states_here_and_in_anki(run, path: Path, cid: int, guid: str) -> tuple[tuple[float, float], tuple]:
    """The card's memory state once imported here, and the one Anki's FSRS computes from its log."""
    assert run("import", str(path)).exit_code == 0
    face = faces_of(run)[card_id_base(guid)]
    col = Collection(str(path))
    try:
        col.set_config("fsrs", True)
        anki = col._backend.compute_memory_state(cid).state
    finally:
        col.close()
    return (face["stability"], face["difficulty"]), (anki.stability, anki.difficulty)


def test_a_card_forgotten_then_reviewed_without_learning_starts_from_its_first_answer_since(run, tmp_path):
    """Learnt, forgotten (reset to new), given a due date and reviewed twice: Anki's FSRS starts it from the ease and
    interval of its first review after the reset, not of its first answer ever."""
    log = [(noon_days_ago(100), 3, -600, 0, 0, 0),  # learning steps
           (noon_days_ago(99), 3, 4, -600, 2500, 0), (noon_days_ago(95), 3, 11, 4, 2500, 1),
           (noon_days_ago(60), 0, 0, 11, 0, 4),  # forgotten: reset to new
           (noon_days_ago(59), 0, 3, 0, 2500, 4),  # a due date set by hand
           (noon_days_ago(56), 3, 8, 3, 1900, 1),  # reviewed, never learnt again
           (noon_days_ago(48), 3, 20, 8, 1900, 1)]
    path = tmp_path / "collection.anki2"
    ours, anki = memory_states_here_and_in_anki(run, path, *logged_card(path, "Capital of Peru?", log, 20, 1900, -28))
    assert ours == pytest.approx(anki, rel=1e-3)


def test_a_log_cut_short_at_a_lapse_starts_from_the_relearnt_answer_as_anki_starts_it(run, tmp_path):
    """A log cut short whose first answer is an Again on a review (a relearning step minutes away) is started from
    the first answer after it that set an interval of a day or more, as Anki's FSRS starts it."""
    log = [(noon_days_ago(30), 1, -600, 10, 2300, 1),  # a lapse: its relearning step is ten minutes away
           (noon_days_ago(29.99), 3, 2, -600, 2300, 2),  # relearnt: two days
           (noon_days_ago(28), 3, 6, 2, 2300, 1), (noon_days_ago(20), 3, 15, 6, 2300, 1)]
    path = tmp_path / "collection.anki2"
    ours, anki = memory_states_here_and_in_anki(run, path, *logged_card(path, "Capital of Bolivia?", log, 15, 2300, 5))
    assert ours == pytest.approx(anki, rel=1e-3)


def test_an_sm2_card_s_memory_state_is_worked_out_under_the_parameters_its_deck_takes(run, tmp_path):
    """FSRS off in Anki but parameters fitted in the deck's preset (fitted once, then SM-2 again): the deck takes
    them, and so does each card's memory state, as Anki's FSRS works it out with them."""
    fitted = [0.3, 1.4, 3.5, 16.0, 7.0, 0.6, 1.7, 0.01, 1.6, 0.15, 1.1, 1.8, 0.1, 0.3, 2.2, 0.25, 2.9, 0.5, 0.4, 0.1,
              0.3]
    log = [(noon_days_ago(days), ease, interval, last, 2500, kind) for days, ease, interval, last, kind in [
        (40, 3, -600, 0, 0), (39.99, 3, 2, -600, 0), (37, 3, 6, 2, 1), (31, 1, -600, 6, 1), (30.99, 3, 3, -600, 2),
        (27, 3, 9, 3, 1)]]
    path = tmp_path / "collection.anki2"
    card = logged_card(path, "Capital of Ecuador?", log, 9, 2500, -18, preset={"fsrsParams6": fitted})
    ours, anki = memory_states_here_and_in_anki(run, path, *card)
    assert ours == pytest.approx(anki, rel=1e-3)
    default = rs.FSRS(list(rs.DEFAULT_PARAMETERS)).memory_state(rs.FSRSItem([
        rs.FSRSReview(3, 0), rs.FSRSReview(3, 0), rs.FSRSReview(3, 3), rs.FSRSReview(1, 6), rs.FSRSReview(3, 0),
        rs.FSRSReview(3, 4)]))
    assert ours[0] != pytest.approx(default.stability, rel=1e-2)


def test_memory_states_count_days_as_anki_does_from_4_am(run, tmp_path):
    """Relearnt at 2 am after a lapse at 11.30 pm, a card has relearnt on the day of its lapse as Anki counts days;
    a log cut short to one review and a due date set by hand starts from that review. Both as Anki computes them."""
    path = tmp_path / "collection.anki2"
    col = Collection(str(path))
    guids, ids = {}, {}
    try:
        today = local_day(datetime.now(UTC))

        def at(days_ago: int, hours: float) -> int:
            return int((day_start(today - timedelta(days=days_ago)) + timedelta(hours=hours)).timestamp() * 1000)

        logs = {
            "late lapse": [(at(60, 12), 3, -600, 0, 0, 0), (at(60, 12.2), 3, 3, -600, 2500, 0),
                           (at(57, 12), 3, 9, 3, 2500, 1), (at(40, 23.5), 1, -600, 9, 2300, 1),
                           (at(39, 2), 3, 2, -600, 2300, 2), (at(30, 12), 3, 6, 2, 2300, 1)],
            "cut, then a due date": [(at(20, 12), 3, 5, 2, 2650, 1), (at(19, 12), 0, 20, 5, 2650, 4)],
        }
        for label, entries in logs.items():
            note = col.new_note(col.models.by_name("Basic"))
            note["Front"], note["Back"] = label, "answer"
            col.add_note(note, col.decks.id("Simulated"))
            guids[label], ids[label] = note.guid, note.cards()[0].id
            for stamp, ease, interval, last, factor, kind in entries:
                col.db.execute("INSERT INTO revlog VALUES (?, ?, -1, ?, ?, ?, ?, 5000, ?)", stamp, ids[label], ease,
                               interval, last, factor, kind)
            col.db.execute("UPDATE cards SET type = 2, queue = 2, ivl = 20, factor = 2500, due = ? WHERE id = ?",
                           col.sched.today + 1, ids[label])
    finally:
        col.close()
    assert run("import", str(path)).exit_code == 0
    faces = faces_of(run)
    col = Collection(str(path))
    try:
        col.set_config("fsrs", True)
        anki = {label: col._backend.compute_memory_state(cid).state for label, cid in ids.items()}
    finally:
        col.close()
    for label, guid in guids.items():
        face = faces[card_id_base(guid)]
        assert (face["stability"], face["difficulty"]) == pytest.approx(
            (anki[label].stability, anki[label].difficulty), rel=1e-3), label


@pytest.fixture
def central_european_clocks(monkeypatch):
    """Central European time, its clocks an hour ahead from late March to late October (a POSIX rule, so no zone
    database is needed)."""
    monkeypatch.setenv("TZ", "QCET-1QCEST,M3.5.0,M10.5.0/3")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_memory_states_count_days_as_anki_does_across_a_clock_change(run, tmp_path, central_european_clocks):
    """Anki counts a log's days in whole days of 24 hours back from its next rollover, so on the far side of a clock
    change its days begin at 3 or 5 am. A relearning step half an hour on the other side of 4 am from that, after a
    lapse late the evening before, is on a different day as Anki counts: the memory state is Anki's all the same."""
    now_offset = datetime.now().astimezone().utcoffset()
    assert now_offset is not None

    def offset(day: date, hours: float) -> timedelta:
        clock = (datetime.combine(day, datetime.min.time()).astimezone() + timedelta(hours=hours)).utcoffset()
        assert clock is not None
        return clock

    # The latest day at least 40 days back whose evening and next morning are both on the other clock.
    today = local_day(datetime.now(UTC))
    lapse_day = next(day for day in (today - timedelta(days=back) for back in range(40, 400))
                     if offset(day, 23.5) != now_offset and offset(day + timedelta(days=1), 4) != now_offset)
    # Clocks ahead of today's: Anki's day there begins at 5 am, so 4.30 is still the lapse's day; behind: at 3 am.
    relearnt_at = 4.5 if offset(lapse_day, 23.5) > now_offset else 3.5

    def at(day_offset: int, hours: float) -> int:
        day = lapse_day + timedelta(days=day_offset)
        moment = datetime.combine(day, datetime.min.time()).astimezone() + timedelta(hours=hours)
        return int(moment.timestamp() * 1000)

    log = [(at(-20, 12), 3, -600, 0, 0, 0), (at(-20, 12.2), 3, 3, -600, 2500, 0),
           (at(-17, 12), 3, 9, 3, 2500, 1), (at(0, 23.5), 1, -600, 9, 2300, 1),
           (at(1, relearnt_at), 3, 2, -600, 2300, 2), (at(10, 12), 3, 6, 2, 2300, 1)]
    path = tmp_path / "collection.anki2"
    ours, anki = memory_states_here_and_in_anki(run, path, *logged_card(path, "Capital of Chile?", log, 6, 2300, 1))
    assert ours == pytest.approx(anki, rel=1e-3)
