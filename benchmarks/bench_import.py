"""Import of a 10k-card TOML question file into a fresh database, against sqlite-utils ``insert_all`` of the same
rows, both in the same run.

The baseline writes exactly the card rows our import writes, already built, into an empty database; our import also
reads and validates the TOML file, creates the schema, hashes each card and gives each face its schedule row.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path

from generate import KINDS, card_fields
from harness import Row, paired_median_seconds
from sqlite_utils import Database

from quizgen.core import importing
from quizgen.core.store import Store

DECK_TABLE = '[deck]\nslug = "generated"\nname = "Generated deck"\ndescription = "Filler cards for measuring."\n'


def write_question_file(path: Path, count: int) -> Path:
    """A question file of ``count`` generated cards of every kind (JSON strings and arrays are valid TOML values)."""
    parts = [DECK_TABLE]
    for n in range(1, count + 1):
        kind = KINDS[n % len(KINDS)]
        card = {"id": f"card-{n}", "kind": kind, "section": f"Part {n % 7} > Topic {n % 40}", **card_fields(kind, n)}
        parts.append("\n[[cards]]\n" + "".join(f"{key} = {json.dumps(value)}\n" for key, value in card.items()))
    path.write_text("".join(parts), encoding="utf-8")
    return path


def measures(workdir: Path, quick: bool) -> list[Row]:
    count = 500 if quick else 10_000
    repeat = 3 if quick else 5
    source = write_question_file(workdir / "cards.toml", count)
    runs = itertools.count()

    def quizgen_import() -> Store:
        store = Store.open(workdir / f"quizgen-{next(runs)}.db")
        importing.import_paths(store, [source])
        store.close()
        return store

    reference = Store.open(workdir / "reference.db")
    importing.import_paths(reference, [source])
    rows = [{k: v for k, v in row.items() if k != "pk"} for row in reference.db["cards"].rows]
    reference.close()
    assert len(rows) == count

    def insert_all() -> None:
        db = Database(workdir / f"baseline-{next(runs)}.db")
        db["cards"].insert_all(rows)
        db.close()

    quizgen_import()  # warm both paths before measuring
    insert_all()
    baseline, value = paired_median_seconds(insert_all, quizgen_import, repeat)
    return [
        Row(f"import {count} cards from TOML", value, "s", "sqlite-utils insert_all, same rows", baseline, 3.0,
            ratio_target=True)
    ]
