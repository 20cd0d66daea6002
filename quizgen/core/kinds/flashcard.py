"""A front and a back, rated by the learner; optionally a hint, shown only when asked for (as Anki's ``{{hint:}}``
fields are)."""

from __future__ import annotations

import random
from typing import TYPE_CHECKING, ClassVar

from quizgen.core.kinds import anki_html
from quizgen.core.kinds.base import BASIC_NOTE, STR, Kind, Shown, contains_phrase

if TYPE_CHECKING:
    from quizgen.core.cards import Card


class Flashcard(Kind):
    name = "flashcard"
    required: ClassVar[dict[str, str]] = {"front": STR, "back": STR}
    optional: ClassVar[dict[str, str]] = {"hint": STR}
    main = "front"
    self_rated = True
    anki_note = BASIC_NOTE

    def shown_texts(self, card: Card) -> list[str]:
        return [card.fields["front"], card.fields["back"], *([card.fields["hint"]] if card.fields.get("hint") else [])]

    def warnings(self, card: Card) -> list[str]:
        if contains_phrase(card.fields.get("hint", ""), card.fields["back"]):
            return ["the hint gives the answer away"]
        return []

    def present(self, card: Card, face: int, rng: random.Random) -> Shown:
        back = card.fields["back"]
        return Shown(card.fields["front"], [], [], back, back)

    def answer(self, card: Card) -> str:
        back: str = card.fields["back"]
        return back

    def anki_fields(self, card: Card) -> list[str]:
        front = anki_html.question_html(card.fields["front"])
        if card.fields.get("hint"):
            # Closed until clicked, as Anki's own hint fields are; in the front field, as the note type has no other.
            hint = anki_html.html_text(card.fields["hint"])
            front += f'<details class="hint"><summary>Hint</summary>{hint}</details>'
        return [front, f'<div class="answer">{anki_html.html_text(card.fields["back"])}</div>']
