"""Export of a 10k-card deck to .apkg, against raw genanki writing the same notes in the same run.

The baseline is what a program using genanki directly does with notes whose fields and tags it already has: make
each ``genanki.Note`` (genanki derives its GUID from the fields, as it does when none is given), add it to a deck and
write the package. The ratio is what our export adds on top: reading the cards from the database, laying them out
into fields and tags, GUIDs from deck and card id, per-note modification times, and the subdecks.
"""

from __future__ import annotations

import itertools
import tempfile
from pathlib import Path

import genanki
from generate import DECK, make_large_db
from harness import Row, paired_median_seconds

from quizgen.core import importing
from quizgen.core.store import Store
from quizgen.exchange import anki_out, export

TIMESTAMP = 1_800_000_000.0


def measures(workdir: Path, quick: bool) -> list[Row]:
    count = 500 if quick else 10_000
    repeat = 3 if quick else 5
    store = Store.open(make_large_db(workdir / "export.db", cards=count, reviews=0))
    try:
        deck = store.deck(DECK)
        prepared = [(*anki_out.note_fields(stored.card), anki_out.note_tags(stored.card)) for stored in store.cards(DECK)]
        runs = itertools.count()

        def raw_genanki() -> None:
            target = genanki.Deck(anki_out.deck_id(deck.slug), deck.name)
            for note_type, fields, tags in prepared:
                target.add_note(genanki.Note(model=note_type, fields=fields, tags=tags))
            genanki.Package(target).write_to_file(str(workdir / f"raw-{next(runs)}.apkg"), timestamp=TIMESTAMP)

        def quizgen_export() -> None:
            export.export(store, workdir / f"quizgen-{next(runs)}.apkg", DECK, timestamp=TIMESTAMP)

        # genanki leaves a scratch database in the temp folder on every write; keep those in workdir.
        tempfile.tempdir = str(workdir)
        quizgen_export()  # warm both paths (imports, caches) before measuring
        raw_genanki()
        baseline, value = paired_median_seconds(raw_genanki, quizgen_export, repeat)
    finally:
        tempfile.tempdir = None
        store.close()
    return [
        Row(f"export {count} cards to .apkg", value, "s", "raw genanki, same notes", baseline, 1.3, ratio_target=True)
    ]
