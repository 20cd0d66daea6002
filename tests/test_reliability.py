"""Failures that span commands: bad database paths, read-only and full databases, old and future schemas,
and large imports that fail at the last card."""

from __future__ import annotations

import shutil
import sqlite3
import stat
import time

import pytest

from quizgen.cli import cli
from quizgen.core import importing
from quizgen.core.errors import DatabaseError
from quizgen.core.migrations import NAMES
from quizgen.core.store import Store
from tests.conftest import ROOT
from tests.test_quiz_pty import finish, screen_text, spawn

# Arguments that make each command open the database. A new command must be added here (or to NO_DATABASE).
DATABASE_COMMANDS = {
    "decks": ["decks"],
    "cards": ["cards"],
    "show": ["show", "some-card"],
    "unsuspend": ["unsuspend", "some-card"],
    "import": ["import"],
    "quiz": ["quiz", "-n", "1"],
    "stats": ["stats"],
    "export": ["export", "-o", "{tmp}/out.json"],
    "config": ["config", "retention"],
    "optimize": ["optimize"],
    "ingest": ["ingest", "{tmp}/notes.md", "--import"],
    "deck": ["deck", "reset", "some-deck", "--yes"],
}
NO_DATABASE = {"check", "db"}


def test_every_command_is_covered():
    assert set(cli.commands) <= set(DATABASE_COMMANDS) | NO_DATABASE


def command_args(tmp_path):
    (tmp_path / "notes.md").write_text("# Notes\n\n**Heart**: the organ that pumps blood around the body.\n")
    for name, args in DATABASE_COMMANDS.items():
        if name in cli.commands:
            yield name, [a.replace("{tmp}", str(tmp_path)) for a in args]


def bad_databases(tmp_path):
    not_sqlite = tmp_path / "notes.db"
    not_sqlite.write_text("these are notes, not a database\n")
    empty = tmp_path / "empty.db"
    empty.write_bytes(b"")
    return {
        "missing folder": (tmp_path / "nowhere" / "q.db", "does not exist"),
        "not sqlite": (not_sqlite, "not a quizgen database"),
        "zero bytes": (empty, "empty file"),
    }


def test_every_command_refuses_bad_database_paths_in_one_line(tmp_path, run):
    for label, (path, words) in bad_databases(tmp_path).items():
        for name, args in command_args(tmp_path):
            before = path.read_bytes() if path.exists() else None
            result = run("--db", str(path), *args)
            where = f"{name} with {label}"
            assert result.exit_code != 0, where
            assert words in result.stderr, f"{where}: {result.stderr}"
            assert len(result.stderr.strip().splitlines()) == 1, f"{where}: {result.stderr}"
            assert "Traceback" not in result.output, where
            assert (path.read_bytes() if path.exists() else None) == before, where


def test_read_only_database_reads_but_refuses_writes_cleanly(tmp_path, run, db_path):
    assert run("decks").exit_code == 0
    Store.open(db_path).close()
    for suffix in ("", "-wal", "-shm"):
        file = db_path.with_name(db_path.name + suffix)
        if file.exists():
            file.chmod(stat.S_IRUSR | stat.S_IRGRP)
    before = db_path.read_bytes()
    listed = run("decks", "--json")
    assert listed.exit_code == 0 and "stopping-hormone-therapy" in listed.stdout
    deck = tmp_path / "d.toml"
    deck.write_text('slug = "extra"\nname = "Extra"\n')
    result = run("import", str(deck))
    assert result.exit_code == 1
    assert "read-only" in result.stderr and "nothing was written" in result.stderr
    assert "Traceback" not in result.output
    assert db_path.read_bytes() == before


def test_full_database_keeps_nothing_of_a_failed_import(tmp_path, db_path):
    store = Store.open(db_path)
    importing.seed(store)
    count = store.db.execute("SELECT count(*) FROM cards").fetchone()[0]
    pages = store.db.execute("PRAGMA page_count").fetchone()[0]
    store.db.execute(f"PRAGMA max_page_count = {pages + 2}")
    folder = tmp_path / "big"
    folder.mkdir()
    (folder / "deck.toml").write_text('slug = "big"\nname = "Big"\n')
    body = ['deck = "big"\n']
    for i in range(2000):
        body.append(
            f'[[cards]]\nid = "c{i}"\nkind = "flashcard"\nsection = "S"\n'
            f'front = "Front number {i} {"x" * 200}"\nback = "Back {i}"\n'
        )
    (folder / "cards.toml").write_text("\n".join(body))
    with pytest.raises(DatabaseError, match="full"):
        importing.import_paths(store, [folder])
    store.close()
    reopened = Store.open(db_path)
    assert reopened.db.execute("SELECT count(*) FROM cards").fetchone()[0] == count
    assert [d.slug for d in reopened.decks()] == ["stopping-hormone-therapy"]


def test_database_from_the_first_schema_opens_and_upgrades(tmp_path, run):
    path = tmp_path / "old.db"
    shutil.copy(ROOT / "tests" / "fixtures" / "schema-v1.db", path)
    result = run("--db", str(path), "cards", "early", "--json")
    assert result.exit_code == 0, result.output
    assert '"first"' in result.stdout and '"second"' in result.stdout
    conn = sqlite3.connect(path)
    applied = [row[0] for row in conn.execute("SELECT name FROM _sqlite_migrations ORDER BY id")]
    assert applied == NAMES


def test_future_schema_is_refused_and_left_untouched(tmp_path, run):
    path = tmp_path / "future.db"
    shutil.copy(ROOT / "tests" / "fixtures" / "schema-v1.db", path)
    conn = sqlite3.connect(path)
    conn.execute(
        "INSERT INTO _sqlite_migrations (migration_set, name, applied_at) VALUES ('quizgen', 'm900_later', 'x')"
    )
    conn.commit()
    conn.close()
    before = path.read_bytes()
    result = run("--db", str(path), "decks")
    assert result.exit_code == 1
    assert "newer quizgen" in result.stderr
    assert path.read_bytes() == before


def test_ten_thousand_card_import_with_a_bad_last_card_writes_nothing(tmp_path, run, db_path):
    assert run("decks").exit_code == 0
    conn = sqlite3.connect(db_path)
    before = conn.execute("SELECT count(*), (SELECT count(*) FROM decks) FROM cards").fetchone()
    conn.close()
    path = tmp_path / "many.toml"
    cards = [
        f'[[cards]]\nid = "card-{i}"\nkind = "typed"\nsection = "Bulk"\nprompt = "Question {i}?"\nanswer = "A{i}"\n'
        for i in range(9999)
    ]
    cards.append('[[cards]]\nid = "card-last"\nkind = "typed"\nsection = "Bulk"\nprompt = "No answer here"\n')
    path.write_text('deck = { slug = "bulk", name = "Bulk" }\n\n' + "\n".join(cards))
    result = run("import", str(path))
    assert result.exit_code == 1
    assert "card 'card-last' (typed) is missing 'answer'" in result.stderr
    conn = sqlite3.connect(db_path)
    assert conn.execute("SELECT count(*), (SELECT count(*) FROM decks) FROM cards").fetchone() == before


STATEMENTS_DECK = '[deck]\nslug = "facts"\nname = "Quick facts"\ndescription = "True or false, for tests."\n' + "".join(
    f'\n[[cards]]\nid = "fact-{n}"\nkind = "truefalse"\nsection = "Facts"\n'
    f'prompt = "Statement number {n} about rivers."\n'
    f'answer = {"true" if n % 2 else "false"}\nexplanation = "Because."\n'
    for n in range(8)
)


def test_two_quizzes_answering_one_database_at_once_keep_every_answer(tmp_path, db_path):
    source = tmp_path / "facts.toml"
    source.write_text(STATEMENTS_DECK)
    store = Store.open(db_path)
    importing.import_paths(store, [source])
    store.close()

    first, first_log = spawn("--mode", "practice", "-n", "8", "--seed", "1")
    second, second_log = spawn("--mode", "practice", "-n", "8", "--seed", "2")
    blocker = sqlite3.connect(db_path, isolation_level=None)
    for round_number in range(8):
        for child in (first, second):
            child.expect_exact("True or false (t/f) >")
        if round_number == 3:
            # Hold the write lock while both answer, so their commits must wait for it and for each other.
            blocker.execute("BEGIN IMMEDIATE")
        for child in (first, second):
            child.sendline("t")
        if round_number == 3:
            time.sleep(1.0)
            blocker.execute("COMMIT")
        for child in (first, second):
            child.expect_exact("Enter to go on")
            child.sendline("")
    assert finish(first) == 0 and finish(second) == 0
    blocker.close()
    for log in (first_log, second_log):
        text = screen_text(log)
        assert "locked" not in text and "busy" not in text and "Traceback" not in text
        assert "Session over: " in text
    conn = sqlite3.connect(db_path)
    per_session = conn.execute("SELECT session_id, count(*) FROM reviews GROUP BY session_id").fetchall()
    assert [count for _session, count in per_session] == [8, 8]
