"""Decks and cards, the kinds of question, and their dictionary form.

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

from quizgen.core.kinds import cloze_syntax

# Card ids and deck slugs; use fullmatch (a "$" would let a final newline through).
ID_PATTERN = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")

# Value shapes a kind's key may take.
STR = "string"
STR_LIST = "list of strings"
BOOL = "boolean"
PAIR_LIST = "list of [left, right] pairs"


@dataclass(frozen=True)
class KindSpec:
    """The keys one kind of card takes, with the shape of each value."""

    name: str
    required: dict[str, str]
    optional: dict[str, str] = field(default_factory=dict)
    main: str = "prompt"
    self_rated: bool = False
    # The Anki note type the kind exports to; Anki cannot move an existing note to another type.
    anki_note: str = "choice"


KINDS: dict[str, KindSpec] = {
    spec.name: spec
    for spec in [
        KindSpec("mcq", {"prompt": STR, "choices": STR_LIST, "answer": STR}),
        KindSpec("multi", {"prompt": STR, "choices": STR_LIST, "answer": STR_LIST}),
        KindSpec("truefalse", {"prompt": STR, "answer": BOOL}),
        KindSpec("typed", {"prompt": STR, "answer": STR}, {"accept": STR_LIST}, anki_note="type-in"),
        KindSpec("cloze", {"text": STR}, main="text", anki_note="cloze"),
        KindSpec("order", {"prompt": STR, "items": STR_LIST}, anki_note="basic"),
        KindSpec("match", {"prompt": STR, "pairs": PAIR_LIST}, anki_note="basic"),
        KindSpec("glossary", {"term": STR, "definition": STR}, main="term", self_rated=True, anki_note="glossary"),
        KindSpec("flashcard", {"front": STR, "back": STR}, main="front", self_rated=True, anki_note="basic"),
    ]
}

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


@dataclass(frozen=True)
class Face:
    """One way of asking a card: ``number`` is what the scheduler keys on, ``label`` is for people."""

    number: int
    label: str


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
    def spec(self) -> KindSpec:
        return KINDS[self.kind]

    @property
    def prompt(self) -> str:
        """The kind's main text: prompt, cloze text, glossary term or flashcard front."""
        return self.fields[self.spec.main]

    @property
    def answer(self) -> str:
        """The right answer as one line of text, for listings and exports."""
        f = self.fields
        if self.kind in ("mcq", "typed"):
            return f["answer"]
        if self.kind == "multi":
            return "; ".join(f["answer"])
        if self.kind == "truefalse":
            return "true" if f["answer"] else "false"
        if self.kind == "cloze":
            return "; ".join(d.answer for d in cloze_syntax.deletions(f["text"]))
        if self.kind == "order":
            return " > ".join(f["items"])
        if self.kind == "match":
            return "; ".join(f"{left} = {right}" for left, right in f["pairs"])
        if self.kind == "glossary":
            return f["definition"]
        return f["back"]

    def faces(self) -> list[Face]:
        """The faces the scheduler tracks for this card."""
        if self.kind == "glossary":
            return [Face(0, "term to definition"), Face(1, "definition to term")]
        if self.kind == "cloze":
            return [Face(n, f"c{n}") for n in cloze_syntax.numbers(self.fields["text"])]
        return [Face(0, self.kind)]

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

    def content_hash(self) -> str:
        """Changes exactly when what a learner sees changes."""
        return hash_of(self.to_json())


def hash_of(stored_json: str) -> str:
    """The content hash of a card from its stored JSON (so an import serialises each card once)."""
    return hashlib.sha256(stored_json.encode("utf-8")).hexdigest()[:16]
