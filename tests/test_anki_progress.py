"""An .apkg carries the learner's progress: studied in quizgen, imported into the real Anki with "Import any learning
progress", each studied card keeps its schedule, memory state and review log; new cards stay new."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from anki.collection import Collection, ImportAnkiPackageOptions, ImportAnkiPackageRequest

from quizgen.core.store import Answer
from quizgen.core.time import to_stored
from tests.test_export_anki import FIRST_IMPORT, export_apkg, note_guid, open_store, write_deck

# In file order the deck's first four cards are gas (mcq), proteins (multi), salt (true/false) and done-temp
# (typed). Each answer is followed by a rating that replaces the proposed one: Easy sends a new card straight to
# review, days away; Good and Again keep it in learning, minutes away.
RATED = {"gas": 4, "proteins": 3, "salt": 4, "done-temp": 1}
REVIEW_SESSION = "a\n4\na\n3\nt\n4\nanything\n1\n"


def quizgen(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-m", "quizgen", *args], input=stdin, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return result


def shown(card_id: str) -> dict:
    return json.loads(quizgen("show", f"baking/{card_id}", "--json").stdout)


@pytest.fixture
def studied(tmp_path) -> Path:
    """Our test deck after one review session of four answers and one practice answer."""
    write_deck(tmp_path / "deck")
    quizgen("import", str(tmp_path / "deck"))
    quizgen("quiz", "baking", "-n", "4", "--seed", "1", stdin=REVIEW_SESSION)
    quizgen("quiz", "baking", "--mode", "practice", "-n", "1", "--seed", "1", stdin="a\n\n")
    return tmp_path


def import_into_anki(folder: Path, package: Path, with_scheduling: bool = True) -> Collection:
    (folder / "anki").mkdir()
    col = Collection(str(folder / "anki" / "collection.anki2"))
    col.set_config("fsrs", True)
    options = ImportAnkiPackageOptions(with_scheduling=with_scheduling, merge_notetypes=True)
    col.import_anki_package(ImportAnkiPackageRequest(package_path=str(package), options=options))
    return col


def anki_card(col: Collection, card_id: str):
    note_id = col.db.scalar("SELECT id FROM notes WHERE guid = ?", note_guid(card_id))
    return col.get_note(note_id).cards()[0]


def test_studied_cards_arrive_in_anki_with_their_schedule_memory_and_reviews(studied):
    package = studied / "baking.apkg"
    quizgen("export", "baking", "-o", str(package))
    col = import_into_anki(studied, package)
    try:
        now = datetime.now(UTC)
        for card_id, rating in RATED.items():
            ours = shown(card_id)
            (face,) = ours["schedule"]
            due = datetime.fromisoformat(face["due"])
            theirs = anki_card(col, card_id)
            if rating == 4:
                assert (theirs.type, theirs.queue) == (2, 2), card_id
                ours_in_days = (due.astimezone().date() - now.astimezone().date()).days
                assert abs((theirs.due - col.sched.today) - ours_in_days) <= 1, card_id
            else:
                assert theirs.type in (1, 3) and theirs.queue == 1, card_id
                assert abs(theirs.due - due.timestamp()) <= 60, card_id
            assert theirs.memory_state.stability == pytest.approx(face["stability"], rel=0.01)
            assert theirs.memory_state.difficulty == pytest.approx(face["difficulty"], rel=0.01)
            log = col.db.all("SELECT ease, time FROM revlog WHERE cid = ?", theirs.id)
            assert [ease for ease, _time in log] == [rating], card_id
        # The practice answer moved no schedule, so it is no review of Anki's; unstudied cards stay new.
        assert col.db.scalar("SELECT count(*) FROM revlog") == len(RATED)
        assert anki_card(col, "steam").type == 0 and anki_card(col, "autolyse").type == 0
    finally:
        col.close()


def test_no_progress_exports_every_card_new(studied):
    package = studied / "baking.apkg"
    quizgen("export", "baking", "-o", str(package), "--no-progress")
    col = import_into_anki(studied, package)
    try:
        assert col.db.scalar("SELECT count(*) FROM revlog") == 0
        assert set(col.db.list("SELECT DISTINCT type FROM cards")) == {0}
    finally:
        col.close()



def test_every_review_of_a_history_reaches_anki_as_the_kind_it_was(tmp_path):
    """Learning steps until a face first waits a day, reviews after such a wait, relearning after a lapse; and two
    faces answered in the same millisecond keep a review each."""
    store, _questions = open_store(tmp_path)
    term = store.card("baking/autolyse").pk
    start = FIRST_IMPORT + timedelta(days=1)
    minutes, days = timedelta(minutes=1), timedelta(days=1)
    # (after start, face, rating, wait it led to)
    history = [
        (0 * minutes, 0, 3, 10 * minutes),
        (0 * minutes, 1, 4, 3 * days),
        (10 * minutes, 0, 3, 2 * days),
        (2 * days + 10 * minutes, 0, 1, 10 * minutes),
        (2 * days + 20 * minutes, 0, 3, 1 * days),
    ]
    session = store.start_session("baking", "review", 1, start)
    answers = []
    for offset, face, rating, wait in history:
        at = start + offset
        schedule = {
            "state": 2, "step": None, "stability": wait / days + 1, "difficulty": 5.0, "due": to_stored(at + wait),
            "last_review": to_stored(at),
        }
        answers.append(Answer(term, face, at, "review", rating, rating > 1, "", 2000, None, schedule))
    store.record_answers(session, answers)
    package = export_apkg(store, tmp_path / "baking.apkg", now=start + 3 * days)
    store.close()
    col = import_into_anki(tmp_path, package)
    try:
        note_id = col.db.scalar("SELECT id FROM notes WHERE guid = ?", note_guid("autolyse"))
        to_definition, to_term = sorted(col.get_note(note_id).cards(), key=lambda card: card.ord)
        log = col.db.all("SELECT id, type, ivl, lastIvl FROM revlog WHERE cid = ? ORDER BY id", to_definition.id)
        assert [row[1:] for row in log] == [[0, -600, 0], [0, 2, -600], [1, -600, 2], [2, 1, -600]]
        assert (to_definition.reps, to_definition.lapses) == (4, 1)
        (other,) = col.db.all("SELECT id, type, ivl, lastIvl FROM revlog WHERE cid = ?", to_term.id)
        assert other[1:] == [0, 3, 0]
        assert abs(other[0] - log[0][0]) == 1
    finally:
        col.close()


@pytest.fixture
def before_rollover(monkeypatch):
    """A time zone in which it is now between midnight and 4 am, when Anki's today is still the day before."""
    now = datetime.now(UTC)
    hours_ahead = (2 - now.hour) % 24
    # POSIX zone names count hours west of UTC: "QZT-5" is five hours ahead.
    monkeypatch.setenv("TZ", f"QZT{-hours_ahead if hours_ahead <= 12 else 24 - hours_ahead:+d}")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_a_due_day_reaches_anki_as_the_same_anki_day_before_the_rollover_hour(tmp_path, before_rollover):
    """A face due at the start of an Anki day (as one imported from Anki is) lands on that day, not the one before,
    when the export runs after midnight and before Anki's day begins."""
    now = datetime.now(UTC)
    assert 0 <= now.astimezone().hour < 4
    anki_today = (now - timedelta(hours=4)).astimezone().date()
    due = datetime.combine(anki_today + timedelta(days=5), datetime.min.time()).astimezone() + timedelta(hours=4)
    store, _questions = open_store(tmp_path, now=now - timedelta(days=10))
    pk = store.card("baking/steam").pk
    schedule = {
        "state": 2, "step": None, "stability": 5.0, "difficulty": 5.0, "due": to_stored(due),
        "last_review": to_stored(due - timedelta(days=5)),
    }
    session = store.start_session("baking", "review", 1, now - timedelta(days=1))
    store.record_answers(session, [Answer(pk, 0, due - timedelta(days=5), "review", 4, True, "", 2000, None, schedule)])
    package = export_apkg(store, tmp_path / "baking.apkg", now=now)
    store.close()
    col = import_into_anki(tmp_path, package)
    try:
        card = anki_card(col, "steam")
        assert (card.due - col.sched.today, card.ivl) == (5, 5)
    finally:
        col.close()
