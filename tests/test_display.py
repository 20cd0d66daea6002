"""Card, deck and file text reaches the terminal as written: never read as Rich markup, and with the characters a
terminal would act on (escape sequences, C1 controls) or hide (bidi overrides, zero-width characters) shown as
escapes. Every command that prints cards is run over tests/fixtures/hostile.toml."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pexpect
import pytest

from quizgen.core import importing
from quizgen.core.store import Store

HOSTILE = Path(__file__).parent / "fixtures" / "hostile.toml"

DECK_NAME = r"Hostile [bold]deck[/] \x1b]0;DECKTITLE\x1b\ "
DECK_NOTE = r"Deck note [link=https://example.com]link[/link] \x1b[2J end"
MARKUP_PROMPT = "What does ${x[/]} print, with [a-z]+ and a[i] in [/path] and [link=https://example.com]here[/link]?"
ESCAPES_PROMPT = r"Title \x1b]0;TITLE\x1b\ clipboard \x1b]52;c;aGk=\x07 clear \x1b[2J csi \x9b31m cr \x0d end?"
BIDI_PROMPT = r"Is \u202eevil\u202c safe, with zero\u200bwidth and \u2066isolated\u2069 text?"
SECTIONS = ["Markup [/] [red]", r"Escapes \x1b[31m", r"Bidi \u202eright"]
# What no output may hold: the escape character, a C1 control sequence introducer, a raw bidi override or zero-width
# space.
RAW = ["\x1b", "\x9b", "\u202e", "\u200b", "\x07"]


def assert_inert(text: str) -> None:
    assert "Traceback" not in text
    for char in RAW:
        assert char not in text, f"{char!r} reached the terminal"


@pytest.fixture
def hostile_db(db_path, monkeypatch) -> Path:
    # Wide enough that no card text wraps, so each appears whole on one line.
    monkeypatch.setenv("COLUMNS", "400")
    store = Store.open(db_path)
    importing.import_paths(store, [HOSTILE])
    store.close()
    return db_path


def quiz_piped(answers: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "quizgen", "quiz", "--seed", "1", *args], input=answers, capture_output=True,
        text=True, timeout=60, env=dict(os.environ, COLUMNS="400"),
    )


def test_cards_lists_hostile_text_as_written(hostile_db, run):
    result = run("cards")
    assert result.exit_code == 0
    for text in [MARKUP_PROMPT, ESCAPES_PROMPT, BIDI_PROMPT, *SECTIONS, "nothing"]:
        assert text in result.stdout
    assert_inert(result.stdout)


def test_cards_search_and_decks_show_text_as_written(hostile_db, run):
    found = run("cards", "--search", "[/path]")
    assert found.exit_code == 0 and MARKUP_PROMPT in found.stdout and "1 card(s)" in found.stderr
    decks = run("decks")
    assert decks.exit_code == 0
    assert DECK_NAME.strip() in decks.stdout
    assert_inert(decks.stdout)


@pytest.mark.parametrize("card, lines", [
    ("markup", [f"prompt: {MARKUP_PROMPT}", "section: Markup [/] [red]", "explanation: Brackets [b]stay[/b]."]),
    ("escapes", [f"prompt: {ESCAPES_PROMPT}", r"  - one \x1b[1m", r"explanation: Escapes \x1b[5m shown."]),
    ("bidi", [f"prompt: {BIDI_PROMPT}", r"section: Bidi \u202eright", r"explanation: Overrides \u202d shown."]),
])
def test_show_prints_every_field_as_written(hostile_db, run, card, lines):
    result = run("show", card)
    assert result.exit_code == 0
    assert result.stdout.startswith(f"hostile/{card}  (")
    for line in lines:
        assert line in result.stdout.splitlines()
    assert_inert(result.stdout)


def test_a_command_echoing_a_hostile_argument_shows_it_as_escapes(hostile_db, run):
    result = run("show", "\x1b]0;TITLE\x1b\\")
    assert result.exit_code == 1
    assert result.stderr.strip() == r"Error: no card '\x1b]0;TITLE\x1b\'"


def test_quiz_shows_questions_feedback_and_summary_as_written(hostile_db):
    # In file order: a typed card, a multiple-choice card, a true/false card; answered wrong each time.
    result = quiz_piped("nope\n\nb\n\nt\n\nq\n")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert_inert(out)
    for text in [DECK_NAME.strip(), DECK_NOTE, MARKUP_PROMPT, BIDI_PROMPT, r"b) one \x1b[1m",
                 "Why: Brackets [b]stay[/b].", r"Why: Escapes \x1b[5m shown.", *(f"Section: {s}" for s in SECTIONS),
                 r"Title \x1b]0;TITLE\x1b\ clipboard \x1b]52;c;aGk=\x07 clear \x1b[2J csi \x9b31m cr \x0d end?"]:
        assert text in out
    summary = out[out.index("Session over"):]
    assert all(section in summary for section in SECTIONS)


def test_quiz_on_a_terminal_sends_no_escape_from_card_text(hostile_db):
    env = dict(os.environ, COLUMNS="200", LINES="60", NO_COLOR="1", TERM="xterm")
    child = pexpect.spawn(sys.executable, ["-m", "quizgen", "quiz", "--seed", "1"], env=env, encoding="utf-8",
                          dimensions=(60, 200), timeout=20)
    transcript = io.StringIO()
    child.logfile_read = transcript
    child.expect_exact("Your answer >")
    child.sendline("nope")
    child.expect_exact("Enter to go on")
    child.sendline("")
    child.expect_exact("Your answer (a letter) >")
    child.sendline("q")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    shown = transcript.getvalue()
    assert "Session over" in shown
    # Rich draws its own styles with escape sequences on a terminal; none of the card's may get through.
    for sequence in ["\x1b]", "\x1b[2J", "\x1b[31m", "\x1b[5m", "\x9b", "\u202e", "\u200b"]:
        assert sequence not in shown


@pytest.fixture
def studied_hostile(hostile_db) -> Path:
    """The hostile deck after a session that got the typed and the true/false card wrong."""
    result = quiz_piped("nope\n\nb\n\nt\n\n")
    assert result.returncode == 0, result.stderr
    return hostile_db


def test_stats_shows_deck_sections_and_prompts_as_written(studied_hostile, run):
    result = run("stats")
    assert result.exit_code == 0
    out = result.stdout
    assert out.splitlines()[0] == DECK_NAME.strip()
    weakest = out[out.index("Weakest sections"):]
    assert "Markup [/] [red]" in weakest and r"Bidi \u202eright" in weakest
    assert "What does ${x[/]} print" in out and r"Is \u202eevil\u202c safe" in out
    assert_inert(out)


def test_check_warns_about_control_characters_in_every_string_field(run):
    result = run("check", str(HOSTILE))
    assert result.exit_code == 0
    warnings = [line for line in result.stdout.splitlines() if "control or invisible characters" in line]
    where = {(line.split(": ")[0].rsplit(":", 1)[1], line.split("in its ")[1].split(" (")[0]) for line in warnings}
    assert where == {
        ("20", "section"), ("20", "prompt"), ("20", "choices"), ("20", "explanation"),
        ("29", "section"), ("29", "prompt"), ("29", "explanation"),
    }
    assert (r"card 'escapes': control or invisible characters in its prompt (\x1b, \x07, \x9b, \x0d); "
            "they print as escapes") in result.stdout
    assert r"(\u202e, \u202c, \u200b, \u2066, \u2069)" in result.stdout
    assert_inert(result.stdout)
    assert "0 error(s), 7 warning(s)" in result.stderr
    assert run("check", "--strict", str(HOSTILE)).exit_code == 1


def test_check_shows_hostile_file_names_and_values_in_errors_as_escapes(tmp_path, run):
    bad = tmp_path / "evil\x1b[2J.toml"
    bad.write_text('[deck]\nslug = "evil"\nname = "Evil"\n\n[[cards]]\nid = "a"\n'
                   'kind = "essay\\u001b]52;c;aGk=\\u0007"\nsection = "S"\nprompt = "P"\n', encoding="utf-8")
    result = run("check", str(bad))
    assert result.exit_code == 1
    assert r"evil\x1b[2J.toml:7: " in result.stdout and r"essay\x1b]52;c;aGk=\x07" in result.stdout
    assert_inert(result.stdout)


@pytest.mark.parametrize("args, key", [(["cards", "--json"], "prompt"), (["show", "bidi", "--json"], "prompt"),
                                       (["decks", "--json"], "name")])
def test_json_output_escapes_hidden_characters_and_keeps_the_data(hostile_db, run, args, key):
    result = run(*args)
    assert result.exit_code == 0
    assert_inert(result.stdout)
    data = json.loads(result.stdout)
    values = {row[key] for row in (data if isinstance(data, list) else [data])}
    assert ("Is \u202eevil\u202c safe, with zero\u200bwidth and \u2066isolated\u2069 text?" in values
            or "Hostile [bold]deck[/] \x1b]0;DECKTITLE\x1b\\" in values)
