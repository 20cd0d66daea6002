"""What the two choice kinds (mcq, multi) share: choices shown shuffled, marked on the back of an Anki note."""

from __future__ import annotations

import random
import re
from abc import abstractmethod
from typing import TYPE_CHECKING, Any, ClassVar

from quizgen.core.kinds import anki_html
from quizgen.core.kinds.base import CHOICE_NOTE, Kind, Shown, shuffled
from quizgen.core.kinds.grading import LETTERS, normalise

if TYPE_CHECKING:
    from quizgen.core.cards import Card

ALL_OR_NONE = re.compile(r"\b(all|none|both|neither) of (the )?(above|these|them)\b", re.IGNORECASE)


class ChoiceKind(Kind):
    """A prompt with lettered choices, some of them right."""

    anki_note = CHOICE_NOTE
    # How the Anki note and the text export ask, e.g. "Choose one".
    instruction: ClassVar[str]

    @abstractmethod
    def right_answers(self, fields: dict[str, Any]) -> list[str]:
        """The choices that are right."""

    def problems(self, fields: dict[str, Any]) -> list[tuple[str, str]]:
        if len(fields["choices"]) < 2:
            return [("needs at least 2 choices", "choices")]
        return []

    def warnings(self, card: Card) -> list[str]:
        choices = card.fields["choices"]
        out = []
        # A choice of nothing but symbols (emoji, say) normalises to nothing: it is compared as written.
        if len({normalise(c) or c.strip() for c in choices}) != len(choices):
            out.append("two choices say the same thing")
        if any(ALL_OR_NONE.search(c) for c in choices):
            out.append("a choice like 'all/none of the above'; use a multi-select card instead")
        return out

    def options(self, card: Card) -> list[str]:
        choices: list[str] = card.fields["choices"]
        return choices

    def present(self, card: Card, face: int, rng: random.Random) -> Shown:
        options = shuffled(card.fields["choices"], rng)
        right = set(self.right_answers(card.fields))
        expected = ", ".join(f"{LETTERS[i]}) {c}" for i, c in enumerate(options) if c in right)
        return Shown(card.fields["prompt"], options, [], "", expected)

    def laid_out_choices(self, card: Card) -> list[str]:
        """Question files tend to list the right choice first; exports show choices as laid out here."""
        return anki_html.scrambled(card.fields["choices"], f"{card.deck}/{card.id}")

    def anki_fields(self, card: Card) -> list[str]:
        front, back = anki_html.choice_lists(self.laid_out_choices(card), self.right_answers(card.fields))
        return [anki_html.html_text(card.fields["prompt"]), f"{self.instruction}.", front, back]

    def text_rows(self, card: Card) -> list[tuple[str, str]]:
        choices = " | ".join(self.laid_out_choices(card))
        return [(f"{card.fields['prompt']} {self.instruction}: {choices}", self.answer(card))]
