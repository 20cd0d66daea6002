"""Where things live: the bundled decks and the user's database."""

from __future__ import annotations

import os
from pathlib import Path

import click

APP_NAME = "quizgen"
DB_ENV = "QUIZGEN_DB"


def bundled_root() -> Path:
    """The folder holding ``decks/`` and ``questions/``: inside the installed package, or the source checkout."""
    installed = Path(__file__).parent.parent / "_bundled"
    if installed.is_dir():
        return installed
    return Path(__file__).resolve().parents[2]


def bundled_paths() -> list[Path]:
    root = bundled_root()
    return [root / "decks", root / "questions"]


def user_dir() -> Path:
    return Path(click.get_app_dir(APP_NAME))


def default_db_path() -> tuple[Path, bool]:
    """``$QUIZGEN_DB`` if set, else ``quizgen.db`` in the user's data folder; and whether that folder is ours to create."""
    env = os.environ.get(DB_ENV)
    if env:
        return Path(env), False
    return user_dir() / "quizgen.db", True


def display_path(path: str | Path) -> str:
    """A path as text that can be printed and stored: bytes of a name that are not UTF-8 shown as \\xNN."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")
