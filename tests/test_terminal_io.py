"""Input and output that are not what a terminal gives: answers that are not UTF-8, arguments that are not UTF-8,
piped input that can never be a valid answer, and a standard input or output that is closed, full or a pipe with
no reader. Each ends in one line on stderr (or quietly, for a pipe) and nothing is lost."""

from __future__ import annotations

import io
import os
import subprocess
import sys

import pexpect
import pytest

from tests.test_quiz_pty import query, reviews

QUIZGEN = [sys.executable, "-m", "quizgen"]


def quizgen(*args: str | bytes, stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([*QUIZGEN, *args], input=stdin, capture_output=True, timeout=60)


def in_shell(command: str) -> subprocess.CompletedProcess[str]:
    """``quizgen`` run by sh, for redirections such as ``<&-`` that subprocess cannot spell."""
    return subprocess.run(["sh", "-c", f'"{sys.executable}" -m quizgen {command}'], input="delta\n",
                          capture_output=True, text=True, timeout=60)


def test_an_answer_that_is_not_utf8_is_stored_with_replacement_characters_and_graded(quiz_db):
    result = quizgen("quiz", "--seed", "2", stdin=b"del\xfft\n")
    assert result.returncode == 0, result.stderr.decode()
    assert b"Traceback" not in result.stderr and result.stderr == b""
    # One byte replaced is one typo: the answer is graded, and accepted.
    assert "Right, accepted (typo)." in result.stdout.decode()
    assert "Session over: 1 of 1 right" in result.stdout.decode()
    assert [(r[0], r[4], r[5]) for r in reviews(quiz_db)] == [("delta", 1, "del\ufffdt")]
    assert query(quiz_db, "SELECT answered, ended IS NOT NULL FROM sessions") == [(1, 1)]


def test_typing_bytes_that_are_not_utf8_on_a_terminal_keeps_the_answer(quiz_db):
    env = dict(os.environ, COLUMNS="80", LINES="40", NO_COLOR="1", TERM="xterm")
    child = pexpect.spawn(sys.executable, ["-m", "quizgen", "quiz", "--seed", "2"], env=env, encoding="utf-8",
                          codec_errors="replace", dimensions=(40, 80), timeout=20)
    transcript = io.StringIO()
    child.logfile_read = transcript
    child.expect_exact("Your answer >")
    os.write(child.child_fd, b"del\xfft\r")
    child.expect_exact("Enter to go on, or 1-4 to change the rating >")
    child.sendline("q")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert "Session over: 1 of 1 right" in transcript.getvalue() and "Traceback" not in transcript.getvalue()
    assert [r[5] for r in reviews(quiz_db)] == ["del\ufffdt"]


@pytest.mark.parametrize("args, name", [
    (["cards", "--search", b"\xff"], "--search"),
    (["show", b"\xff"], "CARD_ID"),
    (["stats", b"\xff"], "DECK"),
    (["quiz", b"\xff"], "DECK"),
    (["export", b"\xff", "-o", "x.json"], "DECK"),
    (["quiz", "--section", b"Land\xffforms"], "--section"),
])
def test_an_argument_that_is_not_utf8_is_one_line_and_exit_2(quiz_db, tmp_path, args, name):
    result = subprocess.run([*QUIZGEN, *args], capture_output=True, timeout=60, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.decode() == f"Error: {name} is not valid UTF-8 text\n"
    assert result.stdout == b""
    assert not (tmp_path / "x.json").exists()
    assert query(quiz_db, "SELECT count(*) FROM sessions") == [(0,)]


def test_piped_input_that_is_never_a_valid_answer_ends_the_quiz(quiz_db):
    yes = subprocess.Popen(["yes"], stdout=subprocess.PIPE)
    try:
        result = subprocess.run([*QUIZGEN, "quiz", "--seed", "5"], stdin=yes.stdout, capture_output=True, text=True,
                                timeout=60)
    finally:
        yes.kill()
        yes.wait()
        assert yes.stdout is not None
        yes.stdout.close()
    assert result.returncode == 0, result.stderr
    out = result.stdout
    # "y" is a (wrong) answer to the first question, and never a rating.
    assert out.count("press Enter, or type 1, 2, 3 or 4") == 3
    assert "3 unusable answers in a row from input that is not a terminal; ending the session." in out
    assert "Session over: 0 of 1 right (0%)" in out and "5 not reached" in out
    assert [r[0] for r in reviews(quiz_db)] == ["delta"]
    assert query(quiz_db, "SELECT answered, ended IS NOT NULL FROM sessions") == [(1, 1)]


def test_wrong_answers_on_a_terminal_never_end_the_session(quiz_db):
    env = dict(os.environ, COLUMNS="80", LINES="40", NO_COLOR="1", TERM="xterm")
    child = pexpect.spawn(sys.executable, ["-m", "quizgen", "quiz", "--kind", "truefalse"], env=env,
                          encoding="utf-8", dimensions=(40, 80), timeout=20)
    child.expect_exact("True or false (t/f) >")
    for _ in range(5):
        child.sendline("maybe")
        child.expect_exact("answer t or f")
    child.sendline("f")
    child.expect_exact("Enter to go on")
    child.sendline("")
    # Still being learnt, the card comes back within the learn-ahead limit.
    child.expect_exact("True or false (t/f) >")
    child.sendline("q")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert [r[0] for r in reviews(quiz_db)] == ["salt-lakes"]


@pytest.mark.parametrize("command, message", [
    ("quiz <&-", "Error: the quiz reads answers from standard input, which is closed"),
    ("quiz >&-", "Error: standard output is closed"),
    ("decks >&-", "Error: standard output is closed"),
    ("quiz > /dev/full", "Error: cannot write the output: No space left on device"),
    ("cards > /dev/full", "Error: cannot write the output: No space left on device"),
    ("cards --json > /dev/full", "Error: cannot write the output: No space left on device"),
    ("db path > /dev/full", "Error: cannot write the output: No space left on device"),
])
def test_a_closed_or_full_output_or_input_is_one_line_and_a_failure(quiz_db, command, message):
    result = in_shell(command)
    assert result.returncode == 1
    assert result.stderr == message + "\n"
    assert query(quiz_db, "SELECT count(*) FROM reviews") == [(0,)]


@pytest.mark.parametrize("args", [["cards"], ["cards", "--json"], ["decks"], ["stats"], ["quiz"]])
def test_a_pipe_whose_reader_has_gone_ends_quietly(quiz_db, args):
    read_end, write_end = os.pipe()
    os.close(read_end)  # like `| head` that has already exited: every write fails with EPIPE
    try:
        result = subprocess.run([*QUIZGEN, *args], stdout=write_end, stderr=subprocess.PIPE, input=b"delta\n",
                                timeout=60)
    finally:
        os.close(write_end)
    assert result.stderr == b""
    assert result.returncode == 1


@pytest.mark.parametrize("encoding", ["ascii", "latin-1"])
def test_an_output_that_cannot_encode_a_character_shows_it_escaped(quiz_db, tmp_path, encoding):
    """``PYTHONIOENCODING=ascii`` or a Latin-1 terminal: what it cannot show is escaped, never a traceback."""
    source = tmp_path / "symbols.toml"
    source.write_text('deck = "rivers"\n[[cards]]\nid = "party"\nkind = "typed"\nsection = "Symbols"\n'
                      'prompt = "Which river flows through \u0627\u0644\u0642\u0627\u0647\u0631\u0629 \U0001f389?"\n'
                      'answer = "Nile"\n', encoding="utf-8")
    assert quizgen("import", str(source)).returncode == 0
    env = dict(os.environ, PYTHONIOENCODING=encoding)
    for args in (["stats"], ["show", "party"], ["quiz", "--mode", "practice", "--seed", "1"]):
        result = subprocess.run([*QUIZGEN, *args], input=b"q\n", capture_output=True, timeout=60, env=env)
        assert result.returncode == 0, result.stderr
        assert b"Traceback" not in result.stderr + result.stdout
    shown = subprocess.run([*QUIZGEN, "show", "party"], capture_output=True, timeout=60, env=env).stdout
    assert b"\\U0001f389" in shown and b"\\u0627" in shown
