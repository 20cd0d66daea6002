"""Answer checking: what a learner may type and still be right, and what is read as which choice."""

from __future__ import annotations

import pytest

from quizgen.core.kinds.grading import (
    Grade,
    InvalidAnswer,
    grade_cloze,
    grade_match,
    grade_mcq,
    grade_multi,
    grade_order,
    grade_text,
    grade_truefalse,
    normalise,
    parse_bool,
    parse_choice,
    parse_choices,
    parse_match,
    parse_order,
)


@pytest.mark.parametrize(
    "typed, expected",
    [
        ("The Delta", "delta"),
        ("  river   DELTA ", "river delta"),
        ("Éstuaire", "estuaire"),
        ("oxbow-lake!", "oxbow lake"),
        ("an ox's bow", "oxs bow"),
        ("A", "a"),
        ("Vitamin A", "vitamin a"),
        ("17β-estradiol", "17β estradiol"),
        ("1.5 mg", "1.5 mg"),
    ],
)
def test_normalise_ignores_case_accents_punctuation_articles_and_spacing(typed, expected):
    assert normalise(typed) == expected


@pytest.mark.parametrize("typed", ["delta", "DELTA", "the delta", "Delta.", " delta ", "a delta"])
def test_exact_answers_in_any_dress_are_right_without_typo(typed):
    verdict = grade_text(typed, ["delta"])
    assert verdict.correct and not verdict.typo


def test_accents_are_ignored_both_ways():
    assert grade_text("Sao Paulo", ["São Paulo"]).correct
    assert grade_text("São Paulo", ["Sao Paulo"]).correct


def test_spacing_is_ignored_even_inside_words():
    verdict = grade_text("hydraulicaction", ["hydraulic action"])
    assert verdict.correct and not verdict.typo


@pytest.mark.parametrize("typed", ["evaporaton", "evapouration", "evaporatoin"])
def test_a_small_typo_is_accepted_and_reported(typed):
    verdict = grade_text(typed, ["evaporation"])
    assert verdict.correct and verdict.typo


def test_a_typo_per_word_is_judged_word_by_word():
    assert grade_text("hydrolic action", ["hydraulic action"]).typo
    assert not grade_text("hydraulic fiction", ["hydraulic action"]).correct


@pytest.mark.parametrize(
    "typed, answer",
    [
        ("HPA", "HPG"),
        ("LH", "FSH"),
        ("13 weeks", "12 weeks"),
        ("condensation", "evaporation"),
        ("", "delta"),
        ("the", "delta"),
    ],
)
def test_short_words_numbers_and_other_words_are_not_typos(typed, answer):
    assert not grade_text(typed, [answer]).correct


def test_accepted_alternatives_count_as_right():
    answers = ["hypothalamic-pituitary-gonadal axis", "HPG axis", "HPG"]
    assert grade_text("hpg", answers).correct
    assert grade_text("Hypothalamic pituitary gonadal axis", answers).correct
    assert not grade_text("HPA axis", answers).correct


def test_cloze_with_several_blanks_of_one_number_takes_them_in_order():
    answers = ["sand", "gravel"]
    assert grade_cloze("sand, gravel", answers).correct
    assert grade_cloze("sand and gravel", answers).correct
    assert grade_cloze("sand gravel", answers).correct
    assert not grade_cloze("gravel, sand", answers).correct
    assert not grade_cloze("sand", answers).correct
    assert grade_cloze("snad; gravel", ["sandy", "gravel"]).correct is False
    assert grade_cloze("sandd; gravel", ["sandy", "gravel"]).typo


def test_mcq_reads_a_letter_or_a_number():
    shown = ["Congo", "Nile", "Niger"]
    assert grade_mcq("b", shown, "Nile").correct
    assert grade_mcq(" B ", shown, "Nile").correct
    assert grade_mcq("2", shown, "Nile").correct
    assert not grade_mcq("a", shown, "Nile").correct


@pytest.mark.parametrize("typed", ["d", "ab", "", "nile", "0"])
def test_mcq_input_that_is_not_one_choice_is_asked_again(typed):
    with pytest.raises(InvalidAnswer):
        parse_choice(typed, 3)


@pytest.mark.parametrize("typed", ["a,c", "ac", "a c", "c, a", "CA", "1 3", "13", "a;c"])
def test_multi_accepts_every_common_way_of_listing_letters(typed):
    assert parse_choices(typed, 4) == {0, 2}


def test_multi_is_right_only_for_exactly_the_right_set():
    shown = ["Abrasion", "Condensation", "Hydraulic action", "Photosynthesis"]
    answers = ["Hydraulic action", "Abrasion"]
    assert grade_multi("ac", shown, answers).correct
    assert not grade_multi("a", shown, answers).correct
    assert not grade_multi("abc", shown, answers).correct
    with pytest.raises(InvalidAnswer):
        grade_multi("ae", shown, answers)
    with pytest.raises(InvalidAnswer):
        grade_multi("", shown, answers)


@pytest.mark.parametrize("typed, value", [("t", True), ("TRUE", True), ("y", True), ("yes", True),
                                          ("f", False), ("false", False), ("n", False), ("No.", False)])
def test_truefalse_reads_the_usual_words(typed, value):
    assert parse_bool(typed) is value
    assert grade_truefalse(typed, value).correct
    assert not grade_truefalse(typed, not value).correct


def test_truefalse_rejects_anything_else():
    with pytest.raises(InvalidAnswer):
        parse_bool("maybe")


def test_order_reads_letters_or_numbers():
    assert parse_order("cab", 3) == [2, 0, 1]
    assert parse_order("3 1 2", 3) == [2, 0, 1]
    assert parse_order("3,1,2", 3) == [2, 0, 1]
    assert parse_order("C A B", 3) == [2, 0, 1]


@pytest.mark.parametrize("typed", ["ab", "aab", "abcd", "1 2 4", "x y z"])
def test_order_must_name_every_item_once(typed):
    with pytest.raises(InvalidAnswer):
        parse_order(typed, 3)


def test_order_grading_uses_the_shown_labels():
    items = ["Evaporation", "Condensation", "Precipitation"]
    shown = ["Precipitation", "Evaporation", "Condensation"]
    assert grade_order("bca", shown, items).correct
    assert grade_order("2 3 1", shown, items).correct
    assert not grade_order("abc", shown, items).correct


def test_match_reads_number_letter_pairs_in_any_order_and_spacing():
    assert parse_match("1b 2a 3c", 3, 3) == {0: 1, 1: 0, 2: 2}
    assert parse_match("2a, 1b, 3c", 3, 3) == {0: 1, 1: 0, 2: 2}
    assert parse_match("1-b 2=a 3:c", 3, 3) == {0: 1, 1: 0, 2: 2}
    assert parse_match("1b2a3c", 3, 3) == {0: 1, 1: 0, 2: 2}
    assert parse_match("bac", 3, 3) == {0: 1, 1: 0, 2: 2}


@pytest.mark.parametrize("typed", ["1b 2a", "1b 1a 3c", "1b 2a 4c", "1b 2a 3z", "hello", "1b 2a 3c x"])
def test_match_must_pair_every_number_once(typed):
    with pytest.raises(InvalidAnswer):
        parse_match(typed, 3, 3)


def test_match_grading():
    pairs = [["Source", "Where it begins"], ["Mouth", "Where it ends"], ["Bank", "Its side"]]
    lefts = ["Source", "Mouth", "Bank"]
    shown = ["Its side", "Where it begins", "Where it ends"]
    assert grade_match("1b 2c 3a", lefts, shown, pairs).correct
    assert not grade_match("1c 2b 3a", lefts, shown, pairs).correct


def test_invalid_answer_messages_say_what_to_type():
    with pytest.raises(InvalidAnswer, match="a to d"):
        parse_choice("z", 4)
    with pytest.raises(InvalidAnswer, match="t or f"):
        parse_bool("perhaps")
    with pytest.raises(InvalidAnswer, match="1a 2b 3c"):
        parse_match("nonsense", 3, 3)


@pytest.mark.parametrize(
    "typed, expected",
    [
        ("endogenous", "exogenous"),
        ("hypergonadism", "hypogonadism"),
        ("decreased", "increased"),
        ("catabolic", "anabolic"),
        ("Vitamin E", "Vitamin A"),
        ("Type A", "Type B"),
        ("15", "1.5"),
        ("23 weeks", "2-3 weeks"),
        ("17α-estradiol", "17β-estradiol"),
        ("10 g", "10 µg"),
    ],
)
def test_a_different_word_is_never_taken_for_a_typo(typed, expected):
    assert grade_text(typed, [expected]) == Grade(False)


def test_answers_in_other_scripts_can_be_right():
    assert grade_text("β", ["β"]) == Grade(True)
    assert grade_text("ERβ", ["ERβ"]) == Grade(True) and not grade_text("ER", ["ERβ"]).correct


def test_superscript_digits_are_not_choices():
    with pytest.raises(InvalidAnswer):
        parse_choice("²", 4)
