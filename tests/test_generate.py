"""Drafting cards from Documents, and the draft file they are written to."""

from __future__ import annotations

import tempfile
import tomllib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from quizgen.core import lint, questions
from quizgen.core.cards import ID_PATTERN
from quizgen.core.kinds import cloze_syntax
from quizgen.ingest import draft, read, write
from tests.test_parse import (
    ARTICLE_CAPTION_LINES,
    ARTICLE_GLOSSARY,
    ARTICLE_REFERENCE_LINES,
    FIXTURES,
    LINE_SHAPES,
)


def build(path: Path, slug: str = "draft-test") -> draft.Draft:
    return write.build(write.read_source(path), write.guess_format(path), path.name, slug)


def written(result: draft.Draft, folder: Path) -> tuple[Path, str]:
    path = folder / "write.toml"
    write.write(result, path)
    return path, path.read_text(encoding="utf-8")


def by_kind(result: draft.Draft, kind: str) -> list:
    return [d.card for d in result.cards if d.card.kind == kind]


def source_lines(card) -> range:
    start, end = card.source.rsplit(":", 1)[1].split("-")
    return range(int(start), int(end) + 1)


def assert_passes_check(path: Path) -> None:
    """What `quizgen check` says: no errors, and no warning but a missing explanation (a draft has none) or an answer
    an earlier card of the section shows (a draft follows its text sentence by sentence; that warning tells the
    author which of two overlapping cards to cut)."""
    loaded = questions.load([path])
    assert loaded.errors == []
    expected = ("no explanation", "which comes earlier in the same section")
    warnings = [str(p) for p in lint.lint(loaded) if not any(words in p.message for words in expected)]
    assert warnings == []


def assert_well_formed(result: draft.Draft) -> None:
    ids = [d.card.id for d in result.cards]
    assert all(ID_PATTERN.fullmatch(i) for i in ids)
    assert len(set(ids)) == len(ids)
    texts = [(d.card.kind, d.card.prompt) for d in result.cards]
    assert len(set(texts)) == len(texts)
    for drafted in result.cards:
        assert drafted.card.source.startswith(f"{result.source_name}:")
        assert drafted.passage.strip()


def assert_loads_back(result: draft.Draft) -> None:
    """The draft, written out, loads as a question file with every card and no error."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "fuzz.toml"
        write.write(result, path)
        loaded = questions.load([path])
        assert loaded.errors == []
        assert len(loaded.cards) == len(result.cards)


# The article ------------------------------------------------------------------------------------------------------


@pytest.fixture
def article_draft(article) -> draft.Draft:
    return build(article)


def test_article_glossary_cards_are_exactly_the_nineteen_definitions(article_draft):
    glossary = by_kind(article_draft, "glossary")
    assert [card.fields["term"] for card in glossary] == ARTICLE_GLOSSARY
    assert all(card.section == "Glossary" for card in glossary)
    endocrine = next(c for c in glossary if c.fields["term"] == "endocrine system")
    assert endocrine.fields["definition"].startswith("A network of specialized glands")


def test_article_draft_has_no_image_caption_and_nothing_from_the_references(article_draft, tmp_path):
    _path, text = written(article_draft, tmp_path)
    lines = article_draft.document.lines
    for number in ARTICLE_CAPTION_LINES:
        assert lines[number - 1][:40] not in text
        assert lines[number - 1][-40:] not in text
    for number in ARTICLE_REFERENCE_LINES:
        assert lines[number - 1].strip("• ")[:30] not in text
    for drafted in article_draft.cards:
        assert not set(source_lines(drafted.card)) & set(ARTICLE_REFERENCE_LINES)
        assert not set(source_lines(drafted.card)) & ARTICLE_CAPTION_LINES


def test_article_draft_passes_check_and_is_deterministic(article, article_draft, tmp_path):
    path, text = written(article_draft, tmp_path)
    assert_passes_check(path)
    assert_well_formed(article_draft)
    assert write.to_toml(build(article)) == text


def test_article_symptom_lists_become_mcq_with_sibling_distractors(article_draft):
    male = ["Fatigue", "Mood Alterations", "Diminished Libido", "Muscle Atrophy", "Cognitive Impairment"]
    fatigue = next(c for c in by_kind(article_draft, "mcq") if c.fields["answer"] == "Fatigue")
    assert set(fatigue.fields["choices"]) <= set(male) and len(fatigue.fields["choices"]) == 4
    assert fatigue.section == "Intermediate > Discontinuing Male Testosterone Optimization"
    assert "profound exhaustion" in fatigue.prompt
    assert list(source_lines(fatigue)) == [58]


def test_article_recovery_agents_are_asked_but_not_ordered(article_draft):
    agents = {"Gonadorelin", "Tamoxifen", "Clomid", "Anastrozole"}
    asked = [c for c in by_kind(article_draft, "mcq") if c.fields["answer"] in agents]
    assert len(asked) == 3 and all(set(c.fields["choices"]) == agents for c in asked)
    # Clomid's description names Tamoxifen, which cannot then be a wrong choice: three agents are too few.
    typed = [c for c in by_kind(article_draft, "typed") if c.fields["answer"] == "Clomid"]
    assert len(typed) == 1 and "Tamoxifen" in typed[0].prompt
    assert by_kind(article_draft, "order") == []


def test_article_acronyms(article_draft):
    # Asked from the short form ("What does SERM stand for?"): the full name is the answer, never the initials.
    answers = {c.prompt.split()[2]: c.fields["answer"] for c in by_kind(article_draft, "typed")
               if c.prompt.startswith("What does ")}
    assert answers["SERM"].lower() == "selective estrogen receptor modulator"
    assert answers["GnRH"].lower() == "gonadotropin-releasing hormone"
    assert {"LH", "FSH", "HPG", "TRT", "GHRH", "DHEA"} <= set(answers)
    assert not any(a.lower() in c.prompt.lower() for c in by_kind(article_draft, "typed")
                   for a in [c.fields["answer"]] if c.prompt.startswith("What does "))


def test_article_tables_become_a_match_card_per_row(article_draft):
    matches = by_kind(article_draft, "match")
    assert len(matches) == 10
    energy = next(c for c in matches if c.prompt.startswith("Energy Levels:"))
    assert energy.fields["pairs"] == [
        ["Male TRT Cessation", "Profound fatigue, lethargy"], ["Female TRT Cessation", "Energy dips, reduced stamina"]
    ]
    assert list(source_lines(energy)) == [105, 106]


def test_article_cloze_cards_delete_key_terms(article_draft):
    clozes = by_kind(article_draft, "cloze")
    assert len(clozes) >= 20
    answers = {d.answer for c in clozes for d in cloze_syntax.deletions(c.fields["text"])}
    assert {"twice weekly", "weeks to several months"} <= answers
    # An expansion is asked once, by its "What does GnRH stand for?" card, never blanked as well.
    assert "gonadotropin-releasing hormone" not in {a.lower() for a in answers}
    for card in clozes:
        assert cloze_syntax.problems(card.fields["text"]) == []
        assert len(cloze_syntax.numbers(card.fields["text"])) <= 3


def test_notes_report_what_was_not_carded(article_draft):
    notes = "\n".join(article_draft.notes)
    assert "'endogenous hormone production' (line 232)" in notes
    assert "Reference list (lines 174-183, 10 entries)" in notes
    assert "35 image caption(s)" in notes


# Our own texts ----------------------------------------------------------------------------------------------------


def test_markdown_notes_draft(tmp_path):
    result = build(FIXTURES / "volcano-notes.md")
    path, text = written(result, tmp_path)
    assert_passes_check(path)
    assert_well_formed(result)
    assert result.deck.name == "Volcanoes"
    (order,) = by_kind(result, "order")
    assert order.fields["items"][0].startswith("Magma collects")
    assert order.fields["items"][-1].startswith("The eruption")
    assert order.section == "How an eruption unfolds"
    mcq = {c.fields["answer"]: c for c in by_kind(result, "mcq")}
    assert set(mcq) == {"Shield volcano", "Stratovolcano", "Cinder cone", "Caldera"}
    typed = {c.fields["answer"] for c in by_kind(result, "typed")}
    assert {"Lahar", "Pyroclastic flow", "Tephra", "Volcanic Explosivity Index"} == typed
    assert [c.fields["term"] for c in by_kind(result, "glossary")] == ["Vent", "Conduit", "Fumarole"]
    rows = {c.prompt.split(":")[0]: c.fields["pairs"] for c in by_kind(result, "match")}
    assert rows["Krakatoa"] == [["Country", "Indonesia"], ["Year", "1883"]]
    answers = {d.answer for c in by_kind(result, "cloze") for d in cloze_syntax.deletions(c.fields["text"])}
    assert {"volcano", "magma", "1,350"} <= answers and "Volcanic Explosivity Index" not in answers
    # Each step of the eruption sequence is asked on its own, the list's heading in front.
    assert "How an eruption unfolds: Magma forces its way up the {{c1::conduit}} to the vent." in {
        c.fields["text"] for c in by_kind(result, "cloze")}
    assert "Okafor" not in text and "log10" not in text and "plume of ash" not in text
    assert "'Obsidian'" in "\n".join(result.notes)


def test_plain_essay_still_yields_cloze_cards(tmp_path):
    result = build(FIXTURES / "honeybee-essay.txt")
    path, _text = written(result, tmp_path)
    assert_passes_check(path)
    clozes = by_kind(result, "cloze")
    answers = [cloze_syntax.deletions(c.fields["text"])[0].answer for c in clozes]
    assert {"60,000", "queen", "21 days", "drone"} <= set(answers)
    assert "colony collapse disorder" not in answers  # asked by the CCD acronym card
    assert {c.kind for c in (d.card for d in result.cards)} <= {"cloze", "typed"}
    assert all(c.section == "Draft Test" for c in clozes)


def test_glossary_only_document_gives_glossary_cards_only(tmp_path):
    result = build(FIXTURES / "sailing-glossary.txt")
    path, text = written(result, tmp_path)
    assert_passes_check(path)
    cards = [d.card for d in result.cards]
    assert [c.kind for c in cards] == ["glossary"] * 5
    definitions = {c.fields["term"]: c.fields["definition"] for c in cards}
    assert definitions["leeward"] == "The side of a boat or island that faces away from the wind."
    assert definitions["keel"].startswith("The structural spine")
    assert "'windward helm' (line 23)" in "\n".join(result.notes)
    assert "white sail" not in text and "coiled rope" not in text and "Skip to main" not in text


def test_article_shaped_text_on_another_topic(tmp_path):
    result = build(FIXTURES / "tide-pools.txt")
    path, _text = written(result, tmp_path)
    assert_passes_check(path)
    (order,) = by_kind(result, "order")
    assert order.prompt.startswith("Naturalists teach a simple routine")
    assert len(by_kind(result, "match")) == 4
    terms = [c.fields["term"] for c in by_kind(result, "glossary")]
    assert terms == ["intertidal zone", "operculum", "keystone species"]


def test_each_card_quotes_its_passage_above_it(tmp_path):
    result = build(FIXTURES / "honeybee-essay.txt")
    _path, text = written(result, tmp_path)
    block = text.split('id = "cloze-drone"')[0].rsplit("[[cards]]", 2)[-2]
    assert "# from honeybee-essay.txt:5-8:" in block
    assert "#   A drone is a male bee whose one task is to mate with a queen from another colony." in block
    assert 'source = "honeybee-essay.txt:5-8"' in text


# Pieces -----------------------------------------------------------------------------------------------------------


def test_long_forms_of_acronyms():
    found = [(long, short) for _s, _e, long, short in draft.acronyms(
        "Pumps move water by the Archimedes screw principle (ASP), and the tidal power station (TPS) stores it."
    )]
    assert found == [("Archimedes screw principle", "ASP"), ("tidal power station", "TPS")]
    assert list(draft.acronyms("The figure (Optional) and a note (NB) here.")) == []


def test_sentences_keep_abbreviations_inside():
    assert draft.sentences("Use a knot, e.g. a hitch. Then pull. Dr. Reed agrees.") == [
        "Use a knot, e.g. a hitch.", "Then pull.", "Dr. Reed agrees."
    ]
    assert draft.sentences("It rained. Mr. Okafor left early.") == ["It rained.", "Mr. Okafor left early."]
    assert draft.sentences("Give approx. 5 mg daily. Stop after 2.5 weeks.") == [
        "Give approx. 5 mg daily.", "Stop after 2.5 weeks."
    ]
    assert draft.sentences("T. S. Marlow wrote the log. She kept it dry.") == [
        "T. S. Marlow wrote the log.", "She kept it dry."
    ]
    assert draft.sentences('The skipper said "Reef the main." Then the squall hit.') == [
        'The skipper said "Reef the main."', "Then the squall hit."
    ]


def test_sentences_are_the_text_as_written():
    text = "A knot  holds (see Fig. 2).   Tie it twice!  Done?  Yes —  quite ∞ done."
    found = draft.sentences(text)
    assert len(found) == 4
    at = 0
    for sentence in found:
        at = text.index(sentence, at) + len(sentence)
    assert " ".join(text.split()) == " ".join(" ".join(found).split())


def test_slug_falls_back_to_a_hash_for_non_latin_text():
    assert draft.slug("Ώρα του νερού") == draft.slug("Ώρα του νερού")
    assert ID_PATTERN.fullmatch(draft.slug("Ώρα του νερού"))
    assert draft.slug("Café au lait, 2 cups!") == "cafe-au-lait-2-cups"


def test_definitions_lose_the_opening_that_names_the_term():
    assert draft.definition_without_term("tiller", "The tiller is a lever on a rudder.") == "A lever on a rudder."
    assert draft.definition_without_term("jib", "A small sail at the bow.") == "A small sail at the bow."


def test_toml_strings_survive_awkward_characters():
    awkward = 'quote " backslash \\ tab \t line\nsep \u2028 del \x7f nel \x85'
    assert tomllib.loads(f"x = {write.toml_string(awkward)}")["x"] == awkward


# Fuzzing: whatever the text, the draft is a valid question file ---------------------------------------------------

_texts = st.lists(st.one_of(st.sampled_from(LINE_SHAPES), st.text(max_size=60)), max_size=30).map("\n".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_texts, st.sampled_from(read.FORMATS))
@example("\x0b\n**Bold**: its meaning", "markdown")  # a line of whitespace only above a paragraph
def test_fuzz_draft_is_always_a_valid_question_file(text, format):
    result = write.build(text, format, "fuzz.txt", "fuzz")
    assert_well_formed(result)
    if not result.cards:
        return
    assert_loads_back(result)


def test_a_table_with_a_repeated_heading_still_drafts_a_valid_file(tmp_path):
    notes = tmp_path / "doses.md"
    notes.write_text(
        "## Doses\n\n| Drug | Dose | Dose |\n|---|---|---|\n| Alpha | 5 mg | 10 mg |\n| Beta | 7 mg | 14 mg |\n"
        "\n## Notes\n\nThe reservoir (RSV) refills in about 90 minutes.\n"
    )
    result = build(notes)
    path, _text = written(result, tmp_path)
    assert_passes_check(path)


def test_a_table_cell_of_dashes_is_not_asked(tmp_path):
    """A dash says a row has nothing there; a stray separator row under the header is no row at all."""
    notes = tmp_path / "tides.md"
    notes.write_text(
        "## Tides\n\n| Port | Tide |\n|---|---|\n|---|---|\n| Arden | 4 m |\n| Brill | — |\n| Colne | 6 m |\n"
        "| Deal | 2 m |\n"
    )
    result = build(notes)
    asked = [c.card.fields["prompt"] for c in result.cards if "prompt" in c.card.fields]
    texts = " ".join(str(c.card.fields) for c in result.cards)
    assert result.cards and "---" not in texts and "—" not in texts
    assert not any(prompt.startswith(("---", "Brill")) for prompt in asked)
    path, _text = written(result, tmp_path)
    assert_passes_check(path)


def test_definitions_in_prose_and_ranked_candidates(tmp_path):
    text = (
        "Kite lines\n\nThe bridle is also called the towing harness. A sudden drop of wind, a condition known as a "
        "lull, brings the kite down. It is the commonest reason for a crash. Most kites fly well in 15 kilometres "
        "an hour of wind.\n"
    )
    every = write.build(text, "text", "kites.txt", "kites", keep_all=True)
    answers = [d.answer for c in every.cards if c.card.kind == "cloze"
               for d in cloze_syntax.deletions(c.card.fields["text"])]
    assert {"towing harness", "lull", "15"} <= set(answers)
    scores = [c.score for c in every.cards]
    assert scores == sorted(scores, reverse=True)
    assert "# score " in write.to_toml(every)
    two = write.build(text, "text", "kites.txt", "kites", max_cards=2)
    assert len(two.cards) == 2
    assert {c.card.id for c in two.cards} <= {c.card.id for c in every.cards[:3]}
    assert "--all" in "\n".join(two.notes)


# Facts inside steps and bullets -----------------------------------------------------------------------------------


def test_each_step_of_a_procedure_gets_a_cloze_on_its_tool_not_its_verb(tmp_path):
    source = tmp_path / "paddle.txt"
    source.write_text(
        "Mending a Canoe Paddle\n\nA cracked paddle can be mended at home in an afternoon.\n\n"
        "1. Sand the cracked blade until the grain shows.\n"
        "2. Spread epoxy over the crack with a spatula.\n"
        "3. Wrap the blade in cling film and clamp it overnight.\n",
        encoding="utf-8",
    )
    result = build(source)
    path, _text = written(result, tmp_path)
    assert_passes_check(path)
    texts = [c.fields["text"] for c in by_kind(result, "cloze")]
    # The heading goes in front, as a step rarely names what it is a step of; "clamp it" is a verb, not a tool.
    assert texts == [
        "Mending a Canoe Paddle: Sand the cracked blade until the {{c1::grain}} shows.",
        "Mending a Canoe Paddle: Spread epoxy over the crack with a {{c1::spatula}}.",
        "Mending a Canoe Paddle: Wrap the {{c1::blade}} in cling film and clamp it overnight.",
    ]


def test_bullets_under_a_defined_term_are_asked_with_the_term_in_front(tmp_path):
    source = tmp_path / "plants.txt"
    source.write_text(
        "Ways Plants Reproduce\n\nBudding\n"
        "Definition: a way of reproducing in which a new organism grows out of its parent as a small bulge.\n"
        "- A bud takes 3 days to form.\n"
        "- Offspring are genetically identical clones.\n\n"
        "Things to Bring\n- Garden Trowel\n- Seed Tray\n",
        encoding="utf-8",
    )
    result = build(source)
    path, _text = written(result, tmp_path)
    assert_passes_check(path)
    assert [c.fields["term"] for c in by_kind(result, "glossary")] == ["Budding"]
    # Bullets that only name things ("Garden Trowel") hold no fact to blank.
    assert [c.fields["text"] for c in by_kind(result, "cloze")] == [
        "Budding: A bud takes {{c1::3 days}} to form.",
        "Budding: Offspring are genetically identical {{c1::clones}}.",
    ]


def test_acronym_cards_hide_every_expansion_and_are_not_asked_again_as_clozes(tmp_path):
    source = tmp_path / "pond.txt"
    source.write_text(
        "Pond Pumps\n\nA pond has two pumps, the Forward Pump (FP) and the Reverse Pump (RP), which move water "
        "between the tanks.\nThis stage is known as the settling stage of the pond filter.\n",
        encoding="utf-8",
    )
    result = build(source)
    typed = {c.fields["answer"]: c.prompt for c in by_kind(result, "typed")}
    assert set(typed) == {"Forward Pump", "Reverse Pump"}
    # Neither prompt spells out its sibling's expansion, which would show the pattern of the answer.
    assert all("Forward" not in prompt and "Reverse" not in prompt for prompt in typed.values())
    # No cloze blanks an expansion already asked, nor opens on "This stage" with nothing for "this" to point at.
    assert by_kind(result, "cloze") == []


def test_a_description_that_says_its_own_term_is_asked_as_a_cloze_instead(tmp_path):
    source = tmp_path / "bread.md"
    source.write_text(
        "# Baking Bread\n\n## Stages\n\n"
        "- **Mixing**: flour, water and salt are mixed into a shaggy dough.\n"
        "- **Proofing**: the dough rises as yeast releases carbon dioxide.\n"
        "- **Scoring**: a razor cut lets the loaf expand in the oven.\n"
        "- **Baking**: the crust browns through the Maillard reaction.\n"
        "- **Cooling**: the crumb sets on a wire rack.\n",
        encoding="utf-8",
    )
    result = build(source)
    path, _text = written(result, tmp_path)
    assert_passes_check(path)
    asked = {c.fields["answer"] for c in by_kind(result, "mcq")}
    assert asked == {"Proofing", "Scoring", "Baking", "Cooling"}
    texts = [c.fields["text"] for c in by_kind(result, "cloze")]
    assert any(t.startswith("Mixing: ") and "{{c1::" in t for t in texts)


def test_acronyms_of_numbered_siblings_are_not_asked(tmp_path):
    source = tmp_path / "locks.txt"
    source.write_text(
        "Canal Locks\n\nBarges pass Lock Gate One (LGO) and Lock Gate Two (LGT) before reaching the Harbour "
        "Master Office (HMO).\n",
        encoding="utf-8",
    )
    answers = {c.fields["answer"] for c in by_kind(build(source), "typed")}
    assert answers == {"Harbour Master Office"}


def test_a_sentence_opening_on_it_after_a_definition_gets_the_term_in_front(tmp_path):
    source = tmp_path / "cells.txt"
    source.write_text(
        "Cell Division\n\nBinary fission is a way of dividing used by bacteria. It gives rise to 2 identical "
        "cells within about 20 minutes. They are often called clones by the people who grow them in labs.\n",
        encoding="utf-8",
    )
    texts = [c.fields["text"] for c in by_kind(build(source), "cloze")]
    assert "Binary fission: It gives rise to 2 identical cells within about {{c1::20 minutes}}." in texts
    # "They" two sentences on may mean something else: not carded with a guess in front.
    assert not any(t.startswith("Binary fission: They") for t in texts)
