"""Left sides to pair with their right sides."""

from __future__ import annotations

import random
from typing import TYPE_CHECKING, Any, ClassVar

from quizgen.core.kinds import anki_html
from quizgen.core.kinds.base import BASIC_NOTE, PAIR_LIST, STR, Kind, Shown, shuffled
from quizgen.core.kinds.grading import LETTERS, Grade, grade_match

if TYPE_CHECKING:
    from quizgen.core.cards import Card


class Match(Kind):
    name = "match"
    required: ClassVar[dict[str, str]] = {"prompt": STR, "pairs": PAIR_LIST}
    slow_seconds = 60
    input_label = "Pairs (like 1b 2a 3c)"
    anki_note = BASIC_NOTE

    def problems(self, fields: dict[str, Any]) -> list[tuple[str, str]]:
        pairs = fields["pairs"]
        out = []
        if len(pairs) < 2:
            out.append(("a match card needs at least 2 pairs", "pairs"))
        lefts = [p[0] for p in pairs]
        rights = [p[1] for p in pairs]
        if len(set(lefts)) != len(lefts) or len(set(rights)) != len(rights):
            out.append(("match pairs must have distinct left sides and distinct right sides", "pairs"))
        return out

    def shown_texts(self, card: Card) -> list[str]:
        return [card.fields["prompt"], *(side for pair in card.fields["pairs"] for side in pair)]

    def present(self, card: Card, face: int, rng: random.Random) -> Shown:
        pairs = card.fields["pairs"]
        lefts = [left for left, _ in pairs]
        rights = [right for _, right in pairs]
        options = shuffled(rights, rng, avoid=rights)
        expected = " ".join(f"{n + 1}{LETTERS[options.index(r)]}" for n, r in enumerate(rights))
        expected += ": " + self.answer(card)
        return Shown(card.fields["prompt"], options, lefts, "", expected)

    def grade(self, card: Card, face: int, shown: Shown, response: str) -> Grade:
        return grade_match(response, shown.lefts, shown.options, card.fields["pairs"])

    def answer(self, card: Card) -> str:
        return "; ".join(f"{left} = {right}" for left, right in card.fields["pairs"])

    def _laid_out_rights(self, card: Card) -> list[str]:
        return anki_html.scrambled([right for _left, right in card.fields["pairs"]], f"{card.deck}/{card.id}")

    def anki_fields(self, card: Card) -> list[str]:
        pairs = card.fields["pairs"]
        front = (
            anki_html.question_html(card.fields["prompt"])
            + '<div class="instruction">Match each of these:</div>'
            + anki_html.html_list("ul", "items", [left for left, _right in pairs])
            + '<div class="instruction">with one of these:</div>'
            + anki_html.html_list("ul", "items", self._laid_out_rights(card))
        )
        rows = ['<table class="pairs">']
        for left, right in pairs:
            rows.append(
                f'<tr><td>{anki_html.html_text(left)}</td><td class="arrow">&rarr;</td>'
                f"<td>{anki_html.html_text(right)}</td></tr>"
            )
        rows.append("</table>")
        return [front, "".join(rows)]

    def text_rows(self, card: Card) -> list[tuple[str, str]]:
        lefts = " | ".join(left for left, _right in card.fields["pairs"])
        rights = " | ".join(self._laid_out_rights(card))
        return [(f"{card.fields['prompt']} Match {lefts} with {rights}", self.answer(card))]
