"""Warnings about card quality that a machine can tell (after ../shared/CARDS.md, SuperMemo's 20 rules).

Validation (bank.py) rejects what cannot be asked; lint warns about what can be asked but teaches badly.
`quizgen check --strict` fails on these warnings.
"""

from __future__ import annotations

import re
from collections import defaultdict

from rapidfuzz import fuzz, process

from quizgen.core.display import hidden_characters, visible
from quizgen.core.kinds import cloze_syntax
from quizgen.core.kinds.grading import normalise
from quizgen.core.questions import WARNING, Bank, LoadedCard, Problem

NEAR_DUPLICATE_SCORE = 90
MAX_TYPED_ANSWER_WORDS = 4
MAX_CLOZE_DELETIONS = 3
MIN_MCQ_CHOICES = 4
TRUE_SHARE = (0.35, 0.65)
MIN_TRUEFALSE_FOR_BALANCE = 5
# A right choice this much longer than every other stands out; a deck whose right choice is the longest this often
# teaches test-takers to pick the longest.
STANDOUT_LENGTH = 1.25
STANDOUT_CHARACTERS = 10
LONGEST_SHARE = 0.40
MIN_MCQ_FOR_LONGEST_SHARE = 10
ALL_OR_NONE = re.compile(r"\b(all|none|both|neither) of (the )?(above|these|them)\b", re.IGNORECASE)


def contains_phrase(haystack: str, needle: str) -> bool:
    """Whether ``needle`` occurs in ``haystack`` as whole words, compared as the grader compares answers."""
    folded = normalise(needle)
    return bool(folded) and f" {folded} " in f" {normalise(haystack)} "


def lint(bank: Bank) -> list[Problem]:
    """Every quality warning for the cards in ``bank``."""
    problems: list[Problem] = []
    for loaded in bank.cards:
        for message in card_warnings(loaded):
            problems.append(Problem(loaded.path, loaded.line, f"card '{loaded.card.id}': {message}", WARNING))
    problems.extend(_hidden_text(bank.cards))
    problems.extend(_near_duplicates(bank.cards))
    problems.extend(_truefalse_balance(bank.cards))
    problems.extend(_longest_choice_bias(bank.cards))
    return problems


def card_warnings(loaded: LoadedCard) -> list[str]:
    card = loaded.card
    f = card.fields
    out: list[str] = []
    if not card.explanation.strip():
        out.append("no explanation (say why the answer is right)")
    if card.kind in ("mcq", "multi"):
        choices = f["choices"]
        if card.kind == "mcq" and len(choices) < MIN_MCQ_CHOICES:
            out.append(f"only {len(choices)} choices; give at least {MIN_MCQ_CHOICES} plausible ones")
        if len({normalise(c) for c in choices}) != len(choices):
            out.append("two choices say the same thing")
        if any(ALL_OR_NONE.search(c) for c in choices):
            out.append("a choice like 'all/none of the above'; use a multi-select card instead")
    if card.kind == "mcq" and contains_phrase(f["prompt"], f["answer"]):
        out.append("the answer appears in the prompt")
    if card.kind == "mcq" and _stands_out(len(f["answer"]), max(_distractor_lengths(f))):
        out.append("the right choice is much longer than the others; make the choices alike in length")
    if card.kind == "typed":
        answers = [f["answer"], *f.get("accept", [])]
        if any(contains_phrase(f["prompt"], a) for a in answers):
            out.append("the answer appears in the prompt")
        words = len(normalise(f["answer"]).split())
        if words > MAX_TYPED_ANSWER_WORDS:
            out.append(f"typed answer has {words} words; keep it to one fact of at most {MAX_TYPED_ANSWER_WORDS}")
    if card.kind == "glossary" and any(contains_phrase(f["definition"], part) for part in _term_parts(f["term"])):
        out.append("the term appears in its definition (it is also asked definition-to-term)")
    if card.kind == "cloze":
        deletions = cloze_syntax.deletions(f["text"])
        if len(deletions) > MAX_CLOZE_DELETIONS:
            out.append(f"{len(deletions)} deletions; keep to {MAX_CLOZE_DELETIONS} or fewer per card")
        visible = cloze_syntax.DELETION.sub(" ", f["text"])
        if any(contains_phrase(visible, d.answer) for d in deletions):
            out.append("a deleted term also appears outside its deletion")
    return out


def _hidden_text(cards: list[LoadedCard]) -> list[Problem]:
    """Control, bidi and zero-width characters in any string of a card: the terminal shows them as escapes."""
    problems = []
    for loaded in cards:
        card = loaded.card
        strings = {"section": card.section, "explanation": card.explanation, "source": card.source, "tags": card.tags,
                   **card.fields}
        for key, value in strings.items():
            hidden = hidden_characters(" ".join(_strings_in(value)))
            if hidden:
                problems.append(
                    Problem(loaded.path, loaded.line,
                            f"card '{card.id}': control or invisible characters in its {key} "
                            f"({', '.join(visible(c) for c in hidden)}); they print as escapes", WARNING)
                )
    return problems


def _strings_in(value: object) -> list[str]:
    """Every string in a field's value: a string, a list of them, or a list of pairs."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [text for item in value for text in _strings_in(item)]
    return []


def _term_parts(term: str) -> list[str]:
    """'Testosterone Replacement Therapy (TRT)' -> the full name and the acronym, each of which must not leak."""
    inner = re.findall(r"\(([^)]*)\)", term)
    outer = re.sub(r"\([^)]*\)", " ", term)
    return [part for part in [outer, *inner] if normalise(part)]


def _comparable_text(loaded: LoadedCard) -> str:
    card = loaded.card
    if card.kind == "cloze":
        return normalise(cloze_syntax.render(card.fields["text"], None))
    if card.kind == "glossary":
        return normalise(card.fields["term"])
    return normalise(card.prompt)


def _near_duplicates(cards: list[LoadedCard]) -> list[Problem]:
    problems = []
    for group in _by_deck(cards).values():
        texts = [_comparable_text(c) for c in group]
        for i, text in enumerate(texts):
            matches = process.extract(
                text, texts[i + 1 :], scorer=fuzz.ratio, score_cutoff=NEAR_DUPLICATE_SCORE, limit=None
            )
            for _choice, _score, offset in matches:
                earlier, later = group[i], group[i + 1 + offset]
                identical = text == texts[i + 1 + offset]
                # One fact asked through two kinds is fine; the same words twice, or near-copies of one kind, are not.
                if not (identical or earlier.card.kind == later.card.kind):
                    continue
                what = "the same text as" if identical else "nearly the same text as"
                problems.append(
                    Problem(later.path, later.line,
                            f"card '{later.card.id}' has {what} card '{earlier.card.id}' "
                            f"({earlier.path}:{earlier.line})", WARNING)
                )
    return problems


def _truefalse_balance(cards: list[LoadedCard]) -> list[Problem]:
    problems = []
    low, high = TRUE_SHARE
    for deck, group in _by_deck(cards, "truefalse").items():
        if len(group) < MIN_TRUEFALSE_FOR_BALANCE:
            continue
        share = sum(1 for c in group if c.card.fields["answer"]) / len(group)
        if not low <= share <= high:
            first = group[0]
            problems.append(
                Problem(first.path, first.line,
                        f"deck '{deck}': {share:.0%} of its {len(group)} true/false cards are true; "
                        f"keep between {low:.0%} and {high:.0%} so guessing 'true' does not pay", WARNING)
            )
    return problems


def _stands_out(answer: int, longest_other: int) -> bool:
    return answer >= STANDOUT_LENGTH * longest_other and answer - longest_other >= STANDOUT_CHARACTERS


def _distractor_lengths(fields: dict) -> list[int]:
    return [len(choice) for choice in fields["choices"] if choice != fields["answer"]] or [0]


def _longest_choice_bias(cards: list[LoadedCard]) -> list[Problem]:
    problems = []
    for deck, group in _by_deck(cards, "mcq").items():
        if len(group) < MIN_MCQ_FOR_LONGEST_SHARE:
            continue
        longest = [c for c in group if len(c.card.fields["answer"]) > max(_distractor_lengths(c.card.fields))]
        share = len(longest) / len(group)
        if share > LONGEST_SHARE:
            first = longest[0]
            problems.append(
                Problem(first.path, first.line,
                        f"deck '{deck}': in {share:.0%} of its {len(group)} multiple-choice cards the right choice is "
                        f"the longest; keep it under {LONGEST_SHARE:.0%} so length gives nothing away", WARNING)
            )
    return problems


def _by_deck(cards: list[LoadedCard], kind: str | None = None) -> dict[str, list[LoadedCard]]:
    """The cards (of one kind, if given) grouped by deck: rules across cards apply within a deck."""
    groups: dict[str, list[LoadedCard]] = defaultdict(list)
    for loaded in cards:
        if kind is None or loaded.card.kind == kind:
            groups[loaded.card.deck].append(loaded)
    return groups
