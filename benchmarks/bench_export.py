"""Export of a 10k-card deck to .apkg, with and without its progress, against raw genanki writing the same notes
(without scheduling, which genanki cannot write) in the same run.

The baseline is what a program using genanki directly does with notes whose fields and tags it already has: make
each ``genanki.Note`` (genanki derives its GUID from the fields, as it does when none is given), add it to a deck and
write the package. The ratio is what our export adds on top: reading the cards from the database, laying them out
into fields and tags, GUIDs from deck and card id, per-note modification times, and the subdecks; with progress,
also each studied card's schedule and a revlog row per review.
"""

from __future__ import annotations

import itertools
import tempfile
from pathlib import Path

import genanki
from generate import DECK, make_large_db
from harness import Row, paired_median_seconds

from quizgen.core.store import Store
from quizgen.exchange import anki_out, export

TIMESTAMP = 1_800_000_000.0


def measures(workdir: Path, quick: bool) -> list[Row]:
    count = 500 if quick else 10_000
    reviews = count * 10
    repeat = 3 if quick else 5
    plain = _measure(workdir, "plain", count, 0, repeat, progress=False)
    studied = _measure(workdir, "studied", count, reviews, repeat, progress=True)
    return [
        Row(f"export {count} cards to .apkg", plain[1], "s", "raw genanki, same notes", plain[0], 1.3,
            ratio_target=True),
        Row(f"export {count} cards, {reviews // 1000}k reviews, with progress", studied[1], "s",
            "raw genanki, same notes, no scheduling", studied[0], 1.6, ratio_target=True),
    ]


def _measure(workdir: Path, name: str, count: int, reviews: int, repeat: int, progress: bool) -> tuple[float, float]:
    """Median seconds of raw genanki and of our export, run alternately."""
    store = Store.open(make_large_db(workdir / f"{name}.db", cards=count, reviews=reviews))
    try:
        deck = store.deck(DECK)
        prepared = [
            (*anki_out.note_fields(stored.card), anki_out.note_tags(stored.card)) for stored in store.cards(DECK)
        ]
        runs = itertools.count()

        def raw_genanki() -> None:
            target = genanki.Deck(anki_out.deck_id(deck.slug), deck.name)
            for note_type, fields, tags in prepared:
                target.add_note(genanki.Note(model=note_type, fields=fields, tags=tags))
            genanki.Package(target).write_to_file(str(workdir / f"raw-{next(runs)}.apkg"), timestamp=TIMESTAMP)

        def quizgen_export() -> None:
            export.export(
                store,
                workdir / f"quizgen-{next(runs)}.apkg",
                DECK,
                timestamp=TIMESTAMP,
                retention=0.9 if progress else None,
            )

        # genanki leaves a scratch database in the temp folder on every write; keep those in workdir.
        tempfile.tempdir = str(workdir)
        quizgen_export()  # warm both paths (imports, caches) before measuring
        raw_genanki()
        return paired_median_seconds(raw_genanki, quizgen_export, repeat)
    finally:
        tempfile.tempdir = None
        store.close()
