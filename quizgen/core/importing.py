"""Importing question files into a store: read them, gather what the plan needs from disk, plan, apply.

The filesystem is asked (which files the stored cards came from still exist) before the write lock is taken;
if another process changes the cards meanwhile, the import is planned again on what it wrote.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from quizgen.core import paths, sync
from quizgen.core.bulk import collector_paused
from quizgen.core.errors import DatabaseError
from quizgen.core.questions import Bank, load_strict
from quizgen.core.store import StalePlan, Store

# Plans made again, at most, when other processes keep changing the same cards while this one imports.
REPLANS = 5


def import_paths(store: Store, files: list[Path], now: datetime | None = None) -> sync.ImportReport:
    """Import question and deck files or folders, all or nothing."""
    known = {deck.slug: deck for deck in store.decks()}
    with collector_paused():
        return import_bank(store, load_strict(files, known), now)


def import_bundled(store: Store, now: datetime | None = None) -> sync.ImportReport:
    return import_bank(store, load_strict(paths.bundled_paths()), now)


def seed(store: Store) -> None:
    """On first use, fill an empty database with the bundled decks (one that cannot be written stays empty)."""
    if store.is_empty() and not store.read_only:
        import_bundled(store)


def import_bank(store: Store, bank: Bank, now: datetime | None = None) -> sync.ImportReport:
    """Sync the database with validated files; raises ``ImportProblems`` for cards it must refuse."""
    for _attempt in range(REPLANS):
        plan = plan_import(store, bank)
        try:
            store.apply(plan, now)
        except StalePlan:
            continue
        return plan.report
    raise DatabaseError(f"database {store.path} kept changing during the import; nothing was written, try again")


def plan_import(store: Store, bank: Bank) -> sync.ImportPlan:
    """Read the stored cards the bank touches and plan the import over them, without writing."""
    origins = {name: paths.origin_name(bank.sources[name]) for name in bank.question_files}
    stored = store.import_rows(sync.touched_decks(bank), sorted(set(origins.values())))
    elsewhere = {row.origin for row in stored.rows.values()} - set(origins.values())
    present = {origin for origin in elsewhere if paths.origin_exists(origin)}
    return sync.plan(bank, stored, origins, present)


@contextmanager
def reading(db_path: Path) -> Iterator[Store | None]:
    """The database at ``db_path`` opened read-only, to predict an import without writing anything; None when there
    is no usable database there (an import would make a new one, or say why it cannot)."""
    if not db_path.is_file():
        yield None
        return
    try:
        store = Store.open(db_path, read_only=True)
    except DatabaseError:
        yield None
        return
    try:
        yield store
    finally:
        store.close()
