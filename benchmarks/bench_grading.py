"""Free-text grading against the labelled cases of tests/data/grading_cases.tsv: false accepts (a wrong answer
taken as right) and false rejects (a right one refused), for the current grader and, as the baseline in the same
run, for the frozen rules it replaced (``grading_before``). Targets: at most 1% false accepts, at most 5% false
rejects. The cases are the same in quick mode: grading them takes well under a second.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import grading_before
from harness import Row

from quizgen.core.kinds.grading import grade_text

CASES = Path(__file__).resolve().parent.parent / "tests" / "data" / "grading_cases.tsv"
MAX_FALSE_ACCEPTS = 1.0
MAX_FALSE_REJECTS = 5.0


@dataclass(frozen=True)
class Case:
    answer: str
    typed: str
    accept: bool
    category: str


def load_cases(path: Path = CASES) -> list[Case]:
    with path.open(encoding="utf-8", newline="") as handle:
        return [
            Case(row["answer"], row["typed"], row["accept"] == "yes", row["category"])
            for row in csv.DictReader(handle, delimiter="\t")
        ]


def error_rates(cases: list[Case], accepts: Callable[[str, list[str]], bool]) -> tuple[float, float]:
    """Percentages of the should-reject cases accepted, and of the should-accept cases rejected."""
    wrong = [case for case in cases if not case.accept]
    right = [case for case in cases if case.accept]
    false_accepts = sum(accepts(case.typed, [case.answer]) for case in wrong)
    false_rejects = sum(not accepts(case.typed, [case.answer]) for case in right)
    return 100 * false_accepts / len(wrong), 100 * false_rejects / len(right)


def current(response: str, answers: list[str]) -> bool:
    return grade_text(response, answers).correct


def measures(workdir: Path, quick: bool) -> list[Row]:
    cases = load_cases()
    accepts_now, rejects_now = error_rates(cases, current)
    accepts_before, rejects_before = error_rates(cases, grading_before.accepts)
    return [
        Row(f"grading false accepts ({len(cases)} cases)", accepts_now, "%", "previous rules", accepts_before,
            MAX_FALSE_ACCEPTS),
        Row(f"grading false rejects ({len(cases)} cases)", rejects_now, "%", "previous rules", rejects_before,
            MAX_FALSE_REJECTS),
    ]
