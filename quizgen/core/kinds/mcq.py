"""Multiple choice with one right answer."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from quizgen.core.kinds.base import STR, STR_LIST, Shown, contains_phrase
from quizgen.core.kinds.choices import ChoiceKind
from quizgen.core.kinds.grading import Grade, grade_mcq

if TYPE_CHECKING:
    from quizgen.core.cards import Card

MIN_CHOICES = 4
# A right choice this much longer than every other stands out; a deck whose right choice is the longest this often
# teaches test-takers to pick the longest.
STANDOUT_LENGTH = 1.25
STANDOUT_CHARACTERS = 10
LONGEST_SHARE = 0.40
MIN_CARDS_FOR_LONGEST_SHARE = 10


def _stands_out(answer: int, longest_other: int) -> bool:
    return answer >= STANDOUT_LENGTH * longest_other and answer - longest_other >= STANDOUT_CHARACTERS


def _distractor_lengths(fields: dict[str, Any]) -> list[int]:
    return [len(choice) for choice in fields["choices"] if choice != fields["answer"]] or [0]


class Mcq(ChoiceKind):
    name = "mcq"
    required: ClassVar[dict[str, str]] = {"prompt": STR, "choices": STR_LIST, "answer": STR}
    slow_seconds = 20
    input_label = "Your answer (a letter)"
    instruction = "Choose one"
    picked_from_options = True

    def right_answers(self, fields: dict[str, Any]) -> list[str]:
        return [fields["answer"]]

    def problems(self, fields: dict[str, Any]) -> list[tuple[str, str]]:
        out = super().problems(fields)
        if fields["answer"] not in fields["choices"]:
            out.append((f"answer {fields['answer']!r} is not one of the choices", "answer"))
        return out

    def warnings(self, card: Card) -> list[str]:
        f = card.fields
        out = []
        if len(f["choices"]) < MIN_CHOICES:
            out.append(f"only {len(f['choices'])} choices; give at least {MIN_CHOICES} plausible ones")
        out.extend(super().warnings(card))
        if contains_phrase(f["prompt"], f["answer"]):
            out.append("the answer appears in the prompt")
        if _stands_out(len(f["answer"]), max(_distractor_lengths(f))):
            out.append("the right choice is much longer than the others; make the choices alike in length")
        return out

    def deck_warnings(self, cards: list[Card]) -> list[tuple[int, str]]:
        if len(cards) < MIN_CARDS_FOR_LONGEST_SHARE:
            return []
        longest = [
            i for i, card in enumerate(cards) if len(card.fields["answer"]) > max(_distractor_lengths(card.fields))
        ]
        share = len(longest) / len(cards)
        if share <= LONGEST_SHARE:
            return []
        return [(longest[0], f"in {share:.0%} of its {len(cards)} multiple-choice cards the right choice is "
                             f"the longest; keep it under {LONGEST_SHARE:.0%} so length gives nothing away")]

    def recalled(self, card: Card) -> list[str]:
        return [card.fields["answer"]]

    def grade(self, card: Card, face: int, shown: Shown, response: str) -> Grade:
        return grade_mcq(response, shown.options, card.fields["answer"])

    def answer(self, card: Card) -> str:
        answer: str = card.fields["answer"]
        return answer
