"""The Anki bridge where collections are not as Anki keeps them, and where the learner's marks and edits cross it:
duplicate GUIDs, suspension both ways, notes edited in Anki, a deck going back to the collection it came from. Built,
studied and exported with the real anki library, imported and exported through the command line."""

from __future__ import annotations

import json
import sqlite3
import zipfile
from collections.abc import Iterator
from contextlib import closing, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from anki.collection import Collection, ImportAnkiPackageOptions, ImportAnkiPackageRequest

from quizgen.core.store import UNSHOWABLE, Answer, Store
from quizgen.core.time import to_stored
from quizgen.exchange.anki_in import card_id_base
from tests.test_anki_import import export_apkg, imported_json, shown_card
from tests.test_anki_in import answer
from tests.test_anki_progress import anki_card, import_into_anki, quizgen, shown, studied  # noqa: F401

if TYPE_CHECKING:
    from anki.cards import Card


def add_note(col: Collection, deck: str, front: str, back: str, model: str = "Basic") -> int:
    note = col.new_note(col.models.by_name(model))
    note["Front"], note["Back"] = front, back
    col.add_note(note, col.decks.id(deck))
    return int(note.id)


def note_added(source: Path, deck: str, front: str, back: str, answered: bool = False) -> str:
    """A Basic note added to the collection at ``source`` (made if there is none yet), its card answered Good once
    if ``answered``; its GUID."""
    source.parent.mkdir(parents=True, exist_ok=True)
    col = Collection(str(source))
    try:
        note = col.get_note(add_note(col, deck, front, back))
        if answered:
            answer(col, note.cards()[0].id, 3)
        return note.guid
    finally:
        col.close()


@contextmanager
def in_a_new_profile(run, tmp_path: Path, deck: str) -> Iterator[tuple[Collection, list[Card]]]:
    """The deck exported by quizgen and imported with its progress into a new Anki profile, and its cards there."""
    package = tmp_path / f"{deck}.apkg"
    assert run("export", deck, "-o", str(package)).exit_code == 0
    (tmp_path / "fresh").mkdir()
    fresh = Collection(str(tmp_path / "fresh" / "collection.anki2"))
    try:
        options = ImportAnkiPackageOptions(with_scheduling=True, merge_notetypes=True)
        fresh.import_anki_package(ImportAnkiPackageRequest(package_path=str(package), options=options))
        yield fresh, [fresh.get_card(cid) for cid in fresh.find_cards("")]
    finally:
        fresh.close()


# What `quizgen show --json` gives beside a card's text: its history, schedule and marks.
HISTORY_KEYS = ("modified", "reviews", "schedule", "faces", "review_log", "marks")


def card_text(shown_card: dict) -> dict:
    return {key: value for key, value in shown_card.items() if key not in HISTORY_KEYS}


def marks(run, card_id: str) -> list[str]:
    return shown_card(run, card_id)["marks"]


def suspend_in_quizgen(db: Path, deck: str, card_id: str) -> None:
    store = Store.open(db)
    try:
        store.suspend_card(store.card_pks([deck])[(deck, card_id)], datetime.now(UTC))
    finally:
        store.close()


@pytest.mark.parametrize("second_deck", ["Words", "Other"])
def test_a_later_note_with_a_guid_already_used_is_skipped_and_named(run, tmp_path, second_deck):
    path = tmp_path / "merged" / "collection.anki2"
    path.parent.mkdir()
    col = Collection(str(path))
    ids = [add_note(col, "Words", f"word {n}", f"meaning {n}") for n in range(4)]
    later = add_note(col, second_deck, "another word", "another meaning")
    col.close()
    # As a hand-edited or merged collection has it: two notes share a GUID.
    db = sqlite3.connect(path)
    db.execute("UPDATE notes SET guid = 'DUPGUID' WHERE id IN (?, ?)", [ids[1], later])
    db.commit()
    db.close()

    result = run("import", str(path))
    assert result.exit_code == 0, result.stderr
    assert result.stderr == "" and "UNIQUE" not in result.stdout
    reason = (f'note "another word", Basic, GUID DUPGUID: note {later} has the GUID already used by note {ids[1]}, '
              "which is kept")
    assert f"skipped {reason}" in result.stdout.splitlines()
    assert result.stdout.startswith(f"{path}: notes 4 new, 0 updated, 0 unchanged, 0 linked to quizgen cards; "
                                    "1 notes or cards skipped")
    assert imported_json(run, path)["skipped"] == [reason]

    assert len(json.loads(run("cards", "words", "--json").stdout)) == 4
    kept = shown_card(run, card_id_base("DUPGUID"))  # one card has the id: no deck needs naming
    assert (kept["deck"], kept["front"]) == ("words", "word 1")
    # In another deck, the later note was that deck's only one: the deck is not made.
    slugs = [deck["slug"] for deck in json.loads(run("decks", "--json").stdout)]
    assert "words" in slugs and "other" not in slugs


def test_cards_suspended_in_anki_arrive_suspended_once(run, tmp_path, db_path):
    path = tmp_path / "anki" / "collection.anki2"
    path.parent.mkdir()
    col = Collection(str(path))
    whole = add_note(col, "Words", "uno", "one")
    both = add_note(col, "Words", "dos", "two", "Basic (and reversed card)")
    half = add_note(col, "Words", "tres", "three", "Basic (and reversed card)")
    active = add_note(col, "Words", "cuatro", "four")
    cards = {nid: [c.id for c in sorted(col.get_note(nid).cards(), key=lambda c: c.ord)]
             for nid in (whole, both, half, active)}
    col.sched.suspend_cards([*cards[whole], *cards[both], cards[half][0]])
    guids = {nid: col.get_note(nid).guid for nid in cards}
    col.close()
    ids = {nid: card_id_base(guid) for nid, guid in guids.items()}

    result = run("import", str(path))
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "2 cards suspended, as in Anki ('quizgen unsuspend CARD' to study one)" in lines
    assert ("1 card left active: only some of its Anki cards are suspended, and quizgen suspends whole cards"
            in lines)
    assert [marks(run, ids[nid]) for nid in (whole, both, half, active)] == [["suspended"], ["suspended"], [], []]

    # The learner changes their mind in quizgen, and Anki's suspensions change too: a later import leaves
    # quizgen's as they are.
    assert run("unsuspend", ids[whole]).exit_code == 0
    suspend_in_quizgen(db_path, "words", ids[active])
    col = Collection(str(path))
    col.sched.unsuspend_cards(cards[both])
    col.sched.suspend_cards([cards[half][1], *cards[active]])
    col.close()
    report = imported_json(run, path)
    assert (report["suspended"], report["partly_suspended"]) == (0, 0)
    assert [marks(run, ids[nid]) for nid in (whole, both, half, active)] == [[], ["suspended"], [], ["suspended"]]


def test_a_card_suspended_or_flagged_in_quizgen_arrives_so_in_anki(studied, db_path):  # noqa: F811
    card_ids = [card["id"] for card in json.loads(quizgen("cards", "baking", "--json").stdout)]
    unstudied = next(card_id for card_id in card_ids if shown(card_id)["reviews"] == 0)
    suspend_in_quizgen(db_path, "baking", "gas")  # studied: in review, days away
    suspend_in_quizgen(db_path, "baking", unstudied)
    store = Store.open(db_path)
    try:
        store.toggle_flag(store.card("baking/autolyse").pk)  # a glossary card: both its Anki cards
    finally:
        store.close()
    package = studied / "baking.apkg"
    quizgen("export", "baking", "-o", str(package))
    col = import_into_anki(studied, package)
    try:
        gas = anki_card(col, "gas")
        assert (gas.queue, gas.type) == (-1, 2)  # suspended, its schedule kept under the suspension
        assert gas.memory_state is not None
        assert anki_card(col, unstudied).queue == -1
        suspended_notes = {col.get_card(card).nid for card in col.find_cards("is:suspended")}
        assert suspended_notes == {gas.nid, anki_card(col, unstudied).nid}
        flagged = [col.get_card(card) for card in col.find_cards("flag:1")]
        assert len(flagged) == 2 and {card.nid for card in flagged} == {anki_card(col, "autolyse").nid}
        assert col.find_cards("-flag:0") == col.find_cards("flag:1")
    finally:
        col.close()


def test_importing_a_folder_named_like_a_package_says_it_is_a_folder(run, tmp_path, db_path):
    folder = tmp_path / "x.apkg"
    folder.mkdir()
    result = run("import", str(folder))
    assert result.exit_code == 1
    assert result.stderr.strip() == f"Error: {folder}: a folder, not an Anki file"
    assert not db_path.exists()


def test_notes_of_quizgen_cards_edited_in_anki_are_kept_as_quizgen_has_them_and_counted(studied, tmp_path):  # noqa: F811
    before = shown("gas")
    package = studied / "baking.apkg"
    quizgen("export", "baking", "-o", str(package))
    col = import_into_anki(studied, package)
    anki_collection = Path(col.path)
    col.close()
    untouched = json.loads(quizgen("import", str(export_apkg(anki_collection, tmp_path / "as-exported.apkg")),
                                   "--json").stdout)
    assert untouched["notes"]["linked"] > 0 and untouched["edited_in_anki"] == 0

    col = Collection(str(anki_collection))
    for card_id in ("gas", "salt"):
        note = anki_card(col, card_id).note()
        note.fields[0] = note.fields[0] + " (edited in Anki)"
        col.update_note(note)
    col.close()
    edited = export_apkg(anki_collection, tmp_path / "edited.apkg")
    report = json.loads(quizgen("import", str(edited), "--json").stdout)
    assert (report["edited_in_anki"], report["edited_in_anki_cards"]) == (2, ["baking/gas", "baking/salt"])
    lines = quizgen("import", str(edited)).stdout.splitlines()
    assert ("2 notes of quizgen cards whose text in Anki differs kept as quizgen has them (edit those cards in "
            "quizgen, not in Anki): baking/gas, baking/salt") in lines
    after = shown("gas")
    assert card_text(after) == card_text(before) and "edited in Anki" not in json.dumps(after)


def through_quizgen_into_anki(run, tmp_path: Path, source: Path, deck: str) -> Collection:
    """``source`` imported into quizgen, ``deck`` exported from it, and the package imported into a new Anki profile;
    the caller closes the collection."""
    assert run("import", str(source)).exit_code == 0
    package = tmp_path / f"{deck}.apkg"
    assert run("export", deck, "-o", str(package)).exit_code == 0
    return import_into_anki(tmp_path, package)


def test_a_deck_from_anki_exported_back_to_its_collection_arrives_beside_the_original_notes(run, tmp_path):
    folder = tmp_path / "profile"
    folder.mkdir()
    col = Collection(str(folder / "collection.anki2"))
    col.set_config("fsrs", True)
    studied_note = add_note(col, "Words", "uno", "one")
    add_note(col, "Words", "dos", "two")
    answer(col, col.get_note(studied_note).cards()[0].id, 3)
    original_card = col.get_note(studied_note).cards()[0].id
    col.close()
    imported_json(run, export_apkg(folder / "collection.anki2", tmp_path / "words.apkg"))
    back = tmp_path / "back.apkg"
    assert run("export", "words", "-o", str(back)).exit_code == 0

    col = Collection(str(folder / "collection.anki2"))
    try:
        options = ImportAnkiPackageOptions(with_scheduling=True, merge_notetypes=True)
        col.import_anki_package(ImportAnkiPackageRequest(package_path=str(back), options=options))
        # quizgen's own note types and GUIDs: two new notes beside the two originals, not updates of them.
        assert col.note_count() == 4
        copy = next(nid for nid in col.find_notes("uno") if nid != studied_note)
        copy_card = col.get_note(copy).cards()[0]
        assert copy_card.type == 1  # the copy has the schedule quizgen exported...
        # ...but the review log stays with the original: Anki keeps each entry once, by its id.
        assert col.db.list("SELECT cid FROM revlog") == [original_card]
    finally:
        col.close()


def test_a_review_card_last_answered_late_in_the_evening_goes_back_with_the_interval_anki_gave_it(run, tmp_path):
    """Anki's due date is a day, which begins at its rollover hour: an answer given late in a day is hours short of
    whole days before it, and the interval is still the count of days."""
    source = tmp_path / "source" / "collection.anki2"
    source.parent.mkdir()
    col = Collection(str(source))
    try:
        col.set_config("fsrs", True)
        note_id = add_note(col, "Botany", "Which gas do leaves take in to make sugar?", "Carbon dioxide")
        (card_id,) = col.card_ids_of_note(note_id)
        today, day_ends = col.sched.today, col.sched.day_cutoff
        answered = day_ends - 3 * 86_400 + 19 * 3600  # 19 hours into the day before yesterday
        data = json.dumps({"s": 3.2, "d": 5.0, "dr": 0.9, "lrt": answered})
        col.db.execute("UPDATE cards SET type = 2, queue = 2, due = ?, ivl = 3, factor = 2500, data = ? WHERE id = ?",
                       today + 1, data, card_id)
        col.db.execute("INSERT INTO revlog VALUES (?, ?, -1, 3, 3, 0, 2500, 6000, 1)", answered * 1000, card_id)
    finally:
        col.close()
    anki = through_quizgen_into_anki(run, tmp_path, source, "botany")
    try:
        (card,) = [anki.get_card(cid) for cid in anki.find_cards("")]
        assert (card.ivl, card.due - anki.sched.today) == (3, 1)
    finally:
        anki.close()


def studied_with_day_long_steps(source: Path, eases: tuple[int, ...]) -> tuple[list[int], str]:
    """A collection whose one card has learning steps of one day and two, answered with ``eases`` in turn, each when
    due: the revlog types Anki logged and the note's GUID."""
    source.parent.mkdir()
    col = Collection(str(source))
    try:
        col.set_config("fsrs", True)
        config = col.decks.config_dict_for_deck_id(col.decks.id("Botany"))
        config["new"]["delays"] = [1440.0, 2880.0]
        col.decks.save(config)
        note_id = add_note(col, "Botany", "Which gas do leaves give off in sunlight?", "Oxygen")
        (card_id,) = col.card_ids_of_note(note_id)
        for ease in eases:
            col.db.execute("UPDATE cards SET due = ? WHERE id = ? AND queue IN (2, 3)", col.sched.today, card_id)
            answer(col, card_id, ease)
        return col.db.list("SELECT type FROM revlog ORDER BY id"), col.get_note(note_id).guid
    finally:
        col.close()


def lapses(run) -> list[int]:
    """The lapses of the one card's faces, as ``quizgen cards --json`` gives them."""
    return [face["lapses"] for face in json.loads(run("cards", "--json").stdout)[0]["faces"]]


def test_again_on_a_learning_step_days_long_is_no_lapse_here_or_back_in_anki(run, tmp_path):
    """Anki's learning steps may be days apart, so an answer's wait cannot tell a step from a review: Again on a step
    of a day is no lapse, Again on a review is one, in ``quizgen cards`` and in the review log exported back."""
    source = tmp_path / "source" / "collection.anki2"
    # A step, Again on the next step, both steps, then Again on the review.
    kinds, guid = studied_with_day_long_steps(source, (3, 1, 3, 3, 1))
    assert kinds == [0, 0, 0, 0, 1]
    anki = through_quizgen_into_anki(run, tmp_path, source, "botany")
    try:
        assert lapses(run) == [1]
        assert json.loads(run("cards", "--json").stdout)[0]["id"] == card_id_base(guid)
        (card,) = [anki.get_card(cid) for cid in anki.find_cards("")]
        assert anki.db.list("SELECT type FROM revlog ORDER BY id") == kinds
        assert card.lapses == 1
    finally:
        anki.close()


def test_again_here_on_a_card_anki_sent_to_review_a_day_away_is_a_lapse(run, tmp_path, db_path):
    """Anki's due date is the start of its day, hours short of a day after the answer that set it: Again given here
    on that day is a lapse all the same."""
    source = tmp_path / "source" / "collection.anki2"
    source.parent.mkdir()
    col = Collection(str(source))
    try:
        (card_id,) = col.card_ids_of_note(add_note(col, "Botany", "Which gas do roots take in?", "Oxygen"))
        answer(col, card_id, 3)
        answer(col, card_id, 3)  # past both learning steps: a review card, one day away
        assert (col.get_card(card_id).type, col.get_card(card_id).ivl) == (2, 1)
    finally:
        col.close()
    assert run("import", str(source)).exit_code == 0
    store = Store.open(db_path)
    try:
        (face,) = store.schedule_rows(store.card(json.loads(run("cards", "--json").stdout)[0]["id"]).pk)
        due = datetime.fromisoformat(face["due"])
        session = store.start_session("botany", "review", 1, due)
        store.record_answers(
            session, [Answer(face["card_pk"], 0, due + timedelta(hours=6), "review", 1, False, "", 3000, face["due"],
                             {**face, "state": 3, "due": to_stored(due + timedelta(hours=6, minutes=10))})]
        )
    finally:
        store.close()
    assert lapses(run) == [1]


def test_importing_again_gives_answers_imported_before_kinds_were_kept_their_kind(run, tmp_path, db_path):
    source = tmp_path / "source" / "collection.anki2"
    studied_with_day_long_steps(source, (3, 1, 3))
    assert run("import", str(source)).exit_code == 0
    connection = sqlite3.connect(db_path)
    with connection:  # as an import made before the kinds were kept left them
        connection.execute("UPDATE reviews SET anki_kind = NULL")
    connection.close()
    assert lapses(run) == [1]

    result = run("import", str(source), "--json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["reviews_added"] == 0
    assert lapses(run) == [0]


def test_a_deck_from_anki_goes_back_to_a_new_profile_in_the_decks_its_notes_came_from(run, tmp_path):
    """In the decks and subdecks its notes were in, with their tags nested as they were."""
    source = tmp_path / "source" / "collection.anki2"
    source.parent.mkdir()
    col = Collection(str(source))
    placed = {
        "Japanese": ("neko", "cat"),
        "Japanese::Vocabulary": ("inu", "dog"),
        "Japanese::Vocabulary::Verbs": ("taberu", "to eat"),
        "Japanese::Grammar": ("wa", "topic particle"),
    }
    try:
        for deck, (front, back) in placed.items():
            note = col.get_note(add_note(col, deck, front, back))
            note.tags = ["jlpt::n5", deck.split("::")[-1].lower()]
            col.update_note(note)
    finally:
        col.close()
    anki = through_quizgen_into_anki(run, tmp_path, source, "japanese")
    try:
        arrived = {}
        for card_id in anki.find_cards(""):
            card = anki.get_card(card_id)
            arrived[anki.decks.name(card.did)] = card.note().fields[0]
        assert arrived.keys() == placed.keys()
        assert all(f">{front}<" in arrived[deck] for deck, (front, _back) in placed.items())
        assert len(anki.find_notes("tag:jlpt::n5")) == len(placed)
        assert {"jlpt::n5", "verbs"} <= set(anki.tags.all())
    finally:
        anki.close()


@pytest.mark.parametrize("exported_anew", [False, True], ids=["same file", "file named after the new deck"])
def test_a_deck_renamed_in_anki_takes_its_cards_and_their_reviews_along(run, tmp_path, db_path, exported_anew):
    """A note keeps its GUID when its top-level deck is renamed in Anki, or when it moves to another: its card moves
    to the deck it is in now, with the answers given to it here, and is not retired for a new one; also when it
    comes back in another file, as an export named after the renamed deck does."""
    source = tmp_path / "source" / "collection.anki2"
    source.parent.mkdir()
    col = Collection(str(source))
    try:
        notes = [add_note(col, "Custom", f"Word {n}", f"Meaning {n}") for n in range(3)]
        guids = [col.get_note(note_id).guid for note_id in notes]
    finally:
        col.close()
    imported_json(run, source)
    answered = card_id_base(guids[0])
    suspend_in_quizgen(db_path, "custom", card_id_base(guids[1]))
    store = Store.open(db_path)
    try:
        (face,) = store.schedule_rows(store.card(f"custom/{answered}").pk)
        at = datetime.now(UTC)
        session = store.start_session("custom", "review", 1, at)
        after = {**face, "state": 2, "stability": 3.0, "difficulty": 5.0, "due": to_stored(at + timedelta(days=3)),
                 "last_review": to_stored(at)}
        store.record_answers(session, [Answer(face["card_pk"], 0, at, "review", 4, True, "", 3000, None, after)])
    finally:
        store.close()
    col = Collection(str(source))
    try:
        deck = col.decks.by_name("Custom")
        deck["name"] = "German"
        col.decks.save(deck)
        col.set_deck([col.card_ids_of_note(notes[2])[0]], col.decks.id("Spanish"))
    finally:
        col.close()
    if exported_anew:
        renamed = tmp_path / "export" / "German.anki2"
        renamed.parent.mkdir()
        renamed.write_bytes(source.read_bytes())
        source = renamed

    report = imported_json(run, source)
    assert (report["cards_moved"], report["cards_retired"], report["notes"]["new"]) == (3, 0, 0)
    moved = shown_card(run, f"german/{answered}")
    assert (moved["reviews"], [review["rating"] for review in moved["review_log"]]) == (1, [4])
    assert moved["section"] == "German"
    assert "suspended" in marks(run, f"german/{card_id_base(guids[1])}")
    assert shown_card(run, f"spanish/{card_id_base(guids[2])}")["section"] == "Spanish"
    assert run("show", f"custom/{answered}").exit_code != 0
    assert imported_json(run, source)["cards_moved"] == 0
    assert json.loads(run("stats", "--json").stdout)["reviews"] == 1
    # The deck the cards left, empty now, is reset and goes; the answers given in its sessions to the cards it held
    # stay, with their sessions.
    assert run("deck", "reset", "custom", "--yes").exit_code == 0
    assert shown_card(run, f"german/{answered}")["reviews"] == 1
    result = run("deck", "delete", "custom", "--yes")
    assert "0 cards, 0 answers" in result.stdout
    assert shown_card(run, f"german/{answered}")["reviews"] == 1
    assert json.loads(run("stats", "--json").stdout)["reviews"] == 1
    with closing(sqlite3.connect(db_path)) as connection:
        assert connection.execute("SELECT deck, answered, correct FROM sessions").fetchall() == [(None, 1, 1)]


def test_new_cards_come_in_the_order_anki_would_show_them(run, tmp_path, db_path):
    """A deck repositioned in Anki (by word frequency, say) is asked new in that order, not in the order its notes
    were added."""
    source = tmp_path / "source" / "collection.anki2"
    source.parent.mkdir()
    col = Collection(str(source))
    try:
        words = ["alpha", "bravo", "charlie", "delta"]
        notes = {word: add_note(col, "Words", word, word.upper()) for word in words}
        wanted = ["delta", "bravo", "alpha", "charlie"]
        col.sched.reposition_new_cards(
            [col.card_ids_of_note(notes[word])[0] for word in wanted], starting_from=0, step_size=1,
            randomize=False, shift_existing=False,
        )
    finally:
        col.close()
    imported_json(run, source)
    store = Store.open(db_path)
    try:
        fronts = {pk: store.quiz_face(pk, face)[0].fields["front"] for pk, face in store.new_faces("words")}
    finally:
        store.close()
    assert list(fronts.values()) == wanted


def test_a_deck_keeps_its_slug_when_a_deck_of_a_like_name_joins_the_collection(run, tmp_path):
    """Names that give one slug are told apart by a hash of the name: a deck imported before keeps the slug it was
    given, and the newcomer, not it, takes the hashed one."""
    source = tmp_path / "source" / "collection.anki2"
    first = note_added(source, "Bio-logy!", "What do mitochondria make?", "ATP")
    imported_json(run, source)
    second = note_added(source, "Bio logy", "What do ribosomes make?", "Proteins")

    report = imported_json(run, source)
    assert (report["notes"]["new"], report["cards_retired"], report["cards_moved"]) == (1, 0, 0)
    decks = {deck["slug"]: deck["name"] for deck in json.loads(run("decks", "--json").stdout) if "bio" in deck["slug"]}
    newcomer = next(slug for slug in decks if slug.startswith("bio-logy-"))
    assert decks == {"bio-logy": "Bio-logy!", newcomer: "Bio logy"}
    assert shown_card(run, f"bio-logy/{card_id_base(first)}")["front"] == "What do mitochondria make?"
    assert shown_card(run, f"{newcomer}/{card_id_base(second)}")["front"] == "What do ribosomes make?"
    assert imported_json(run, source)["notes"]["unchanged"] == 2


def test_a_card_suspended_as_it_cannot_be_shown_here_is_not_suspended_in_anki(run, tmp_path, collection, db_path):
    """The import's suspension is quizgen's, for want of a way to show an image: exported, the card is as active in
    Anki as it was; suspended by the learner, it arrives suspended."""
    source = tmp_path / "source" / "collection.anki2"
    guid = note_added(source, "Anatomy", "<img src='heart.png'>", "the heart", answered=True)
    imported_json(run, source)
    card_id = f"anatomy/{card_id_base(guid)}"
    assert marks(run, card_id) == [UNSHOWABLE]
    exported = tmp_path / "anatomy.apkg"
    assert run("export", "anatomy", "-o", str(exported)).exit_code == 0
    collection.import_anki_package(ImportAnkiPackageRequest(
        package_path=str(exported), options=ImportAnkiPackageOptions(with_scheduling=True)))
    (anki_id,) = collection.find_cards("")
    assert collection.get_card(anki_id).queue != -1
    store = Store.open(db_path)
    store.suspend_card(store.card(card_id).pk, datetime.now(UTC))
    store.close()
    assert marks(run, card_id) == ["suspended"]
    suspended = tmp_path / "anatomy-suspended.apkg"
    assert run("export", "anatomy", "-o", str(suspended)).exit_code == 0
    with zipfile.ZipFile(suspended) as package:
        package.extract("collection.anki2", tmp_path / "unpacked")
    queues = sqlite3.connect(tmp_path / "unpacked" / "collection.anki2").execute("SELECT queue FROM cards").fetchall()
    assert queues == [(-1,)]


def test_a_note_whose_cards_are_in_several_decks_is_kept_whole_and_named(run, tmp_path):
    source = tmp_path / "source" / "collection.anki2"
    source.parent.mkdir()
    col = Collection(str(source))
    try:
        note_id = add_note(col, "Spanish", "el gato", "the cat", model="Basic (and reversed card)")
        reverse = next(card for card in col.get_note(note_id).cards() if card.ord == 1)
        col.set_deck([reverse.id], col.decks.id("Listening"))
        guid = col.get_note(note_id).guid
    finally:
        col.close()
    result = run("import", str(source))
    assert result.exit_code == 0, result.stderr
    assert ('1 note with cards in several Anki decks, each kept whole in the deck of its first card (a quizgen card '
            'is in one deck): "el gato" (in Spanish)') in result.stdout
    assert len(shown_card(run, f"spanish/{card_id_base(guid)}")["schedule"]) == 2


def test_show_sets_a_field_of_several_lines_under_its_first(run, tmp_path):
    source = tmp_path / "source" / "collection.anki2"
    guid = note_added(source, "Bread", "The steps, in order?", "<ol><li>mix</li><li>knead</li></ol>")
    imported_json(run, source)
    lines = run("show", f"bread/{card_id_base(guid)}").stdout.splitlines()
    assert lines[lines.index("back: 1. mix") + 1] == "      2. knead"


def test_a_card_with_an_empty_back_keeps_its_reviews_and_waits_suspended(run, tmp_path):
    """Anki lets a note's back be blank; its answers are still the learner's history. The card is kept, out of the
    quiz (there is nothing to reveal) until unsuspended, and a later import leaves that to quizgen."""
    source = tmp_path / "source" / "collection.anki2"
    guid = note_added(source, "Chemistry", "Symbol for gold?", "<div><br></div>", answered=True)
    report = imported_json(run, source)
    assert (report["notes"]["new"], report["notes"]["skipped"], report["reviews_added"]) == (1, 0, 1)
    assert report["suspended_unshowable"] == 1
    card_id = f"chemistry/{card_id_base(guid)}"
    card = shown_card(run, card_id)
    assert (card["front"], card["back"], card["reviews"], card["marks"]) == (
        "Symbol for gold?", "[empty in Anki]", 1, [UNSHOWABLE])
    assert run("unsuspend", card_id).exit_code == 0
    assert imported_json(run, source)["suspended_unshowable"] == 0
    assert marks(run, card_id) == []


def test_a_card_forgotten_in_anki_keeps_its_log_through_an_export(run, tmp_path):
    """Anki's Forget makes a card new again and keeps its review log: exported from quizgen, the card is new in Anki
    and still has its log, as in the collection it came from."""
    source = tmp_path / "source" / "collection.anki2"
    source.parent.mkdir()
    col = Collection(str(source))
    try:
        note_id = add_note(col, "Physics", "Unit of force?", "Newton")
        card_id = col.get_note(note_id).cards()[0].id
        answer(col, card_id, 3)
        answer(col, card_id, 3)
        logged = col.db.scalar("SELECT count(*) FROM revlog WHERE cid = ?", card_id)
        col.sched.schedule_cards_as_new([card_id], restore_position=True, reset_counts=False)
        guid = col.get_note(note_id).guid
    finally:
        col.close()
    imported_json(run, source)
    assert shown_card(run, f"physics/{card_id_base(guid)}")["faces"][0]["state"] == "new"
    with in_a_new_profile(run, tmp_path, "physics") as (fresh, (card,)):
        assert card.type == 0
        assert fresh.db.scalar("SELECT count(*) FROM revlog WHERE cid = ?", card.id) == logged


def test_an_sm2_cards_ease_and_interval_come_back_with_it(run, tmp_path):
    """FSRS has no ease, nor SM-2's interval of a card given a due date by hand or relearning a lapse; an SM-2
    collection's cards exported back keep the ones Anki gave them, while their schedule is still the one from Anki."""
    source = tmp_path / "source" / "collection.anki2"
    source.parent.mkdir()
    col = Collection(str(source))
    try:
        dated, lapsed = (col.get_note(add_note(col, "Chemistry", front, back)).cards()[0].id
                         for front, back in (("Symbol for iron?", "Fe"), ("Symbol for lead?", "Pb")))
        for card_id in (dated, lapsed):
            answer(col, card_id, 4)  # Easy: straight to review
        col.db.execute("UPDATE cards SET factor = 2150 WHERE id = ?", dated)
        col.sched.set_due_date([dated], "15!")  # due in 15 days, and so its interval
        col.db.execute("UPDATE cards SET due = ? WHERE id = ?", col.sched.today, lapsed)
        answer(col, lapsed, 1)  # a lapse: relearning, with the interval it comes back to
        wanted = {guid: (ctype, ivl, factor) for guid, ctype, ivl, factor in col.db.all(
            "SELECT n.guid, c.type, c.ivl, c.factor FROM cards c JOIN notes n ON n.id = c.nid")}
    finally:
        col.close()
    assert sorted(ctype for ctype, _ivl, _factor in wanted.values()) == [2, 3]
    imported_json(run, source)
    with in_a_new_profile(run, tmp_path, "chemistry") as (_fresh, cards):
        assert sorted((card.type, card.ivl, card.factor) for card in cards) == sorted(wanted.values())
