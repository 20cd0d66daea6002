"""The .apkg export, checked by importing it with the real Anki library: counts, decks, rendering and escaping of
every note type, and re-imports that update in place (nothing new, nothing duplicated, only what changed)."""

from __future__ import annotations

import json
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import genanki
import pytest
from anki.collection import (
    Collection,
    ImportAnkiPackageOptions,
    ImportAnkiPackageRequest,
)

from quizgen.core import importing
from quizgen.core.store import Store
from quizgen.exchange import anki_out, export
from quizgen.exchange.anki_in import read_anki

# Card changes come after the newest note type layout, as they do for real decks (no note is older than its layout).
LAYOUTS = datetime.fromtimestamp(max(note_type.layout_changed for note_type in anki_out.NOTE_TYPES), UTC)
FIRST_IMPORT = LAYOUTS + timedelta(days=10)
REWORDED = FIRST_IMPORT + timedelta(days=1)
BUILD_TIME = (REWORDED + timedelta(days=1)).timestamp()

DECK_FILE = '''\
slug = "baking"
name = "Bread Basics"
description = """
How yeast dough rises, and what happens in the oven.
Written for the tests: a study aid, not professional advice.
"""

[source]
title = "Notes on bread"
location = "tests"
'''

# Our own short texts, one card of every kind, plus one whose text must show literally in Anki.
CARDS = {
    "gas": '''
[[cards]]
id = "gas"
kind = "mcq"
section = "Fundamentals > Yeast"
prompt = "Which gas makes a yeasted dough rise?"
choices = ["Carbon dioxide", "Oxygen", "Nitrogen", "Hydrogen"]
answer = "Carbon dioxide"
explanation = "Yeast releases carbon dioxide, which the gluten network traps."
tags = ["yeast", "gas exchange"]
''',
    "proteins": '''
[[cards]]
id = "proteins"
kind = "multi"
section = "Fundamentals > Flour"
prompt = "Which two wheat proteins combine into gluten?"
choices = ["Glutenin", "Gliadin", "Amylase", "Casein"]
answer = ["Glutenin", "Gliadin"]
''',
    "salt": '''
[[cards]]
id = "salt"
kind = "truefalse"
section = "Fundamentals > Salt"
prompt = "Salt slows down yeast activity."
answer = true
explanation = "Salt draws water away from yeast cells, so fermentation runs more slowly."
''',
    "done-temp": '''
[[cards]]
id = "done-temp"
kind = "typed"
section = "Baking > Oven"
prompt = "Roughly what internal temperature, in degrees Celsius, tells you a lean loaf is baked through?"
answer = "95"
accept = ["95 C", "ninety-five"]
''',
    "ferment": '''
[[cards]]
id = "ferment"
kind = "cloze"
section = "Fundamentals > Yeast"
text = "Yeast turns {{c1::sugars}} into {{c2::carbon dioxide::a gas}} and alcohol."
''',
    "steps": '''
[[cards]]
id = "steps"
kind = "order"
section = "Baking > Method"
prompt = "Put the stages of a simple loaf in order."
items = ["Mix", "Knead", "Proof", "Bake"]
''',
    "roles": '''
[[cards]]
id = "roles"
kind = "match"
section = "Fundamentals > Ingredients"
prompt = "Match each ingredient with its main job."
pairs = [["Yeast", "Leavening"], ["Salt", "Flavour and control"], ["Water", "Hydration"]]
''',
    "autolyse": '''
[[cards]]
id = "autolyse"
kind = "glossary"
section = "Glossary"
term = "Autolyse"
definition = "A rest of just flour and water before kneading, so the flour hydrates."
''',
    "steam": '''
[[cards]]
id = "steam"
kind = "flashcard"
section = "Baking > Oven"
front = "Why add steam early in the bake?"
back = "It keeps the crust supple so the loaf can still expand."
hint = "Think of the crust in the first minutes."
''',
    "escaped": '''
[[cards]]
id = "escaped"
kind = "mcq"
section = "Fundamentals > Notation"
prompt = "A recipe note reads <script>alert(1)</script>: which line says less flour than water?"
choices = ["a < b & c", "a > b"]
answer = "a < b & c"
explanation = "Angle brackets and <b>tags</b> & ampersands are shown as typed."
''',
}

NOTES = len(CARDS)
ANKI_CARDS = NOTES + 2  # the cloze card has two deletions and the glossary card two directions
DECK_NAMES = {"Bread Basics", "Bread Basics::Fundamentals", "Bread Basics::Baking", "Bread Basics::Glossary"}


def write_deck(folder: Path, cards: dict[str, str] = CARDS) -> Path:
    """Our question files in ``folder``; returns the question file."""
    folder.mkdir(exist_ok=True)
    (folder / "baking.toml").write_text(DECK_FILE, encoding="utf-8")
    questions = folder / "cards.toml"
    questions.write_text('deck = "baking"\n' + "".join(cards.values()), encoding="utf-8")
    return questions


def open_store(
    tmp_path: Path, now: datetime = FIRST_IMPORT, cards: dict[str, str] = CARDS, db: Path | None = None
) -> tuple[Store, Path]:
    """A database holding only our test deck, imported at ``now``; returns it and the question file."""
    store = Store.open(db or tmp_path / "quizgen-test.db")
    questions = write_deck(tmp_path / "deck", cards)
    importing.import_paths(store, [questions.parent], now=now)
    return store, questions


def export_apkg(store: Store, path: Path, **options) -> Path:
    export.export(store, path, "baking", timestamp=BUILD_TIME, **options)
    return path


def import_apkg(col: Collection, path: Path, merge_notetypes: bool = False):
    """Import as Anki's import screen does by default (update a note only when the incoming one is newer)."""
    request = ImportAnkiPackageRequest(
        package_path=str(path), options=ImportAnkiPackageOptions(merge_notetypes=merge_notetypes)
    )
    return col.import_anki_package(request).log


def notes_by_guid(col: Collection) -> dict[str, tuple[int, str, str]]:
    rows = col.db.all("SELECT guid, mod, flds, tags FROM notes")
    return {guid: (mod, fields, tags) for guid, mod, fields, tags in rows}


def note_id_of(col: Collection, card_id: str) -> int | None:
    return col.db.scalar("SELECT id FROM notes WHERE guid = ?", note_guid(card_id))


def card_of(col: Collection, card_id: str, ordinal: int = 0):
    return next(card for card in col.get_note(note_id_of(col, card_id)).cards() if card.ord == ordinal)


def note_guid(card_id: str) -> str:
    return genanki.guid_for("baking", card_id)


def test_imports_every_card_into_subdecks_per_top_level_section(tmp_path, collection):
    store, _ = open_store(tmp_path)
    log = import_apkg(collection, export_apkg(store, tmp_path / "bread.apkg"))

    assert (len(log.new), len(log.updated), len(log.duplicate), len(log.conflicting)) == (NOTES, 0, 0, 0)
    assert collection.note_count() == NOTES
    assert collection.card_count() == ANKI_CARDS
    names = {d.name for d in collection.decks.all_names_and_ids()}
    assert names >= DECK_NAMES
    assert collection.decks.by_name("Bread Basics")["desc"].endswith("not professional advice.")
    subdeck = collection.decks.by_name("Bread Basics::Baking")
    assert subdeck["desc"] == "Written for the tests: a study aid, not professional advice."
    fundamentals = collection.find_cards('"deck:Bread Basics::Fundamentals"')
    assert len(fundamentals) == 7  # gas, proteins, salt, ferment (two deletions), roles, escaped
    assert len(collection.find_cards('"deck:Bread Basics::Glossary"')) == 2


def test_flat_export_puts_every_note_in_the_deck_itself(tmp_path, collection):
    store, _ = open_store(tmp_path)
    import_apkg(collection, export_apkg(store, tmp_path / "flat.apkg", flat=True))

    assert len(collection.find_cards('"deck:Bread Basics" -"deck:Bread Basics::*"')) == ANKI_CARDS
    assert not {n for n in DECK_NAMES if n != "Bread Basics"} & {d.name for d in collection.decks.all_names_and_ids()}


def test_tags_have_no_spaces_and_name_kind_and_section(tmp_path, collection):
    store, _ = open_store(tmp_path)
    import_apkg(collection, export_apkg(store, tmp_path / "bread.apkg"))

    tags = collection.get_note(note_id_of(collection, "gas")).tags
    assert set(tags) == {"quizgen", "kind::mcq", "section::Fundamentals::Yeast", "yeast", "gas_exchange"}
    assert len(collection.find_notes("tag:kind::cloze")) == 1
    assert len(collection.find_notes("tag:section::Baking")) == 3


def test_each_note_type_renders_question_and_answer(tmp_path, collection):
    store, _ = open_store(tmp_path)
    import_apkg(collection, export_apkg(store, tmp_path / "bread.apkg"))

    gas = card_of(collection, "gas")
    assert "Which gas makes a yeasted dough rise?" in gas.question()
    assert all(choice in gas.question() for choice in ["Carbon dioxide", "Oxygen", "Nitrogen", "Hydrogen"])
    assert '<li class="right">Carbon dioxide' in gas.answer()
    assert '<li class="other">Oxygen' in gas.answer()
    assert "the gluten network traps" in gas.answer()
    assert "Fundamentals &gt; Yeast" in gas.answer()

    proteins = card_of(collection, "proteins").answer()
    assert '<li class="right">Glutenin' in proteins and '<li class="right">Gliadin' in proteins
    assert '<li class="other">Casein' in proteins

    salt = card_of(collection, "salt")
    assert "True or false?" in salt.question()
    assert '<li class="right">True' in salt.answer()

    typed = card_of(collection, "done-temp")
    assert "lean loaf is baked through" in typed.question()
    assert "[[type:Answer]]" in typed.question()  # Anki's reviewer puts the input box here
    assert "Also accepted: 95 C, ninety-five" in typed.answer()

    first, second = card_of(collection, "ferment", 0), card_of(collection, "ferment", 1)
    assert "[...]" in first.question() and "carbon dioxide" in first.question()
    assert "sugars" in first.answer()
    assert "[a gas]" in second.question() and "sugars" in second.question()
    assert "carbon dioxide" in second.answer()

    steps = card_of(collection, "steps")
    assert all(step in steps.question() for step in ["Mix", "Knead", "Proof", "Bake"])
    assert '<ol class="order"><li>Mix</li><li>Knead</li><li>Proof</li><li>Bake</li></ol>' in steps.answer()

    roles = card_of(collection, "roles")
    assert "Match each ingredient" in roles.question()
    assert "<td>Salt</td>" in roles.answer() and "<td>Flavour and control</td>" in roles.answer()

    term_first, definition_first = card_of(collection, "autolyse", 0), card_of(collection, "autolyse", 1)
    assert "Autolyse" in term_first.question() and "flour hydrates" not in term_first.question()
    assert "flour hydrates" in term_first.answer()
    assert "flour hydrates" in definition_first.question() and "Autolyse" not in definition_first.question()
    assert "Autolyse" in definition_first.answer()

    steam = card_of(collection, "steam")
    assert "Why add steam early in the bake?" in steam.question()
    # The hint is there to open, closed until clicked, as Anki's own hint fields are.
    assert '<details class="hint"><summary>Hint</summary>Think of the crust in the first minutes.</details>' in (
        steam.question())
    assert "loaf can still expand" in steam.answer()

    # Read back from the package by a database that has never seen the deck, the hint is the card's hint again.
    read_back = {card.get("front"): card for card in read_anki(tmp_path / "bread.apkg").cards["bread-basics"]}
    assert read_back["Why add steam early in the bake?"]["hint"] == "Think of the crust in the first minutes."


def test_text_shows_literally_not_as_html(tmp_path, collection):
    store, _ = open_store(tmp_path)
    import_apkg(collection, export_apkg(store, tmp_path / "bread.apkg"))

    card = card_of(collection, "escaped")
    question, answer = card.question(), card.answer()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in question
    assert "<script>alert" not in question and "<script>alert" not in answer
    assert "a &lt; b &amp; c" in question
    assert "&lt;b&gt;tags&lt;/b&gt; &amp; ampersands" in answer


SOUND_CARDS = {
    "sound-front": '''
[[cards]]
id = "sound-front"
kind = "flashcard"
section = "Notation"
front = "What does [sound:proof.mp3] in a recipe file mean?"
back = "Nothing here: [sound:proof.mp3] is text [anki:tts lang=en_US]too[/anki:tts]."
explanation = "See [sound:x.mp3]."
''',
    "sound-choice": '''
[[cards]]
id = "sound-choice"
kind = "mcq"
section = "Notation"
prompt = "Which tag is written out?"
choices = ["[sound:a.mp3]", "[sound:b.mp3]"]
answer = "[sound:a.mp3]"
''',
    "sound-typed": '''
[[cards]]
id = "sound-typed"
kind = "typed"
section = "Notation"
prompt = "Type the tag [sound:c.mp3]"
answer = "[sound:c.mp3]"
''',
    "sound-cloze": '''
[[cards]]
id = "sound-cloze"
kind = "cloze"
section = "Notation"
text = "The tag {{c1::[sound:d.mp3]}} is shown as written."
''',
}


def test_sound_tags_in_card_text_are_shown_not_played(tmp_path, collection):
    store, _ = open_store(tmp_path, cards=SOUND_CARDS)
    import_apkg(collection, export_apkg(store, tmp_path / "sound.apkg"))

    for card_id in SOUND_CARDS:
        card = card_of(collection, card_id)
        assert card.question_av_tags() == [] and card.answer_av_tags() == [], card_id
        assert "&#91;sound:" in card.answer(), card_id
    assert "&#91;sound:a.mp3]" in card_of(collection, "sound-choice").question()
    back = card_of(collection, "sound-front").answer()
    assert "&#91;sound:proof.mp3]" in back and "&#91;anki:tts lang=en_US]too&#91;/anki:tts]" in back
    assert "See &#91;sound:x.mp3]." in back


NESTED_CLOZE = {
    "nested": '''
[[cards]]
id = "nested"
kind = "cloze"
section = "Fundamentals"
text = "{{c1::Bread rises because {{c2::yeast}} makes gas}} and {{c3::{{c4::steam}} in the oven}} lifts it."
''',
}


def test_a_nested_cloze_becomes_one_anki_card_per_deletion(tmp_path, collection):
    """As Anki makes them: a deletion inside another is a card of its own, asked with the outer one shown."""
    store, _ = open_store(tmp_path, cards=NESTED_CLOZE)
    import_apkg(collection, export_apkg(store, tmp_path / "nested.apkg"))
    cards = collection.get_note(note_id_of(collection, "nested")).cards()
    assert sorted(card.ord for card in cards) == [0, 1, 2, 3]
    inner = card_of(collection, "nested", 1)
    assert ">[...]</span> makes gas" in inner.question() and "Bread rises because" in inner.question()
    assert ">yeast</span> makes gas" in inner.answer()


def test_templates_are_self_contained_and_have_night_mode(tmp_path, collection):
    store, _ = open_store(tmp_path)
    import_apkg(collection, export_apkg(store, tmp_path / "bread.apkg"))

    ours = [m for m in collection.models.all() if m["name"].startswith("quizgen ")]
    assert len(ours) == 5
    for model in ours:
        assert ".nightMode" in model["css"] and "max-width" in model["css"]
        assert "http" not in model["css"] and "@import" not in model["css"]
        templates = "".join(t["qfmt"] + t["afmt"] for t in model["tmpls"])
        assert "http" not in templates and "<script" not in templates


@pytest.mark.parametrize("merge_notetypes", [False, True])
def test_importing_the_same_export_again_changes_nothing(tmp_path, collection, merge_notetypes):
    store, _ = open_store(tmp_path)
    import_apkg(collection, export_apkg(store, tmp_path / "first.apkg"), merge_notetypes)
    before = notes_by_guid(collection)

    # A fresh export of the unchanged deck, written later, is still "nothing new" to Anki.
    export.export(store, tmp_path / "second.apkg", "baking", timestamp=BUILD_TIME + 86_400)
    log = import_apkg(collection, tmp_path / "second.apkg", merge_notetypes)

    assert (len(log.new), len(log.updated), len(log.conflicting)) == (0, 0, 0)
    assert len(log.duplicate) == NOTES
    assert notes_by_guid(collection) == before
    assert collection.note_count() == NOTES and collection.card_count() == ANKI_CARDS


def test_a_reworded_card_updates_exactly_its_note(tmp_path, collection):
    store, questions = open_store(tmp_path)
    import_apkg(collection, export_apkg(store, tmp_path / "bread.apkg"))
    before = notes_by_guid(collection)
    ids_before = set(collection.find_notes(""))

    questions.write_text(
        questions.read_text(encoding="utf-8").replace("Why add steam early", "Why is steam added early"),
        encoding="utf-8",
    )
    report = importing.import_paths(store, [questions.parent], now=REWORDED)
    assert report.updated == ["steam"]
    export.export(store, tmp_path / "bread.apkg", "baking", timestamp=BUILD_TIME + 86_400)
    log = import_apkg(collection, tmp_path / "bread.apkg")

    assert (len(log.new), len(log.updated), len(log.duplicate)) == (0, 1, NOTES - 1)
    after = notes_by_guid(collection)
    changed = {guid for guid in after if after[guid] != before[guid]}
    assert changed == {note_guid("steam")}
    assert "Why is steam added early in the bake?" in card_of(collection, "steam").question()
    assert set(collection.find_notes("")) == ids_before
    assert collection.card_count() == ANKI_CARDS


def test_a_note_edited_in_anki_since_is_left_alone(tmp_path, collection):
    store, _ = open_store(tmp_path, now=datetime.now(UTC))  # the edit below is later, by Anki's clock
    import_apkg(collection, export_apkg(store, tmp_path / "bread.apkg"))
    note = collection.get_note(note_id_of(collection, "steam"))
    note["Back"] = "My own wording."
    collection.update_note(note)

    log = import_apkg(collection, export_apkg(store, tmp_path / "bread.apkg"))

    assert len(log.updated) == 0
    assert collection.get_note(note.id)["Back"] == "My own wording."


def test_a_retired_card_is_not_exported(tmp_path, collection):
    store, questions = open_store(tmp_path)
    remaining = {key: value for key, value in CARDS.items() if key != "steps"}
    questions.write_text('deck = "baking"\n' + "".join(remaining.values()), encoding="utf-8")
    assert importing.import_paths(store, [questions.parent], now=REWORDED).retired == ["steps"]

    import_apkg(collection, export_apkg(store, tmp_path / "bread.apkg"))

    assert collection.note_count() == NOTES - 1
    assert note_id_of(collection, "steps") is None


def test_filters_choose_the_exported_cards(tmp_path, collection):
    store, _ = open_store(tmp_path)
    some = export_apkg(store, tmp_path / "some.apkg", kinds=["mcq", "glossary"], section="fundamentals")
    import_apkg(collection, some)

    assert collection.note_count() == 2  # "gas" and "escaped"; the glossary card is in another section
    assert note_id_of(collection, "gas") and note_id_of(collection, "escaped")


def test_an_apkg_export_is_recognised_and_replaced_but_other_files_are_not(tmp_path):
    store, _ = open_store(tmp_path)
    target = export_apkg(store, tmp_path / "bread.apkg")
    export_apkg(store, target)  # a previous export: replaced without --force

    other = tmp_path / "other.apkg"
    with zipfile.ZipFile(other, "w") as archive:
        archive.writestr("collection.anki2", b"not ours")
        archive.writestr("media", json.dumps({}))
    with pytest.raises(export.ExportError, match="not a quizgen export"):
        export_apkg(store, other)
    assert zipfile.ZipFile(other).read("collection.anki2") == b"not ours"
    export_apkg(store, other, force=True)
    assert export.is_previous_export(other, "baking")
