"""Import of an Anki package of 10k notes and 100k reviews, against the anki library importing the same .apkg into
an empty collection, both in the same run; and the peak memory of our import.

The collection is one an FSRS user has: every studied card has its memory state, so neither side replays the
reviews. It is made by the anki library (collection, decks, note type) and filled by bulk SQL, since adding 10k notes
through ``col.add_note`` takes minutes; Anki's own exporter then writes the package. Each side runs in a fresh
process, timed from opening its database to closing it, so neither pays for the other's memory.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import sqlite3
import statistics
import subprocess
import sys
from pathlib import Path

from harness import Row

ROOT = Path(__file__).resolve().parent.parent
DAY_MS = 86_400_000
START_MS = 1_735_689_600_000  # 2025-01-01 UTC: the reviews are spread over the year after

QUIZGEN_SIDE = """
import sys, time
from pathlib import Path
from quizgen.core.store import Store
from quizgen.exchange.anki_import import import_anki
start = time.perf_counter()
store = Store.open(Path(sys.argv[1]))
report = import_anki(store, Path(sys.argv[2]))
store.close()
took = time.perf_counter() - start
assert report.reviews_added == int(sys.argv[3]), report.reviews_added
print(took, next(line.split()[1] for line in open("/proc/self/status") if line.startswith("VmHWM:")))
"""

ANKI_SIDE = """
import sys, time
from anki.collection import Collection, ImportAnkiPackageOptions, ImportAnkiPackageRequest
start = time.perf_counter()
col = Collection(sys.argv[1])
options = ImportAnkiPackageOptions(with_scheduling=True, merge_notetypes=True)
col.import_anki_package(ImportAnkiPackageRequest(package_path=sys.argv[2], options=options))
assert col.db.scalar("select count() from revlog") == int(sys.argv[3])
col.close()
took = time.perf_counter() - start
print(took, next(line.split()[1] for line in open("/proc/self/status") if line.startswith("VmHWM:")))
"""


def build_package(folder: Path, notes: int, reviews_per_note: int) -> Path:
    """A studied collection of ``notes`` Basic notes in ten subdecks, exported by Anki as an .apkg."""
    from anki.collection import Collection, ExportAnkiPackageOptions

    path = folder / "collection.anki2"
    col = Collection(str(path))
    col.set_config("fsrs", True)
    decks = [int(col.decks.id(f"Bench::Part {n}")) for n in range(10)]
    model = int(col.models.by_name("Basic")["id"])
    col.close()
    rng = random.Random(7)
    db = sqlite3.connect(path)
    note_rows, card_rows, revlog_rows = [], [], []
    for n in range(notes):
        note_id = card_id = 1_600_000_000_000 + n
        front, back = f"Question {n}: what is {n} squared?", f"{n * n}"
        checksum = int(hashlib.sha1(front.encode()).hexdigest()[:8], 16)
        note_rows.append((note_id, f"bench{n:08d}", model, 1_700_000_000, -1, " bench ", f"{front}\x1f{back}", front,
                          checksum, 0, ""))
        times = sorted(rng.sample(range(START_MS, START_MS + 365 * DAY_MS, 1000), reviews_per_note))
        interval = 1
        for position, moment in enumerate(times):
            rating = 1 if rng.random() < 0.1 else 3
            last, interval = interval, 1 if rating == 1 else interval * 2
            kind = 0 if position == 0 else 2 if rating == 1 else 1
            revlog_rows.append((moment + n % 1000, card_id, -1, rating, interval, last, 2500, 8000, kind))
        memory = {"s": float(interval), "d": 5.0, "dr": 0.9, "lrt": times[-1] // 1000}
        card_rows.append((card_id, note_id, decks[n % 10], 0, 1_700_000_000, -1, 2, 2, 400 + n % 30, interval, 2500,
                          reviews_per_note, 0, 0, 0, 0, 0, json.dumps(memory)))
    db.executemany("insert into notes values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", note_rows)
    db.executemany("insert into cards values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", card_rows)
    db.executemany("insert into revlog values (?, ?, ?, ?, ?, ?, ?, ?, ?)", revlog_rows)
    db.commit()
    db.close()
    col = Collection(str(path))
    package = folder / "bench.apkg"
    col.export_anki_package(
        out_path=str(package),
        options=ExportAnkiPackageOptions(with_scheduling=True, with_deck_configs=True, with_media=False, legacy=False),
        limit=None,
    )
    col.close()
    return package


def _run(script: str, target: Path, package: Path, reviews: int) -> tuple[float, float]:
    """Seconds taken and peak memory (MiB) of one import in a fresh process.

    The peak is the process's own (``VmHWM``): ``ru_maxrss`` would also count the memory of the benchmark run it
    was forked from, which holds generated databases of its own.
    """
    result = subprocess.run(
        [sys.executable, "-c", script, str(target), str(package), str(reviews)],
        capture_output=True, text=True, check=True, env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    took, peak_kib = result.stdout.split()
    return float(took), int(peak_kib) / 1024


def measures(workdir: Path, quick: bool) -> list[Row]:
    notes = 300 if quick else 10_000
    reviews_per_note = 10
    reviews = notes * reviews_per_note
    repeat = 1 if quick else 3
    package = build_package(workdir, notes, reviews_per_note)
    ours: list[tuple[float, float]] = []
    theirs: list[tuple[float, float]] = []
    for n in range(repeat):  # alternately, so drift on a busy machine hits both alike
        (workdir / f"anki-{n}").mkdir()
        theirs.append(_run(ANKI_SIDE, workdir / f"anki-{n}" / "collection.anki2", package, reviews))
        ours.append(_run(QUIZGEN_SIDE, workdir / f"quizgen-{n}.db", package, reviews))
    label = f"import {notes} Anki notes with {reviews} reviews"
    return [
        Row(label, statistics.median(t for t, _ in ours), "s", "anki library importing the .apkg",
            statistics.median(t for t, _ in theirs), 2.0, ratio_target=True),
        Row(f"peak memory of {label}", max(m for _, m in ours), "MiB", "anki library, same import",
            max(m for _, m in theirs), 200.0),
    ]
