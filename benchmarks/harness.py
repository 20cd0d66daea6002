"""Shared pieces of the benchmarks: timing helpers and the row every measure reports.

Each measure is printed beside a baseline measured in the same run on the same machine, so the ratio means
something on a shared, noisy host where absolute seconds do not.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Row:
    """One line of the table.

    ``limit`` is the target: an absolute bound in ``unit`` when ``ratio_target`` is False, else a bound on
    value / baseline.
    """

    measure: str
    value: float
    unit: str
    baseline_name: str
    baseline: float
    limit: float
    ratio_target: bool = False

    @property
    def ratio(self) -> float:
        return self.value / self.baseline if self.baseline else float("inf")

    @property
    def target(self) -> str:
        return f"<= {self.limit:g}x" if self.ratio_target else f"<= {self.limit:g} {self.unit}"

    @property
    def met(self) -> bool:
        return (self.ratio if self.ratio_target else self.value) <= self.limit


def median_seconds(fn: Callable[[], object], repeat: int) -> float:
    """Median wall time of ``repeat`` calls."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def installed_env(workdir: Path, **settings: str) -> dict[str, str]:
    """The environment for timing a quizgen command as a user runs it: with its modules' bytecode cached, as pip
    leaves an installed package, and not compiled afresh on every run as a checkout with PYTHONDONTWRITEBYTECODE set
    would. The bytecode goes to a folder of the run's own, written on the first (warm-up) run."""
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    return env | {"PYTHONPYCACHEPREFIX": str(workdir / "bytecode")} | settings


def command_seconds(args: list[str], repeat: int, env: dict[str, str] | None = None, input: str | None = None) -> float:
    """Median wall time of running a command to completion."""
    return median_seconds(
        lambda: subprocess.run(args, env=env, input=input, capture_output=True, text=True, check=True), repeat
    )


def python_baseline(repeat: int, env: dict[str, str] | None = None) -> float:
    """Start-up of a bare interpreter importing click and sqlite3: the floor under any CLI command."""
    return command_seconds([sys.executable, "-c", "import click, sqlite3"], repeat, env=env)


def paired_median_seconds(
    first: Callable[[], object], second: Callable[[], object], repeat: int
) -> tuple[float, float]:
    """Median wall times of two functions run alternately, so drift on a busy machine hits both alike."""
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(repeat):
        for fn, bucket in ((first, times[0]), (second, times[1])):
            start = time.perf_counter()
            fn()
            bucket.append(time.perf_counter() - start)
    return statistics.median(times[0]), statistics.median(times[1])
