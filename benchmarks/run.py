"""Run every benchmark and print one table: measure, value, baseline (same run), ratio, target.

    python benchmarks/run.py            # full sizes (100k cards / 1M reviews, 10k-card deck, 1 MB and 10 MB text)
    python benchmarks/run.py --quick    # small sizes, under a minute: checks the harness, not the targets
"""

from __future__ import annotations

import argparse
import importlib
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import Row

MODULES = [
    "bench_quiz", "bench_import", "bench_export", "bench_ingest", "bench_stats", "bench_grading", "bench_anki_import",
    "bench_optimize",
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small sizes; checks that every measure runs")
    parser.add_argument("--only", help="run only the modules whose names contain this text")
    args = parser.parse_args(argv)
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="quizgen-bench-") as tmp:
        for name in MODULES:
            if args.only and args.only not in name:
                continue
            module = importlib.import_module(name)
            workdir = Path(tmp) / name
            workdir.mkdir()
            print(f"running {name} ...", file=sys.stderr, flush=True)
            rows.extend(module.measures(workdir, quick=args.quick))
    print_table(rows, quick=args.quick)
    return 0


def print_table(rows: list[Row], quick: bool) -> None:
    header = ("measure", "value", "baseline", "ratio", "target", "met")
    lines = [
        (
            row.measure,
            f"{row.value:.4g} {row.unit}",
            f"{row.baseline:.4g} {row.unit} ({row.baseline_name})",
            f"{row.ratio:.2f}x",
            row.target,
            ("yes" if row.met else "NO") if not quick else "n/a (quick)",
        )
        for row in rows
    ]
    widths = [max(len(str(x)) for x in column) for column in zip(header, *lines, strict=True)]
    for line in [header, *lines]:
        print("  ".join(str(cell).ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip())


if __name__ == "__main__":
    sys.exit(main())
