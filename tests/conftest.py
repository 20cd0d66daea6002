"""Shared fixtures: every test gets its own database file and data folder under tmp_path."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from quizgen.cli import cli
from quizgen.core import importing
from quizgen.core.store import Store

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


# A small deck of our own with one card of most kinds, for the quiz's end-to-end tests.
RIVERS_DECK_FILE = '''
[deck]
slug = "rivers"
name = "Rivers and Water"
description = """
How water moves through rivers and lakes.
A practice deck written for tests, not a textbook.
"""

[[cards]]
id = "delta"
kind = "typed"
section = "Landforms"
prompt = "What is the fan of sediment at a river's mouth called?"
answer = "delta"
explanation = "Sediment dropped where the current slows builds a fan."

[[cards]]
id = "salt-lakes"
kind = "truefalse"
section = "Facts"
prompt = "Every lake holds fresh water."
answer = false
explanation = "Some lakes are salty."

[[cards]]
id = "longest"
kind = "mcq"
section = "Facts"
prompt = "Which river is usually listed as the longest in Africa?"
choices = ["Nile", "Congo", "Niger", "Zambezi"]
answer = "Nile"

[[cards]]
id = "source"
kind = "typed"
section = "Landforms"
prompt = "What is the place where a river begins called?"
answer = "source"

[[cards]]
id = "meander"
kind = "glossary"
section = "Glossary"
term = "Meander"
definition = "A wide bend in a river."

[[cards]]
id = "evaporation"
kind = "cloze"
section = "Processes"
text = "Water rises into the air by {{c1::evaporation}}."
'''


@pytest.fixture
def quiz_db(tmp_path, db_path) -> Path:
    """The test database holding only our small deck."""
    source = tmp_path / "rivers.toml"
    source.write_text(RIVERS_DECK_FILE, encoding="utf-8")
    store = Store.open(db_path)
    importing.import_paths(store, [source])
    store.close()
    return db_path


@pytest.fixture
def utc_days(monkeypatch):
    """The learner's days are UTC days, so the dates commands print can be worked out the same way anywhere."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def add_hinted_note_type(col, name: str, hint_field: str) -> None:
    """A copy of Basic, named ``name``, whose front offers the extra field ``hint_field`` as an Anki hint."""
    models = col.models
    hinted = models.copy(models.by_name("Basic"), add=False)
    hinted["name"] = name
    models.add_field(hinted, models.new_field(hint_field))
    hinted["tmpls"][0]["qfmt"] = f"{{{{Front}}}}<br>{{{{hint:{hint_field}}}}}"
    models.add(hinted)
