"""``quizgen stats`` on a generated database of 100k cards and 1M reviews (quick: 2k and 20k), as a user runs it
(a new process, drawing in the terminal), against a bare ``python -c "import click, sqlite3"``."""

from __future__ import annotations

import sys
from pathlib import Path

from generate import shared_large_db
from harness import Row, command_seconds, installed_env, python_baseline


def measures(workdir: Path, quick: bool) -> list[Row]:
    cards, reviews = (2_000, 20_000) if quick else (100_000, 1_000_000)
    repeat = 3 if quick else 7
    database = shared_large_db(workdir, cards, reviews)
    env = installed_env(workdir, QUIZGEN_DB=str(database), NO_COLOR="1", COLUMNS="80")
    args = [sys.executable, "-m", "quizgen", "stats"]
    command_seconds(args, 1, env=env)  # warm the file cache and the bytecode
    python_baseline(1, env)
    baseline = python_baseline(repeat, env)
    value = command_seconds(args, repeat, env=env)
    return [
        Row(f"stats: quizgen stats ({cards // 1000}k cards, {reviews // 1000}k reviews)", value, "s",
            "python -c 'import click, sqlite3'", baseline, 1.0)
    ]
