"""The database file itself: where it lives, who may read it, two commands creating it at once, a read-only
filesystem, and damage."""

from __future__ import annotations

import os
import shutil
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from quizgen.core import migrations
from tests.test_reliability import command_args


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_database_and_its_folder_are_the_users_alone(run, monkeypatch, isolated_home, tmp_path):
    monkeypatch.delenv("QUIZGEN_DB")
    assert run("decks").exit_code == 0
    default = isolated_home / ".local" / "share" / "quizgen" / "quizgen.db"
    assert mode(default) == 0o600
    assert mode(default.parent) == 0o700
    chosen = tmp_path / "chosen.db"
    assert run("--db", str(chosen), "decks").exit_code == 0
    assert mode(chosen) == 0o600


def test_two_commands_creating_the_database_at_once_both_succeed(tmp_path):
    env = {**os.environ, "PYTHONPATH": os.environ.get("PYTHONPATH", str(Path(__file__).parent.parent))}
    for trial in range(6):
        path = tmp_path / f"fresh-{trial}.db"
        children = [
            subprocess.Popen([sys.executable, "-m", "quizgen", "--db", str(path), "decks"], env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for _ in range(2)
        ]
        for child in children:
            out, err = child.communicate(timeout=120)
            assert child.returncode == 0, f"trial {trial}: {err}"
            assert "stopping-hormone-therapy" in out
        conn_check = subprocess.run([sys.executable, "-m", "quizgen", "--db", str(path), "cards", "--json"],
                                    env=env, capture_output=True, text=True)
        assert conn_check.returncode == 0 and conn_check.stdout.count('"id"') > 0
    assert not list(tmp_path.glob(".*.new*")), "no half-made database is left behind"


def read_only_mount_works(folder: Path) -> bool:
    if shutil.which("unshare") is None:
        return False
    script = f"mount -o bind,ro '{folder}' '{folder}' && ! touch '{folder}/probe'"
    return subprocess.run(["unshare", "-m", "sh", "-c", script], capture_output=True).returncode == 0


def test_on_a_read_only_filesystem_reads_work_and_writes_say_why_not(run, tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    path = folder / "quizgen.db"
    assert run("--db", str(path), "decks").exit_code == 0
    if not read_only_mount_works(folder):
        pytest.skip("needs a read-only bind mount (root in a mount namespace: unshare -m, mount -o bind,ro)")
    # A database whose schema lacks a migration of this quizgen (as one from an older quizgen would).
    older = folder / "older.db"
    shutil.copy(path, older)
    conn = sqlite3.connect(older)
    conn.execute("DELETE FROM _sqlite_migrations")
    conn.commit()
    conn.close()
    out = tmp_path / "out"
    out.mkdir()
    before = path.read_bytes()

    def quizgen(*args: str, db: Path = path) -> subprocess.CompletedProcess:
        command = " ".join(f"'{a}'" for a in (sys.executable, "-m", "quizgen", "--db", str(db), *args))
        # A real read-only filesystem: the folder bind-mounted read-only in a private mount namespace.
        return subprocess.run(["unshare", "-m", "sh", "-c", f"mount -o bind,ro '{folder}' '{folder}' && {command}"],
                              capture_output=True, text=True)

    for args in (["decks"], ["stats"], ["cards"], ["export", "-o", str(out / "cards.csv")]):
        result = quizgen(*args)
        assert result.returncode == 0, f"{args}: {result.stderr}"
    assert "stopping-hormone-therapy" in quizgen("decks").stdout
    assert (out / "cards.csv").read_text().count("\n") > 10
    for args in (["config", "retention", "0.85"], ["import"]):
        result = quizgen(*args)
        assert result.returncode == 1, args
        assert "the filesystem is read-only" in result.stderr and "nothing was written" in result.stderr, result.stderr
        assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    assert path.read_bytes() == before
    refused = quizgen("decks", db=older)
    assert refused.returncode == 1
    assert "needs upgrading by this quizgen, and cannot be written (the filesystem is read-only)" in refused.stderr


def test_upgrading_a_long_history_says_so_first_and_only_once(run, tmp_path):
    """A schema upgrade rewrites every review; with a long history that takes a while, so it is announced."""

    def older_schema(path: Path, reviews: int) -> None:
        # As an older quizgen left it: the last migration not applied (it makes what is not there yet, so may rerun).
        conn = sqlite3.connect(path)
        pk = conn.execute("SELECT min(pk) FROM cards").fetchone()[0]
        conn.executemany(
            "INSERT INTO reviews (card_pk, face, reviewed_at, mode, rating, correct, scheduled) "
            "VALUES (?, 0, ?, 'review', 3, 1, 0)",
            [(pk, f"2026-01-01T00:00:00.{n:06d}+00:00") for n in range(reviews)],
        )
        conn.execute("DELETE FROM _sqlite_migrations WHERE name = ?", [migrations.NAMES[-1]])
        conn.commit()
        conn.close()

    long_history, short_history = tmp_path / "long.db", tmp_path / "short.db"
    for path, reviews in ((long_history, 120_000), (short_history, 50)):
        assert run("--db", str(path), "decks").exit_code == 0
        older_schema(path, reviews)
    first = run("--db", str(long_history), "decks")
    assert first.exit_code == 0 and "stopping-hormone-therapy" in first.stdout
    assert first.stderr.strip() == (
        "quizgen: upgrading the database for this version (120,000 reviews); this is done once and may take a while"
    )
    assert run("--db", str(long_history), "decks").stderr == ""
    assert run("--db", str(short_history), "decks").stderr == ""


def test_a_damaged_database_is_named_so_and_left_as_it_is(run, tmp_path, db_path):
    assert run("decks").exit_code == 0
    data = bytearray(db_path.read_bytes())
    page = 4096
    pages = len(data) // page
    assert pages >= 8
    for number in range(pages // 2 - 1, pages // 2 + 2):
        data[number * page : (number + 1) * page] = bytes([0xA5]) * page
    db_path.write_bytes(bytes(data))
    for name, args in command_args(tmp_path):
        result = run(*args)
        assert result.exit_code == 1, name
        assert "is damaged" in result.stderr, f"{name}: {result.stderr}"
        assert f"sqlite3 {db_path} .recover" in result.stderr
        assert "not a quizgen database" not in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1, f"{name}: {result.stderr}"
        assert db_path.read_bytes() == bytes(data), name


def test_the_database_lives_in_the_user_data_folder(run, monkeypatch, isolated_home, tmp_path):
    monkeypatch.delenv("QUIZGEN_DB")
    data_home = tmp_path / "data"
    monkeypatch.setenv("XDG_DATA_HOME", str(data_home))
    assert run("db", "path").stdout.strip() == str(data_home / "quizgen" / "quizgen.db")
    # An empty XDG_CONFIG_HOME (or XDG_DATA_HOME) does not put it in the working folder.
    monkeypatch.setenv("XDG_CONFIG_HOME", "")
    monkeypatch.setenv("XDG_DATA_HOME", "")
    monkeypatch.chdir(tmp_path)
    assert run("db", "path").stdout.strip() == str(isolated_home / ".local" / "share" / "quizgen" / "quizgen.db")


def test_a_database_at_the_old_place_is_moved_on_first_use(run, monkeypatch, isolated_home):
    old = isolated_home / ".config" / "quizgen" / "quizgen.db"
    old.parent.mkdir(parents=True)
    assert run("--db", str(old), "config", "retention", "0.85").exit_code == 0
    monkeypatch.delenv("QUIZGEN_DB")
    new = isolated_home / ".local" / "share" / "quizgen" / "quizgen.db"
    result = run("config", "retention")
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "0.85"
    assert result.stderr.strip() == f"quizgen: moved the database from {old} to {new}"
    assert new.is_file() and not old.exists()
    assert not old.with_name("quizgen.db-wal").exists() and not old.with_name("quizgen.db-shm").exists()
    assert run("config", "retention").stderr == ""
