"""Reading Anki packages and collections: built and studied with the real anki library, exported by Anki itself."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import tempfile
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from anki.collection import Collection, ExportAnkiPackageOptions
from anki.decks import DeckId

from quizgen.core import questions
from quizgen.core.cards import ID_PATTERN
from quizgen.core.errors import QuizgenError
from quizgen.exchange.anki_html import to_text
from quizgen.exchange.anki_in import AnkiReadError, FaceKey, card_id_base, read_anki
from tests.conftest import add_hinted_note_type

HTML_FIELD = (
    "<style>.x { color: red }</style><script>alert('no')</script>"
    "<div>Three <b>primary</b> <i>colours</i> &amp; their &quot;uses&quot;:</div>"
    "<ul><li>red</li><li>yellow<ul><li>lemon</li></ul></li><li>blue</li></ul>"
    "<p>See&nbsp;also</p>line one<br>line two"
)
HTML_TEXT = 'Three primary colours & their "uses":\n- red\n- yellow\n  - lemon\n- blue\nSee also\nline one\nline two'


@dataclass
class Source:
    """What the test collection holds, as the anki library reports it, for comparing with what was read."""

    path: Path
    notes: dict[str, object] = field(default_factory=dict)  # label -> anki Note
    card_ids: dict[str, list[int]] = field(default_factory=dict)  # label -> card ids by template order
    revlog_per_card: dict[int, int] = field(default_factory=dict)
    due: dict[int, int] = field(default_factory=dict)
    today: int = 0
    next_day_at: int = 0
    memory: dict[int, tuple[float, float]] = field(default_factory=dict)
    interval: dict[int, int] = field(default_factory=dict)


def answer(col: Collection, card_id: int, ease: int) -> None:
    card = col.get_card(card_id)
    card.start_timer()
    col.sched.answerCard(card, ease)


def build(path: Path, fsrs: bool) -> Source:
    """A collection with a note of every stock note type, a renamed Basic and a custom one, some of it studied."""
    col = Collection(str(path))
    col.set_config("fsrs", fsrs)
    spanish = col.decks.id("Languages::Spanish")
    science = col.decks.id("Science")
    science_deck = col.decks.get(science)
    science_deck["desc"] = "<p>Facts about <b>nature</b>.</p>"
    col.decks.save(science_deck)
    source = Source(path)

    custom = col.models.copy(col.models.by_name("Basic"), add=False)
    custom["name"] = "Vocabulary"
    col.models.add_field(custom, col.models.new_field("Example"))
    custom["tmpls"][0]["qfmt"] = "<div class=word>{{Front}}</div>"
    custom["tmpls"][0]["afmt"] = "{{FrontSide}}<hr id=answer>{{Back}}<br><i>{{Example}}</i>"
    second = col.models.new_template("Listening")
    second["qfmt"] = "Say it: {{Back}} {{type:Front}}"
    second["afmt"] = "{{FrontSide}}<hr id=answer>{{Front}}"
    col.models.add_template(custom, second)
    col.models.add(custom)
    renamed = col.models.copy(col.models.by_name("Basic"), add=False)
    renamed["name"] = "Grundlegend"
    col.models.add(renamed)

    def add(label: str, model: str, deck: int, tags: list[str] | None = None, **fields: str) -> None:
        note = col.new_note(col.models.by_name(model))
        for key, value in fields.items():
            note[key] = value
        note.tags = tags or []
        col.add_note(note, deck)
        source.notes[label] = note
        source.card_ids[label] = [c.id for c in sorted(note.cards(), key=lambda c: c.ord)]

    add("basic", "Basic", spanish, ["verbs", "lesson::one"], Front="hablar", Back="to speak")
    add("reversed", "Basic (and reversed card)", spanish, Front="el gato", Back="the cat")
    add("optional-both", "Basic (optional reversed card)", spanish, Front="perro", Back="dog", **{"Add Reverse": "y"})
    add("optional-one", "Basic (optional reversed card)", spanish, Front="casa", Back="house")
    add("typed", "Basic (type in the answer)", spanish, Front="Spanish for 'water'?", Back="agua")
    add("cloze", "Cloze", science, Text="{{c1::Mercury}}, {{c2::Venus}} and {{c3::Earth::planet}} are inner planets",
        **{"Back Extra": "Mars is the fourth."})
    add("html", "Basic", science, Front=HTML_FIELD, Back="<div>three</div>")
    add("image", "Basic", science, Front='What animal is this? <img src="cat.jpg">',
        Back="A cat [sound:meow.mp3] [latex]x^2[/latex]")
    add("image-only", "Basic", science, Front='<img src="dog.jpg"><br>', Back="a dog")
    add("blank", "Basic", science, Front="&nbsp;", Back="Nothing to ask")
    add("renamed", "Grundlegend", science, Front="Boiling point of water at sea level?", Back="100 °C")
    add("custom", "Vocabulary", spanish, Front="libro", Back="book", Example="Leo un libro.")
    add("suspended", "Basic", science, Front="Suspended front", Back="Suspended back")
    add("buried", "Basic", science, Front="Buried front", Back="Buried back")
    add("filtered", "Basic", science, Front="Crammed front", Back="Crammed back")
    add("optional-emptied", "Basic (optional reversed card)", spanish, Front="mesa", Back="table",
        **{"Add Reverse": "y"})
    emptied = source.notes["optional-emptied"]
    emptied["Add Reverse"] = ""
    col.update_note(emptied)  # Anki keeps the reverse card it made

    basic, = source.card_ids["basic"]
    answer(col, basic, 4)  # graduates to review at once
    reversed_front, reversed_back = source.card_ids["reversed"]
    answer(col, reversed_front, 3)
    answer(col, reversed_front, 3)
    answer(col, reversed_back, 1)  # learning, due within minutes
    cloze1, cloze2, _cloze3 = source.card_ids["cloze"]
    answer(col, cloze1, 4)
    answer(col, cloze2, 2)
    col.sched.set_due_date([basic], "9")  # a manual change: an event in the revlog, not a rating
    col.sched.suspend_cards([source.card_ids["suspended"][0]])
    answer(col, source.card_ids["buried"][0], 4)
    answer(col, source.card_ids["image-only"][0], 3)
    col.sched.bury_cards([source.card_ids["buried"][0]])
    cram = col.sched.get_or_create_filtered_deck(DeckId(0))
    cram.name = "Cram"
    cram.config.search_terms[0].search = '"front:Crammed front"'
    col.sched.add_or_update_filtered_deck(cram)
    assert col.get_card(source.card_ids["filtered"][0]).odid  # the card is in the filtered deck

    for cid, count in col.db.all("select cid, count() from revlog group by cid"):
        source.revlog_per_card[cid] = count
    for cid, due, ivl, data in col.db.all("select id, due, ivl, data from cards"):
        source.due[cid], source.interval[cid] = due, ivl
        extra = json.loads(data) if data else {}
        if "s" in extra:
            source.memory[cid] = (extra["s"], extra["d"])
    source.today, source.next_day_at = col.sched.today, col.sched.day_cutoff
    col.close()
    return source


@dataclass
class Exports:
    source: Source
    files: dict[str, Path]


def export_all(source: Source, out: Path) -> dict[str, Path]:
    """The collection in every format Anki writes, and as the bare collection files inside them."""
    files: dict[str, Path] = {}
    col = Collection(str(source.path))
    for legacy in (False, True):
        name = "deck-legacy.apkg" if legacy else "deck.apkg"
        col.export_anki_package(
            out_path=str(out / name),
            options=ExportAnkiPackageOptions(with_scheduling=True, with_deck_configs=True, with_media=False,
                                             legacy=legacy),
            limit=None,
        )
        files[name] = out / name
    for legacy in (False, True):
        name = "all-legacy.colpkg" if legacy else "all.colpkg"
        col.export_collection_package(str(out / name), include_media=False, legacy=legacy)
        col.reopen()
        files[name] = out / name
    col.close()
    files["collection.anki21b"] = out / "collection.anki21b"
    files["collection.anki21b"].write_bytes(zipfile.ZipFile(files["deck.apkg"]).read("collection.anki21b"))
    files["collection.anki21"] = out / "legacy" / "collection.anki21"
    files["collection.anki21"].parent.mkdir()
    files["collection.anki21"].write_bytes(zipfile.ZipFile(files["deck-legacy.apkg"]).read("collection.anki21"))
    # Anki 2.1 before 2.1.50 wrote packages without the metadata entry.
    files["anki21.apkg"] = out / "anki21.apkg"
    with zipfile.ZipFile(files["deck-legacy.apkg"]) as original, zipfile.ZipFile(files["anki21.apkg"], "w") as archive:
        for entry in original.namelist():
            if entry != "meta":
                archive.writestr(entry, original.read(entry))
    # Anki 2.0 wrote schema 11 as collection.anki2 in a package with no metadata.
    old = out / "old" / "collection.anki2"
    old.parent.mkdir()
    old.write_bytes(source.path.read_bytes())
    col = Collection(str(old))
    col.close(downgrade=True)
    files["collection.anki2"] = old
    files["anki20.apkg"] = out / "anki20.apkg"
    with zipfile.ZipFile(files["anki20.apkg"], "w") as archive:
        archive.write(old, "collection.anki2")
        archive.writestr("media", "{}")
    files["current.anki2"] = source.path
    return files


@pytest.fixture(scope="module")
def fsrs(tmp_path_factory) -> Exports:
    base = tmp_path_factory.mktemp("fsrs")
    (base / "source").mkdir()
    source = build(base / "source" / "collection.anki2", fsrs=True)
    return Exports(source, export_all(source, base))


@pytest.fixture(scope="module")
def fsrs_read(fsrs):
    return read_anki(fsrs.files["deck.apkg"])


def card_of(result, label: str, fsrs: Exports) -> dict:
    key = result.faces[fsrs.source.card_ids[label][0]]
    return next(card for card in result.cards[key.deck] if card["id"] == key.card_id)


def key_of(result, fsrs: Exports, label: str, index: int = 0) -> FaceKey:
    return result.faces[fsrs.source.card_ids[label][index]]


FORMATS = [
    "deck.apkg", "deck-legacy.apkg", "all.colpkg", "all-legacy.colpkg", "anki21.apkg", "anki20.apkg",
    "collection.anki21b", "collection.anki21", "collection.anki2", "current.anki2",
]


@pytest.mark.parametrize("name", FORMATS)
def test_every_format_anki_writes_reads_to_the_same_cards_reviews_and_schedules(fsrs, fsrs_read, name):
    path = fsrs.files[name]
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    neighbours = sorted(p.name for p in path.parent.iterdir())
    result = read_anki(path)
    assert result.cards == fsrs_read.cards
    assert result.faces == fsrs_read.faces
    assert {k: len(v) for k, v in result.reviews.items()} == {k: len(v) for k, v in fsrs_read.reviews.items()}
    assert result.schedules == fsrs_read.schedules
    assert result.decks == fsrs_read.decks
    # Read, never written: the file is as it was and nothing appeared beside it.
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before
    assert sorted(p.name for p in path.parent.iterdir()) == neighbours


def test_stock_note_types_become_their_kinds(fsrs, fsrs_read):
    basic = card_of(fsrs_read, "basic", fsrs)
    assert basic == {
        "id": basic["id"], "kind": "flashcard", "section": "Languages > Spanish", "front": "hablar",
        "back": "to speak", "tags": ["lesson::one", "verbs"],
    }
    assert card_of(fsrs_read, "reversed", fsrs) | {"id": ""} == {
        "id": "", "kind": "glossary", "section": "Languages > Spanish", "term": "el gato", "definition": "the cat",
    }
    assert card_of(fsrs_read, "optional-both", fsrs)["kind"] == "glossary"
    assert card_of(fsrs_read, "optional-one", fsrs)["kind"] == "flashcard"
    typed = card_of(fsrs_read, "typed", fsrs)
    assert (typed["kind"], typed["prompt"], typed["answer"]) == ("typed", "Spanish for 'water'?", "agua")
    cloze = card_of(fsrs_read, "cloze", fsrs)
    assert cloze["kind"] == "cloze"
    assert cloze["text"] == "{{c1::Mercury}}, {{c2::Venus}} and {{c3::Earth::planet}} are inner planets"
    assert cloze["explanation"] == "Mars is the fourth."
    assert cloze["reveal"] is True  # shown and rated, as Anki asks a cloze
    assert cloze["section"] == "Science"
    renamed = card_of(fsrs_read, "renamed", fsrs)
    assert (renamed["kind"], renamed["front"], renamed["back"]) == (
        "flashcard", "Boiling point of water at sea level?", "100 °C")
    assert fsrs_read.report.kinds == {"flashcard": 12, "glossary": 2, "typed": 1, "cloze": 1}


def test_each_anki_card_maps_to_the_face_it_asks(fsrs, fsrs_read):
    front, back = (key_of(fsrs_read, fsrs, "reversed", i) for i in range(2))
    assert (front.card_id, front.face, back.face) == (back.card_id, 0, 1)
    assert [key_of(fsrs_read, fsrs, "cloze", i).face for i in range(3)] == [1, 2, 3]
    both = [key_of(fsrs_read, fsrs, "optional-both", i).face for i in range(2)]
    assert both == [0, 1]
    # A reverse card whose note's Add Reverse field was emptied later has no face in a flashcard.
    assert len(fsrs.source.card_ids["optional-one"]) == 1


def test_other_note_types_give_one_flashcard_per_anki_card_from_the_rendered_card(fsrs, fsrs_read):
    first, second = (key_of(fsrs_read, fsrs, "custom", i) for i in range(2))
    assert first.card_id.endswith("-1") and second.card_id.endswith("-2")
    assert (first.face, second.face) == (0, 0)
    cards = {c["id"]: c for c in fsrs_read.cards[first.deck]}
    assert (cards[first.card_id]["front"], cards[first.card_id]["back"]) == ("libro", "book\nLeo un libro.")
    assert (cards[second.card_id]["front"], cards[second.card_id]["back"]) == ("Say it: book", "libro")


def test_a_rendered_card_whose_template_leaves_its_front_blank_is_skipped(tmp_path):
    """Anki keeps a card whose conditional template no longer shows anything (its field emptied since), and would show
    a notice of its own on it: that card is skipped and named, the note's other card kept."""
    path = tmp_path / "collection.anki2"
    col = Collection(str(path))
    models = col.models
    optional = models.copy(models.by_name("Basic"), add=False)
    optional["name"] = "Word with optional example"
    models.add_field(optional, models.new_field("Example"))
    example = models.new_template("Example")
    example["qfmt"] = "{{#Example}}Use it: {{Example}}{{/Example}}"
    example["afmt"] = "{{FrontSide}}<hr id=answer>{{Front}}"
    models.add_template(optional, example)
    models.add(optional)
    note = col.new_note(models.by_name("Word with optional example"))
    note["Front"], note["Back"], note["Example"] = "libro", "book", "Leo un libro."
    col.add_note(note, col.decks.id("Spanish"))
    note["Example"] = ""
    col.update_note(note)
    first, blank = (card.id for card in sorted(note.cards(), key=lambda card: card.ord))
    col.close()

    read = read_anki(path)
    assert [(s.anki_card_id, s.reason) for s in read.report.skipped] == [
        (blank, "card 2: its template leaves the front blank")
    ]
    assert first in read.faces and blank not in read.faces
    (card,) = read.cards["spanish"]
    assert (card["front"], card["back"]) == ("libro", "book")


def test_a_hint_field_becomes_the_cards_hint_not_a_link_on_its_front(tmp_path):
    """Anki shows ``{{hint:Field}}`` as a link named for the field that uncovers the hint: the card keeps the hint
    itself (the quiz shows it on request), its HTML made text however many blocks it holds, and neither side keeps
    the link. A note whose hint field is empty has no hint."""
    path = tmp_path / "collection.anki2"
    col = Collection(str(path))
    add_hinted_note_type(col, "Hinted", "Clue")
    clues = {
        "Largest planet?": "<div>a gas <div>giant</div></div><div>fifth from the Sun</div>",
        "Smallest planet?": "",
        "Hottest planet?": '<span title="</div>">second</span> from the Sun',  # a close tag inside an attribute
        "Reddest planet?": "<div>left open",
    }
    for front, clue in clues.items():
        note = col.new_note(col.models.by_name("Hinted"))
        note["Front"], note["Back"], note["Clue"] = front, "an answer", clue
        col.add_note(note, col.decks.id("Planets"))
    col.close()

    cards = {card["front"]: card for card in read_anki(path).cards["planets"]}
    assert set(cards) == set(clues)
    assert cards["Largest planet?"]["hint"] == "a gas\ngiant\nfifth from the Sun"
    assert cards["Hottest planet?"]["hint"] == "second from the Sun"
    assert cards["Reddest planet?"]["hint"] == "left open"
    assert {card["back"] for card in cards.values()} == {"an answer"}
    assert "hint" not in cards["Smallest planet?"]
    assert not any("Clue" in card["front"] + card["back"] for card in cards.values())


def test_hints_on_one_side_of_a_template(tmp_path):
    """Two hints on a front are the card's hint, one after the other; a hint only on the back is shown there, as if
    opened, since the answer is already in sight."""
    path = tmp_path / "collection.anki2"
    col = Collection(str(path))
    models = col.models
    hinted = models.copy(models.by_name("Basic"), add=False)
    hinted["name"] = "Two hints"
    for name in ("First", "Second", "After"):
        models.add_field(hinted, models.new_field(name))
    hinted["tmpls"][0]["qfmt"] = "{{Front}}{{hint:First}}{{hint:Second}}"
    hinted["tmpls"][0]["afmt"] = "{{FrontSide}}<hr id=answer>{{Back}}{{hint:After}}"
    models.add(hinted)
    note = col.new_note(models.by_name("Two hints"))
    note["Front"], note["Back"] = "Which planet has the most moons?", "Saturn"
    note["First"], note["Second"], note["After"] = "ringed", "sixth from the Sun", "over a hundred and forty"
    col.add_note(note, col.decks.id("Planets"))
    col.close()

    (card,) = read_anki(path).cards["planets"]
    assert card["hint"] == "ringed\nsixth from the Sun"
    assert card["back"] == "Saturn\nover a hundred and forty"


def cloze_collection(path: Path, deck: str, texts: dict[str, str]) -> dict[str, tuple[str, list[int]]]:
    """A collection at ``path`` with a Cloze note of each text in ``deck``: by label, each note's GUID and its card
    ids in deletion order."""
    col = Collection(str(path))
    try:
        notes = {}
        for label, text in texts.items():
            note = col.new_note(col.models.by_name("Cloze"))
            note["Text"] = text
            col.add_note(note, col.decks.id(deck))
            notes[label] = (note.guid, [card.id for card in sorted(note.cards(), key=lambda card: card.ord)])
        return notes
    finally:
        col.close()


def test_cloze_notes_anki_accepts_are_imported_nested_hinted_or_with_an_empty_deletion(tmp_path):
    path = tmp_path / "collection.anki2"
    texts = {
        "nested": "{{c1::Canberra was {{c2::founded}} in 1913}}.",
        "hinted": "Rome is the capital of {{c1::Italy::a country::in Europe}}.",
        "emptied": "Lima is in {{c1::Peru}}{{c2::}}.",
        # Braces outside any deletion: Anki asks the deletion and shows them as typed.
        "stray": "In a template, {{c1::Quito}} is written }} or {{ by mistake.",
        "mistyped": "Water is {{c1::H2O}}, salt is {{c2:NaCl}}.",
    }
    ids = {label: card_ids for label, (_guid, card_ids) in cloze_collection(path, "Geography", texts).items()}

    read = read_anki(path)
    cards = {card["text"]: card for card in read.cards["geography"]}
    assert set(cards) == {texts["nested"], texts["hinted"], "Lima is in {{c1::Peru}}.", texts["stray"],
                          texts["mistyped"]}
    assert [read.faces[cid].face for cid in ids["nested"]] == [1, 2]
    assert [read.faces[cid].face for cid in ids["stray"]] == [1]
    # Anki makes the one card it can ask of the mistyped note, and shows the slip as typed.
    assert [read.faces[cid].face for cid in ids["mistyped"]] == [1]
    assert ids["emptied"][0] in read.faces and ids["emptied"][1] not in read.faces
    assert [s.reason for s in read.report.skipped] == ["card 2 has no face in the quizgen card"]


def test_a_cloze_note_type_typed_in_is_read_as_cloze(tmp_path):
    """A cloze type of the learner's own with Anki's type-in box ({{type:cloze:Text}}) asks each deletion typed in,
    as a quizgen cloze does: it is one, not a flashcard of the rendered card with its raw deletions in the answer."""
    path = tmp_path / "collection.anki2"
    col = Collection(str(path))
    typed = col.models.copy(col.models.by_name("Cloze"), add=False)
    typed["name"] = "Cloze typed in"
    typed["tmpls"][0]["qfmt"] = "{{cloze:Text}}\n{{type:cloze:Text}}"
    typed["tmpls"][0]["afmt"] = "{{cloze:Text}}<br>{{type:cloze:Text}}<br>{{Back Extra}}"
    col.models.add(typed)
    note = col.new_note(col.models.by_name("Cloze typed in"))
    note["Text"], note["Back Extra"] = "The {{c1::sun}} is a {{c2::star}}.", "Astronomy"
    col.add_note(note, col.decks.id("Sky"))
    card_ids = [card.id for card in sorted(note.cards(), key=lambda card: card.ord)]
    col.close()

    read = read_anki(path)
    (card,) = read.cards["sky"]
    assert (card["kind"], card["text"], card["explanation"]) == ("cloze", "The {{c1::sun}} is a {{c2::star}}.",
                                                                 "Astronomy")
    assert "reveal" not in card  # typed in, as its Anki type asks it
    assert [read.faces[cid].face for cid in card_ids] == [1, 2]


def test_decks_come_from_top_level_decks_and_subdecks_become_sections(fsrs, fsrs_read):
    assert [(d.slug, d.name, d.description) for d in fsrs_read.decks] == [
        ("languages", "Languages", "Cards from the Anki deck Languages."),
        ("science", "Science", "Facts about nature."),
    ]
    assert {c["section"] for c in fsrs_read.cards["languages"]} == {"Languages > Spanish"}


def test_field_html_becomes_terminal_text(fsrs, fsrs_read):
    html = card_of(fsrs_read, "html", fsrs)
    assert html["front"] == HTML_TEXT
    assert html["back"] == "three"


def test_media_is_left_out_marked_in_the_text_and_reported(fsrs, fsrs_read):
    image = card_of(fsrs_read, "image", fsrs)
    assert image["front"] == "What animal is this? [image: cat.jpg]"
    assert image["back"] == "A cat [audio: meow.mp3] [LaTeX omitted]"
    report = fsrs_read.report
    assert report.media == {"image": 2, "audio": 1, "latex": 1}
    assert report.media_files == {"cat.jpg", "dog.jpg", "meow.mp3"}


def test_what_cannot_be_asked_is_skipped_with_the_reason(fsrs, fsrs_read):
    report = fsrs_read.report
    notes, card_ids = fsrs.source.notes, fsrs.source.card_ids
    assert [(s.note_guid, s.anki_card_id, s.reason) for s in report.skipped] == [
        (notes["blank"].guid, None, "the front is empty once its HTML is made text"),
        (notes["optional-emptied"].guid, card_ids["optional-emptied"][1], "card 2 has no face in the quizgen card"),
    ]
    assert card_ids["blank"][0] not in fsrs_read.faces
    assert card_ids["optional-emptied"][1] not in fsrs_read.faces
    assert card_of(fsrs_read, "optional-emptied", fsrs)["kind"] == "flashcard"
    assert report.notes_read == len(notes) - 1
    assert any("2 skipped" in line for line in report.summary())
    # Named by the start of its first field, to be found in Anki's browser.
    assert f'  note Basic, GUID {notes["blank"].guid}: the front is empty' in "\n".join(report.summary())


def test_a_card_of_nothing_but_an_image_comes_with_its_history_marked_unshowable(fsrs, fsrs_read):
    """The terminal cannot show the image it asks about; the card and its reviews are kept all the same."""
    image_only = card_of(fsrs_read, "image-only", fsrs)
    assert (image_only["front"], image_only["back"]) == ("[image: dog.jpg]", "a dog")
    (anki_card,) = fsrs.source.card_ids["image-only"]
    face = fsrs_read.faces[anki_card]
    assert len(fsrs_read.reviews[face]) == 1
    assert fsrs_read.unshowable == {(face.deck, face.card_id)}


def test_reviews_are_kept_per_face_with_manual_changes_as_events(fsrs, fsrs_read):
    source = fsrs.source
    for cid, count in source.revlog_per_card.items():
        assert len(fsrs_read.reviews[fsrs_read.faces[cid]]) == count
    basic = fsrs_read.reviews[key_of(fsrs_read, fsrs, "basic")]
    assert [(r.kind, r.rating, r.is_rating) for r in basic] == [("learn", 4, True), ("manual", None, False)]
    assert basic[0].time.tzinfo is UTC and basic[0].time <= basic[1].time
    front = fsrs_read.reviews[key_of(fsrs_read, fsrs, "reversed", 0)]
    assert [r.rating for r in front] == [3, 3]
    assert [r.rating for r in fsrs_read.reviews[key_of(fsrs_read, fsrs, "reversed", 1)]] == [1]
    assert fsrs_read.reviews[key_of(fsrs_read, fsrs, "cloze", 2)] == []
    assert fsrs_read.report.reviews_read == sum(source.revlog_per_card.values())


def test_schedule_states_due_dates_and_fsrs_memory(fsrs, fsrs_read):
    source = fsrs.source

    def schedule(label, index=0):
        return fsrs_read.schedules[key_of(fsrs_read, fsrs, label, index)]

    basic = schedule("basic")
    assert (basic.state, basic.card_type) == ("review", "review")
    # Set due in 9 days: the start of that Anki day.
    assert basic.due == datetime.fromtimestamp(source.next_day_at, UTC) + timedelta(days=8)
    learning = schedule("reversed", 1)
    assert learning.state == "learning"
    assert learning.due == datetime.fromtimestamp(source.due[source.card_ids["reversed"][1]], UTC)
    new = schedule("cloze", 2)
    assert (new.state, new.due, new.memory) == ("new", None, None)
    assert new.new_position == source.due[source.card_ids["cloze"][2]]
    assert (schedule("suspended").state, schedule("suspended").card_type) == ("suspended", "new")
    assert (schedule("buried").state, schedule("buried").card_type) == ("buried", "review")
    for cid, (stability, difficulty) in source.memory.items():
        memory = fsrs_read.schedules[fsrs_read.faces[cid]].memory
        assert memory is not None
        assert (memory.stability, memory.difficulty) == (pytest.approx(stability), pytest.approx(difficulty))
    assert basic.last_review is not None and basic.desired_retention == pytest.approx(0.9)


def test_a_card_in_a_filtered_deck_is_read_from_its_home_deck(fsrs, fsrs_read):
    # Only a whole-collection package keeps filtered decks.
    result = read_anki(fsrs.files["all.colpkg"])
    cid = fsrs.source.card_ids["filtered"][0]
    assert card_of(result, "filtered", fsrs)["section"] == "Science"
    schedule = result.schedules[result.faces[cid]]
    assert (schedule.state, schedule.new_position) == ("new", fsrs_read.schedules[fsrs_read.faces[cid]].new_position)
    assert schedule.new_position is not None and schedule.new_position > 0
    assert "Cram" not in [deck.name for deck in result.decks]


def test_under_sm2_there_is_no_memory_state_but_the_ease_and_interval_are_kept(tmp_path):
    source = build(tmp_path / "collection.anki2", fsrs=False)
    result = read_anki(source.path)
    basic = result.schedules[result.faces[source.card_ids["basic"][0]]]
    assert basic.memory is None
    assert basic.ease == pytest.approx(2.5)
    assert basic.interval_days == source.interval[source.card_ids["basic"][0]] > 0
    assert [r.rating for r in result.reviews[result.faces[source.card_ids["basic"][0]]]] == [4, None]


def test_reading_again_gives_the_same_ids(fsrs, fsrs_read):
    again = read_anki(fsrs.files["deck.apkg"])
    assert again.faces == fsrs_read.faces
    assert [c["id"] for c in again.cards["science"]] == [c["id"] for c in fsrs_read.cards["science"]]
    ids = [c["id"] for cards in again.cards.values() for c in cards]
    assert all(ID_PATTERN.match(card_id) for card_id in ids)
    assert len(set(ids)) == len(ids)


def test_what_is_read_loads_as_question_files(fsrs, fsrs_read, tmp_path):
    paths = []
    for deck in fsrs_read.decks:
        path = tmp_path / f"{deck.slug}.json"
        document = {"deck": {"slug": deck.slug, "name": deck.name, "description": deck.description},
                    "cards": fsrs_read.cards[deck.slug]}
        path.write_text(json.dumps(document), encoding="utf-8")
        paths.append(path)
    bank = questions.load(paths)
    assert bank.problems == []
    assert len(bank.cards) == sum(fsrs_read.report.kinds.values())
    faces = {(c.card.deck, c.card.id): [f.number for f in c.card.faces()] for c in bank.cards}
    for key in fsrs_read.schedules:
        assert key.face in faces[(key.deck, key.card_id)]


def damaged(tmp_path: Path, fsrs: Exports, name: str) -> Path:
    package = fsrs.files["deck.apkg"].read_bytes()
    path = tmp_path / name
    if name == "truncated.apkg":
        path.write_bytes(package[: len(package) // 2])
    elif name == "no-collection.apkg":
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("media", "{}")
    elif name == "newer.apkg":
        with zipfile.ZipFile(fsrs.files["deck.apkg"]) as original, zipfile.ZipFile(path, "w") as archive:
            for entry in original.namelist():
                # A package version this Anki does not know (field 1, varint 99).
                archive.writestr(entry, b"\x08\x63" if entry == "meta" else original.read(entry))
    elif name == "newer.anki2":
        path.write_bytes(fsrs.source.path.read_bytes())
        with sqlite3.connect(path) as db:
            db.execute("update col set ver = 99")
        db.close()
    elif name == "notes.txt.apkg":
        path.write_text("front\tback\n", encoding="utf-8")
    elif name == "quizgen.anki2":
        path.write_bytes((Path(__file__).parent / "fixtures" / "schema-v1.db").read_bytes())
    elif name == "photo.jpg":
        path.write_bytes(b"\xff\xd8\xff\xe0" + bytes(100))
    return path


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("truncated.apkg", "a damaged or truncated zip archive, not a readable package"),
        ("no-collection.apkg", "a zip archive with no Anki collection in it"),
        ("newer.apkg", "made by a newer version of Anki than this reader knows"),
        ("newer.anki2", "made by a newer version of Anki than this reader knows"),
        ("notes.txt.apkg", "not an Anki package (not a zip archive)"),
        ("quizgen.anki2", "a SQLite database, but not an Anki collection"),
        ("photo.jpg", "not an Anki package or collection"),
        ("missing.apkg", "no such file"),
    ],
)
def test_bad_input_is_one_clear_error_and_nothing_is_written(fsrs, tmp_path, name, message):
    folder = tmp_path / "files"
    folder.mkdir()
    path = damaged(folder, fsrs, name)
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    scratch_before = set(Path(tempfile.gettempdir()).glob("quizgen-anki-*"))
    with pytest.raises(AnkiReadError) as raised:
        read_anki(path)
    assert isinstance(raised.value, QuizgenError)
    text = str(raised.value)
    assert text.startswith(f"{path}: ") and message in text and "\n" not in text
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    assert set(Path(tempfile.gettempdir()).glob("quizgen-anki-*")) == scratch_before


@pytest.mark.parametrize(
    ("html", "text"),
    [
        ("a<br>b<div>c</div><p>d</p>", "a\nb\nc\nd"),
        ("<ul><li>first</li><li>second</li></ul>", "- first\n- second"),
        ("<ol><li>mix</li><li>knead<ol><li>fold</li></ol></li><li>bake</li></ol>",
         "1. mix\n2. knead\n  1. fold\n3. bake"),
        ("<ol start=4><li>rest</li></ol>", "4. rest"),
        ("E=mc<sup>2</sup>, H<sub>2</sub>O and x<sup>n + 1</sup>", "E=mc^2, H_2O and x^(n + 1)"),
        ("<ruby>漢字<rp>(</rp><rt>かんじ</rt><rp>)</rp></ruby>", "漢字(かんじ)"),
        ("shown<span style='color: red; display : none'>hidden <b>too</b></span> too", "shown too"),
        ("<div>a</div><div><br></div><div>b</div>", "a\n\nb"),
        ("x &lt; y &amp;&amp; &#x263A;", "x < y && ☺"),
        ("<b>bold</b> and <u>under</u>", "bold and under"),
        ("\\(e^{i\\pi}\\) [$]x[/$]", "\\(e^{i\\pi}\\) [LaTeX omitted]"),
        ("<video src='clip.mp4'></video> [sound:clip.webm]", "[video: clip.mp4] [video: clip.webm]"),
        ("<table><tr><th>verb</th><th>past</th></tr><tr><td>go </td><td>went</td></tr></table>",
         "verb | past\ngo | went"),
    ],
)
def test_html_conversion(html, text):
    assert to_text(html).text == text


def test_a_rendered_answer_drops_the_question_above_the_answer_rule():
    assert to_text("<style>p {}</style>Q<hr id=answer>A", after_answer_rule=True).text == "A"
    assert to_text("only an answer", after_answer_rule=True).text == "only an answer"


def test_a_cloze_asked_or_answered_only_by_media_is_unshowable_and_its_media_counted_once(tmp_path):
    path = tmp_path / "collection.anki2"
    notes = cloze_collection(path, "Media", {
        "answered by an image": '{{c1::<img src="only.png">}}',
        "answered by a sound": "Sound {{c1::[sound:a.mp3]}} clip",
        "asked by an image": '<img src="map.png"> {{c1::Paris}}',
        "shown with an image": 'The {{c1::sun}} is a star. <img src="sun.png">',
    })
    guids = {label: guid for label, (guid, _card_ids) in notes.items()}

    read = read_anki(path)
    unshowable = {card_id for _deck, card_id in read.unshowable}
    assert {label for label, guid in guids.items() if card_id_base(guid) in unshowable} == {
        "answered by an image", "answered by a sound", "asked by an image"}
    assert read.report.media == {"image": 3, "audio": 1}
