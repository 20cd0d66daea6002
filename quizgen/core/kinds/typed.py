"""A short answer typed in full, graded leniently."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from quizgen.core.kinds import anki_html
from quizgen.core.kinds.base import STR, STR_LIST, TYPE_IN_NOTE, Kind, Shown, contains_phrase
from quizgen.core.kinds.grading import Grade, grade_text, normalise

if TYPE_CHECKING:
    from quizgen.core.cards import Card

MAX_ANSWER_WORDS = 4


class Typed(Kind):
    name = "typed"
    required: ClassVar[dict[str, str]] = {"prompt": STR, "answer": STR}
    optional: ClassVar[dict[str, str]] = {"accept": STR_LIST}
    slow_seconds = 30
    input_label = "Your answer"
    anki_note = TYPE_IN_NOTE

    def warnings(self, card: Card) -> list[str]:
        f = card.fields
        out = []
        if any(contains_phrase(f["prompt"], a) for a in [f["answer"], *f.get("accept", [])]):
            out.append("the answer appears in the prompt")
        words = len(normalise(f["answer"]).split())
        if words > MAX_ANSWER_WORDS:
            out.append(f"typed answer has {words} words; keep it to one fact of at most {MAX_ANSWER_WORDS}")
        return out

    def grade(self, card: Card, face: int, shown: Shown, response: str) -> Grade:
        return grade_text(response, [card.fields["answer"], *card.fields.get("accept", [])])

    def answer(self, card: Card) -> str:
        answer: str = card.fields["answer"]
        return answer

    def anki_fields(self, card: Card) -> list[str]:
        f = card.fields
        accepted = ", ".join(map(anki_html.html_text, f.get("accept", ())))
        return [anki_html.html_text(f["prompt"]), anki_html.html_text(f["answer"]), accepted]
