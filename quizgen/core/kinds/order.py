"""Items to put in their right order."""

from __future__ import annotations

import random
from typing import TYPE_CHECKING, Any, ClassVar

from quizgen.core.kinds import anki_html
from quizgen.core.kinds.base import BASIC_NOTE, STR, STR_LIST, Kind, Shown, shuffled
from quizgen.core.kinds.grading import LETTERS, Grade, grade_order

if TYPE_CHECKING:
    from quizgen.core.cards import Card


class Order(Kind):
    name = "order"
    required: ClassVar[dict[str, str]] = {"prompt": STR, "items": STR_LIST}
    slow_seconds = 45
    input_label = "The order (letters like cab, or numbers like 3 1 2)"
    anki_note = BASIC_NOTE

    def problems(self, fields: dict[str, Any]) -> list[tuple[str, str]]:
        items = fields["items"]
        out = []
        if len(items) < 2:
            out.append(("an order card needs at least 2 items", "items"))
        if len(set(items)) != len(items):
            out.append(("order items must be distinct", "items"))
        return out

    def shown_texts(self, card: Card) -> list[str]:
        return [card.fields["prompt"], *card.fields["items"]]

    def present(self, card: Card, face: int, rng: random.Random) -> Shown:
        items = card.fields["items"]
        options = shuffled(items, rng, avoid=items)
        letters = "".join(LETTERS[options.index(i)] for i in items)
        return Shown(card.fields["prompt"], options, [], "", f"{letters}: " + " > ".join(items))

    def grade(self, card: Card, face: int, shown: Shown, response: str) -> Grade:
        return grade_order(response, shown.options, card.fields["items"])

    def answer(self, card: Card) -> str:
        return " > ".join(card.fields["items"])

    def _laid_out(self, card: Card) -> list[str]:
        return anki_html.scrambled(card.fields["items"], f"{card.deck}/{card.id}")

    def anki_fields(self, card: Card) -> list[str]:
        front = (
            anki_html.question_html(card.fields["prompt"])
            + '<div class="instruction">Shuffled:</div>'
            + anki_html.html_list("ul", "items", self._laid_out(card))
        )
        return [front, anki_html.html_list("ol", "order", card.fields["items"])]

    def text_rows(self, card: Card) -> list[tuple[str, str]]:
        return [(f"{card.fields['prompt']} (shuffled: {' | '.join(self._laid_out(card))})", self.answer(card))]
