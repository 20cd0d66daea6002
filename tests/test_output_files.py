"""The files `quizgen export` and `quizgen ingest` write: never to a device, FIFO or socket; through a symlink rather
over it; to stdout with `-o -`; an .apkg of another deck kept; the umask and a replaced file's mode respected; and
nothing half-written left behind by SIGTERM or SIGHUP, or by a run killed outright."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import signal
import socket
import sqlite3
import stat
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from quizgen.exchange import export
from tests.conftest import ROOT
from tests.test_export_anki import NOTES, open_store

NOTES_TEXT = "# Trees\n\n**Oak**: a broad-leaved tree that bears acorns.\n\n**Pine**: a conifer with needles.\n"


@pytest.fixture
def store(tmp_path, db_path):
    """The CLI's database, holding only the test deck "baking"."""
    opened, _ = open_store(tmp_path, db=db_path)
    yield opened
    opened.close()


@pytest.fixture
def notes(tmp_path) -> Path:
    path = tmp_path / "notes.md"
    path.write_text(NOTES_TEXT, encoding="utf-8")
    return path


def quizgen(*args: str, **options) -> subprocess.CompletedProcess:
    """The real command in a process of its own; the timeout turns a hang into a failure."""
    return subprocess.run(
        [sys.executable, "-m", "quizgen", *args], capture_output=True, text=True, timeout=120, **options
    )


def partials(folder: Path) -> list[Path]:
    return sorted(folder.glob(".*.partial"))


def package_notes(package: Path, scratch: Path) -> int:
    collection = zipfile.ZipFile(package).extract("collection.anki2", scratch / "unpacked")
    connection = sqlite3.connect(collection)
    try:
        return connection.execute("SELECT count(*) FROM notes").fetchone()[0]
    finally:
        connection.close()


# -- not a regular file ------------------------------------------------------------------------------------------


def make_special(tmp_path: Path, kind: str) -> Path:
    path = tmp_path / f"special-{kind}"
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "socket":
        server = socket.socket(socket.AF_UNIX)
        server.bind(str(path))
        server.close()
    elif kind == "device":
        # A node of its own (the null device's numbers): if the refusal failed, /dev would be left alone.
        try:
            os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, 3))
        except PermissionError:
            pytest.skip("making a device node needs root")
    return path


@pytest.mark.parametrize("kind, words", [("fifo", "a FIFO"), ("socket", "a socket"), ("device", "a device")])
@pytest.mark.parametrize("command", ["export", "ingest"])
def test_a_fifo_socket_or_device_is_refused_even_with_force(store, notes, tmp_path, kind, words, command):
    target = make_special(tmp_path, kind)
    before = os.lstat(target)
    for force in ([], ["--force"]):
        if command == "export":
            result = quizgen("export", "-o", str(target), "--format", "csv", *force)
        else:
            result = quizgen("ingest", str(notes), "-o", str(target), *force)
        assert result.returncode == 1
        assert result.stderr.strip() == (
            f"Error: {target} is {words}, not a regular file; not writing to it (-o - writes to stdout)"
        )
        assert result.stdout == "" if command == "export" else "cards drafted" in result.stdout
        after = os.lstat(target)
        assert (after.st_mode, after.st_ino, after.st_rdev) == (before.st_mode, before.st_ino, before.st_rdev)
    assert partials(tmp_path) == []


@pytest.mark.parametrize("target", ["/dev/full", "/proc/self/fd/1"])
def test_an_endless_device_or_a_link_to_our_own_stdout_is_refused_at_once(store, notes, target):
    # /dev/full reads zeros forever; /proc/self/fd/1 is the pipe our output goes to.
    for args in (["export", "-o", target], ["ingest", str(notes), "-o", target]):
        result = quizgen(*args)
        assert result.returncode == 1
        assert "not a regular file; not writing to it" in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


def test_a_folder_is_still_refused_with_its_own_message(store, notes, tmp_path, run):
    result = run("export", "-o", str(tmp_path), "--force")
    assert result.exit_code == 1 and "is a folder; give a file name" in result.stderr
    result = run("ingest", str(notes), "-o", str(tmp_path), "--force")
    assert result.exit_code == 1 and "is a folder; give a file name for the draft" in result.stderr


@pytest.mark.parametrize("name", ["bread.apkg", "bread.csv", "bread.json"])
def test_an_export_through_a_symlink_replaces_the_file_and_keeps_the_link(store, run, tmp_path, name):
    real_folder = tmp_path / "real"
    real_folder.mkdir()
    real = real_folder / name
    assert run("export", "-o", str(real), "--kind", "glossary").exit_code == 0
    link = tmp_path / f"link-{name}"
    link.symlink_to(real)

    result = run("export", "-o", str(link))
    assert result.exit_code == 0, result.output
    assert link.is_symlink() and link.resolve() == real
    if name.endswith(".apkg"):
        assert package_notes(real, tmp_path) == NOTES
    else:
        assert run("export", "-o", str(tmp_path / f"direct-{name}")).exit_code == 0
        assert real.read_bytes() == (tmp_path / f"direct-{name}").read_bytes()
    assert partials(tmp_path) == [] and partials(real_folder) == []


def test_a_symlink_to_a_question_file_is_never_written_through(store, run, tmp_path):
    source = tmp_path / "mine.json"
    source.write_text(json.dumps({"deck": {"slug": "baking", "name": "Bread Basics"}, "cards": [
        {"id": "my-own-card", "kind": "flashcard", "section": "Mine", "front": "Proof?", "back": "A rise."}]}))
    assert run("import", str(source)).exit_code == 0
    before = source.read_bytes()
    link = tmp_path / "export.json"
    link.symlink_to(source)
    result = run("export", "-o", str(link))
    assert result.exit_code == 1 and "is a question file cards were imported from" in result.stderr
    assert source.read_bytes() == before and link.is_symlink()


def test_a_link_to_a_missing_folder_names_that_folder(store, run, tmp_path):
    link = tmp_path / "out.csv"
    link.symlink_to(tmp_path / "gone" / "out.csv")
    result = run("export", "-o", str(link))
    assert result.exit_code == 1
    assert result.stderr.strip() == f"Error: cannot write {link}: folder {tmp_path / 'gone'} does not exist"


def test_a_draft_through_a_symlink_keeps_the_link(notes, run, tmp_path):
    real = tmp_path / "drafts" / "trees.toml"
    real.parent.mkdir()
    real.write_text("# my own draft\n", encoding="utf-8")
    link = tmp_path / "trees.toml"
    link.symlink_to(real)
    assert run("ingest", str(notes), "-o", str(link), "--force").exit_code == 0
    assert link.is_symlink() and "[[cards]]" in real.read_text(encoding="utf-8")


# -- stdout -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "tsv", "json"])
def test_export_to_stdout_prints_the_data_alone(store, run, tmp_path, fmt):
    on_file = tmp_path / f"bread.{fmt}"
    assert run("export", "-o", str(on_file)).exit_code == 0

    result = run("export", "-o", "-", "--format", fmt)
    assert result.exit_code == 0, result.output
    assert result.stdout_bytes == on_file.read_bytes()
    assert result.stderr.strip() == f"{NOTES} card(s) of baking written to stdout ({fmt})"
    assert not (tmp_path / "-").exists() and not (Path.cwd() / "-").exists()


def test_export_to_stdout_needs_a_text_format(store, run):
    result = run("export", "-o", "-")
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr.strip() == "Error: give --format (csv, tsv, json) to export to stdout"
    result = run("export", "-o", "-", "--format", "apkg")
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr.strip() == "Error: an .apkg is binary and is not written to stdout; give a file name with -o"


def test_a_reader_that_stops_early_ends_the_export_quietly(big_deck):
    # `| head -1`: the pipe closes after the first line, long before the deck is out.
    process = subprocess.Popen(
        [sys.executable, "-m", "quizgen", "export", big_deck, "-o", "-", "--format", "csv"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    assert process.stdout is not None and process.stderr is not None
    assert process.stdout.readline() == b"#separator:comma\n"
    process.stdout.close()
    error = process.stderr.read().decode()
    assert process.wait(timeout=120) != 0
    assert "Traceback" not in error


def test_a_draft_to_stdout_prints_the_draft_alone_and_the_summary_on_stderr(notes, run, tmp_path):
    on_file = tmp_path / "trees.toml"
    assert run("ingest", str(notes), "-o", str(on_file)).exit_code == 0

    result = run("ingest", str(notes), "-o", "-")
    assert result.exit_code == 0, result.output
    assert result.stdout_bytes == on_file.read_bytes()
    assert "cards drafted: 2" in result.stderr and "wrote 2 draft cards to stdout" in result.stderr

    result = run("ingest", str(notes), "-o", "-", "--import")
    assert result.exit_code == 2 and "--import reads the draft back from a file" in result.stderr


@pytest.mark.parametrize("name", ["huge.csv", "huge.json", "huge.apkg"])
def test_a_huge_file_is_refused_from_its_start_without_reading_it_all(store, run, tmp_path, name):
    huge = tmp_path / name
    with huge.open("wb") as fh:
        fh.truncate(16 * 1024**3)  # sparse: 16 GB that take no room on disk, nor in memory unless read whole
    result = run("export", "-o", str(huge))
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        f"Error: {huge} exists and is not a quizgen export of baking; not overwriting it (use --force)"
    )
    assert huge.stat().st_size == 16 * 1024**3


def test_a_big_previous_json_export_is_still_recognised_from_its_start(tmp_path, run):
    # Far more than the part of an existing file that is read to recognise it.
    cards = [{"id": f"card-{n}", "kind": "flashcard", "section": "Part", "front": f"Question {n} " + "x" * 200,
              "back": f"Answer {n}"} for n in range(8000)]
    source = tmp_path / "big-source.json"
    source.write_text(json.dumps({"deck": {"slug": "big", "name": "Big"}, "cards": cards}), encoding="utf-8")
    assert run("import", str(source)).exit_code == 0
    out = tmp_path / "big.json"
    assert run("export", "big", "-o", str(out)).exit_code == 0
    assert out.stat().st_size > 2 * export.HEAD_LIMIT
    result = run("export", "big", "-o", str(out), "--section", "Part")
    assert result.exit_code == 0, result.output


# -- an .apkg of another deck -------------------------------------------------------------------------------------


def test_an_apkg_of_another_deck_is_not_replaced_without_force(store, run, tmp_path):
    other = tmp_path / "other.toml"
    other.write_text('[deck]\nslug = "other"\nname = "Other"\n\n[[cards]]\nid = "one"\nkind = "flashcard"\n'
                     'section = "S"\nfront = "Front"\nback = "Back"\n', encoding="utf-8")
    assert run("import", str(other)).exit_code == 0
    target = tmp_path / "baking.apkg"
    assert run("export", "baking", "-o", str(target)).exit_code == 0
    before = target.read_bytes()

    result = run("export", "other", "-o", str(target))
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        f"Error: {target} exists and is not a quizgen export of other; not overwriting it (use --force)"
    )
    assert target.read_bytes() == before

    assert run("export", "baking", "-o", str(target), "--flat").exit_code == 0  # the same deck: replaced
    assert run("export", "other", "-o", str(target), "--force").exit_code == 0
    assert export.is_previous_export(target, "other") and not export.is_previous_export(target, "baking")


# -- modes --------------------------------------------------------------------------------------------------------


@pytest.fixture
def umask_002():
    previous = os.umask(0o002)
    yield
    os.umask(previous)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize("name", ["bread.apkg", "bread.csv", "bread.json"])
def test_an_export_follows_the_umask_and_a_replaced_file_keeps_its_mode(store, run, tmp_path, umask_002, name):
    out = tmp_path / name
    assert run("export", "-o", str(out)).exit_code == 0
    assert mode(out) == 0o664
    out.chmod(0o640)
    assert run("export", "-o", str(out), "--kind", "glossary").exit_code == 0
    assert mode(out) == 0o640
    os.umask(0o077)
    out.unlink()
    assert run("export", "-o", str(out)).exit_code == 0
    assert mode(out) == 0o600


def test_a_draft_follows_the_umask_and_a_replaced_draft_keeps_its_mode(notes, run, tmp_path, umask_002):
    out = tmp_path / "trees.toml"
    assert run("ingest", str(notes), "-o", str(out)).exit_code == 0
    assert mode(out) == 0o664
    out.write_text("# my own\n", encoding="utf-8")
    out.chmod(0o644)
    assert run("ingest", str(notes), "-o", str(out), "--force").exit_code == 0
    assert mode(out) == 0o644 and "[[cards]]" in out.read_text(encoding="utf-8")


# -- signals and killed runs --------------------------------------------------------------------------------------

BIG_DECK = 6000


@pytest.fixture(scope="session")
def big_deck_db(tmp_path_factory) -> Path:
    """A database with a deck big enough that writing its .apkg takes a while: generated cards of every kind,
    imported once through the real command."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        from generate import KINDS, card_fields
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    folder = tmp_path_factory.mktemp("big-deck")
    cards = []
    for n in range(BIG_DECK):
        kind = KINDS[n % len(KINDS)]
        cards.append({"id": f"card-{n}", "kind": kind, "section": f"Part {n % 5}", **card_fields(kind, n)})
    source = folder / "generated.json"
    source.write_text(json.dumps({"deck": {"slug": "generated", "name": "Generated"}, "cards": cards}))
    db = folder / "big.db"
    result = quizgen("--db", str(db), "import", str(source), env={**os.environ, "HOME": str(folder)})
    assert result.returncode == 0, result.stderr
    return db


@pytest.fixture
def big_deck(big_deck_db, db_path) -> str:
    """The big deck's slug, in a copy of its database at the CLI's database path."""
    shutil.copyfile(big_deck_db, db_path)
    return "generated"


def default_signals() -> None:
    # Under nohup the tests would pass SIGHUP on ignored, and the export would rightly leave it so.
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, signal.SIG_DFL)


def start_export(target: Path, scratch: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "quizgen", "export", "generated", "-o", str(target)],
        env={**os.environ, "TMPDIR": str(scratch)}, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        preexec_fn=default_signals,
    )


def wait_until_writing(process: subprocess.Popen, target: Path, scratch: Path) -> None:
    """Until the package is being written: its partial file beside the target, genanki's collection in scratch."""
    for _ in range(6000):
        if partials(target.parent) and list(scratch.glob("quizgen-apkg-*/*")):
            return
        assert process.poll() is None, process.communicate()
        time.sleep(0.005)
    pytest.fail("the export never started writing")


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_a_signal_during_an_export_removes_what_was_half_written(big_deck, tmp_path, signum):
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    target = tmp_path / "generated.apkg"
    assert quizgen("export", "generated", "-o", str(target), env={**os.environ, "TMPDIR": str(scratch)}).returncode == 0
    before = target.read_bytes()

    process = start_export(target, scratch)
    wait_until_writing(process, target, scratch)
    process.send_signal(signum)
    _out, error = process.communicate(timeout=120)

    assert process.returncode == 128 + signum
    assert error.strip() == f"Error: stopped by {signal.Signals(signum).name}"
    assert partials(tmp_path) == []
    assert list(scratch.iterdir()) == []
    assert target.read_bytes() == before


def test_partials_a_killed_export_left_are_removed_by_the_next(big_deck, tmp_path):
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    target = tmp_path / "generated.apkg"
    process = start_export(target, scratch)
    wait_until_writing(process, target, scratch)
    process.kill()  # SIGKILL: no cleanup can run
    process.communicate(timeout=120)
    left = partials(tmp_path)
    assert len(left) == 1

    # Another file's partial, and one a live export is writing (it holds the lock), are not ours to remove.
    others = tmp_path / ".generated.apkg.old.abcd1234.partial"
    others.write_bytes(b"")
    live = tmp_path / ".generated.apkg.live1234.partial"
    scratch_env = {**os.environ, "TMPDIR": str(scratch)}
    with live.open("wb") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        result = quizgen("export", big_deck, "-o", str(target), "--kind", "mcq", env=scratch_env)
        assert result.returncode == 0, result.stderr
    assert partials(tmp_path) == sorted([others, live])
    assert export.is_previous_export(target, big_deck)
