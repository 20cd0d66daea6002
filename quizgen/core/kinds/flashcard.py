"""A front and a back, rated by the learner."""

from __future__ import annotations

import random
from typing import TYPE_CHECKING, ClassVar

from quizgen.core.kinds import anki_html
from quizgen.core.kinds.base import BASIC_NOTE, STR, Kind, Shown

if TYPE_CHECKING:
    from quizgen.core.cards import Card


class Flashcard(Kind):
    name = "flashcard"
    required: ClassVar[dict[str, str]] = {"front": STR, "back": STR}
    main = "front"
    self_rated = True
    anki_note = BASIC_NOTE

    def shown_texts(self, card: Card) -> list[str]:
        return [card.fields["front"], card.fields["back"]]

    def present(self, card: Card, face: int, rng: random.Random) -> Shown:
        back = card.fields["back"]
        return Shown(card.fields["front"], [], [], back, back)

    def answer(self, card: Card) -> str:
        back: str = card.fields["back"]
        return back

    def anki_fields(self, card: Card) -> list[str]:
        return [
            anki_html.question_html(card.fields["front"]),
            f'<div class="answer">{anki_html.html_text(card.fields["back"])}</div>',
        ]
