"""Importing question files into a store: read them, gather what the plan needs from disk, plan, apply.

The filesystem is asked (which files the stored cards came from still exist) before the write lock is taken;
if another process changes the cards meanwhile, the import is planned again on what it wrote.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from quizgen.core import paths, sync
from quizgen.core.bulk import collector_paused
from quizgen.core.cards import Deck, hash_of
from quizgen.core.display import visible
from quizgen.core.errors import DatabaseError, QuizgenError
from quizgen.core.files import final_target, replacing
from quizgen.core.questions import Bank, load_strict
from quizgen.core.store import SEEDED, StalePlan, Store, StoredCard

# Plans made again, at most, when other processes keep changing the same cards while this one imports.
REPLANS = 5


def import_paths(store: Store, files: list[Path], now: datetime | None = None) -> sync.ImportReport:
    """Import question and deck files or folders, all or nothing."""
    known = {deck.slug: deck for deck in store.decks()}
    with collector_paused():
        return import_bank(store, load_strict(files, known), now)


def import_bundled(store: Store, now: datetime | None = None) -> sync.ImportReport:
    """Re-sync the bundled decks; cards forked into files of the user's are theirs now, and left alone."""
    return import_bank(store, leave_forked(store, load_strict(paths.bundled_paths())), now)


def seed(store: Store) -> None:
    """On first use, fill an empty database with the bundled decks (one that cannot be written stays empty).

    Only once: a database whose decks were all deleted stays empty.
    """
    if store.is_empty() and not store.read_only and store.get_config(SEEDED) is None:
        import_bundled(store)
        store.set_config(SEEDED, "yes")


def leave_forked(store: Store, bank: Bank) -> Bank:
    """The bundled ``bank`` without the cards that files of the user's (still on disk) have taken over by a fork,
    and without the description of a deck forked whole: the fork's deck file describes it now."""
    stored = store.import_rows(sync.touched_decks(bank), []).rows
    forked = {
        key for key, row in stored.items()
        if not row.origin.startswith(paths.BUNDLED_ORIGIN) and not row.retired and paths.origin_exists(row.origin)
    }
    if not forked:
        return bank
    bank.cards = [loaded for loaded in bank.cards if (loaded.card.deck, loaded.card.id) not in forked]
    still_bundled = {loaded.card.deck for loaded in bank.cards}
    forked_decks = {deck for deck, _card_id in forked}
    bank.decks = {slug: deck for slug, deck in bank.decks.items() if slug in still_bundled or slug not in forked_decks}
    return bank


def fork(store: Store, slug: str, folder: Path) -> list[Path]:
    """Write the deck as question files of the user's in ``folder`` (its deck file in ``decks/``, one question file
    in ``questions/`` for each file its cards came from) and make those files the cards' origins.

    The cards keep their ids, reviews and schedule; from then on ``quizgen import FOLDER`` syncs them, and the
    bundled re-sync leaves them alone. Nothing in ``folder`` is replaced; on failure nothing is left half-done.
    """
    from quizgen.ingest import write

    deck = store.deck(slug)
    rows = store.import_rows([slug], []).rows
    by_origin: dict[str, list[StoredCard]] = {}
    for stored in store.cards(slug):
        by_origin.setdefault(rows[(slug, stored.card.id)].origin, []).append(stored)
    if not by_origin:
        raise QuizgenError(f"deck '{slug}' has no cards to fork")
    targets = {folder / "decks" / f"{slug}.toml": _deck_toml(deck, write.toml_string)}
    for origin, cards in sorted(by_origin.items()):
        cards.sort(key=lambda s: (rows[(slug, s.card.id)].origin_line or 0, s.pk))
        target = _fork_target(folder, origin, targets)
        header = [f"# Forked from {_commented(paths.origin_label(origin))} by `quizgen deck fork`: edit these cards,",
                  f"# then run `quizgen import {_commented(paths.display_path(folder))}`. Keep the ids: they carry "
                  "each card's history.",
                  "", f"deck = {write.toml_string(slug)}"]
        targets[target] = "\n".join(header + [line for s in cards for line in ["", *write.card_lines(s.card)]]) + "\n"
    taken = [path for path in targets if final_target(path).exists()]
    if taken:
        raise QuizgenError(f"{paths.display_path(taken[0])} already exists; fork into a new or empty folder")
    written: list[Path] = []
    try:
        for path, text in targets.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            with replacing(path) as partial:
                partial.write_text(text, encoding="utf-8")
            written.append(path)
        bank = load_strict(written)
        moves = []
        for loaded in bank.cards:
            row = rows[(loaded.card.deck, loaded.card.id)]
            # The files say exactly what is stored, so the next import of the folder finds every card unchanged.
            assert hash_of(loaded.card.to_json()) == row.content_hash, loaded.card.id
            moves.append((row.pk, paths.origin_name(bank.sources[loaded.path]), loaded.line))
        store.move_origins(moves)
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        raise
    return list(targets)


def _commented(text: str) -> str:
    """Text that may go in a TOML comment, which must hold no control character and stay on its line."""
    return visible(text).replace("\n", "\\n")


def _deck_toml(deck: Deck, quote: Callable[[str], str]) -> str:
    lines = [f"slug = {quote(deck.slug)}", f"name = {quote(deck.name)}"]
    if deck.description:
        lines.append(f"description = {quote(deck.description)}")
    if deck.source_title or deck.source_location:
        lines += ["", "[source]", f"title = {quote(deck.source_title)}", f"location = {quote(deck.source_location)}"]
    return "\n".join(lines) + "\n"


def _fork_target(folder: Path, origin: str, taken: dict[Path, str]) -> Path:
    """Where the fork writes the cards of one file: the bundled files keep their names; another file, its name
    (as TOML) in ``questions/``, numbered if two share it."""
    if origin.startswith(paths.BUNDLED_ORIGIN):
        relative = Path(origin.removeprefix(paths.BUNDLED_ORIGIN)).with_suffix(".toml")
    else:
        relative = Path("questions", paths.origin_path(origin).with_suffix(".toml").name)
    target = folder / relative
    number = 2
    while target in taken:
        target = folder / relative.with_name(f"{relative.stem}-{number}.toml")
        number += 1
    return target


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
