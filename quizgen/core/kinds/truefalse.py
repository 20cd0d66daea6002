"""A statement to judge true or false."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from quizgen.core.kinds import anki_html
from quizgen.core.kinds.base import BOOL, CHOICE_NOTE, STR, Kind, Shown
from quizgen.core.kinds.grading import Grade, grade_truefalse, normalise

if TYPE_CHECKING:
    from quizgen.core.cards import Card

TRUE_SHARE = (0.35, 0.65)
MIN_CARDS_FOR_BALANCE = 5
# Test-takers learn that a sweeping word marks a false statement; one that only false statements use teaches it.
ABSOLUTES = ("always", "never", "every", "only", "required", "all", "none")

# A true/false card's choices never change; only which one is marked right does.
_CHOICES = {
    answer: anki_html.choice_lists(["True", "False"], {"True" if answer else "False"}) for answer in (True, False)
}


class TrueFalse(Kind):
    name = "truefalse"
    required: ClassVar[dict[str, str]] = {"prompt": STR, "answer": BOOL}
    slow_seconds = 15
    input_label = "True or false (t/f)"
    anki_note = CHOICE_NOTE

    def deck_warnings(self, cards: list[Card]) -> list[tuple[int, str]]:
        return [*self._balance(cards), *self._absolutes_only_when_false(cards)]

    def _balance(self, cards: list[Card]) -> list[tuple[int, str]]:
        if len(cards) < MIN_CARDS_FOR_BALANCE:
            return []
        low, high = TRUE_SHARE
        share = sum(1 for card in cards if card.fields["answer"]) / len(cards)
        if low <= share <= high:
            return []
        return [(0, f"{share:.0%} of its {len(cards)} true/false cards are true; "
                    f"keep between {low:.0%} and {high:.0%} so guessing 'true' does not pay")]

    def _absolutes_only_when_false(self, cards: list[Card]) -> list[tuple[int, str]]:
        """One warning naming the false statements whose absolutes no true statement uses."""
        used = [set(normalise(card.fields["prompt"]).split()).intersection(ABSOLUTES) for card in cards]
        in_true = set().union(*(words for card, words in zip(cards, used, strict=True) if card.fields["answer"]))
        flagged = [(i, sorted(words - in_true)) for i, words in enumerate(used)
                   if not cards[i].fields["answer"] and words - in_true]
        if not flagged:
            return []
        named = ", ".join(f"'{cards[i].id}' ({'/'.join(words)})" for i, words in flagged)
        return [(flagged[0][0], f"absolutes appear in false true/false statements but in no true one: {named}; "
                                "use them on both sides or drop them, so they do not mark the false ones")]

    def grade(self, card: Card, face: int, shown: Shown, response: str) -> Grade:
        return grade_truefalse(response, card.fields["answer"])

    def answer(self, card: Card) -> str:
        return "true" if card.fields["answer"] else "false"

    def anki_fields(self, card: Card) -> list[str]:
        front, back = _CHOICES[bool(card.fields["answer"])]
        return [anki_html.html_text(card.fields["prompt"]), "True or false?", front, back]

    def text_rows(self, card: Card) -> list[tuple[str, str]]:
        return [(f"True or false? {card.fields['prompt']}", "True" if card.fields["answer"] else "False")]
