"""The answer line of ``quizgen quiz``: editing it, what the feedback shows beside a typed answer, counting an
answer right ("!", or a new rating), and self-rated cards showing their waits and explanation before the rating.
Through the real quiz in a PTY (pexpect) or with piped input, and the session it drives."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pexpect
import pytest
from fsrs import Rating

from quizgen.core import importing
from quizgen.core.store import Store
from quizgen.study.session import PRACTICE, Entry
from tests.test_quiz_pty import finish, query, reviews, screen_text, spawn
from tests.test_session import ask, make_session, pk_of

DECK_FILE = '''
[deck]
slug = "glands"
name = "Glands"

[[cards]]
id = "below"
kind = "typed"
section = "Glands"
prompt = "Which gland sits below the hypothalamus?"
answer = "pituitary"
explanation = "It hangs from the hypothalamus by a stalk."

[[cards]]
id = "male"
kind = "typed"
section = "Glands"
prompt = "What are the male gonads called?"
answer = "testes"

[[cards]]
id = "gonad"
kind = "glossary"
section = "Terms"
term = "Gonad"
definition = "An organ that makes gametes."
explanation = "The testes or the ovaries."
'''


@pytest.fixture
def glands_db(tmp_path, db_path) -> Path:
    source = tmp_path / "glands.toml"
    source.write_text(DECK_FILE, encoding="utf-8")
    store = Store.open(db_path)
    importing.import_paths(store, [source])
    # These sessions end after their answers: a card still being learnt does not come back in them.
    store.set_config("learn-ahead", "0")
    store.close()
    return db_path


def answer_by_prompt(child: pexpect.spawn, transcript, answers: dict[str, str]) -> str:
    """Answer the typed question on screen with the answer for its prompt text; the prompt answered."""
    child.expect_exact("Your answer >")
    text = screen_text(transcript)
    prompt = max(answers, key=text.rfind)
    child.sendline(answers[prompt])
    return prompt


def piped_quiz(*args: str, stdin: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "quizgen", "quiz", *args], input=stdin, capture_output=True,
                          text=True, timeout=60, env=dict(os.environ, COLUMNS="80"))


# Item 4: the final rating decides right or wrong ----------------------------------------------------------------


def test_rating_a_wrongly_graded_answer_good_counts_it_right_everywhere(glands_db):
    child, transcript = spawn("--kind", "typed", "-n", "1", "--seed", "1")
    child.expect_exact("Your answer >")
    asked = screen_text(transcript)
    synonym = "testicles" if "male gonads" in asked else "hypophysis"
    child.sendline(synonym)
    child.expect_exact("Wrong.")
    child.expect_exact("Enter to go on, or 1-4 to change the rating >")
    child.sendline("3")
    child.expect_exact("Counted as right.")
    child.expect_exact("Rating: Good")
    assert finish(child) == 0
    text = screen_text(transcript)
    assert "Session over: 1 of 1 right (100%)" in text
    assert [(r[3], r[4], r[5]) for r in reviews(glands_db)] == [(3, 1, synonym)]
    assert query(glands_db, "SELECT answered, correct FROM sessions") == [(1, 1)]


def test_the_session_tally_follows_the_final_rating_both_ways():
    session, question = ask("delta")
    assert not session.answer("estuary").correct
    assert session.rate(Rating.Hard).correct and session.summary().correct == 1
    session, question = ask("delta")
    assert session.answer("delta").correct
    changed = session.rate(Rating.Again)
    assert not changed.correct and changed.record().correct is False
    summary = session.summary()
    assert summary.correct == 0 and [o.question for o in summary.missed] == [question]


# Item 6: line editing and history -------------------------------------------------------------------------------

LEFT, UP, CTRL_A, CTRL_E, CTRL_L, BACKSPACE = "\x1b[D", "\x1b[A", "\x01", "\x05", "\x0c", "\x7f"


def test_the_answer_line_can_be_edited_and_recalls_this_sessions_answers(glands_db):
    child, transcript = spawn("--kind", "typed", "--seed", "2")
    child.expect_exact("Your answer >")
    # "testxs", back over the s, delete the x, type e: "testes"; Ctrl-L redraws; Home and End move.
    child.send("testxs" + LEFT + BACKSPACE + "e" + CTRL_L + CTRL_A + CTRL_E + "\r")
    child.expect_exact("Enter to go on, or 1-4 to change the rating >")
    child.sendline("")
    child.expect_exact("Your answer >")
    # Up brings back the answer given above; edited, it is a new answer.
    child.send(UP + BACKSPACE + BACKSPACE + "is\r")
    child.expect_exact("Enter to go on, or 1-4 to change the rating >")
    child.sendline("q")
    assert finish(child) == 0
    assert [r[5] for r in reviews(glands_db)] == ["testes", "testis"]
    text = screen_text(transcript)
    assert "^[[" not in text and "^L" not in text and "Traceback" not in text


def test_piped_answers_are_read_as_before_without_line_editing(glands_db):
    result = piped_quiz("--kind", "typed", "--seed", "2", stdin="testx\x1b[D\n\n")
    assert result.returncode == 0, result.stderr
    assert [r[5] for r in reviews(glands_db)][:1] == ["testx\x1b[D"]
    assert "\x1b[" not in result.stdout.replace("testx\\x1b[D", "")


# Item 7: what was typed, beside the answer ----------------------------------------------------------------------


def test_a_typo_and_a_wrong_answer_are_shown_beside_the_answer_with_the_differences_marked(glands_db):
    child, transcript = spawn("--kind", "typed", "--seed", "2")
    answers = {"below the hypothalamus": "pitutary", "male gonads": "tastis"}
    first = answer_by_prompt(child, transcript, answers)
    child.expect_exact("Enter to go on, or 1-4 to change the rating >")
    child.sendline("")
    answer_by_prompt(child, transcript, {k: v for k, v in answers.items() if k != first})
    child.expect_exact("Enter to go on, or 1-4 to change the rating >")
    child.sendline("q")
    assert finish(child) == 0
    text = screen_text(transcript)
    # NO_COLOR: the differences are bracketed, a letter left out is [-].
    assert "Right, accepted (typo).\nYou typed: pitu[-]tary\nAnswer:    pitu[i]tary" in text
    assert "Wrong.\nYou typed: t[a]st[i]s\nAnswer:    t[e]st[e]s" in text


def test_plain_output_marks_the_differences_in_brackets(glands_db):
    # Both typed cards get the same answer, so whichever comes first, the pituitary one gets its typo.
    result = piped_quiz("--kind", "typed", "--seed", "1", stdin="pitutary\n\npitutary\n\n")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "You typed: pitu[-]tary\nAnswer:    pitu[i]tary" in out
    assert "You typed: pitutary\nAnswer:    testes" in out
    assert "\x1b[" not in out


def test_a_slip_on_an_accepted_spelling_is_marked_on_that_spelling(glands_db, tmp_path):
    """The answer is written "postmenopausal" and "post-menopausal" is accepted: a slip on the second is marked
    on it, with the answer as first written beside."""
    extra = tmp_path / "stages.toml"
    extra.write_text('deck = "glands"\n[[cards]]\nid = "after"\nkind = "typed"\nsection = "Stages"\n'
                     'prompt = "What are women past menopause called, as an adjective?"\nanswer = "postmenopausal"\n'
                     'accept = ["post-menopausal"]\n', encoding="utf-8")
    assert subprocess.run([sys.executable, "-m", "quizgen", "import", str(extra)], capture_output=True).returncode == 0
    result = piped_quiz("--section", "Stages", stdin="post-menopasual\n\n")
    assert result.returncode == 0, result.stderr
    assert "You typed: post-menopa[-]s[u]al\nAnswer:    post-menopa[u]sal\n" in result.stdout
    assert "(the answer as written first: postmenopausal)" in result.stdout


# Item 8: "I was right" ------------------------------------------------------------------------------------------


def test_an_answer_ending_in_an_exclamation_mark_is_counted_right(glands_db):
    child, transcript = spawn("--kind", "typed", "-n", "1", "--seed", "1")
    child.expect_exact("Your answer >")
    child.sendline("a gland!")
    child.expect_exact("Counted as right: you marked your answer with '!'.")
    child.expect_exact("Enter to go on, or 1-4 to change the rating >")
    child.sendline("")
    assert finish(child) == 0
    assert "Session over: 1 of 1 right (100%)" in screen_text(transcript)
    assert [(r[3], r[4], r[5]) for r in reviews(glands_db)] == [(3, 1, "a gland!")]


def test_exclamation_mark_at_the_prompt_after_a_wrong_answer_counts_it_right_in_practice(glands_db):
    child, transcript = spawn("--mode", "practice", "--kind", "typed", "-n", "1", "--seed", "1")
    child.expect_exact("Your answer >")
    child.sendline("a gland")
    child.expect_exact("! if you were right: counts it right (rated Good)")
    child.expect_exact("Enter to go on >")
    child.sendline("!")
    child.expect_exact("Counted as right.")
    assert finish(child) == 0
    assert "Session over: 1 of 1 right (100%)" in screen_text(transcript)
    assert [(r[2], r[4]) for r in reviews(glands_db)] == [("practice", 1)]
    assert query(glands_db, "SELECT answered, correct FROM sessions") == [(1, 1)]


def test_a_claim_mark_alone_is_no_answer():
    session, _question = ask("delta")
    outcome = session.answer("!")
    assert not outcome.correct and outcome.rating == Rating.Again
    session, _question = ask("delta")
    outcome = session.answer("estuary !")
    assert outcome.correct and not outcome.typo and outcome.rating == Rating.Good and outcome.response == "estuary !"


# Item 9: self-rated cards -----------------------------------------------------------------------------------------


def test_a_self_rated_card_shows_its_explanation_and_the_waits_before_it_is_rated(glands_db):
    child, transcript = spawn("--kind", "glossary", "-n", "1", "--seed", "1")
    child.expect_exact("Enter to show the answer >")
    child.sendline("")
    child.expect_exact("Why: The testes or the ovaries.")
    child.expect_exact("1 Again 1 min · 2 Hard 6 min · 3 Good 10 min · 4 Easy")
    child.expect_exact("How well did you know it?")
    child.sendline("3")
    child.expect_exact("Rating: Good, next review in 10 minutes.")
    assert finish(child) == 0
    assert screen_text(transcript).count("Why: The testes or the ovaries.") == 1


def test_waits_before_rating_are_offered_only_when_the_schedule_changes():
    session = make_session(queue=[Entry(pk_of("meander"), 0)])
    session.next_question()
    assert set(session.waits()) == set(Rating)
    practice = make_session(PRACTICE, queue=[Entry(pk_of("meander"), 0)])
    practice.next_question()
    assert practice.waits() == {}
