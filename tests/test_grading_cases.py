"""Free-text grading measured on labelled cases, and the rules those cases pin: variants of the answer are right as
they stand, slips are typos, contrary prefixes and other words stay wrong; match answers say which pairs were right;
the differences of a typed answer are marked for the feedback."""

from __future__ import annotations

import csv

import pytest

from quizgen.core.kinds.grading import (
    Grade,
    InvalidAnswer,
    differences,
    grade_match,
    grade_text,
    parse_match,
)
from tests.conftest import ROOT

CASES = ROOT / "tests" / "data" / "grading_cases.tsv"
CATEGORIES_WANTED = [
    "typo: dropped letter", "typo: swapped letters", "typo: first letter", "plural for singular",
    "singular for plural", "American for British", "British for American", "articles and filler words",
    "number in words or digits", "list in another order", "opposite prefix", "different word",
]


def labelled_cases() -> list[dict[str, str]]:
    with CASES.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def test_the_labelled_cases_cover_every_rule_and_are_many():
    cases = labelled_cases()
    assert len(cases) >= 500
    categories = {case["category"] for case in cases}
    assert set(CATEGORIES_WANTED) <= categories
    assert {case["accept"] for case in cases} == {"yes", "no"}


def test_the_grader_meets_its_goals_on_the_labelled_cases():
    cases = labelled_cases()
    wrong = [c for c in cases if c["accept"] == "no"]
    right = [c for c in cases if c["accept"] == "yes"]
    false_accepts = [c for c in wrong if grade_text(c["typed"], [c["answer"]]).correct]
    false_rejects = [c for c in right if not grade_text(c["typed"], [c["answer"]]).correct]
    assert len(false_accepts) <= 0.01 * len(wrong), false_accepts
    assert len(false_rejects) <= 0.05 * len(right), false_rejects
    # Opposite prefixes are never taken for typos, whatever the rates elsewhere.
    assert not [c for c in false_accepts if c["category"] == "opposite prefix"]


@pytest.mark.parametrize("typed, answer", [
    ("pitiutary", "pituitary"), ("pitutary", "pituitary"), ("the targt cell", "target cell"),
    ("hydrolic action", "hydraulic action"), ("seminiferus", "seminiferous"),
])
def test_slips_anywhere_in_a_word_are_typos(typed, answer):
    assert grade_text(typed, [answer]) == Grade(True, typo=True)


@pytest.mark.parametrize("typed, answer", [
    ("a few weeks", "weeks"), ("gonadotrophin", "gonadotropin"), ("feedback loop", "feedback loops"),
    ("testes", "testis"), ("twelve weeks", "12 weeks"), ("FSH and LH", "LH and FSH"), ("haemoglobin", "hemoglobin"),
    ("about 50%", "50%"), ("colours", "color"),
])
def test_the_same_answer_written_another_way_is_right_and_no_typo(typed, answer):
    verdict = grade_text(typed, [answer])
    assert verdict.correct and not verdict.typo
    assert verdict.detail  # the feedback says it was accepted as a variant


@pytest.mark.parametrize("typed, answer", [
    ("hyperthyroidism", "hypothyroidism"), ("exocrine", "endocrine"), ("postnatal", "prenatal"),
    ("postpartum", "antepartum"), ("anaerobic", "aerobic"), ("efferent", "afferent"), ("ilium", "ileum"),
    ("Vitamin", "Vitamin A"), ("13 weeks", "twelve weeks"), ("LH and GnRH", "LH and FSH"),
])
def test_contraries_other_words_and_other_numbers_stay_wrong(typed, answer):
    assert not grade_text(typed, [answer]).correct


def test_a_match_answer_with_some_pairs_right_says_which():
    pairs = [["Source", "Where it begins"], ["Mouth", "Where it ends"], ["Bank", "Its side"], ["Bed", "Its floor"]]
    lefts = [left for left, _ in pairs]
    shown = ["Its side", "Where it begins", "Where it ends", "Its floor"]
    verdict = grade_match("1b 2a 3c 4d", lefts, shown, pairs)
    assert not verdict.correct and verdict.detail == "Pairs right: 1b, 4d (2 of 4)."
    assert grade_match("1c 2d 3b 4a", lefts, shown, pairs).detail == "No pair right (0 of 4)."
    assert grade_match("1b 2c 3a 4d", lefts, shown, pairs) == Grade(True)


@pytest.mark.parametrize("typed", ["1c 2a 3a", "aab", "1a 2a 3b"])
def test_a_match_answer_giving_a_letter_twice_is_asked_again(typed):
    with pytest.raises(InvalidAnswer, match="each letter goes with one number"):
        parse_match(typed, 3, 3)


def test_differences_mark_what_was_typed_wrong_and_what_was_left_out():
    typed, answer = differences("Pitutary", "pituitary")
    assert typed == [("Pitu", False), ("-", True), ("tary", False)]
    assert answer == [("pitu", False), ("i", True), ("tary", False)]
    # Another answer altogether is shown as it is, unmarked.
    assert differences("gland", "pituitary") == ([("gland", False)], [("pituitary", False)])
