"""``quizgen quiz`` end to end in a real terminal (pexpect), and with piped input: what the learner sees, and what
is stored after answers, Ctrl-C, Ctrl-D and kill -9."""

from __future__ import annotations

import io
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pexpect
import pytest
from anki.collection import Collection
from fsrs import Rating

from quizgen.core import importing
from quizgen.core.store import Store
from quizgen.exchange.anki_import import import_anki
from quizgen.study.schedule import FaceScheduler
from tests.conftest import RIVERS_DECK_FILE, add_hinted_note_type
from tests.test_session import UNSEEN

ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
PROMPT = r"> "


def midday_zone() -> str:
    """A POSIX time zone where it is now about midday: what a session says of "tomorrow" (a learning step due in
    ten minutes is not) then holds at whatever hour the tests run."""
    offset = 12 - time.gmtime().tm_hour
    return f"QZT{-offset:+d}"  # POSIX counts the offset west of UTC


def spawn(*args: str) -> tuple[pexpect.spawn, io.StringIO]:
    env = dict(os.environ, COLUMNS="80", LINES="40", NO_COLOR="1", TERM="xterm", TZ=midday_zone())
    child = pexpect.spawn(
        sys.executable, ["-m", "quizgen", "quiz", *args], env=env, encoding="utf-8", dimensions=(40, 80), timeout=20
    )
    transcript = io.StringIO()
    child.logfile_read = transcript
    return child, transcript


def screen_text(transcript: io.StringIO) -> str:
    return ANSI.sub("", transcript.getvalue()).replace("\r", "")


def finish(child: pexpect.spawn) -> int:
    child.expect(pexpect.EOF)
    child.close()
    return child.exitstatus


def query(db: Path, sql: str, params=()) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql, params).fetchall()


def reviews(db: Path) -> list[tuple]:
    return query(db, "SELECT c.card_id, r.face, r.mode, r.rating, r.correct, r.response, r.scheduled FROM reviews r "
                     "JOIN cards c ON c.pk = r.card_pk ORDER BY r.id")


def schedule(db: Path) -> list[tuple]:
    return query(db, "SELECT card_pk, face, state, step, stability, difficulty, due, last_review FROM schedule "
                     "ORDER BY card_pk, face")


def letter_of(transcript: io.StringIO, choice: str) -> str:
    return re.findall(rf"([a-z])\) {choice}", screen_text(transcript))[-1]


def test_answering_stores_reviews_and_schedules_and_shows_feedback(quiz_db):
    child, transcript = spawn("--seed", "5")
    child.expect_exact("Your answer >")
    child.sendline("Delta")
    child.expect_exact("Enter to go on, or 1-4 to change the rating >")
    child.sendline("")
    child.expect_exact("True or false (t/f) >")
    child.sendline("t")
    child.expect_exact("Enter to go on, or 1-4 to change the rating >")
    child.sendline("2")
    child.expect_exact("Rating: Hard, next review in 6 minutes.")
    child.expect_exact("Your answer (a letter) >")
    child.sendline(letter_of(transcript, "Nile"))
    child.expect_exact("Enter to go on")
    child.sendline("q")
    assert finish(child) == 0

    text = screen_text(transcript)
    assert "Rivers and Water" in text
    assert "Review: 0 due now, 6 new (of 7 never studied)." in text
    assert "A practice deck written for tests, not a textbook." in text
    assert "Right." in text and "Wrong." in text
    assert "Why: Sediment dropped where the current slows builds a fan." in text
    assert "Section: Landforms" in text
    assert "Rating: Good, next review in 10 minutes." in text
    # The wrong true/false answer rated Hard counts as right: right or wrong follows the final rating.
    assert "Counted as right." in text
    assert "Session over: 3 of 3 right (100%)" in text
    assert re.search(r"Facts\s+2/2\s+100%", text)
    assert "Due tomorrow: 0 · due in the next 7 days: 3" in text
    assert "Traceback" not in text
    assert all(len(line) <= 80 for line in text.splitlines())

    assert reviews(quiz_db) == [
        ("delta", 0, "review", 3, 1, "Delta", 1),
        ("salt-lakes", 0, "review", 2, 1, "t", 1),
        ("longest", 0, "review", 3, 1, letter_of(transcript, "Nile"), 1),
    ]
    states = dict(((pk, face), state) for pk, face, state, *_ in schedule(quiz_db))
    assert states[(1, 0)] == states[(2, 0)] == states[(3, 0)] == 1 and states[(4, 0)] == 0
    assert query(quiz_db, "SELECT answered, correct, ended IS NOT NULL FROM sessions") == [(3, 3, 1)]


class OtherWriter:
    """Another process's connection to the quiz's database, taking its write lock and letting it go."""

    def __init__(self, db: Path):
        self.connection = sqlite3.connect(db, isolation_level=None)

    def hold(self) -> None:
        self.connection.execute("BEGIN IMMEDIATE")

    def let_go(self) -> None:
        if self.connection.in_transaction:
            self.connection.execute("ROLLBACK")


@contextmanager
def other_writer(db: Path) -> Iterator[OtherWriter]:
    writer = OtherWriter(db)
    try:
        yield writer
    finally:
        writer.let_go()
        writer.connection.close()


def test_an_answer_given_while_another_process_holds_the_database_waits_and_is_kept(quiz_db):
    child, transcript = spawn("--seed", "5")
    child.expect_exact("Your answer >")
    with other_writer(quiz_db) as other:
        other.hold()
        child.sendline("Delta")
        child.expect_exact("database busy, retrying...")
        other.let_go()
        child.expect_exact("Enter to go on, or 1-4 to change the rating >")
        # Busy again as the session ends: the summary still comes once the other writer lets go.
        other.hold()
        child.sendline("q")
        child.expect_exact("database busy, retrying...")
    assert finish(child) == 0

    text = screen_text(transcript)
    assert "Right." in text and "Session over: 1 of 1 right (100%)" in text
    assert "Due tomorrow: 0 · due in the next 7 days: 1" in text
    assert "Traceback" not in text and "try again" not in text
    assert reviews(quiz_db) == [("delta", 0, "review", 3, 1, "Delta", 1)]
    assert query(quiz_db, "SELECT answered, correct, ended IS NOT NULL FROM sessions") == [(1, 1, 1)]


def test_ctrl_c_while_an_answer_waits_for_the_database_keeps_it_and_twice_quits_without_it_saying_so(quiz_db):
    child, transcript = spawn("--seed", "5")
    child.expect_exact("Your answer >")
    with other_writer(quiz_db) as other:
        other.hold()
        child.sendline("Delta")
        child.expect_exact("database busy, retrying...")
        child.sendintr()
        child.expect_exact("Not saved yet: still trying (Ctrl-C again to quit without this answer).")
        other.let_go()  # the answer is saved, and the quiz goes on
        child.expect_exact("Enter to go on, or 1-4 to change the rating >")
        child.sendline("")
        child.expect_exact("True or false (t/f) >")
        other.hold()
        child.sendline("t")
        child.expect_exact("database busy, retrying...")
        child.sendintr()
        child.expect_exact("Not saved yet: still trying (Ctrl-C again to quit without this answer).")
        child.sendintr()
        child.expect_exact("This answer was not saved: the database stayed busy.")
        child.expect_exact("Session over")
        assert finish(child) == 0
    text = screen_text(transcript)
    assert "Session over: 1 of 1 right (100%)" in text and "Traceback" not in text
    assert reviews(quiz_db) == [("delta", 0, "review", 3, 1, "Delta", 1)]


@pytest.mark.parametrize("step", ["rating", "undo"])
def test_ctrl_c_while_a_rating_change_or_an_undo_waits_keeps_the_session_as_stored(quiz_db, step):
    """Stopped by Ctrl-C while another process holds the database, a rating change or an undo is not made: the
    quiz says so, and its summary counts what is stored."""
    child, transcript = spawn("--seed", "5")
    child.expect_exact("Your answer >")
    child.sendline("estuary")  # wrong: Again
    child.expect_exact("Enter to go on, or 1-4 to change the rating >")
    with other_writer(quiz_db) as other:
        other.hold()
        child.sendline("!" if step == "rating" else ":u")
        child.expect_exact("database busy, retrying...")
        child.sendintr()
        message = ("The rating change was not saved: the database stayed busy." if step == "rating"
                   else "The answer was not taken back: the database stayed busy.")
        child.expect_exact(message)
        child.expect_exact("Session over")
        finish(child)
    text = screen_text(transcript)
    assert "Session over: 0 of 1 right (0%)" in text and "Traceback" not in text
    assert reviews(quiz_db) == [("delta", 0, "review", 1, 0, "estuary", 1)]
    assert query(quiz_db, "SELECT answered, correct FROM sessions") == [(1, 0)]


def test_two_quizzes_answering_one_face_keep_both_answers_in_its_schedule(quiz_db):
    """A second quiz open on the same card: its answer, given after the first's, is scheduled from the schedule the
    first left, not from the one both were shown, so the first's lapse still counts; and the first taking its answer
    back leaves the second's schedule standing."""
    first, _ = spawn("--seed", "5")
    second, _ = spawn("--seed", "5")
    for child in (first, second):
        child.expect_exact("What is the fan of sediment at a river's mouth called?")
        child.expect_exact("Your answer >")
    first.sendline("estuary")  # wrong: Again
    first.expect_exact("Enter to go on, or 1-4 to change the rating >")
    second.sendline("delta")  # right, proposed Good, rated Easy
    second.expect_exact("Enter to go on, or 1-4 to change the rating >")
    second.sendline("4")
    second.expect_exact("Rating: Easy")
    assert [(rating, correct) for _id, _face, _mode, rating, correct, *_ in reviews(quiz_db)] == [(1, 0), (4, 1)]
    # The first quiz takes its answer back: the second's, given since, keeps its schedule.
    first.sendline(":u")
    first.expect_exact("taken back")
    for child in (first, second):
        child.sendline("q")
        finish(child)
    assert [(rating, correct) for _id, _face, _mode, rating, correct, *_ in reviews(quiz_db)] == [(4, 1)]
    (state, stability, difficulty), = query(
        quiz_db, "SELECT s.state, s.stability, s.difficulty FROM schedule s JOIN cards c ON c.pk = s.card_pk "
                 "WHERE c.card_id = 'delta'")
    # Easy on a card never seen gives FSRS's lowest difficulty; after the first quiz's Again it is well above.
    fresh = FaceScheduler(fuzz=False).review(UNSEEN, Rating.Easy, datetime.now(UTC))
    assert state == 2 and difficulty > fresh["difficulty"] + 1 and stability != fresh["stability"]


def test_two_quizzes_started_together_share_the_days_new_cards(quiz_db, run):
    """Each quiz plans the day's new cards when it starts. Once one has studied the deck's two of the day, the other,
    started at the same time on other cards, finishes the new card it shows but asks no other."""
    run("config", "learn-ahead", "0")  # the card it shows, being learnt, is not asked again in the session
    first, _ = spawn("--seed", "5", "--new-limit", "2", "--kind", "typed")
    second, second_transcript = spawn("--seed", "5", "--new-limit", "2", "--kind", "mcq,truefalse")
    for child in (first, second):
        child.expect_exact("Question 1 of 2")
    for _typed in range(2):
        first.expect_exact("Your answer >")
        first.sendline("delta")
        first.expect_exact("Enter to go on")
        first.sendline("" if _typed == 0 else "q")
    finish(first)
    second.expect_exact("Every lake holds fresh water.")
    second.sendline("f")  # right, so that it does not come back
    second.expect_exact("Enter to go on")
    second.sendline("")
    second.expect_exact("Session over")
    finish(second)
    assert "Question 2 of" not in screen_text(second_transcript)
    started = query(quiz_db, "SELECT count(DISTINCT card_pk || ':' || face) FROM reviews WHERE due_before IS NULL")
    assert started == [(3,)]


def test_a_face_another_quiz_has_studied_since_is_not_asked_before_it_is_due(quiz_db, run):
    """Two quizzes planned with the same new cards: those the first studies are, for the second, cards being learnt,
    asked when due; with no learning ahead, not in this session."""
    run("config", "learn-ahead", "0")
    first, _ = spawn("--seed", "5", "--new-limit", "2")
    second, second_transcript = spawn("--seed", "5", "--new-limit", "2")
    for child in (first, second):
        child.expect_exact("Question 1 of 2 · typed · new")
        child.expect_exact("Your answer >")
    first.sendline("Delta")
    first.expect_exact("Enter to go on")
    first.sendline("")
    first.expect_exact("True or false (t/f) >")
    first.sendline("t")
    first.expect_exact("Enter to go on")
    first.sendline("q")
    finish(first)
    second.sendline("Delta")
    second.expect_exact("Enter to go on")
    second.sendline("")
    second.expect_exact("Session over")
    finish(second)
    assert "True or false" not in screen_text(second_transcript)


def test_a_card_another_quiz_suspends_or_buries_meanwhile_is_not_asked(quiz_db):
    first, _ = spawn("--seed", "5")
    second, second_transcript = spawn("--seed", "5")
    for child in (first, second):
        child.expect_exact("Question 1 of")
        child.expect_exact("Your answer >")
    first.sendline(":b")
    first.expect_exact("Buried rivers/delta until tomorrow.")
    first.expect_exact("True or false (t/f) >")
    first.sendline(":s")
    first.expect_exact("Suspended rivers/salt-lakes")
    first.sendline("q")
    finish(first)
    # The second quiz asks what it shows, then passes over the card suspended since.
    second.sendline("Delta")
    second.expect_exact("Enter to go on")
    second.sendline("")
    second.expect_exact("Question 2 of")
    second.expect_exact(" >")
    second.sendline("q")
    finish(second)
    assert "Every lake holds fresh water." not in screen_text(second_transcript)


def test_an_answer_taken_back_after_another_quiz_answered_since_leaves_that_answer_first(quiz_db):
    """Both quizzes answer the new card; the first takes its answer back. The second's answer, worked out from the
    first's, stands and is now the card's first study (for the day's new cards); the first quiz does not ask the
    card again as new, as its schedule is the second's."""
    first, _ = spawn("--seed", "5")
    second, _ = spawn("--seed", "5")
    for child in (first, second):
        child.expect_exact("Question 1 of")
        child.expect_exact("Your answer >")
    first.sendline("Delta")
    first.expect_exact("Enter to go on")
    second.sendline("Delta")
    second.expect_exact("Enter to go on")
    first.sendline(":u")
    first.expect_exact("another quiz has answered it since")
    first.expect_exact("True or false (t/f) >")
    for child in (first, second):
        child.sendline("q")
        finish(child)
    assert query(quiz_db, "SELECT r.rating, r.due_before IS NULL FROM reviews r JOIN cards c ON c.pk = r.card_pk "
                          "WHERE c.card_id = 'delta'") == [(3, 1)]


def test_answers_to_one_card_from_two_quizzes_both_taken_back_leave_it_new(quiz_db):
    """A self-rated card revealed after another quiz answered it shows the waits of that answer, and says so; when
    both quizzes then take their answers back, the card is new again, as before either."""
    first, _ = spawn("--kind", "glossary")
    second, second_transcript = spawn("--kind", "glossary")
    for child in (first, second):
        child.expect_exact("Enter to show the answer >")
    first.sendline("")
    first.expect_exact("How well did you know it?")
    first.sendline("3")
    first.expect_exact("Rating: Good")
    second.sendline("")
    second.expect_exact("Another quiz has changed this card since it was shown")
    second.expect_exact("How well did you know it?")
    second.sendline("1")
    second.expect_exact("Rating: Again")
    second.expect_exact("Enter to show the answer >")  # missed: asked again
    first.sendline(":u")
    first.expect_exact("another quiz has answered it since")
    second.sendline(":u")
    second.expect_exact("taken back; it is asked again")
    for child in (first, second):
        child.sendline("q")
        finish(child)
    assert "Another quiz has changed this card since it was shown" in screen_text(second_transcript)
    assert reviews(quiz_db) == []
    assert query(quiz_db, "SELECT s.state, s.due FROM schedule s JOIN cards c ON c.pk = s.card_pk "
                          "WHERE c.card_id = 'meander' AND s.face = 0") == [(0, None)]


def test_ctrl_c_mid_question_ends_cleanly_keeping_answers(quiz_db):
    child, transcript = spawn("--seed", "1")
    child.expect_exact("Your answer >")
    child.sendline("delta")
    child.expect_exact("Enter to go on")
    child.sendline("")
    child.expect_exact("True or false (t/f) >")
    child.send("tr")
    # Python's readline drops a SIGINT that lands while it is still handling the keys typed just before (the signal
    # is noted, then select() waits for more input). A person's Ctrl-C comes well after the echo; so does this one.
    child.expect_exact("tr")
    time.sleep(0.2)
    child.sendintr()
    assert finish(child) == 0
    text = screen_text(transcript)
    assert "Session over: 1 of 1 right (100%)" in text and "5 not reached" in text
    assert "Traceback" not in text and "KeyboardInterrupt" not in text
    assert [r[0] for r in reviews(quiz_db)] == ["delta"]


def test_ctrl_d_at_a_prompt_ends_cleanly(quiz_db):
    child, transcript = spawn()
    child.expect_exact("Your answer >")
    child.sendline("delta")
    child.expect_exact("Enter to go on")
    child.sendeof()
    assert finish(child) == 0
    text = screen_text(transcript)
    assert "Session over: 1 of 1 right" in text and "Traceback" not in text
    assert len(reviews(quiz_db)) == 1


def test_kill_9_after_three_answers_leaves_exactly_three_reviews(quiz_db):
    child, transcript = spawn("--seed", "2")
    child.expect_exact("Your answer >")
    child.sendline("delta")
    child.expect_exact("Enter to go on")
    child.sendline("")
    child.expect_exact("True or false (t/f) >")
    child.sendline("f")
    child.expect_exact("Enter to go on")
    child.sendline("")
    child.expect_exact("Your answer (a letter) >")
    child.sendline(letter_of(transcript, "Congo"))
    child.expect_exact("Rating: Again")
    child.kill(signal.SIGKILL)
    child.expect(pexpect.EOF)
    child.close()
    assert child.signalstatus == signal.SIGKILL

    assert [r[0] for r in reviews(quiz_db)] == ["delta", "salt-lakes", "longest"]
    studied = [row for row in schedule(quiz_db) if row[2] > 0]
    assert [(pk, face) for pk, face, *_ in studied] == [(1, 0), (2, 0), (3, 0)]
    assert all(row[6] is not None for row in studied)
    assert query(quiz_db, "SELECT answered, correct, ended FROM sessions") == [(3, 2, None)]


def test_skip_help_and_quit_keys(quiz_db):
    child, transcript = spawn()
    child.expect_exact("Your answer >")
    child.sendline("?")
    child.expect_exact("s skip this card")
    child.expect_exact("Your answer >")
    child.sendline("s")
    child.expect_exact("True or false (t/f) >")
    child.sendline("maybe")
    child.expect_exact("answer t or f")
    child.sendline("f")
    child.expect_exact("Enter to go on")
    child.sendline("")
    child.expect_exact("Your answer (a letter) >")
    child.sendline("q")
    assert finish(child) == 0
    text = screen_text(transcript)
    assert "Session over: 1 of 1 right (100%)" in text and "1 skipped" in text
    assert [r[0] for r in reviews(quiz_db)] == ["salt-lakes"]


def test_glossary_reveals_then_takes_a_self_rating(quiz_db):
    child, transcript = spawn("--kind", "glossary")
    child.expect_exact("Enter to show the answer >")
    child.sendline("h")  # a card without a hint says so, and shows nothing yet
    child.expect_exact("this card has no hint: Enter shows the answer")
    child.expect_exact("Enter to show the answer >")
    assert "A wide bend in a river." not in screen_text(transcript)
    child.sendline("")
    child.expect_exact("A wide bend in a river.")
    child.expect_exact("How well did you know it?")
    child.sendline("5")
    child.expect_exact("type 1, 2, 3 or 4")
    child.sendline("2")
    child.expect_exact("Rating: Hard, next review in")
    # Still being learnt and due within the learn-ahead limit: asked again rather than ending the session.
    child.expect_exact("Question 2 of 2")
    child.expect_exact("Enter to show the answer >")
    child.sendline("q")
    assert finish(child) == 0
    assert reviews(quiz_db) == [("meander", 0, "review", 2, 1, "", 1)]
    assert "Meander" in screen_text(transcript)


def imported_into(db: Path, source: Path) -> None:
    store = Store.open(db)
    try:
        import_anki(store, source)
    finally:
        store.close()


def test_a_cloze_from_anki_is_revealed_and_rated_as_in_anki(db_path, tmp_path):
    source = tmp_path / "collection.anki2"
    col = Collection(str(source))
    note = col.new_note(col.models.by_name("Cloze"))
    note["Text"] = "The {{c1::pituitary gland}} sits below the brain."
    col.add_note(note, col.decks.id("Anatomy"))
    col.close()
    imported_into(db_path, source)

    child, transcript = spawn("anatomy")
    child.expect_exact("The [...] sits below the brain.")
    child.expect_exact("Enter to show the answer >")
    child.sendline("")
    child.expect_exact("pituitary gland")
    child.expect_exact("How well did you know it?")
    child.sendline("3")
    child.expect_exact("Rating: Good")
    child.sendline("q")
    finish(child)
    assert "The pituitary gland sits below the brain." in screen_text(transcript)
    (review,) = reviews(db_path)
    assert review[1:5] == (1, "review", 3, 1)


def test_an_anki_hint_stays_hidden_until_asked_for(db_path, tmp_path):
    source = tmp_path / "collection.anki2"
    col = Collection(str(source))
    add_hinted_note_type(col, "Basic with hint", "Clue")
    note = col.new_note(col.models.by_name("Basic with hint"))
    note["Front"], note["Back"] = "Which river flows through Cairo?", "The Nile"
    note["Clue"] = "Its delta is <b>vast</b><div>and green</div>"
    col.add_note(note, col.decks.id("Rivers"))
    col.close()
    imported_into(db_path, source)

    child, transcript = spawn("rivers")
    child.expect_exact("Which river flows through Cairo?")
    child.expect_exact("Enter to show the answer · h for a hint >")
    child.sendline("h")
    child.expect_exact("Hint: Its delta is vast")
    child.expect_exact("      and green")  # a hint of several lines keeps them under its first
    child.expect_exact("Enter to show the answer · h for a hint >")
    child.sendline("")
    child.expect_exact("The Nile")
    child.expect_exact("How well did you know it?")
    child.sendline("2")
    child.expect_exact("Rating: Hard")
    child.sendline("q")
    finish(child)
    shown = screen_text(transcript)
    # Before it is asked for, neither the hint nor the name of its field is on the screen.
    assert "Clue" not in shown
    assert shown.index("Hint: Its delta is vast") > shown.index("h for a hint")
    (review,) = reviews(db_path)
    assert review[1:5] == (0, "review", 2, 1)


def answer_whatever_is_asked(child: pexpect.spawn) -> int:
    """Give any readable answer to whatever comes until the session ends; how many questions were answered."""
    prompts = {
        "Your answer (a letter) >": "a", "True or false (t/f) >": "t", "Your answer >": "river",
        "Fill the blank >": "evaporation", "How well did you know it?": "3",
        "Enter to show the answer >": "", "Enter to go on": "",
    }
    answers = list(prompts)[:5]
    given = 0
    while (index := child.expect_exact([*prompts, "Session over"])) < len(prompts):
        prompt = list(prompts)[index]
        given += prompt in answers
        child.sendline(prompts[prompt])
    return given


@pytest.fixture
def studied_db(quiz_db) -> Path:
    """Our deck after one review session of four answers, so some faces have due dates."""
    result = subprocess.run(
        [sys.executable, "-m", "quizgen", "quiz", "-n", "4"], input="delta\n\nf\n\na\n\nsource\n\n",
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert len(reviews(quiz_db)) == 4
    return quiz_db


@pytest.mark.parametrize("mode", ["practice", "exam"])
def test_practice_and_exam_leave_every_due_date_unchanged(studied_db, mode):
    before = schedule(studied_db)
    child, transcript = spawn("--mode", mode, "--seed", "9", "-n", "5")
    assert answer_whatever_is_asked(child) == 5
    assert finish(child) == 0
    assert schedule(studied_db) == before
    attempts = [r for r in reviews(studied_db) if r[2] == mode]
    assert len(attempts) == 5 and all(r[6] == 0 for r in attempts)
    text = screen_text(transcript)
    assert "the schedule is left as it is" in text
    assert "Session over: " in text and "Traceback" not in text


def test_exam_gives_no_feedback_until_the_end_then_lists_what_was_missed(quiz_db):
    child, transcript = spawn("--mode", "exam", "--kind", "typed", "--seed", "3")
    for _ in range(2):
        child.expect_exact("Your answer >")
        child.sendline("lake")
    assert finish(child) == 0
    text = screen_text(transcript)
    assert "Wrong." not in text and "Why:" not in text
    assert "Session over: 0 of 2 right (0%)" in text
    assert "Missed:" in text and "answer: delta" in text and "answer: source" in text
    assert re.search(r"Landforms\s+0/2\s+0%", text)


def test_piped_input_without_a_terminal_works(quiz_db):
    result = subprocess.run(
        [sys.executable, "-m", "quizgen", "quiz", "--seed", "4"], input="delta\n\nfalse\n3\n",
        capture_output=True, text=True, timeout=60, env=dict(os.environ, COLUMNS="80"),
    )
    assert result.returncode == 0, result.stderr
    assert "Right." in result.stdout and "Session over: 2 of 2 right (100%)" in result.stdout
    assert "\x1b[" not in result.stdout
    assert result.stderr == ""
    assert [(r[0], r[3]) for r in reviews(quiz_db)] == [("delta", 3), ("salt-lakes", 3)]


def test_nothing_due_says_when_to_come_back(quiz_db):
    subprocess.run([sys.executable, "-m", "quizgen", "quiz", "--new-limit", "1"], input="delta\n4\n",
                   capture_output=True, text=True, timeout=60, check=True)
    result = subprocess.run([sys.executable, "-m", "quizgen", "quiz", "--new-limit", "1"], input="",
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0
    assert "Nothing due now; the next review is in" in result.stdout
    assert "--mode practice" in result.stdout


def test_an_unknown_deck_is_one_line_not_a_traceback(quiz_db):
    result = subprocess.run([sys.executable, "-m", "quizgen", "quiz", "oceans"], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 1
    assert result.stderr.strip() == "Error: no deck 'oceans' (decks: rivers)"


def easy_wait_in_days(retention: str) -> int:
    """The wait offered for Easy on a first answer, after setting the desired retention."""
    subprocess.run([sys.executable, "-m", "quizgen", "config", "retention", retention], check=True,
                   capture_output=True, timeout=60)
    result = subprocess.run([sys.executable, "-m", "quizgen", "quiz", "--kind", "truefalse", "--seed", "1"],
                            input="f\n\n", capture_output=True, text=True, timeout=60)
    return int(re.search(r"4 Easy (\d+) days?", result.stdout)[1])


def test_the_stored_desired_retention_sets_the_intervals_offered(quiz_db, tmp_path, monkeypatch):
    cautious = easy_wait_in_days("0.97")
    other = tmp_path / "second.db"
    store = Store.open(other)
    importing.import_paths(store, [tmp_path / "rivers.toml"])
    store.close()
    monkeypatch.setenv("QUIZGEN_DB", str(other))
    relaxed = easy_wait_in_days("0.75")
    assert relaxed > 3 * cautious


def test_a_spent_daily_new_limit_is_explained(quiz_db):
    result = subprocess.run([sys.executable, "-m", "quizgen", "quiz", "--new-limit", "0"], input="",
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0
    assert "Today's new cards are done (6 more wait): come back tomorrow, or use --new-limit." in result.stdout
    # The glossary card's reverse waits for its front, whatever the limit.
    assert "1 new face waits for another face of the same card to be studied first" in result.stdout


def test_a_filter_matching_nothing_says_so(quiz_db):
    result = subprocess.run([sys.executable, "-m", "quizgen", "quiz", "--section", "Volcanoes"], input="",
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and "Nothing to study: no cards match." in result.stdout


def test_the_quiz_does_not_import_the_anki_writer(quiz_db):
    result = subprocess.run([sys.executable, "-X", "importtime", "-m", "quizgen", "quiz"], input="q\n",
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and "Question 1 of" in result.stdout
    imported = {line.split("|")[-1].strip() for line in result.stderr.splitlines() if line.startswith("import time:")}
    assert "rich.console" in imported and "fsrs" in imported
    assert not {name for name in imported if name.split(".")[0] in ("genanki", "anki")}
    assert "quizgen.exchange.anki_out" not in imported and "quizgen.exchange.export" not in imported


# Faces still being learnt, several decks, new faces held back ----------------------------------------------------


def quiz(*args: str, input: str = "") -> str:
    result = subprocess.run([sys.executable, "-m", "quizgen", *args], input=input, capture_output=True, text=True,
                            timeout=60, env=dict(os.environ, COLUMNS="80"))
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    return result.stdout


def test_cards_being_learnt_come_back_in_the_session_until_they_graduate(quiz_db):
    child, transcript = spawn("--kind", "typed", "--seed", "1")
    for expected in ("Question 1 of 2", "Question 2 of 2", "Question 3 of 3", "Question 4 of 4"):
        child.expect_exact(expected)
        child.expect_exact("Your answer >")
        prompt = child.before
        child.sendline("delta" if "fan of sediment" in prompt else "source")
        child.expect_exact("Enter to go on, or 1-4 to change the rating >")
        child.sendline("")
    child.expect_exact("Session over: 4 of 4 right")
    assert finish(child) == 0
    text = screen_text(transcript)
    assert "still being learnt" not in text
    assert [r[0] for r in reviews(quiz_db)] == ["delta", "source", "delta", "source"]
    assert all(state == 2 for _pk, _face, state, *_ in schedule(quiz_db) if state)


def test_an_answer_that_is_the_skip_or_quit_key_is_taken_as_the_answer(quiz_db, tmp_path):
    """Sulfur's symbol is S: typed at a card whose answer it is, it answers the card instead of skipping it."""
    symbols = tmp_path / "symbols.toml"
    symbols.write_text('deck = "rivers"\n[[cards]]\nid = "sulfur"\nkind = "typed"\nsection = "Symbols"\n'
                       'prompt = "Which letter is the chemical symbol of sulfur?"\nanswer = "S"\n')
    quiz("import", str(symbols))
    text = quiz("quiz", "--section", "Symbols", input="S\n\n")
    assert "Right." in text and "Session over: 1 of 1 right" in text
    assert reviews(quiz_db)[-1][:2] == ("sulfur", 0)
    # Anywhere else s still skips: the next card's answer is not s.
    skipped = quiz("quiz", "--section", "Landforms", input="s\nq\n")
    assert "Session over" in skipped and "Right." not in skipped and "Wrong." not in skipped
    # An accepted answer counts as the answer; a flashcard whose back is q still quits on q.
    more = tmp_path / "more.toml"
    more.write_text('deck = "rivers"\n[[cards]]\nid = "sulfur-name"\nkind = "typed"\nsection = "Names"\n'
                    'prompt = "Which element is yellow and smells of rotten eggs when burnt?"\nanswer = "Sulfur"\n'
                    'accept = ["S"]\n[[cards]]\nid = "letter-q"\nkind = "flashcard"\nsection = "Letters"\n'
                    'front = "Which letter comes after p?"\nback = "q"\n')
    quiz("import", str(more))
    assert "Right." in quiz("quiz", "--section", "Names", input="s\n\n")
    assert "Session over: nothing answered" in quiz("quiz", "--section", "Letters", input="q\n")


def test_beyond_the_learn_ahead_limit_the_session_ends_saying_when_to_come_back(quiz_db):
    quiz("config", "learn-ahead", "5")
    text = quiz("quiz", "--kind", "typed", input="delta\n\nsource\n\n")
    assert "Session over: 2 of 2 right" in text
    assert "Still being learnt: 2 cards, the next due in 10 minutes; come back then." in text
    # Within a learn-ahead limit that reaches them, a session of nothing but them says so as it starts.
    quiz("config", "learn-ahead", "20")
    assert "Review: 0 due now, 0 new (of 0 never studied), 2 still being learnt." in quiz(
        "quiz", "--kind", "typed", input="q\n")


OCEANS_FILE = '''
[deck]
slug = "oceans"
name = "Oceans and Seas"
description = """
The world's salt water.
Written for tests; check an atlas.
"""

[[cards]]
id = "largest"
kind = "typed"
section = "Oceans"
prompt = "Which is the largest ocean?"
answer = "pacific"
'''


@pytest.fixture
def two_decks(quiz_db, tmp_path) -> Path:
    source = tmp_path / "oceans.toml"
    source.write_text(OCEANS_FILE, encoding="utf-8")
    store = Store.open(quiz_db)
    importing.import_paths(store, [source])
    store.close()
    return quiz_db


def test_with_several_decks_the_quiz_studies_them_all_and_each_notice_shows_once(two_decks):
    text = quiz("quiz", "--kind", "typed", input="pacific\n\ndelta\n\nsource\n\n")
    assert "Oceans and Seas · Rivers and Water" in text
    assert "Review: 0 due now, 3 new (of 3 never studied)." in text
    assert text.count("Oceans and Seas: Written for tests; check an atlas.") == 1
    assert text.count("Rivers and Water: A practice deck written for tests, not a textbook.") == 1
    assert "Session over: 3 of 3 right" in text
    assert [r[0] for r in reviews(two_decks)] == ["largest", "delta", "source"]
    assert query(two_decks, "SELECT deck FROM sessions") == [(None,)]

    narrowed = quiz("quiz", "oceans", "--mode", "practice", input="pacific\n\n")
    assert "Oceans and Seas" in narrowed and "Rivers and Water" not in narrowed
    assert "A practice deck" not in narrowed and "Session over: 1 of 1 right" in narrowed
    exam = quiz("quiz", "rivers", "oceans", "--mode", "exam", "--kind", "typed", input="pacific\ndelta\nsource\n")
    assert "Rivers and Water · Oceans and Seas" in exam and "Session over: " in exam
    assert {r[0] for r in reviews(two_decks) if r[2] == "exam"} == {"largest", "delta", "source"}
    assert query(two_decks, "SELECT deck FROM sessions ORDER BY id")[1:] == [("oceans",), (None,)]


def test_a_sibling_held_back_is_told_apart_from_the_new_card_limit(quiz_db):
    quiz("config", "learn-ahead", "0")
    quiz("quiz", "--kind", "glossary", input="\n3\n")
    text = quiz("quiz", "--kind", "glossary")
    assert "Nothing due now; the next review is in 10 minutes." in text
    assert "1 new face waits for another face of the same card to be studied first" in text
    assert "Today's new cards are done" not in text


# Card actions -----------------------------------------------------------------------------------------------------


def test_undo_takes_back_the_answer_and_asks_the_face_again(quiz_db):
    before = schedule(quiz_db)
    child, transcript = spawn("--seed", "5")
    child.expect_exact("Your answer >")
    child.sendline("lake")
    child.expect_exact("Enter to go on, or 1-4 to change the rating >")
    child.sendline(":u")
    child.expect_exact("Answer to rivers/delta taken back; it is asked again.")
    child.expect_exact("Your answer >")
    assert reviews(quiz_db) == [] and schedule(quiz_db) == before
    child.sendline("delta")
    child.expect_exact("Enter to go on, or 1-4 to change the rating >")
    child.sendline("")
    child.expect_exact("True or false (t/f) >")
    # At the next question's prompt, :u takes back the answer before it.
    child.sendline(":u")
    child.expect_exact("taken back")
    child.expect_exact("Your answer >")
    assert reviews(quiz_db) == [] and schedule(quiz_db) == before
    assert query(quiz_db, "SELECT answered, correct FROM sessions") == [(0, 0)]
    child.sendline("delta")
    child.expect_exact("Enter to go on")
    child.sendline("?")
    child.expect_exact(":u undo the last answer")
    child.sendline("q")
    assert finish(child) == 0
    assert reviews(quiz_db) == [("delta", 0, "review", 3, 1, "delta", 1)]
    assert "Session over: 1 of 1 right" in screen_text(transcript)


def test_flag_bury_and_suspend_are_stored_at_once_and_shown(quiz_db, run):
    child, _transcript = spawn("--seed", "5")
    child.expect_exact("Your answer >")
    child.sendline(":f")
    child.expect_exact("Flagged rivers/delta.")
    child.expect_exact("Your answer >")
    child.sendline(":b")
    child.expect_exact("Buried rivers/delta until tomorrow.")
    child.expect_exact("True or false (t/f) >")
    child.sendline(":s")
    child.expect_exact("Suspended rivers/salt-lakes")
    child.expect_exact("Your answer (a letter) >")
    child.kill(signal.SIGKILL)
    child.expect(pexpect.EOF)
    child.close()

    assert query(quiz_db, "SELECT card_id, flagged, suspended IS NOT NULL, buried_until IS NOT NULL FROM cards "
                          "WHERE card_id IN ('delta', 'salt-lakes') ORDER BY card_id") == [
        ("delta", 1, 0, 1), ("salt-lakes", 0, 1, 0)]
    listing = {line.split()[0]: line for line in run("cards").output.splitlines() if line.strip()}
    assert "flagged, buried" in listing["delta"] and "suspended" in listing["salt-lakes"]
    marks = {row["id"]: row["marks"] for row in json.loads(run("cards", "--json").output)}
    assert marks["delta"] == ["flagged", "buried"] and marks["salt-lakes"] == ["suspended"] and marks["source"] == []
    assert "(truefalse, active, suspended)" in run("show", "salt-lakes").output
    assert json.loads(run("show", "delta", "--json").output)["marks"] == ["flagged", "buried"]

    text = quiz("quiz", "--mode", "practice", input="")
    assert "Practice: 5 cards" in text and "Practice: 1 card," in quiz("quiz", "--mode", "practice", "-n", "1",
                                                                      input="q\n")
    assert run("unsuspend", "salt-lakes").output == "rivers/salt-lakes is no longer suspended\n"
    assert run("unsuspend", "salt-lakes").output == "rivers/salt-lakes was not suspended\n"
    assert "Practice: 6 cards" in quiz("quiz", "--mode", "practice", input="")


EDITOR_SCRIPT = """
import pathlib, sys
line, path = sys.argv[1], pathlib.Path(sys.argv[2])
pathlib.Path(sys.argv[0]).with_suffix(".log").write_text(line)
path.write_text(path.read_text().replace("What is the fan of sediment at a river's mouth called?",
                                         "What is the sediment fan at a river mouth called?"))
"""


@pytest.fixture
def editor(tmp_path, monkeypatch) -> Path:
    """$EDITOR: a script that rewords the delta card's prompt, and logs the line it was opened at beside itself."""
    script = tmp_path / "editor.py"
    script.write_text(EDITOR_SCRIPT)
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.setenv("EDITOR", f"{sys.executable} {script}")
    return script


def test_edit_with_an_editor_command_that_is_not_one_says_so_in_a_line_and_the_quiz_goes_on(quiz_db, monkeypatch):
    monkeypatch.setenv("EDITOR", 'vi "unterminated')
    child, transcript = spawn("--seed", "5")
    child.expect_exact("Your answer >")
    child.sendline(":e")
    child.expect_exact('cannot run the editor: vi "unterminated (no closing quotation)')
    child.expect_exact("Your answer >")
    child.sendline("q")
    assert finish(child) == 0
    assert "Traceback" not in screen_text(transcript)


def test_edit_of_a_bundled_card_asks_for_a_fork_and_leaves_the_bundled_files_alone(db_path, editor):
    """The bundled deck's files are quizgen's (an upgrade replaces them): ``:e`` points to ``deck fork``."""
    child, transcript = spawn("--seed", "5", "--mode", "practice")
    child.expect(r"Question 1 of \d+")
    child.expect_exact(">")
    child.sendline(":e")
    child.expect_exact("then ':e' edits your copy.")
    child.sendline("q")
    finish(child)
    assert not editor.with_suffix(".log").exists()
    words = " ".join(screen_text(transcript).split())
    assert ("is a card of the bundled deck: to edit it, fork the deck first ('quizgen deck fork "
            "stopping-hormone-therapy DIR/')") in words
    assert "Traceback" not in words


def test_edit_opens_a_json_question_file_at_the_card_too(quiz_db, tmp_path, editor):
    """A deck kept in JSON (an export taken over as its question file) is edited the same way."""
    deck = tmp_path / "rivers.json"
    exported = subprocess.run([sys.executable, "-m", "quizgen", "export", "rivers", "-o", str(deck)],
                              capture_output=True, text=True)
    assert exported.returncode == 0, exported.stderr
    (tmp_path / "rivers.toml").unlink()
    assert subprocess.run([sys.executable, "-m", "quizgen", "import", str(deck)], capture_output=True).returncode == 0
    child, _transcript = spawn("--seed", "5")
    child.expect_exact("Your answer >")
    child.sendline(":e")
    child.expect_exact("re-imported")
    child.expect_exact("What is the sediment fan at a river mouth called?")
    child.sendline("q")
    assert finish(child) == 0
    (origin_line,) = query(quiz_db, "SELECT origin_line FROM cards WHERE card_id = 'delta'")[0]
    assert editor.with_suffix(".log").read_text() == f"+{origin_line}"
    assert '"id": "delta"' in "\n".join(deck.read_text().splitlines()[origin_line - 1 : origin_line + 2])


def test_edit_opens_the_question_file_at_the_card_and_asks_the_card_as_edited(quiz_db, tmp_path, editor):
    child, transcript = spawn("--seed", "5")
    child.expect_exact("Your answer >")
    child.sendline(":e")
    child.expect_exact("re-imported")
    child.expect_exact("What is the sediment fan at a river mouth called?")
    child.expect_exact("Your answer >")
    child.sendline("delta")
    child.expect_exact("Enter to go on")
    (tmp_path / "rivers.toml").unlink()
    child.sendline(":e")
    child.expect_exact("rivers/delta has no question file to edit")
    child.sendline("q")
    assert finish(child) == 0

    (origin_line,) = query(quiz_db, "SELECT origin_line FROM cards WHERE card_id = 'delta'")[0]
    assert editor.with_suffix(".log").read_text() == f"+{origin_line}"
    assert 'id = "delta"' in "\n".join(RIVERS_DECK_FILE.splitlines()[origin_line - 1 : origin_line + 1])
    assert reviews(quiz_db) == [("delta", 0, "review", 3, 1, "delta", 1)]
    assert query(quiz_db, "SELECT count(*) FROM cards WHERE data LIKE '%sediment fan%'") == [(1,)]
    assert "Traceback" not in screen_text(transcript)
