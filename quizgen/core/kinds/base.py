"""What every kind of card provides: its keys, its checks, its faces, how it is asked and graded, and how it is
written out for Anki and for text files.

A kind is one object (one module per kind, registered in ``quizgen.core.kinds``); callers ask it, they never compare
a card's kind with a kind's name. Kinds look at a card's ``fields`` (and ``deck``/``id`` for stable layouts) only,
so this package never imports ``cards`` at run time.
"""

from __future__ import annotations

import random
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from quizgen.core.kinds.grading import Grade, normalise

if TYPE_CHECKING:
    from quizgen.core.cards import Card

# Value shapes a kind's key may take.
STR = "string"
STR_LIST = "list of strings"
BOOL = "boolean"
PAIR_LIST = "list of [left, right] pairs"

# Anki note types a kind exports to, by name (``quizgen.exchange.anki_out`` holds the note types themselves).
CHOICE_NOTE = "choice"
TYPE_IN_NOTE = "type-in"
CLOZE_NOTE = "cloze"
GLOSSARY_NOTE = "glossary"
BASIC_NOTE = "basic"


@dataclass(frozen=True)
class Face:
    """One way of asking a card: ``number`` is what the scheduler keys on, ``label`` is for people."""

    number: int
    label: str


@dataclass(frozen=True)
class Shown:
    """One face as the learner sees it: ``options`` are the lettered lines (shuffled choices, order items, match
    right sides), ``lefts`` the numbered lines of a match card, ``back`` what a self-rated card reveals and
    ``expected`` the right answer in the labels shown."""

    text: str
    options: list[str]
    lefts: list[str]
    back: str
    expected: str


def shuffled(values: list[str], rng: random.Random, avoid: list[str] | None = None) -> list[str]:
    """A shuffled copy; with ``avoid``, never that exact order (an order card shown already solved) once there
    are three or more values: with two, that rule would give the answer away."""
    result = list(values)
    rng.shuffle(result)
    if avoid is not None and result == avoid and len(values) > 2:
        result = result[1:] + result[:1]
    return result


def unanswerable(text: str) -> bool:
    """Whether nothing is left of ``text`` once the grader drops case, punctuation and spacing, so that no typed
    answer, not even ``text`` itself, is ever graded right."""
    return not normalise(text)


def contains_phrase(haystack: str, needle: str) -> bool:
    """Whether ``needle`` occurs in ``haystack`` as whole words, compared as the grader compares answers."""
    folded = normalise(needle)
    return bool(folded) and f" {folded} " in f" {normalise(haystack)} "


class Kind(ABC):
    """One kind of card. Subclasses set the class attributes and implement what their kind does differently."""

    name: ClassVar[str]
    # Keys of the kind's own fields with the shape of each value; optional ones may be left out.
    required: ClassVar[dict[str, str]]
    optional: ClassVar[dict[str, str]] = {}
    # The key of the kind's main text: prompt, cloze text, glossary term or flashcard front.
    main: ClassVar[str] = "prompt"
    # Self-rated kinds are revealed and rated by the learner instead of answered and graded (``rated_by_learner``
    # says so of one card).
    self_rated: ClassVar[bool] = False
    # Free-text kinds are typed in full: a wrong answer is shown beside the right one with the differences marked.
    free_text: ClassVar[bool] = False
    # A right answer slower than this (seconds) is proposed as Hard: recalled, but with effort. Self-rated kinds,
    # which the learner rates themselves, have none.
    slow_seconds: ClassVar[float | None] = None
    # What the quiz asks the learner to type (self-rated kinds are revealed, not typed into).
    input_label: ClassVar[str] = ""
    # The Anki note type it exports to (one of the *_NOTE names); Anki cannot move a note to another type.
    anki_note: ClassVar[str]
    # Whether the answer is picked from options the card shows, so that another card offering it as one of its own
    # options gives nothing away (same-family distractors are what the card standard asks for).
    picked_from_options: ClassVar[bool] = False

    def __repr__(self) -> str:
        return f"<kind {self.name}>"

    # Checking ----------------------------------------------------------------------------------------------------

    def problems(self, fields: dict[str, Any]) -> list[tuple[str, str]]:
        """What makes a card of this kind unanswerable or ambiguous, as (message, key) pairs; ``fields`` have
        already passed the shape checks."""
        return []

    def warnings(self, card: Card) -> list[str]:
        """Quality warnings of ``quizgen check`` that are this kind's own."""
        return []

    def deck_warnings(self, cards: list[Card]) -> list[tuple[int, str]]:
        """Warnings about this kind's cards of one deck taken together, as (index of the card to point at,
        message)."""
        return []

    def plain_text(self, card: Card) -> str:
        """The card's main text as a learner reads it, markup removed (for comparing cards with each other)."""
        return card.prompt

    def shown_texts(self, card: Card) -> list[str]:
        """What a learner reads on the card besides its options and its explanation, so a later card must not rely
        on recalling any of it."""
        return [self.plain_text(card)]

    def options(self, card: Card) -> list[str]:
        """The options a learner picks from, right and wrong alike."""
        return []

    def recalled(self, card: Card) -> list[str]:
        """What the learner must produce or pick, which an earlier card of its section must not show. Kinds whose
        answer is a judgement or an arrangement recall nothing one phrase gives away; nor do self-rated ones: a
        glossary term is meant to be taught by the cards before it, and merely naming it gives no link to its
        definition."""
        return []

    # Asking ------------------------------------------------------------------------------------------------------

    def rated_by_learner(self, card: Card) -> bool:
        """Whether the card is revealed and rated by the learner rather than answered and graded."""
        return self.self_rated

    def faces(self, card: Card) -> list[Face]:
        """The faces the scheduler tracks for this card."""
        return [Face(0, self.name)]

    def face_name(self, number: int) -> str:
        """What face ``number`` is called when the card no longer has it (its answers stay in the log)."""
        return str(number)

    def face_text(self, card: Card, face: int) -> str:
        """The text that asks ``face`` of the card."""
        return card.prompt

    def present(self, card: Card, face: int, rng: random.Random) -> Shown:
        """``face`` of the card as shown, anything shuffled drawn from ``rng``."""
        return Shown(self.face_text(card, face), [], [], "", self.answer(card))

    def grade(self, card: Card, face: int, shown: Shown, response: str) -> Grade:
        """The verdict on a typed response to ``shown``.

        Raises:
            grading.InvalidAnswer: the response cannot be read as an answer of this kind; ask again.
        """
        raise TypeError(f"{self.name} cards are self-rated: reveal, then rate")

    @abstractmethod
    def answer(self, card: Card) -> str:
        """The right answer as one line of text, for listings and exports."""

    # Writing out -------------------------------------------------------------------------------------------------

    @abstractmethod
    def anki_fields(self, card: Card) -> list[str]:
        """The note's fields as HTML, before the Explanation and Source fields every note type ends with."""

    def text_rows(self, card: Card) -> list[tuple[str, str]]:
        """Front and back of each way the card is asked, as plain text, for CSV/TSV exports."""
        return [(card.fields[self.main], self.answer(card))]
