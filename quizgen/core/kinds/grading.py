"""Answer checking: lenient for free text, strict about meaning.

Free text is compared after normalising case, accents, punctuation, articles and spacing; a small typo (by
rapidfuzz's optimal-string-alignment distance, word by word) is accepted and reported as a typo, but numbers and
short words must be exact, so "HPA" never passes for "HPG" and "12 weeks" never for "13 weeks". Answers to choice
kinds are parsed from the forms a learner types ("b", "a,c", "cab", "3 1 2", "1b 2a 3c"); input that cannot be read
raises InvalidAnswer so the quiz asks again instead of marking it wrong.
"""

from __future__ import annotations

import re
import string
import unicodedata
from dataclasses import dataclass

ARTICLES = frozenset({"a", "an", "the"})
LETTERS = string.ascii_lowercase
TRUE_WORDS = frozenset({"t", "true", "y", "yes"})
FALSE_WORDS = frozenset({"f", "false", "n", "no"})

_APOSTROPHES = re.compile(r"['\u2019\u02bc]")
# Anything but letters and digits of any script separates words; a decimal point or comma between digits does not.
_NOT_WORD = re.compile(r"(?:(?<!\d)[.,]|[.,](?!\d)|[^\w.,]|_)+")
_SQUEEZABLE_SPACE = re.compile(r"(?<!\d) | (?!\d)")
# The first letters of a word carry its meaning's prefix (hypo/hyper, endo/exo, in/de): a typo there is no typo.
_FIXED_PREFIX = 4
_SEPARATORS = re.compile(r"[\s,;/]+")
_MATCH_PAIR = re.compile(r"(\d+)\s*[-=:.)]?\s*([a-z])")
_PARTS = re.compile(r"\s*(?:[,;/]|\band\b)\s*")


class InvalidAnswer(ValueError):
    """The response cannot be read as an answer of this kind; the message says what to type."""


@dataclass(frozen=True)
class Grade:
    """The verdict on one response: right or wrong, and whether it was accepted despite a typo."""

    correct: bool
    typo: bool = False


WRONG = Grade(False)
RIGHT = Grade(True)
TYPO = Grade(True, typo=True)


def normalise(text: str) -> str:
    """Lowercase words without accents, punctuation or leading articles, separated by single spaces.

    Letters of every script count ("17β" stays apart from "17α"), and so do decimals ("1.5" is not "15"). Only a
    leading "a", "an" or "the" is dropped: "Vitamin A" keeps its A.
    """
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    words = _NOT_WORD.sub(" ", _APOSTROPHES.sub("", plain)).split()
    while len(words) > 1 and words[0] in ARTICLES:
        words.pop(0)
    return " ".join(words)


def squeeze(normalised: str) -> str:
    """Spaces dropped, except between two numbers ("2 3 weeks" stays apart from "23 weeks")."""
    return _SQUEEZABLE_SPACE.sub("", normalised)


def typo_budget(word: str) -> int:
    """How many edits a word may carry and still count as itself: none for short words or anything numeric."""
    if any(ch.isdigit() for ch in word) or len(word) <= 4:
        return 0
    return 1 if len(word) <= 8 else 2


def _same_prefix(said: str, meant: str) -> bool:
    """The first letters match, or hold the same letters swapped ("detla" for "delta"), but no other letters."""
    head, target = said[:_FIXED_PREFIX], meant[:_FIXED_PREFIX]
    return head == target or sorted(head) == sorted(target)


def _close(given: str, expected: str) -> bool:
    """Whether normalised ``given`` is a small typo of normalised ``expected``."""
    # Imported here: every card kind imports this module, and rapidfuzz takes longer to load than the rest of it.
    from rapidfuzz.distance import OSA

    given_words, expected_words = given.split(), expected.split()
    if len(given_words) == len(expected_words):
        pairs = list(zip(given_words, expected_words, strict=True))
    else:
        # Words run together or split apart: judge the whole answer as one word.
        pairs = [(squeeze(given), squeeze(expected))]
    for said, meant in pairs:
        budget = typo_budget(meant)
        if not _same_prefix(said, meant):
            return False
        if OSA.distance(said, meant, score_cutoff=budget) > budget:
            return False
    return True


def grade_text(response: str, answers: list[str]) -> Grade:
    """A free-text response against the accepted answers (the main one first, then the ``accept`` alternatives)."""
    given = normalise(response)
    if not given:
        return WRONG
    targets = [normalise(answer) for answer in answers]
    squeezed = squeeze(given)
    if any(squeezed == squeeze(target) for target in targets):
        return RIGHT
    if any(target and _close(given, target) for target in targets):
        return TYPO
    return WRONG


def grade_cloze(response: str, answers: list[str]) -> Grade:
    """A cloze face: one answer, or several blanks of the same number given in order ("LH, FSH" or "LH and FSH")."""
    if len(answers) == 1:
        return grade_text(response, answers)
    whole = grade_text(response, [" ".join(answers)])
    if whole.correct:
        return whole
    parts = [part for part in _PARTS.split(response.strip()) if part]
    if len(parts) != len(answers):
        return WRONG
    grades = [grade_text(part, [answer]) for part, answer in zip(parts, answers, strict=True)]
    if all(g.correct for g in grades):
        return Grade(True, typo=any(g.typo for g in grades))
    return WRONG


def _index(token: str, count: int) -> int:
    """A choice label ("b" or "2") as a 0-based index."""
    if token.isascii() and token.isdigit():
        index = int(token) - 1
    elif len(token) == 1 and token in LETTERS:
        index = LETTERS.index(token)
    else:
        raise InvalidAnswer(f"'{token}' is not a choice: {choice_range(count)}")
    if not 0 <= index < count:
        raise InvalidAnswer(f"'{token}' is not a choice: {choice_range(count)}")
    return index


def choice_range(count: int) -> str:
    return f"type a letter from a to {LETTERS[count - 1]}"


def _tokens(response: str, count: int) -> list[str]:
    """Labels in a response: "a,c", "a c" and "ac" all give ["a", "c"]; "3 1 2" gives ["3", "1", "2"].

    Run-together digits ("312") are single labels only while every label is one digit (nine choices or fewer).
    """
    text = response.strip().casefold()
    tokens: list[str] = []
    for part in _SEPARATORS.split(text):
        if part.isalpha() or (part.isdigit() and count <= 9):
            tokens.extend(part)
        elif part:
            tokens.append(part)
    return tokens


def parse_choice(response: str, count: int) -> int:
    """One choice, as "b" (or "2")."""
    tokens = _tokens(response, count)
    if len(tokens) != 1:
        raise InvalidAnswer(f"choose one answer: {choice_range(count)}")
    return _index(tokens[0], count)


def parse_choices(response: str, count: int) -> set[int]:
    """Several choices, as "a,c", "a c" or "ac"."""
    tokens = _tokens(response, count)
    if not tokens:
        raise InvalidAnswer(f"choose one or more letters, e.g. ac ({choice_range(count)})")
    return {_index(token, count) for token in tokens}


def parse_bool(response: str) -> bool:
    word = normalise(response)
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise InvalidAnswer("answer t or f (true/false, y/n)")


def parse_order(response: str, count: int) -> list[int]:
    """A full ordering, as letters "cab" or numbers "3 1 2"."""
    hint = f"give every item once in order, as letters (e.g. {LETTERS[:count][::-1]}) or numbers"
    tokens = _tokens(response, count)
    if len(tokens) != count:
        raise InvalidAnswer(hint)
    order = [_index(token, count) for token in tokens]
    if len(set(order)) != count:
        raise InvalidAnswer(hint)
    return order


def parse_match(response: str, count: int, options: int) -> dict[int, int]:
    """Pairs "1b 2a 3c" (or just the letters in order, "bac") as {left index: right index}."""
    hint = f"pair every number with a letter, e.g. {' '.join(f'{i + 1}{LETTERS[i]}' for i in range(count))}"
    text = response.strip().casefold()
    if text.isalpha() and len(text) == count:
        return {i: _index(letter, options) for i, letter in enumerate(text)}
    pairs = _MATCH_PAIR.findall(text)
    if not pairs or _MATCH_PAIR.sub("", text).strip(" ,;") != "":
        raise InvalidAnswer(hint)
    result: dict[int, int] = {}
    for number, letter in pairs:
        left = int(number) - 1
        if not 0 <= left < count or left in result:
            raise InvalidAnswer(hint)
        result[left] = _index(letter, options)
    if len(result) != count:
        raise InvalidAnswer(hint)
    return result


def grade_mcq(response: str, shown: list[str], answer: str) -> Grade:
    return RIGHT if shown[parse_choice(response, len(shown))] == answer else WRONG


def grade_multi(response: str, shown: list[str], answers: list[str]) -> Grade:
    chosen = {shown[i] for i in parse_choices(response, len(shown))}
    return RIGHT if chosen == set(answers) else WRONG


def grade_truefalse(response: str, answer: bool) -> Grade:
    return RIGHT if parse_bool(response) == answer else WRONG


def grade_order(response: str, shown: list[str], items: list[str]) -> Grade:
    """``shown`` is the order on screen, ``items`` the right order."""
    return RIGHT if [shown[i] for i in parse_order(response, len(shown))] == items else WRONG


def grade_match(response: str, lefts: list[str], shown_rights: list[str], pairs: list[list[str]]) -> Grade:
    chosen = parse_match(response, len(lefts), len(shown_rights))
    right_of = {left: right for left, right in pairs}
    return RIGHT if all(shown_rights[chosen[i]] == right_of[left] for i, left in enumerate(lefts)) else WRONG
