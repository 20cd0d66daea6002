"""Decks and cards, and their dictionary form (what each kind of card does is in ``quizgen.core.kinds``).

A card's identity is ``(deck, id)``: the id is written by a person in the question file and never changes when the
wording does. Each card is asked through one or more *faces* (a glossary card is asked term-to-definition and
definition-to-term; a cloze card once per deletion number); the scheduler keeps one state per face.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Any

from quizgen.core.kinds import KINDS, Kind, kind_named
from quizgen.core.kinds.base import STR, STR_LIST, Face

# Card ids and deck slugs; use fullmatch (a "$" would let a final newline through).
ID_PATTERN = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")

# Keys every card may carry besides its kind's own.
COMMON_REQUIRED = {"id": STR, "kind": STR, "section": STR}
COMMON_OPTIONAL = {"explanation": STR, "tags": STR_LIST, "source": STR}


@dataclass
class Deck:
    """A deck description, from ``decks/<slug>.toml``."""

    slug: str
    name: str
    description: str = ""
    source_title: str = ""
    source_location: str = ""

    @property
    def note(self) -> str:
        """The deck's one-line notice (the description's last line), shown at the start of a quiz."""
        lines = [line.strip() for line in self.description.strip().splitlines() if line.strip()]
        return lines[-1] if lines else ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "slug": self.slug,
            "name": self.name,
            "description": self.description,
            "source": {"title": self.source_title, "location": self.source_location},
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Deck:
        source = data.get("source") or {}
        return cls(
            slug=data["slug"],
            name=data["name"],
            description=data.get("description", ""),
            source_title=source.get("title", ""),
            source_location=source.get("location", ""),
        )


@dataclass
class Card:
    """One card as written in a question file: common keys plus its kind's ``fields``."""

    deck: str
    id: str
    kind: str
    section: str
    fields: dict[str, Any]
    explanation: str = ""
    tags: list[str] = field(default_factory=list)
    source: str = ""

    @property
    def spec(self) -> Kind:
        """The card's kind: ask it anything that depends on the kind."""
        return kind_named(self.kind)

    @property
    def prompt(self) -> str:
        """The kind's main text: prompt, cloze text, glossary term or flashcard front."""
        text: str = self.fields[self.spec.main]
        return text

    @property
    def answer(self) -> str:
        """The right answer as one line of text, for listings and exports."""
        return self.spec.answer(self)

    def faces(self) -> list[Face]:
        """The faces the scheduler tracks for this card."""
        return self.spec.faces(self)

    def to_dict(self) -> dict[str, Any]:
        """The card as it is written in a question file (and in JSON exports)."""
        data: dict[str, Any] = {"id": self.id, "kind": self.kind, "section": self.section}
        data.update(self.fields)
        if self.explanation:
            data["explanation"] = self.explanation
        if self.tags:
            data["tags"] = list(self.tags)
        if self.source:
            data["source"] = self.source
        return data

    @classmethod
    def from_dict(cls, deck: str, data: dict[str, Any]) -> Card:
        spec = KINDS[data["kind"]]
        fields = {k: data[k] for k in (*spec.required, *spec.optional) if k in data}
        return cls(
            deck=deck,
            id=data["id"],
            kind=data["kind"],
            section=data["section"],
            fields=fields,
            explanation=data.get("explanation", ""),
            tags=list(data.get("tags", [])),
            source=data.get("source", ""),
        )

    @classmethod
    def from_stored(cls, deck: str, data: dict[str, Any]) -> Card:
        """The card from its stored form (``to_json``), taking ``data`` over as its ``fields``.

        Stored cards all came through ``from_dict``, so once the common keys are taken out what is left is exactly
        the kind's fields, in order; this skips picking them out again, which counts in exports of thousands of cards.
        """
        card_id, kind, section = data.pop("id"), data.pop("kind"), data.pop("section")
        explanation, tags, source = data.pop("explanation", ""), data.pop("tags", []), data.pop("source", "")
        return cls(deck, card_id, kind, section, data, explanation, tags, source)

    def to_json(self) -> str:
        """The stored form: ``to_dict()`` as JSON, its keys in the fixed order ``from_dict`` gives them."""
        return json.dumps(self.to_dict(), ensure_ascii=False)


def hash_of(stored_json: str) -> str:
    """The content hash of a card from its stored JSON (so an import serialises each card once)."""
    return hashlib.sha256(stored_json.encode("utf-8")).hexdigest()[:16]
