"""Multiple choice with one or more right answers, all to be chosen."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, ClassVar

from quizgen.core.kinds.base import STR, STR_LIST, Shown
from quizgen.core.kinds.choices import ChoiceKind
from quizgen.core.kinds.grading import Grade, grade_multi

if TYPE_CHECKING:
    from quizgen.core.cards import Card

_COUNT = r"(?:two|three|four|five|six|seven|eight|nine|ten|both|\d+)"
# "Which two ...", "select three", "pick 2", "name both": the stem tells how many to choose, so the learner stops
# weighing the others once that many look right.
STATED_COUNT = re.compile(
    rf"\b(?:which|what|select|choose|pick|name|tick|mark|identify|give)\s+(?:the\s+|any\s+|exactly\s+)?{_COUNT}\b",
    re.IGNORECASE,
)


class Multi(ChoiceKind):
    name = "multi"
    required: ClassVar[dict[str, str]] = {"prompt": STR, "choices": STR_LIST, "answer": STR_LIST}
    slow_seconds = 30
    input_label = "Your answers (letters, e.g. ac)"
    instruction = "Choose all that apply"

    def right_answers(self, fields: dict[str, Any]) -> list[str]:
        answers: list[str] = fields["answer"]
        return answers

    def problems(self, fields: dict[str, Any]) -> list[tuple[str, str]]:
        out = super().problems(fields)
        answers = fields["answer"]
        if not answers:
            out.append(("'answer' must list at least one of the choices", "answer"))
        if len(set(answers)) != len(answers):
            out.append(("'answer' lists a choice twice", "answer"))
        missing = [a for a in answers if a not in fields["choices"]]
        if missing:
            out.append((f"answer is not a subset of the choices: {missing!r}", "answer"))
        return out

    def warnings(self, card: Card) -> list[str]:
        out = super().warnings(card)
        if STATED_COUNT.search(card.fields["prompt"]):
            out.append("the prompt says how many answers to pick; let the learner judge every choice")
        return out

    def grade(self, card: Card, face: int, shown: Shown, response: str) -> Grade:
        return grade_multi(response, shown.options, card.fields["answer"])

    def answer(self, card: Card) -> str:
        return "; ".join(card.fields["answer"])
