"""A short answer typed in full, graded leniently."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from quizgen.core.kinds import anki_html
from quizgen.core.kinds.base import STR, STR_LIST, TYPE_IN_NOTE, Kind, Shown, contains_phrase, unanswerable
from quizgen.core.kinds.grading import Grade, grade_text, normalise

if TYPE_CHECKING:
    from quizgen.core.cards import Card

MAX_ANSWER_WORDS = 4
UNANSWERABLE = "has no letters or digits, so no typed answer is ever graded right"


class Typed(Kind):
    name = "typed"
    required: ClassVar[dict[str, str]] = {"prompt": STR, "answer": STR}
    optional: ClassVar[dict[str, str]] = {"accept": STR_LIST}
    slow_seconds = 30
    free_text = True
    input_label = "Your answer"
    anki_note = TYPE_IN_NOTE

    def problems(self, fields: dict[str, Any]) -> list[tuple[str, str]]:
        out = []
        if unanswerable(fields["answer"]):
            out.append((f"answer {fields['answer']!r} {UNANSWERABLE}", "answer"))
        for accepted in fields.get("accept", []):
            if unanswerable(accepted):
                out.append((f"accepted answer {accepted!r} {UNANSWERABLE}", "accept"))
        return out

    def warnings(self, card: Card) -> list[str]:
        f = card.fields
        out = []
        if any(contains_phrase(f["prompt"], a) for a in [f["answer"], *f.get("accept", [])]):
            out.append("the answer appears in the prompt")
        words = len(normalise(f["answer"]).split())
        if words > MAX_ANSWER_WORDS:
            out.append(f"typed answer has {words} words; keep it to one fact of at most {MAX_ANSWER_WORDS}")
        return out

    def recalled(self, card: Card) -> list[str]:
        return [card.fields["answer"], *card.fields.get("accept", [])]

    def grade(self, card: Card, face: int, shown: Shown, response: str) -> Grade:
        return grade_text(response, [card.fields["answer"], *card.fields.get("accept", [])])

    def answer(self, card: Card) -> str:
        answer: str = card.fields["answer"]
        return answer

    def anki_fields(self, card: Card) -> list[str]:
        f = card.fields
        accepted = ", ".join(map(anki_html.html_text, f.get("accept", ())))
        return [anki_html.html_text(f["prompt"]), anki_html.html_text(f["answer"]), accepted]
