"""Wrong choices of drafted multiple-choice cards are of the right answer's type, or there is no multiple choice."""

from __future__ import annotations

import pytest

from quizgen.ingest import distractors, write
from tests.test_generate import assert_passes_check, by_kind, written

LENGTHS = ["12 m", "18 m", "25 m", "9 m"]
SHARES = ["35%", "20%", "15%", "40%"]
DURATIONS = ["3 hours", "2 hours", "5 hours", "90 minutes"]

KITE_TABLE = "\n".join([
    "## Kite figures",
    "",
    "| Figure | Typical value |",
    "|---|---|",
    "| Lines for a first lesson | 12 m |",
    "| Share of flights ended by a lull | 35% |",
    "| Longest session on one charge | 3 hours |",
    "| Trick kite tether | 18 m |",
    "| Crashes blamed on gusts | 20% |",
    "| Time to learn a loop | 2 hours |",
    "| Power kite lines on a beach | 25 m |",
    "| Kites sold with a bridle | 15% |",
    "| Time to pack the kite away | 5 hours |",
    "| Park flying cord | 9 m |",
    "| Windy enough days | 40% |",
    "| Drying time after rain | 90 minutes |",
    "| Weight of the smallest kite | 450 g |",
    "",
])

RADIO_TERMS = "\n".join([
    "## Radio on board",
    "",
    "- VHF: The marine radio band used to call the coastguard and nearby boats.",
    "- EPIRB: A beacon that sends a distress position by satellite when it floats free.",
    "- GPS: Satellites that tell the boat where it is, to a few metres.",
    "- AIS: Shows nearby ships on a chart, sent by each ship over VHF.",
    "- DSC: A button that sends a digital distress call with the boat's number.",
    "- Mayday: The spoken call for a boat in grave and immediate danger.",
    "",
])


def draft_of(tmp_path, text: str, name: str = "notes.md"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    result = write.build(text, write.guess_format(path), name, "kites")
    out, _ = written(result, tmp_path)
    assert_passes_check(out)
    return result


def test_table_column_choices_are_quantities_of_the_answers_kind(tmp_path):
    result = draft_of(tmp_path, KITE_TABLE)
    mcqs = by_kind(result, "mcq")
    assert len(mcqs) == 12
    for card in mcqs:
        family = next(group for group in (LENGTHS, SHARES, DURATIONS) if card.fields["answer"] in group)
        assert sorted(card.fields["choices"]) == sorted(family)
    # The one weight in the column has no other weight beside it: it is asked to be typed, not offered among lengths.
    typed = [c for c in by_kind(result, "typed") if c.fields["answer"] == "450 g"]
    assert len(typed) == 1 and typed[0].prompt == "Weight of the smallest kite: which Typical value?"


def test_term_choices_are_acronyms_for_an_acronym_and_never_named_in_the_question(tmp_path):
    result = draft_of(tmp_path, RADIO_TERMS)
    acronyms = {"VHF", "EPIRB", "GPS", "AIS", "DSC"}
    mcqs = by_kind(result, "mcq")
    assert {c.fields["answer"] for c in mcqs} == acronyms
    for card in mcqs:
        assert set(card.fields["choices"]) <= acronyms and len(card.fields["choices"]) == 4
        wrong = [c for c in card.fields["choices"] if c != card.fields["answer"]]
        assert not any(choice in card.prompt for choice in wrong)
    ais = next(c for c in mcqs if c.fields["answer"] == "AIS")
    assert "VHF" not in ais.fields["choices"]
    # The one spoken call among the acronyms has nothing of its kind to be confused with.
    assert [c.fields["answer"] for c in by_kind(result, "typed") if c.prompt.startswith("What term")] == ["Mayday"]


@pytest.mark.parametrize(
    ("answer", "kind"),
    [
        ("5 mg", "number: mass"), ("approx. 10 mg daily", "number: mass"), ("2.5 mL", "number: volume"),
        ("12%", "number: percent"), ("40 per cent", "number: percent"), ("3 days", "number: duration"),
        ("2-4 weeks", "number: duration"), ("weeks to several months", "number: duration"),
        ("twice weekly", "number: frequency"), ("1987", "number: year"), ("46", "number: count"),
        ("4 daughter cells", "number: of daughter cell"), ("37 °C", "number: temperature"),
        ("GnRH", "acronym"), ("T4", "acronym"), ("Tamoxifen", "word"), ("Clove Hitch", "name"),
        ("Pale and thin", "phrase"), ("intertidal zone", "lower phrase"),
    ],
)
def test_answer_types(answer, kind):
    assert distractors.answer_type(answer) == kind


def test_picked_distractors_differ_from_the_answer_and_stay_out_of_the_stem():
    candidates = ["5 MG", "10 mg", "5 mg.", "12%", "3 days", "20 mg", "1 g", "2 g"]
    assert distractors.pick("5 mg", "Adult dose, or 20 mg for a child?", [candidates], 3) == ["10 mg", "1 g", "2 g"]
    # The same list first, then the section's other terms; a capitalised word sits among capitalised names.
    assert distractors.pick("Bowline", "Which knot?", [["Reef Knot", "VHF"], ["Sheet Bend", "Clove Hitch"]], 3) == [
        "Reef Knot", "Sheet Bend", "Clove Hitch"
    ]
    assert distractors.pick("12 m", "How long?", [["35%", "3 hours", "450 g"]], 3) == []
