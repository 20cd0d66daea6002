"""Shared fixtures: every test gets its own database file and data folder under tmp_path."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from quizgen.cli import cli

ROOT = Path(__file__).resolve().parent.parent
SOURCE_DIR = ROOT.parent / "shared" / "source"
ARTICLE = SOURCE_DIR / "stopping-hormone-therapy.txt"


@pytest.fixture(autouse=True)
def isolated_home(tmp_path, monkeypatch):
    """Point the data, config and cache folders and the default database at tmp_path: no test touches a user's files."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    monkeypatch.setenv("QUIZGEN_DB", str(tmp_path / "quizgen.db"))
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "100")
    return home


@pytest.fixture
def db_path(tmp_path) -> Path:
    return Path(os.environ["QUIZGEN_DB"])


@pytest.fixture
def run():
    """Invoke the CLI in-process; returns the click Result (stdout and stderr kept apart)."""

    def invoke(*args: str, input: str | None = None):
        return CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)

    return invoke


@pytest.fixture
def collection(tmp_path):
    """A new, empty collection of the real Anki library, to import what we export."""
    from anki.collection import Collection

    folder = tmp_path / "anki-profile"
    folder.mkdir()
    col = Collection(str(folder / "collection.anki2"))
    yield col
    col.close()


@pytest.fixture
def article() -> Path:
    if not ARTICLE.exists():
        pytest.skip(f"the source article is not here ({ARTICLE}); it ships beside the project in ../shared/source")
    return ARTICLE
