"""A text with deletions to fill in, asked once per deletion number: typed in, or with ``reveal`` shown and rated
by the learner, as Anki asks clozes."""

from __future__ import annotations

import random
from typing import TYPE_CHECKING, Any, ClassVar

from quizgen.core.kinds import anki_html, cloze_syntax
from quizgen.core.kinds.base import BOOL, CLOZE_NOTE, STR, Face, Kind, Shown, contains_phrase, unanswerable
from quizgen.core.kinds.grading import Grade, grade_cloze

if TYPE_CHECKING:
    from quizgen.core.cards import Card

MAX_DELETIONS = 3


class Cloze(Kind):
    name = "cloze"
    required: ClassVar[dict[str, str]] = {"text": STR}
    optional: ClassVar[dict[str, str]] = {"reveal": BOOL}
    main = "text"
    slow_seconds = 30
    free_text = True
    input_label = "Fill the blank"
    anki_note = CLOZE_NOTE

    def problems(self, fields: dict[str, Any]) -> list[tuple[str, str]]:
        out = [(message, "text") for message in cloze_syntax.problems(fields["text"])]
        if fields.get("reveal") is True:
            return out  # nothing is typed in: a deletion of symbols only is as good as any
        for d in cloze_syntax.deletions(fields["text"]):
            if d.answer.strip() and unanswerable(d.answer):
                out.append((f"cloze deletion c{d.number} ({d.answer!r}) has no letters or digits, "
                            "so no typed answer is ever graded right", "text"))
        return out

    def warnings(self, card: Card) -> list[str]:
        text = card.fields["text"]
        deletions = cloze_syntax.deletions(text)
        out = []
        if len(deletions) > MAX_DELETIONS:
            out.append(f"{len(deletions)} deletions; keep to {MAX_DELETIONS} or fewer per card")
        visible = cloze_syntax.outside(text)
        if any(contains_phrase(visible, d.answer) for d in deletions):
            out.append("a deleted term also appears outside its deletion")
        out += [f"{slip}: shown as typed, as Anki shows it (a slip?)" for slip in cloze_syntax.slips(text)]
        return out

    def plain_text(self, card: Card) -> str:
        return cloze_syntax.render(card.fields["text"], None)

    def recalled(self, card: Card) -> list[str]:
        return [d.answer for d in cloze_syntax.deletions(card.fields["text"])]

    def faces(self, card: Card) -> list[Face]:
        return [Face(n, self.face_name(n)) for n in cloze_syntax.numbers(card.fields["text"])]

    def face_name(self, number: int) -> str:
        return f"c{number}"

    def face_text(self, card: Card, face: int) -> str:
        return cloze_syntax.render(card.fields["text"], face)

    def rated_by_learner(self, card: Card) -> bool:
        return card.fields.get("reveal") is True

    def present(self, card: Card, face: int, rng: random.Random) -> Shown:
        text = card.fields["text"]
        expected = "; ".join(cloze_syntax.answers(text, face))
        # Revealed, the answer comes first, then the whole text it completes.
        back = f"{expected}\n{cloze_syntax.render(text, None)}" if self.rated_by_learner(card) else ""
        return Shown(self.face_text(card, face), [], [], back, expected)

    def grade(self, card: Card, face: int, shown: Shown, response: str) -> Grade:
        return grade_cloze(response, cloze_syntax.answers(card.fields["text"], face))

    def answer(self, card: Card) -> str:
        return "; ".join(d.answer for d in cloze_syntax.deletions(card.fields["text"]))

    def anki_fields(self, card: Card) -> list[str]:
        return [anki_html.html_text(card.fields["text"])]

    def text_rows(self, card: Card) -> list[tuple[str, str]]:
        text = card.fields["text"]
        return [
            (cloze_syntax.render(text, number), "; ".join(cloze_syntax.answers(text, number)))
            for number in cloze_syntax.numbers(text)
        ]
