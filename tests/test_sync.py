"""The import planner alone: question files read and stored rows in, a plan out, nothing read or written."""

from __future__ import annotations

from quizgen.core.cards import Card, Deck, hash_of
from quizgen.core.questions import Bank, LoadedCard
from quizgen.core.store import StoredRow, StoredRows
from quizgen.core.sync import ImportPlan, plan

DECK = Deck(slug="demo", name="Demo")
MINE = "/decks/mine.toml"
THEIRS = "/decks/theirs.toml"


def typed(card_id: str, prompt: str = "Which gland sits under the brain?", answer: str = "Pituitary") -> Card:
    fields = {"id": card_id, "kind": "typed", "section": "Basics", "prompt": prompt, "answer": answer}
    return Card.from_dict("demo", fields)


def bank(*cards: Card, name: str = "mine.toml") -> Bank:
    read = Bank(decks={"demo": DECK}, question_files=[name])
    read.cards = [LoadedCard(card, name, 3 + 6 * n) for n, card in enumerate(cards)]
    return read


def row(pk: int, card: Card, origin: str = MINE, line: int | None = 3, retired: str | None = None) -> StoredRow:
    return StoredRow(pk, hash_of(card.to_json()), origin, line, retired, card.kind)


def stored(**rows: StoredRow) -> StoredRows:
    return StoredRows(("demo",), (MINE,), {("demo", card_id): r for card_id, r in rows.items()}, version=1)


def plan_of(read: Bank, rows: StoredRows, present: frozenset[str] | set[str] = frozenset()) -> ImportPlan:
    return plan(read, rows, {name: MINE for name in read.question_files}, present)


def test_new_cards_are_inserted_with_their_file_and_line():
    result = plan_of(bank(typed("one"), typed("two")), stored())
    assert [(new.card.id, new.origin, new.line) for new in result.inserts] == [("one", MINE, 3), ("two", MINE, 9)]
    assert (result.updates, result.retires, result.refusals) == ([], [], [])
    assert result.report.summary() == "2 added, 0 updated, 0 unchanged, 0 retired, 0 restored"
    assert result.decks == [DECK] and result.report.decks == ["demo"]


def test_unchanged_cards_plan_no_writes():
    one = typed("one")
    result = plan_of(bank(one), stored(one=row(7, one)))
    assert (result.inserts, result.updates, result.retires) == ([], [], [])
    assert result.report.unchanged == 1


def test_an_edited_card_keeps_its_pk():
    result = plan_of(bank(typed("one", prompt="Name the gland below the brain.")), stored(one=row(7, typed("one"))))
    [update] = result.updates
    assert (update.pk, update.edited, update.revived) == (7, True, False)
    assert result.report.updated == ["one"]


def test_a_card_that_moved_within_its_file_is_rewritten_but_not_edited():
    one = typed("one")
    [update] = plan_of(bank(one), stored(one=row(7, one, line=40))).updates
    assert (update.pk, update.line, update.edited) == (7, 3, False)


def test_cards_missing_from_their_file_are_retired_and_come_back_revived():
    one, two = typed("one"), typed("two")
    result = plan_of(bank(one), stored(one=row(7, one), two=row(8, two, line=9)))
    assert result.retires == [8] and result.report.retired == ["two"]

    back = plan_of(bank(one, two), stored(one=row(7, one), two=row(8, two, line=9, retired="2026-01-01")))
    assert [(u.pk, u.revived) for u in back.revivals] == [(8, True)]
    assert back.report.restored == ["two"] and back.retires == []


def test_a_card_of_another_file_still_on_disk_is_refused_with_its_line():
    one = typed("one")
    result = plan_of(bank(one), stored(one=row(7, one, origin=THEIRS)), present={THEIRS})
    [refusal] = result.refusals
    assert str(refusal) == (
        f"mine.toml:3: card 'one' of deck 'demo' already comes from {THEIRS}; "
        "a card belongs to one file (import both together to move it)"
    )
    assert result.updates == []


def test_a_card_of_the_bundled_deck_is_refused_with_the_way_to_fork_it():
    one = typed("one")
    bundled = "bundled:questions/1-fundamentals.toml"
    [refusal] = plan_of(bank(one), stored(one=row(7, one, origin=bundled)), present={bundled}).refusals
    assert str(refusal) == (
        f"mine.toml:3: card 'one' of deck 'demo' already comes from {bundled}; a card belongs to one file "
        "(to edit the bundled deck, fork it: quizgen deck fork demo FOLDER, then edit and import FOLDER)"
    )


def test_a_card_whose_file_is_gone_or_retired_moves_to_the_new_file():
    one = typed("one")
    gone = plan_of(bank(one), stored(one=row(7, one, origin=THEIRS)), present=set())
    assert gone.refusals == [] and [(u.pk, u.origin) for u in gone.updates] == [(7, MINE)]
    retired = plan_of(bank(one), stored(one=row(7, one, origin=THEIRS, retired="x")), present={THEIRS})
    assert retired.refusals == [] and retired.report.restored == ["one"]


def test_a_kind_that_anki_keeps_in_another_note_type_is_reported():
    before = Card.from_dict("demo", {"id": "one", "kind": "flashcard", "section": "Basics", "front": "F", "back": "B"})
    cloze = Card.from_dict("demo", {"id": "one", "kind": "cloze", "section": "Basics", "text": "The {{c1::gland}}."})
    result = plan_of(bank(cloze), stored(one=row(7, before)))
    assert result.report.new_note_type == ["one"]
