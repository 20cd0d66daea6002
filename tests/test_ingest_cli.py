"""`quizgen ingest`: the summary, the draft file, --import, and one-line errors for bad input."""

from __future__ import annotations

import shutil

import pytest

from tests.test_parse import FIXTURES


@pytest.fixture
def notes(tmp_path):
    path = tmp_path / "volcano-notes.md"
    shutil.copy(FIXTURES / "volcano-notes.md", path)
    return path


def test_without_output_prints_a_summary_and_writes_nothing(run, notes, tmp_path):
    result = run("ingest", str(notes))
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "volcano-notes.md: markdown, 70 lines" in out
    assert "tables: 1 (1 with columns recovered)" in out
    assert "glossary: 3 terms defined, 1 without a definition" in out
    assert "lists: 4 (2 bulleted, 2 numbered)" in out
    assert "cards drafted: 24 (cloze 8, glossary 3, match 4, mcq 4, order 1, typed 4)" in out
    assert f"draft would go to {tmp_path / 'volcano-notes.draft.toml'}" in out
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_file()) == ["volcano-notes.md"]


def test_article_summary(run, article):
    out = run("ingest", str(article)).stdout
    top = "Fundamentals, Intermediate, Academic, References, Reflection, Glossary"
    assert f"sections: 6 top-level ({top}), 10 below them" in out
    assert "tables: 2 (2 with columns recovered)" in out
    assert "glossary: 19 terms defined, 3 without a definition" in out
    assert "references: 10 entries (not used)" in out
    assert "set aside: 35 image captions, 1 boilerplate lines" in out


def test_output_file_passes_check(run, notes, tmp_path):
    target = tmp_path / "out" / "draft.toml"
    target.parent.mkdir()
    result = run("ingest", str(notes), "-o", str(target), "--deck", "volcanoes")
    assert result.exit_code == 0, result.output
    assert f"wrote 24 draft cards to {target}" in result.stdout
    assert 'slug = "volcanoes"' in target.read_text(encoding="utf-8")
    checked = run("check", str(target))
    assert checked.exit_code == 0, checked.output
    assert "24 cards in 1 question file(s): 0 error(s)" in checked.stderr


def test_article_draft_passes_check(run, article, tmp_path):
    target = tmp_path / "article.toml"
    assert run("ingest", str(article), "-o", str(target)).exit_code == 0
    # Against a database holding the bundled deck, check rightly reports the glossary ids that import would refuse
    # (the draft's deck is the bundled deck's slug); the file itself must be valid.
    checked = run("--db", str(tmp_path / "no-database-yet.db"), "check", str(target))
    assert checked.exit_code == 0, checked.output
    assert ": error" not in checked.stdout


def test_import_adds_the_deck_and_its_cards_and_is_repeatable(run, notes):
    first = run("ingest", str(notes), "--import")
    assert first.exit_code == 0, first.output
    assert "imported into volcano-notes: 24 added" in first.stdout
    assert (notes.parent / "volcano-notes.draft.toml").exists()
    decks = run("decks", "--json").stdout
    assert '"slug": "volcano-notes"' in decks and '"name": "Volcanoes"' in decks
    cards = run("cards", "volcano-notes", "--kind", "glossary", "--json").stdout
    assert '"prompt": "Vent"' in cards
    again = run("ingest", str(notes), "--import")
    assert "0 added, 0 updated, 24 unchanged" in again.stdout


def test_import_refuses_to_overwrite_cards_another_file_put_in_the_deck(run, notes, tmp_path):
    assert run("ingest", str(notes), "--import", "--deck", "shared").exit_code == 0
    other = tmp_path / "copy.md"
    shutil.copy(notes, other)
    result = run("ingest", str(other), "--import", "--deck", "shared")
    assert result.exit_code != 0
    assert "already has a card" in result.stderr and "choose another --deck" in result.stderr
    assert not (tmp_path / "copy.draft.toml").exists()


def test_format_option_overrides_the_suffix(run, tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("# Rivers\n\n## Parts\n\n- **Delta**: the fan of sediment at a river mouth.\n", encoding="utf-8")
    assert "notes.txt: text," in run("ingest", str(path)).stdout
    assert "notes.txt: markdown," in run("ingest", str(path), "--format", "markdown").stdout


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda p: p.write_bytes(b""), "is empty"),
        (lambda p: p.write_text("  \n\n\t\n"), "is empty"),
        (lambda p: p.write_bytes(b"PK\x03\x04\x00\x00binary\x00"), "is a ZIP archive"),
        (lambda p: p.write_bytes(b"Dunes\n\nSand moves.\n" + b"caf\xe9\n"), "not UTF-8"),
        (lambda p: None, "no such file"),
        (lambda p: p.mkdir(), "is a folder"),
    ],
    ids=["empty", "blank", "binary", "latin-1", "missing", "folder"],
)
def test_bad_input_is_one_clear_line(run, tmp_path, make, message):
    path = tmp_path / "source.txt"
    make(path)
    result = run("ingest", str(path))
    assert result.exit_code != 0
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0] and "Traceback" not in result.stderr


def test_latin_1_error_names_the_line(run, tmp_path):
    path = tmp_path / "source.txt"
    path.write_bytes(b"Dunes\n\nSand moves.\ncaf\xe9\n")
    assert f"{path}:4: not UTF-8 text" in run("ingest", str(path)).stderr


def test_bad_deck_slug_is_one_line(run, notes):
    result = run("ingest", str(notes), "--deck", "Not A Slug")
    assert result.exit_code != 0
    assert result.stderr.strip() == "Error: deck slug 'Not A Slug' must be lowercase letters, digits and single dashes"


def test_text_with_nothing_to_draft_writes_nothing(run, tmp_path):
    path = tmp_path / "short.txt"
    path.write_text("hello\n", encoding="utf-8")
    summary = run("ingest", str(path))
    assert summary.exit_code == 0 and "cards drafted: 0" in summary.stdout
    written = run("ingest", str(path), "-o", str(tmp_path / "out.toml"))
    assert written.exit_code != 0 and "no cards could be drafted" in written.stderr
    assert not (tmp_path / "out.toml").exists()


def test_an_edited_draft_is_never_replaced_without_force(tmp_path, run):
    notes = tmp_path / "notes.md"
    notes.write_text(
        "# Trees\n\n**Oak**: a broad-leaved tree that bears acorns.\n\n**Pine**: a conifer with needles.\n"
    )
    draft = tmp_path / "draft.toml"
    assert run("ingest", str(notes), "-o", str(draft)).exit_code == 0
    edited = draft.read_text() + "\n# my own note\n"
    draft.write_text(edited)
    refused = run("ingest", str(notes), "-o", str(draft))
    assert refused.exit_code == 1 and "already exists" in refused.stderr
    assert draft.read_text() == edited
    assert run("ingest", str(notes), "-o", str(draft), "--force").exit_code == 0
    assert draft.read_text() != edited


def test_a_draft_for_an_existing_deck_keeps_its_name_and_notice(tmp_path, run):
    notes = tmp_path / "notes.md"
    notes.write_text(
        "# Trees\n\n**Oak**: a broad-leaved tree that bears acorns.\n\n**Pine**: a conifer with needles.\n"
    )
    draft_path = tmp_path / "draft.toml"
    assert run("ingest", str(notes), "--deck", "stopping-hormone-therapy", "-o", str(draft_path)).exit_code == 0
    text = draft_path.read_text()
    assert 'name = "Stopping Hormone Therapy"' in text and "not medical advice" in text


def test_glossary_lines_become_glossary_cards_and_short_forms_are_asked_for_their_meaning(run, tmp_path):
    source = tmp_path / "kite-glossary.txt"
    shutil.copy(FIXTURES / "kite-glossary.txt", source)
    target = tmp_path / "kite.toml"
    assert run("ingest", str(source), "-o", str(target)).exit_code == 0
    text = target.read_text(encoding="utf-8")
    for term in ("Bridle", "Spar", "Luffing"):
        assert f'term = "{term}"' in text
    assert 'prompt = "What does LEI stand for?' in text
    assert 'answer = "Leading Edge Inflatable"' in text
    assert "abbreviation for" not in text
    assert run("check", str(target)).exit_code == 0


def test_html_page_drafts_from_its_main_text_only(run, tmp_path):
    source = tmp_path / "kite-page.html"
    shutil.copy(FIXTURES / "kite-page.html", source)
    result = run("ingest", str(source), "-o", "-")
    assert result.exit_code == 0, result.output
    assert "kite-page.html: html" in result.stderr
    draft = result.stdout
    assert "about {{c1::15}} kilometres an hour" in draft
    for noise in ("cookies", "Sign in", "Copyright", "symbolizes"):
        assert noise not in draft


def test_nested_bullets_and_interrupted_steps(run, tmp_path):
    source = tmp_path / "kite-notes.md"
    shutil.copy(FIXTURES / "kite-notes.md", source)
    result = run("ingest", str(source), "-o", "-")
    assert result.exit_code == 0, result.output
    draft = result.stdout
    # The explanation between steps 1 and 2 does not split the procedure.
    assert 'items = ["Stand with your back to the wind", "Let out a few metres of line", ' in draft
    assert "prompt = \"Which of these belong to 'Single-line kites'?\"" in draft
    assert 'answer = ["diamond", "delta"]' in draft


def test_standard_input_and_files_that_are_not_text(run, tmp_path):
    result = run("ingest", "-", "-o", "-", input=(FIXTURES / "kite-glossary.txt").read_text(encoding="utf-8"))
    assert result.exit_code == 0, result.output
    assert 'term = "Bridle"' in result.stdout
    pdf = tmp_path / "notes.pdf"
    pdf.write_bytes(b"%PDF-1.7\n...")
    refused = run("ingest", str(pdf))
    assert refused.exit_code != 0
    assert refused.stderr.strip().count("\n") == 0 and "is a PDF" in refused.stderr
    empty_page = tmp_path / "empty.html"
    empty_page.write_text("<html><body><nav><a href='/'>Home</a></nav></body></html>", encoding="utf-8")
    refused = run("ingest", str(empty_page))
    assert refused.exit_code != 0 and "no main text" in refused.stderr
