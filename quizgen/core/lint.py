"""Warnings about card quality that a machine can tell (after ../shared/CARDS.md, SuperMemo's 20 rules).

Validation (bank.py) rejects what cannot be asked; lint warns about what can be asked but teaches badly.
`quizgen check --strict` fails on these warnings.
"""

from __future__ import annotations

from collections import defaultdict

from rapidfuzz import fuzz, process

from quizgen.core.cards import Card
from quizgen.core.display import hidden_characters, visible
from quizgen.core.kinds import KINDS
from quizgen.core.kinds.grading import normalise
from quizgen.core.questions import WARNING, Bank, LoadedCard, Problem

NEAR_DUPLICATE_SCORE = 90


def lint(bank: Bank) -> list[Problem]:
    """Every quality warning for the cards in ``bank``."""
    problems: list[Problem] = []
    for loaded in bank.cards:
        for message in card_warnings(loaded):
            problems.append(Problem(loaded.path, loaded.line, f"card '{loaded.card.id}': {message}", WARNING))
    problems.extend(_hidden_text(bank.cards))
    problems.extend(_near_duplicates(bank.cards))
    problems.extend(_answers_given_away(bank.cards))
    problems.extend(_deck_warnings(bank.cards))
    return problems


def card_warnings(loaded: LoadedCard) -> list[str]:
    card = loaded.card
    out: list[str] = []
    if not card.explanation.strip():
        out.append("no explanation (say why the answer is right)")
    out.extend(card.spec.warnings(card))
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


def _comparable_text(loaded: LoadedCard) -> str:
    return normalise(loaded.card.spec.plain_text(loaded.card))


def _near_duplicates(cards: list[LoadedCard]) -> list[Problem]:
    """Each card with the same text as an earlier card of its deck, or nearly the same as an earlier one of its kind
    (one fact asked through two kinds is fine), named once, beside the earlier card most like it: a draft of many
    similar cards gets a warning a card, not one for every pair."""
    problems = []
    for group in _by_deck(cards).values():
        first_with: dict[str, LoadedCard] = {}
        by_kind: dict[str, tuple[list[str], list[LoadedCard]]] = defaultdict(lambda: ([], []))
        for loaded in group:
            text = _comparable_text(loaded)
            if not text:
                continue  # nothing but symbols: nothing to compare
            texts, earlier = by_kind[loaded.card.kind]
            same = first_with.setdefault(text, loaded)
            like: LoadedCard | None = None
            if same is not loaded:
                like, what = same, "the same text as"
            elif texts and (near := process.extractOne(text, texts, scorer=fuzz.ratio,
                                                       score_cutoff=NEAR_DUPLICATE_SCORE)) is not None:
                like, what = earlier[near[2]], "nearly the same text as"
            if like is not None:
                problems.append(Problem(loaded.path, loaded.line,
                                        f"card '{loaded.card.id}' has {what} card '{like.card.id}' ({like.place})",
                                        WARNING))
            texts.append(text)
            earlier.append(loaded)
    return problems


def _answers_given_away(cards: list[LoadedCard]) -> list[Problem]:
    """A card whose answer an earlier card of its section already shows (SuperMemo's interference rule): new cards
    come in file order, so the learner meets the answer before the question."""
    problems = []
    sections: dict[tuple[str, str], Introduced] = defaultdict(Introduced)
    where = {id(loaded.card): loaded for loaded in cards}
    for loaded in cards:
        card = loaded.card
        introduced = sections[card.deck, card.section]
        given_away = introduced.giving_away(card)
        if given_away:
            answer, before = given_away
            at = where[id(before)]
            problems.append(
                Problem(loaded.path, loaded.line,
                        f"card '{card.id}': its answer {answer!r} already appears in card '{before.id}' "
                        f"({at.place}), which comes earlier in the same section", WARNING)
            )
        introduced.add(card)
    return problems


class Introduced:
    """The cards of one section met so far, in order, and the text each shows (compared as the grader compares
    answers, whole words only), to tell which answers they give away."""

    def __init__(self) -> None:
        self._cards: list[tuple[Card, list[str], list[str]]] = []

    def add(self, card: Card) -> None:
        statements = [*card.spec.shown_texts(card), card.explanation]
        self._cards.append((card, _padded(statements), _padded(card.spec.options(card))))

    def giving_away(self, card: Card) -> tuple[str, Card] | None:
        """The first of ``card``'s answers that an earlier card shows, with that card; None if none does."""
        for answer in card.spec.recalled(card):
            before = self.showing(answer, options_too=not card.spec.picked_from_options)
            if before:
                return answer, before
        return None

    def showing(self, phrase: str, options_too: bool = True) -> Card | None:
        """The first card met so far that shows ``phrase`` (in its options too, unless told otherwise)."""
        folded = normalise(phrase)
        if not folded:
            return None
        needle = f" {folded} "
        for before, statements, options in self._cards:
            if any(needle in text for text in (statements + options if options_too else statements)):
                return before
        return None


def _padded(texts: list[str]) -> list[str]:
    return [f" {normalise(text)} " for text in texts]


def _deck_warnings(cards: list[LoadedCard]) -> list[Problem]:
    """Each kind's rules over its cards of one deck."""
    groups: dict[tuple[str, str], list[LoadedCard]] = defaultdict(list)
    for loaded in cards:
        groups[loaded.card.kind, loaded.card.deck].append(loaded)
    problems = []
    for (kind, deck), group in groups.items():
        for index, message in KINDS[kind].deck_warnings([loaded.card for loaded in group]):
            at = group[index]
            problems.append(Problem(at.path, at.line, f"deck '{deck}': {message}", WARNING))
    return problems


def _by_deck(cards: list[LoadedCard]) -> dict[str, list[LoadedCard]]:
    """The cards grouped by deck: rules across cards apply within a deck."""
    groups: dict[str, list[LoadedCard]] = defaultdict(list)
    for loaded in cards:
        groups[loaded.card.deck].append(loaded)
    return groups
