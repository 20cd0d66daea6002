"""Reading texts into Documents: the real article, our own fixtures in other shapes, and fuzzed input."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from quizgen.ingest import read
from quizgen.ingest.read import GlossaryEntry, ItemList, Paragraph

FIXTURES = Path(__file__).parent / "fixtures" / "ingest"

ARTICLE_GLOSSARY = [
    "hormonal optimization protocols", "endocrine system", "endogenous production", "biochemical recalibration",
    "pituitary gland", "sex hormones", "hormonal support", "physiological resilience", "hormonal optimization",
    "hpg axis", "testosterone replacement therapy", "gonadorelin", "anastrozole", "hormone production",
    "hormonal balance protocols", "adrenal glands", "growth hormone", "metabolic regulation", "sleep disturbances",
]
ARTICLE_SUBSECTIONS = {
    "Fundamentals": ["The Body’s Internal Messaging System", "Initial Responses to Cessation"],
    "Intermediate": [
        "Discontinuing Male Testosterone Optimization", "Post-TRT Recalibration Protocols",
        "Discontinuing Female Hormonal Balance Protocols", "Growth Hormone Peptide Therapy Cessation",
    ],
    "Academic": [
        "The Hypothalamic-Pituitary-Gonadal Axis Recalibration", "Metabolic and Systemic Interconnections",
        "Neurotransmitter Modulation and Cognitive Impact", "Adrenal Gland Compensation and Stress Response",
    ],
}
# Lines of the article that describe pictures, found by reading it: fourteen in the body, then one after every
# glossary entry from line 205 on.
ARTICLE_CAPTION_LINES = {19, 29, 48, 66, 76, 94, 117, 133, 150, 160, 170, 184, 196, 200, *range(205, 306, 5)}
ARTICLE_REFERENCE_LINES = range(174, 184)


@pytest.fixture
def article_doc(article) -> read.Document:
    return read.parse(article.read_text(encoding="utf-8"))


def fixture_doc(name: str) -> read.Document:
    path = FIXTURES / name
    return read.parse(path.read_text(encoding="utf-8"), "markdown" if path.suffix == ".md" else "text")


def assert_spans_point_at_text(document: read.Document) -> None:
    """Every element's line range is inside the file and holds the element's own words."""
    for _section, block in document.blocks():
        span = block.span
        assert 1 <= span.start <= span.end <= len(document.lines)
        passage = document.passage(span)
        if isinstance(block, Paragraph):
            assert block.text.split()[0] in passage
        elif isinstance(block, GlossaryEntry):
            assert block.term in passage
        elif isinstance(block, ItemList):
            for item in block.items:
                assert item.text.split()[-1] in document.passage(item.span)


# The article ------------------------------------------------------------------------------------------------------


def test_article_level_headings_and_their_subsections(article_doc):
    top = [s for s in article_doc.headings if s.level == 1]
    assert [s.title for s in top][:3] == ["Fundamentals", "Intermediate", "Academic"]
    assert [s.span.start for s in top][:3] == [3, 42, 113]
    for level, subsections in ARTICLE_SUBSECTIONS.items():
        found = [s.title for s in article_doc.headings if s.level == 2 and s.path[0] == level]
        assert found == subsections


def test_article_back_matter_is_top_level_and_recognised(article_doc):
    kinds = {s.title: s.kind for s in article_doc.headings if s.level == 1}
    assert kinds["References"] == read.REFERENCES
    assert kinds["Glossary"] == read.GLOSSARY
    assert "Reflection" in kinds


def test_article_glossary_has_all_nineteen_definitions_with_exact_terms(article_doc):
    assert [entry.term for entry in article_doc.glossary] == ARTICLE_GLOSSARY
    for entry in article_doc.glossary:
        assert article_doc.lines[entry.span.start - 1].strip() == entry.term
        assert article_doc.lines[entry.span.end - 1].startswith("Meaning ∞")
        assert not entry.definition.startswith("Meaning")


def test_article_glossary_entries_without_definition_are_reported(article_doc):
    undefined = article_doc.undefined_terms
    assert [entry.span.start for entry in undefined] == [202, 232, 292]
    assert all(entry.definition == "" for entry in undefined)


def test_article_captions_and_boilerplate_are_dropped(article_doc):
    captions = {d.span.start for d in article_doc.dropped if d.reason == read.CAPTION}
    assert captions == ARTICLE_CAPTION_LINES
    assert [d.span.start for d in article_doc.dropped if d.reason == read.BOILERPLATE] == [1]
    kept = " ".join(
        b.text if isinstance(b, Paragraph) else " ".join(i.text for i in b.items) if isinstance(b, ItemList) else ""
        for _s, b in article_doc.blocks()
    )
    for line in ARTICLE_CAPTION_LINES:
        assert article_doc.lines[line - 1][:40] not in kept


def test_article_symptom_lists_and_recovery_agents(article_doc):
    lists = article_doc.lists
    bulleted = [lst for lst in lists if not lst.ordered]
    numbered = [lst for lst in lists if lst.ordered]
    assert [[i.term for i in lst.items] for lst in bulleted] == [
        ["Fatigue", "Mood Alterations", "Diminished Libido", "Muscle Atrophy", "Cognitive Impairment"],
        ["Mood Fluctuations", "Energy Dips", "Libido Changes", "Vasomotor Symptoms", "Bone Density Concerns"],
    ]
    assert all(item.description for lst in bulleted for item in lst.items)
    assert len(numbered) == 1
    assert [i.term for i in numbered[0].items] == [
        "Gonadorelin", "Tamoxifen", "Clomid (Clomiphene Citrate)", "Anastrozole (Optional)"
    ]
    assert numbered[0].span == read.Span(72, 75)


def test_article_tables_have_their_columns_recovered(article_doc):
    first, second = article_doc.tables
    assert first.columns_recovered and second.columns_recovered
    assert first.header == ["Symptom Category", "Male TRT Cessation", "Female TRT Cessation"]
    assert second.header == ["Hormone/Gland", "Role in HPG Axis", "Impact of Abrupt Cessation"]
    assert [row[0] for row in first.rows] == [
        "Energy Levels", "Mood & Cognition", "Sexual Function", "Physical Changes", "Other"
    ]
    assert first.rows[0] == ["Energy Levels", "Profound fatigue, lethargy", "Energy dips, reduced stamina"]
    assert [row[0] for row in second.rows] == [
        "Hypothalamus (GnRH)", "Pituitary Gland (LH, FSH)", "Gonads (Testosterone, Estrogen, Progesterone)",
        "Adrenal Glands", "Peripheral Tissues",
    ]
    assert all(len(row) == 3 for row in first.rows + second.rows)
    assert (first.header_line, first.row_lines) == (105, [106, 107, 108, 109, 110])
    assert second.span == read.Span(143, 149)


def test_article_reference_list_is_recognised_apart(article_doc):
    (references,) = article_doc.references
    assert len(references.entries) == 10
    assert references.span == read.Span(ARTICLE_REFERENCE_LINES[0], ARTICLE_REFERENCE_LINES[-1])
    for lst in article_doc.lists:
        assert not set(range(lst.span.start, lst.span.end + 1)) & set(ARTICLE_REFERENCE_LINES)


def test_article_spans(article_doc):
    assert_spans_point_at_text(article_doc)


# Our own texts ----------------------------------------------------------------------------------------------------


def test_markdown_notes():
    document = fixture_doc("volcano-notes.md")
    assert document.title == "Volcanoes"
    assert [s.path for s in document.headings if s.level > 0] == [
        ("What a volcano is",), ("What a volcano is", "Kinds of volcano"), ("What a volcano is", "Hazards"),
        ("How an eruption unfolds",), ("Famous eruptions",), ("Glossary",), ("Sources",),
    ]
    kinds, hazards, steps, reminders = document.lists
    assert [i.term for i in kinds.items] == ["Shield volcano", "Stratovolcano", "Cinder cone", "Caldera"]
    assert kinds.items[0].description.startswith("a broad, gently sloping")
    assert [i.term for i in hazards.items] == ["Lahar", "Pyroclastic flow", "Tephra"]
    assert steps.ordered and len(steps.items) == 5 and "sequence of steps" in steps.intro
    assert reminders.ordered and "no particular order" in reminders.intro
    (table,) = document.tables
    assert table.header == ["Volcano", "Country", "Year"]
    assert table.rows[2] == ["Mount St. Helens", "United States", "1980"]
    assert (table.header_line, table.row_lines) == (43, [45, 46, 47, 48])
    assert [(e.term, e.span.start) for e in document.glossary] == [("Vent", 58), ("Conduit", 60), ("Fumarole", 62)]
    assert [e.term for e in document.undefined_terms] == ["Obsidian"]
    assert len(document.references[0].entries) == 2
    assert {d.reason for d in document.dropped} == {read.IMAGE, read.CODE}
    assert_spans_point_at_text(document)


def paragraphs(document: read.Document) -> list[Paragraph]:
    return [block for _section, block in document.blocks() if isinstance(block, Paragraph)]


def test_plain_essay_is_paragraphs_joined_across_wrapped_lines():
    document = fixture_doc("honeybee-essay.txt")
    assert document.headings == []
    assert [p.span for p in paragraphs(document)] == [
        read.Span(1, 3), read.Span(5, 8), read.Span(10, 14), read.Span(16, 21)
    ]
    assert "protein-rich secretion" in paragraphs(document)[2].text
    assert "  " not in paragraphs(document)[0].text


def test_glossary_only_document():
    document = fixture_doc("sailing-glossary.txt")
    assert [e.term for e in document.glossary] == ["bowline", "jibe", "leeward", "keel", "true wind"]
    assert [e.term for e in document.undefined_terms] == ["windward helm"]
    assert sorted(d.span.start for d in document.dropped) == [1, 5, 26]
    assert paragraphs(document) == []


def test_article_shaped_text_on_another_topic():
    document = fixture_doc("tide-pools.txt")
    assert [s.title for s in document.headings if s.level == 1] == [
        "Basics", "Intermediate", "Advanced", "References", "Glossary"
    ]
    (table,) = document.tables
    assert table.title == "Survival Strategies Compared"
    assert table.header == ["Animal", "Threat", "Response"]
    assert table.rows[1] == ["Limpet", "Waves and hungry birds", "Clamps down hard"]
    assert [i.term for i in document.lists[0].items] == ["Barnacle", "Limpet", "Anemone", "Periwinkle"]
    assert [e.term for e in document.glossary] == ["intertidal zone", "operculum", "keystone species"]
    assert [e.term for e in document.undefined_terms] == ["splash zone"]


def test_table_whose_columns_cannot_be_recovered_keeps_rows_whole():
    text = "\n".join([
        "Notes",
        "",
        "Tools Used On The Farm",
        "Plough Field Work Spring",
        "Harrow Field Work Breaking Clods After Ploughing",
        "Seed Drill Sowing In Rows",
        "",
    ])
    (table,) = read.parse(text).tables
    assert not table.columns_recovered
    assert table.title == "Tools Used On The Farm"
    assert table.rows == [["Harrow Field Work Breaking Clods After Ploughing"], ["Seed Drill Sowing In Rows"]]


def test_header_that_splits_two_ways_equally_is_not_guessed():
    text = "Creatures\n\nAnimal Main Threat Response\nCrab Gulls overhead Hides under rocks\nShrimp Warm water Swims\n"
    (table,) = read.parse(text).tables
    assert not table.columns_recovered


def test_markdown_glossary_subheadings_and_meaning_paragraphs():
    text = (
        "# Knots\n\n## Glossary\n\n### Hitch\n\nA knot that ties a rope to a post.\n\n"
        "cleat\n\nMeaning ∞ A fitting to fasten a line to.\n\n### Splice\n"
    )
    document = read.parse(text, "markdown")
    assert [(e.term, e.definition) for e in document.glossary] == [
        ("Hitch", "A knot that ties a rope to a post."), ("cleat", "A fitting to fasten a line to.")
    ]
    assert [e.term for e in document.undefined_terms] == ["Splice"]


def test_line_endings_and_term_patterns():
    document = read.parse("Tools\r\n\r\n- Awl - a pointed tool for piercing.\r\n- Mallet - a wooden hammer.\r\n")
    (lst,) = document.lists
    assert [(i.term, i.span.start) for i in lst.items] == [("Awl", 3), ("Mallet", 4)]
    assert read.split_term("**Grit**: the coarseness of sandpaper") == ("Grit", "the coarseness of sandpaper")
    assert read.split_term("No term here, just words.") == ("", "")


def test_unknown_format_is_refused():
    with pytest.raises(ValueError):
        read.parse("text", "html")


# Fuzzing: the parser never crashes -------------------------------------------------------------------------------

LINE_SHAPES = [
    "", " ", "\t", "Heading Words", "Two Words", "Glossary", "References", "Skip to main content",
    "  • Rudder ∞ Steers the boat through the water.", "• ∞", "∞", "∞ ∞ ∞", "- Oar - a pole with a blade",
    "1. Hoist the sail.", "2) Trim the sheet", "99. ", "Meaning ∞ A line that holds a sail.", "Meaning ∞",
    "A gull over grey water symbolizes the long watch of a night passage at sea",
    "Wind Force Sea State Advice", "Calm Mirror-like water Row home", "Gale High waves Stay in port",
    "The tiller is a lever that turns the rudder (TLR) in 3 days.", "A dinghy, a small open boat, is light.",
    "Smith, J. (2001). Knots at sea. Harbour Press.", "| a | b |", "|---|---|", "| 1 | 2 |", "# Title",
    "## Part", "### Term", "- **Bold**: its meaning", "**Bold**: its meaning", "```", "![a buoy](buoy.png)",
    "<img src='x.png'>", "> quoted line", "---", "===", "word-", "continued here", "{{c1::x}}", "::", "(",
    ")", "(AB)", "ab (AB) cd (XYZ)", "e.g. this. And that.", "\x00", "\x0b", "\u2028", "ǅ Ǆ ǆ", "İstanbul",
]
_lines = st.lists(st.one_of(st.sampled_from(LINE_SHAPES), st.text(max_size=40)), max_size=25).map("\n".join)


def fuzz(examples: int) -> settings:
    return settings(max_examples=examples, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _check_document(document: read.Document) -> None:
    for section, block in document.blocks():
        assert 1 <= block.span.start <= block.span.end
        assert section.span.start <= section.span.end
    for dropped in document.dropped:
        assert 1 <= dropped.span.start <= dropped.span.end


@pytest.mark.parametrize("format_", read.FORMATS)
@pytest.mark.parametrize("texts", [st.text(max_size=300), _lines], ids=["any-text", "line-shaped"])
def test_fuzz_parse_never_crashes(texts, format_):
    @fuzz(2500)
    @given(texts)
    def parse_and_check(text):
        _check_document(read.parse(text, format_))

    parse_and_check()


def test_markdown_dash_definitions_on_their_own_lines():
    text = (
        "# Words\n\n## Glossary\n\nLahar - a mudflow of ash and water\nTephra - fragments an eruption throws out\n\n"
        "## Notes\n\nThe crater - it was wide - smoked for days after the eruption.\n"
    )
    document = read.parse(text, "markdown")
    assert [(e.term, e.definition) for e in document.glossary] == [
        ("Lahar", "a mudflow of ash and water"), ("Tephra", "fragments an eruption throws out"),
    ]
