"""The benchmark harness cannot rot: its quick mode runs every measure and prints every row (timings unchecked)."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import ROOT

ROWS = [
    "start to first question",
    "answer to next question p50",
    "answer to next question p95",
    "peak memory",
    "cards from TOML",
    "cards to .apkg",
    "ingest 0.1 MB",
    "ingest 1 MB",
    "quizgen stats",
    "grading false accepts",
    "grading false rejects",
    "Anki notes with",
    "optimize: fit",
]


def test_quick_benchmarks_print_every_measure():
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--quick"], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split()[:3] == ["measure", "value", "baseline"]
    for row in ROWS:
        assert any(row in line for line in lines[1:]), row
