"""The free-text grader as it was before the rules were measured, frozen so that ``bench_grading`` can report its
false accepts and false rejects beside the current grader's, on the same cases in the same run."""

from __future__ import annotations

from rapidfuzz.distance import OSA

from quizgen.core.kinds.grading import normalise, squeeze

_FIXED_PREFIX = 4


def _typo_budget(word: str) -> int:
    if any(ch.isdigit() for ch in word) or len(word) <= 4:
        return 0
    return 1 if len(word) <= 8 else 2


def _same_prefix(said: str, meant: str) -> bool:
    head, target = said[:_FIXED_PREFIX], meant[:_FIXED_PREFIX]
    return head == target or sorted(head) == sorted(target)


def _close(given: str, expected: str) -> bool:
    given_words, expected_words = given.split(), expected.split()
    if len(given_words) == len(expected_words):
        pairs = list(zip(given_words, expected_words, strict=True))
    else:
        pairs = [(squeeze(given), squeeze(expected))]
    for said, meant in pairs:
        budget = _typo_budget(meant)
        if not _same_prefix(said, meant):
            return False
        if OSA.distance(said, meant, score_cutoff=budget) > budget:
            return False
    return True


def accepts(response: str, answers: list[str]) -> bool:
    """Whether the old grader took ``response`` as right (exactly or as a typo)."""
    given = normalise(response)
    if not given:
        return False
    targets = [normalise(answer) for answer in answers]
    if any(squeeze(given) == squeeze(target) for target in targets):
        return True
    return any(target and _close(given, target) for target in targets)
