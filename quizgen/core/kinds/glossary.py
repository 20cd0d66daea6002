"""A term and its definition, asked both ways and rated by the learner."""

from __future__ import annotations

import random
import re
from typing import TYPE_CHECKING, ClassVar

from quizgen.core.kinds import anki_html
from quizgen.core.kinds.base import GLOSSARY_NOTE, STR, Face, Kind, Shown, contains_phrase
from quizgen.core.kinds.grading import normalise

if TYPE_CHECKING:
    from quizgen.core.cards import Card

TERM_TO_DEFINITION, DEFINITION_TO_TERM = 0, 1


def _term_parts(term: str) -> list[str]:
    """'Testosterone Replacement Therapy (TRT)' -> the full name and the acronym, each of which must not leak."""
    inner = re.findall(r"\(([^)]*)\)", term)
    outer = re.sub(r"\([^)]*\)", " ", term)
    return [part for part in [outer, *inner] if normalise(part)]


class Glossary(Kind):
    name = "glossary"
    required: ClassVar[dict[str, str]] = {"term": STR, "definition": STR}
    main = "term"
    self_rated = True
    anki_note = GLOSSARY_NOTE

    def warnings(self, card: Card) -> list[str]:
        if any(contains_phrase(card.fields["definition"], part) for part in _term_parts(card.fields["term"])):
            return ["the term appears in its definition (it is also asked definition-to-term)"]
        return []

    def shown_texts(self, card: Card) -> list[str]:
        return [card.fields["term"], card.fields["definition"]]

    def faces(self, card: Card) -> list[Face]:
        return [Face(TERM_TO_DEFINITION, "term to definition"), Face(DEFINITION_TO_TERM, "definition to term")]

    def face_text(self, card: Card, face: int) -> str:
        text: str = card.fields["definition"] if face == DEFINITION_TO_TERM else card.fields["term"]
        return text

    def present(self, card: Card, face: int, rng: random.Random) -> Shown:
        term, definition = card.fields["term"], card.fields["definition"]
        text, back = (definition, term) if face == DEFINITION_TO_TERM else (term, definition)
        return Shown(text, [], [], back, back)

    def answer(self, card: Card) -> str:
        definition: str = card.fields["definition"]
        return definition

    def anki_fields(self, card: Card) -> list[str]:
        return [anki_html.html_text(card.fields["term"]), anki_html.html_text(card.fields["definition"])]
