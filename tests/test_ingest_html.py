"""A web page's main text read straight from trafilatura's tree: the same structure Markdown would give."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from quizgen.ingest import write
from tests.test_generate import assert_loads_back, assert_passes_check, assert_well_formed, by_kind, written
from tests.test_parse import FIXTURES


def page_draft():
    path = FIXTURES / "dinghy-page.html"
    return write.build(write.read_source(path), write.guess_format(path), path.name, "dinghy")


def test_page_structure_is_read_from_the_tree():
    document = page_draft().document
    assert document.format == write.HTML
    assert document.title == "Rigging a small dinghy"
    assert [s.title for s in document.headings] == ["Rigging a small dinghy", "Parts", "Steps", "Sail sizes", "Knots"]
    parts, steps, knots = document.lists[0], document.lists[1], document.lists[2]
    assert [item.term for item in parts.items] == ["Mast", "Boom", "Tiller", "Centreboard", "Kicker"]
    assert steps.ordered and steps.intro == "Follow these steps in order:" and len(steps.items) == 4
    assert [[child.text for child in item.children] for item in knots.items] == [
        ["Bowline", "Figure-eight loop"], ["Clove hitch", "Round turn and two half hitches"]
    ]
    table = document.tables[0]
    assert table.header == ["Boat", "Sail area"]
    assert table.rows == [["Topper", "5.2 m²"], ["Laser", "7.1 m²"], ["Mirror", "6.5 m²"]]
    # Every element's lines are the main text's own: a passage quotes what the element says.
    assert document.passage(parts.items[0].span) == "- Mast: The tall spar that holds the sail up against the wind."
    assert document.passage(table.span).splitlines()[0] == "| Boat | Sail area |"


def test_page_draft_leaves_the_page_chrome_out_and_passes_check(tmp_path):
    result = page_draft()
    path, text = written(result, tmp_path)
    assert_passes_check(path)
    assert_well_formed(result)
    for noise in ("cookies", "Home", "Copyright", "symbolizes", "knots = 12"):
        assert noise not in text
    assert {c.fields["answer"] for c in by_kind(result, "mcq")} == {"Mast", "Boom", "Tiller", "Centreboard", "Kicker"}
    assert len(by_kind(result, "order")) == 1 and len(by_kind(result, "multi")) == 2
    downhaul = next(c for c in by_kind(result, "cloze") if "cunningham" in c.fields["text"])
    assert downhaul.source == "dinghy-page.html:41-42"  # the paragraph's two lines, split where the page breaks it


_blocks = st.lists(
    st.one_of(
        st.builds("<h{0}>{1}</h{0}>".format, st.integers(1, 4), st.text(max_size=30)),
        st.builds("<p>{}</p>".format, st.text(max_size=80)),
        st.builds("<p><b>{}</b>: {}<br>{}</p>".format, *[st.text(max_size=30)] * 3),
        st.builds("<ul>{}</ul>".format, st.lists(st.text(max_size=30), max_size=5).map(
            lambda items: "".join(f"<li>{item}<ul><li>{item}</li></ul></li>" for item in items))),
        st.builds("<ol>{}</ol>".format, st.lists(st.text(max_size=30), max_size=5).map(
            lambda items: "".join(f"<li>{item}</li>" for item in items))),
        st.builds("<table><tr><th>{}</th><th>{}</th></tr><tr><td>{}</td><td>{}</td></tr></table>".format,
                  *[st.text(max_size=15)] * 4),
        st.builds("<blockquote><p>{}</p></blockquote><pre><code>{}</code></pre>".format,
                  st.text(max_size=40), st.text(max_size=20)),
        st.just("<p>The keel, a heavy fin under the hull, keeps the boat upright in a strong wind.</p>"),
    ),
    max_size=12,
).map(lambda blocks: "<html><body><main><article>" + "".join(blocks) + "</article></main></body></html>")


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_blocks)
def test_fuzz_any_page_drafts_a_valid_file_or_says_it_has_no_main_text(page):
    try:
        result = write.build(page, write.HTML, "fuzz.html", "fuzz")
    except write.SourceError as error:
        assert "no main text found" in str(error)
        return
    assert_well_formed(result)
    if not result.cards:
        return
    assert_loads_back(result)
