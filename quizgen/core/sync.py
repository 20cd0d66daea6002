"""Planning an import: what the question files read mean for the cards already stored, decided without I/O.

``plan`` takes the files read (a ``Bank``), the stored rows of the decks and files involved, where each file is
remembered (its origin) and which of the stored origins still exist on disk (gathered beforehand, outside any
lock), and returns an ``ImportPlan``. The store applies a plan in one transaction; ``check`` plans the same way
to report what an import would refuse.
"""

from __future__ import annotations

from collections.abc import Mapping, Set
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from quizgen.core.cards import Card, Deck, hash_of
from quizgen.core.kinds import kind_named
from quizgen.core.paths import BUNDLED_ORIGIN, origin_label
from quizgen.core.questions import Bank, Problem

if TYPE_CHECKING:
    from quizgen.core.store import StoredRows


@dataclass
class ImportReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0
    retired: list[str] = field(default_factory=list)
    restored: list[str] = field(default_factory=list)
    decks: list[str] = field(default_factory=list)
    # Cards whose kind now exports to another Anki note type: Anki will not update their notes in place.
    new_note_type: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "decks": self.decks,
            "added": len(self.added),
            "updated": len(self.updated),
            "unchanged": self.unchanged,
            "retired": len(self.retired),
            "restored": len(self.restored),
            "new_note_type": self.new_note_type,
        }

    def summary(self) -> str:
        return (
            f"{len(self.added)} added, {len(self.updated)} updated, {self.unchanged} unchanged, "
            f"{len(self.retired)} retired, {len(self.restored)} restored"
        )


@dataclass(frozen=True)
class NewCard:
    card: Card
    origin: str
    line: int | None
    data: str
    digest: str


@dataclass(frozen=True)
class CardUpdate:
    """A stored card rewritten (edited, moved within or between files, or revived); it keeps its pk."""

    pk: int
    card: Card
    origin: str
    line: int | None
    data: str
    digest: str
    edited: bool
    revived: bool


@dataclass
class ImportPlan:
    basis: StoredRows
    decks: list[Deck] = field(default_factory=list)
    inserts: list[NewCard] = field(default_factory=list)
    updates: list[CardUpdate] = field(default_factory=list)
    retires: list[int] = field(default_factory=list)
    # Cards another file still holds: while there are any, nothing may be written.
    refusals: list[Problem] = field(default_factory=list)
    report: ImportReport = field(default_factory=ImportReport)

    @property
    def revivals(self) -> list[CardUpdate]:
        return [update for update in self.updates if update.revived]


def touched_decks(bank: Bank) -> list[str]:
    """The decks a bank describes or holds cards of."""
    return sorted({loaded.card.deck for loaded in bank.cards} | set(bank.decks))


def plan(bank: Bank, stored: StoredRows, origins: Mapping[str, str], present: Set[str]) -> ImportPlan:
    """What importing ``bank`` over ``stored`` does.

    Args:
        bank: the files read, without errors.
        stored: the stored cards of the bank's decks and of its files' origins, by (deck, card id).
        origins: each question file's name in the bank -> its origin.
        present: the stored origins whose file still exists.

    New cards are added; changed cards are updated in place (same pk, so reviews and schedule stay); cards missing
    from a file they came from are retired, and restored if they come back. A card that another file (still on
    disk, and not imported with these) holds is refused.
    """
    result = ImportPlan(basis=stored, decks=list(bank.decks.values()))
    report = result.report
    report.decks = touched_decks(bank)
    files = {origins[name] for name in bank.question_files}
    seen: set[tuple[str, str]] = set()
    for loaded in bank.cards:
        card = loaded.card
        key = (card.deck, card.id)
        seen.add(key)
        origin = origins[loaded.path]
        data = card.to_json()
        digest = hash_of(data)
        old = stored.rows.get(key)
        if old is None:
            result.inserts.append(NewCard(card, origin, loaded.line, data, digest))
            report.added.append(card.id)
            continue
        if old.origin != origin and not old.retired and old.origin not in files and old.origin in present:
            # The bundled files cannot be imported beside a copy of them: a fork is the way to take their cards over.
            move = (f"to edit the bundled deck, fork it: quizgen deck fork {card.deck} FOLDER, then edit and import "
                    "FOLDER" if old.origin.startswith(BUNDLED_ORIGIN) else "import both together to move it")
            result.refusals.append(
                Problem(loaded.path, loaded.line,
                        f"card '{card.id}' of deck '{card.deck}' already comes from {origin_label(old.origin)}; "
                        f"a card belongs to one file ({move})")
            )
            continue
        edited = old.content_hash != digest
        revived = old.retired is not None
        if kind_named(old.kind).anki_note != card.spec.anki_note:
            report.new_note_type.append(card.id)
        if edited:
            report.updated.append(card.id)
        if revived:
            report.restored.append(card.id)
        if not edited and not revived:
            report.unchanged += 1
        if edited or revived or origin != old.origin or loaded.line != old.origin_line:
            result.updates.append(CardUpdate(old.pk, card, origin, loaded.line, data, digest, edited, revived))
    for key, row in stored.rows.items():
        if row.origin in files and key not in seen and not row.retired:
            result.retires.append(row.pk)
            report.retired.append(key[1])
    return result
