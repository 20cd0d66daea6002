"""Where things live: the bundled decks, the user's database, and how a question file is remembered."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from urllib.parse import quote_from_bytes, unquote_to_bytes

import click
import platformdirs

from quizgen.core.errors import DatabaseError

APP_NAME = "quizgen"
DB_ENV = "QUIZGEN_DB"
DB_NAME = "quizgen.db"
# How an origin whose path is not UTF-8 is written: its bytes, %-escaped, so it can be turned back into the path.
BYTES_ORIGIN = "bytes:"
BUNDLED_ORIGIN = "bundled:"
# Cards imported from an Anki package or collection: ``anki:`` and the file's origin name. No question file holds
# them, so a question file that has them takes them over.
ANKI_ORIGIN = "anki:"


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
    """The user's data folder for quizgen (``$XDG_DATA_HOME/quizgen`` or ``~/.local/share/quizgen`` on Linux)."""
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def cache_dir() -> Path:
    return Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False))


def default_db_path() -> tuple[Path, bool]:
    """``$QUIZGEN_DB`` if set, else ``quizgen.db`` in the user's data folder; and whether that folder is ours to
    create."""
    env = os.environ.get(DB_ENV)
    if env:
        return Path(env), False
    return user_dir() / DB_NAME, True


def old_db_path() -> Path | None:
    """Where quizgen 0.1 kept the database (the config folder), if that is an absolute place."""
    old = Path(click.get_app_dir(APP_NAME)) / DB_NAME
    return old if old.is_absolute() else None


def move_old_database() -> tuple[Path, Path] | None:
    """Move a database left at the old place (with its -wal and -shm) to the data folder, if none is there yet.

    Returns (old, new) when something was moved. The main file moves last, so an interrupted move is finished
    the next time.
    """
    old = old_db_path()
    new, _ours = default_db_path()
    if old is None or new.exists() or not old.is_file() or old.resolve() == new.resolve():
        return None
    try:
        new.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        for suffix in ("-wal", "-shm", ""):
            source = old.with_name(old.name + suffix)
            if source.exists():
                shutil.move(source, new.with_name(new.name + suffix))
    except OSError as ex:
        raise DatabaseError(f"cannot move the database from {old} to {new}: {ex.strerror or ex}") from None
    return old, new


def display_path(path: str | Path) -> str:
    """A path as text that can be printed: bytes of a name that are not UTF-8 shown as \\xNN."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def origin_name(path: str | Path) -> str:
    """How a card's file is remembered: bundled files by their place in the bundle, others by absolute path.

    A path that is not UTF-8 is kept as its bytes (``bytes:`` and %-escapes), so it can be found again: shown with
    \\xNN escapes, it would name a file that does not exist.
    """
    resolved = Path(path).resolve()
    try:
        return BUNDLED_ORIGIN + resolved.relative_to(bundled_root().resolve()).as_posix()
    except ValueError:
        pass
    raw = os.fsencode(resolved)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return BYTES_ORIGIN + quote_from_bytes(raw, safe="/")


def origin_path(origin: str) -> Path:
    if origin.startswith(BUNDLED_ORIGIN):
        return bundled_root() / origin.removeprefix(BUNDLED_ORIGIN)
    if origin.startswith(BYTES_ORIGIN):
        return Path(os.fsdecode(unquote_to_bytes(origin.removeprefix(BYTES_ORIGIN))))
    return Path(origin)


def origin_label(origin: str) -> str:
    """An origin as a person reads it in a message."""
    if origin.startswith(BYTES_ORIGIN):
        return display_path(origin_path(origin))
    return origin


def origin_exists(origin: str) -> bool:
    """Whether the question file a card was imported from is still there (an Anki file is no question file)."""
    return not origin.startswith(ANKI_ORIGIN) and origin_path(origin).is_file()
