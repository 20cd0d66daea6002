"""Card kinds as objects: every kind module is registered, every kind goes through checking, asking, grading and
every export, and a new kind is one class (plus its tests), with nothing else in quizgen to change."""

from __future__ import annotations

import csv
import importlib
import inspect
import pkgutil
import random
from datetime import UTC, datetime
from typing import ClassVar

import pytest

import quizgen.core.kinds as kinds_package
from quizgen.core import questions
from quizgen.core.cards import Card
from quizgen.core.kinds import KINDS, UnknownKind, anki_html, kind_named
from quizgen.core.kinds.base import BASIC_NOTE, STR, Kind, Shown
from quizgen.core.kinds.grading import LETTERS, Grade, grade_text
from quizgen.core.store import Store
from quizgen.exchange import anki_out, export
from quizgen.study.schedule import FaceScheduler
from quizgen.study.session import REVIEW, Entry, Item, Session

NOW = datetime(2026, 12, 20, 9, 0, tzinfo=UTC)

# One card of every kind, with what a learner who knows it types on a face shown as ``Shown``.
SAMPLES = {
    "mcq": ('prompt = "Which planet is largest?"\nchoices = ["Jupiter", "Mars", "Venus", "Mercury"]\n'
            'answer = "Jupiter"\n', lambda s: LETTERS[s.options.index("Jupiter")]),
    "multi": ('prompt = "Which are gas giants?"\nchoices = ["Jupiter", "Saturn", "Mars", "Venus"]\n'
              'answer = ["Jupiter", "Saturn"]\n',
              lambda s: "".join(LETTERS[s.options.index(p)] for p in ("Jupiter", "Saturn"))),
    "truefalse": ('prompt = "Mars has two moons."\nanswer = true\n', lambda s: "t"),
    "typed": ('prompt = "Which planet has the Great Red Spot?"\nanswer = "Jupiter"\n', lambda s: "Jupiter"),
    "cloze": ('text = "The {{c1::Sun}} holds the {{c2::planets}} in orbit."\n', lambda s: s.expected),
    "order": ('prompt = "Order by distance from the Sun."\nitems = ["Mercury", "Venus", "Earth"]\n',
              lambda s: "".join(LETTERS[s.options.index(p)] for p in ("Mercury", "Venus", "Earth"))),
    "match": ('prompt = "Match each planet with its moon."\npairs = [["Earth", "Moon"], ["Mars", "Phobos"]]\n',
              lambda s: " ".join(f"{n + 1}{LETTERS[s.options.index(m)]}" for n, m in enumerate(["Moon", "Phobos"]))),
    "glossary": ('term = "Perihelion"\ndefinition = "The point of an orbit nearest the Sun."\n', None),
    "flashcard": ('front = "Why is Venus hot?"\nback = "Its thick air traps heat."\n', None),
}

WRONG = {
    "mcq": lambda s: LETTERS[s.options.index("Mars")],
    "multi": lambda s: LETTERS[s.options.index("Jupiter")],
    "truefalse": lambda s: "f",
    "typed": lambda s: "Saturn",
    "cloze": lambda s: "Moon",
    "order": lambda s: "".join(LETTERS[s.options.index(p)] for p in ("Earth", "Venus", "Mercury")),
    "match": lambda s: " ".join(f"{n + 1}{LETTERS[s.options.index(m)]}" for n, m in enumerate(["Phobos", "Moon"])),
}


def question_file(tmp_path, bodies: dict[str, str]):
    (tmp_path / "space.toml").write_text('slug = "space"\nname = "Space"\n', encoding="utf-8")
    path = tmp_path / "cards.toml"
    path.write_text(
        'deck = "space"\n'
        + "".join(f'\n[[cards]]\nid = "{name}"\nkind = "{kind}"\nsection = "Planets"\n{body}'
                  for name, (kind, body) in bodies.items()),
        encoding="utf-8",
    )
    return path


def test_every_kind_module_is_registered_under_its_name():
    defined = set()
    for module in pkgutil.iter_modules(kinds_package.__path__):
        loaded = importlib.import_module(f"{kinds_package.__name__}.{module.name}")
        for _name, value in inspect.getmembers(loaded, inspect.isclass):
            if issubclass(value, Kind) and not inspect.isabstract(value) and value.__module__ == loaded.__name__:
                defined.add(value)
    assert {type(kind) for kind in KINDS.values()} == defined
    assert list(KINDS) == list(SAMPLES)
    assert all(kind_named(name).name == name for name in KINDS)
    with pytest.raises(UnknownKind, match="unknown kind 'essay' \\(kinds: mcq, multi, "):
        kind_named("essay")


@pytest.mark.parametrize("kind", list(SAMPLES))
def test_each_kind_is_checked_asked_graded_and_exported(tmp_path, kind):
    body, right_response = SAMPLES[kind]
    bank = questions.load([tmp_path / "space.toml", question_file(tmp_path, {"sample": (kind, body)})])
    assert bank.problems == []
    card = bank.cards[0].card
    spec = card.spec
    assert spec is KINDS[kind]

    faces = card.faces()
    assert faces and len({f.number for f in faces}) == len(faces)
    for face in faces:
        shown = spec.present(card, face.number, random.Random(7))
        assert shown.text and shown.expected
        if spec.self_rated:
            assert shown.back
            continue
        assert spec.input_label and spec.slow_seconds
        assert spec.grade(card, face.number, shown, right_response(shown)).correct
        assert not spec.grade(card, face.number, shown, WRONG[kind](shown)).correct

    assert card.answer and "\n" not in card.answer
    note_type, fields = anki_out.note_fields(card)
    assert len(fields) == len(note_type.fields) and note_type is anki_out.NOTE_TYPE_OF[spec.anki_note]
    rows = export.rows(card)
    assert len(rows) == (len(faces) if kind == "cloze" else 1)
    assert Card.from_dict("space", card.to_dict()) == card


class Abbreviation(Kind):
    """A kind that is in no module of quizgen: an abbreviation to spell out."""

    name = "abbreviation"
    required: ClassVar[dict[str, str]] = {"short": STR, "full": STR}
    main = "short"
    slow_seconds = 25
    input_label = "Spell it out"
    anki_note = BASIC_NOTE

    def problems(self, fields):
        if len(fields["short"]) >= len(fields["full"]):
            return [("the abbreviation must be shorter than what it stands for", "short")]
        return []

    def grade(self, card: Card, face: int, shown: Shown, response: str) -> Grade:
        return grade_text(response, [card.fields["full"]])

    def answer(self, card: Card) -> str:
        return card.fields["full"]

    def anki_fields(self, card: Card) -> list[str]:
        return [anki_html.question_html(card.fields["short"]), anki_html.html_text(card.fields["full"])]


@pytest.fixture
def abbreviation(monkeypatch):
    monkeypatch.setitem(KINDS, "abbreviation", Abbreviation())


def test_a_new_kind_is_one_class(tmp_path, run, db_path, collection, abbreviation):
    good = question_file(tmp_path, {"au": ("abbreviation", 'short = "AU"\nfull = "astronomical unit"\n')})
    assert run("check", str(tmp_path / "space.toml"), str(good)).exit_code == 0

    bad = tmp_path / "bad"
    bad.mkdir()
    question_file(bad, {"au": ("abbreviation", 'short = "astronomical unit"\nfull = "AU"\n')})
    result = run("check", str(bad))
    assert result.exit_code == 1
    assert f"{bad / 'cards.toml'}:7: card 'au': the abbreviation must be shorter" in result.stdout

    assert run("import", str(tmp_path / "space.toml"), str(good)).exit_code == 0
    listed = run("cards", "--kind", "abbreviation")
    assert listed.exit_code == 0 and "astronomical unit" in listed.stdout

    out = tmp_path / "space.csv"
    assert run("export", "space", "-o", str(out)).exit_code == 0
    lines = [line for line in out.read_text(encoding="utf-8").splitlines() if not line.startswith("#")]
    assert next(csv.reader(lines))[:2] == ["AU", "astronomical unit"]

    apkg = tmp_path / "space.apkg"
    assert run("export", "space", "-o", str(apkg)).exit_code == 0
    from anki.collection import ImportAnkiPackageOptions, ImportAnkiPackageRequest

    collection.import_anki_package(
        ImportAnkiPackageRequest(package_path=str(apkg), options=ImportAnkiPackageOptions())
    )
    (note_id,) = collection.find_notes("tag:kind::abbreviation")
    assert "astronomical unit" in collection.get_note(note_id).cards()[0].answer()

    store = Store.open(db_path)
    try:
        (pk, face) = store.all_faces("space")[0]

        def fetch(entry: Entry) -> Item:
            card, schedule = store.quiz_face(entry.card_pk, entry.face)
            return Item(entry.card_pk, entry.face, card, schedule)

        session = Session(REVIEW, [Entry(pk, face)], fetch, lambda: NOW, random.Random(1), FaceScheduler(fuzz=False))
        question = session.next_question()
        assert question.text == "AU" and not question.self_rated
        assert session.answer("Astronomical Unit").correct
    finally:
        store.close()


@pytest.mark.parametrize(
    ("text", "asked", "shown", "answer"),
    [
        # As Anki asks a nested deletion: the outer one blanked whole, the inner one alone with the rest shown.
        ("{{c1::Canberra was {{c2::founded}} in 1913}}.", 1, "[...].", "Canberra was founded in 1913"),
        ("{{c1::Canberra was {{c2::founded}} in 1913}}.", 2, "Canberra was [...] in 1913.", "founded"),
        # The hint is all that follows the first '::', as Anki reads it.
        ("Rome is the capital of {{c1::Italy::a country::in Europe}}.", 1,
         "Rome is the capital of [a country::in Europe].", "Italy"),
        # An empty hint is shown as one, empty.
        ("Lima is in {{c1::Peru::}}.", 1, "Lima is in [].", "Peru"),
    ],
)
def test_cloze_text_is_read_as_anki_reads_it(text, asked, shown, answer):
    from quizgen.core.kinds import cloze_syntax

    assert cloze_syntax.problems(text) == []
    assert cloze_syntax.render(text, asked) == shown
    assert cloze_syntax.answers(text, asked) == [answer]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("{{c1::left open", "a cloze deletion is never closed"),
        # Anki makes a card of the outer deletion, which it cannot show, and none of the inner one.
        ("{{c1::outer {{c2::inner}}", "a cloze deletion is never closed"),
        ("{{c1::  }}", "cloze deletion c1 is empty"),
        ("no deletion", "cloze text has no deletion"),
    ],
)
def test_cloze_text_that_anki_would_not_ask_is_refused(text, problem):
    from quizgen.core.kinds import cloze_syntax

    assert any(found.startswith(problem) for found in cloze_syntax.problems(text))
    assert cloze_syntax.slips(text) == []  # the refusal says what is wrong; no warning repeats it


def test_a_flashcard_hint_that_gives_the_answer_away_is_warned_of():
    card = Card("geo", "capital", "flashcard", "Europe", {"front": "Capital of France?", "back": "Paris",
                                                         "hint": "It is Paris, on the Seine"})
    assert card.spec.warnings(card) == ["the hint gives the answer away"]
    card.fields["hint"] = "On the Seine"
    assert card.spec.warnings(card) == []


@pytest.mark.parametrize(
    ("text", "shown", "warning"),
    [
        ("{{c1::a}} and }} stray {{ too", "[...] and }} stray {{ too", "outside any deletion"),
        ("f(x) = {{c1::x^2}}}}", "f(x) = [...]}}", "outside any deletion"),
        ("The {{c1::axis}} and {{c2:gland}}.", "The [...] and {{c2:gland}}.", "'{{c2:' begins no cloze deletion"),
        ("The {{c1::axis}} and {{ C2::gland}}.", "The [...] and {{ C2::gland}}.", "'{{ C2:' begins no cloze"),
        ("Set {{c1::{a, b}}} here", "Set [...]} here", "braces of cloze deletion c1 do not pair up"),
    ],
)
def test_what_is_shown_as_typed_is_asked_as_anki_asks_it_with_a_warning(text, shown, warning):
    """Braces outside any deletion and a deletion mistyped or ended a brace early: Anki shows them as typed (its
    rendering of these texts, exactly), so the card is asked, and check asks whether they are a slip."""
    from quizgen.core.kinds import cloze_syntax

    assert cloze_syntax.problems(text) == []
    assert cloze_syntax.render(text, 1) == shown
    card = Card("maths", "stray", "cloze", "Basics", {"text": text})
    assert any(warning in found for found in card.spec.warnings(card))
