"""CSV/TSV and JSON exports, and the `quizgen export` command: formats, filters, round trips through
`quizgen import` and Anki's text importer, and never overwriting a file that is not a previous export."""

from __future__ import annotations

import csv
import json
import os
import sys
from pathlib import Path

import pexpect
import pytest
from anki.collection import ImportAnkiPackageRequest, ImportCsvRequest

from quizgen.core import importing
from quizgen.core.store import Store
from quizgen.exchange import export
from tests.test_export_anki import NOTES, open_store

CSV_ROWS = NOTES + 1  # the cloze card is asked once per deletion


@pytest.fixture
def store(tmp_path, db_path):
    """The CLI's database, holding only our test deck (so it is the one deck, and nothing bundled is loaded)."""
    opened, _ = open_store(tmp_path, db=db_path)
    yield opened
    opened.close()


def data_rows(path: Path, delimiter: str) -> list[list[str]]:
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    return list(csv.reader([line for line in lines if not line.startswith("#")], delimiter=delimiter))


def test_json_export_round_trips_through_import(store, run, tmp_path):
    out = tmp_path / "bread.json"
    result = run("export", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert f"{NOTES} card(s) of baking written to {out} (json)" in result.stdout

    document = json.loads(out.read_text(encoding="utf-8"))
    assert set(document) == {"deck", "cards"}
    assert document["deck"]["slug"] == "baking" and document["deck"]["name"] == "Bread Basics"
    assert all({"id", "kind", "section"} <= set(card) for card in document["cards"])

    other_db = tmp_path / "elsewhere.db"
    result = run("--db", str(other_db), "import", str(out))
    assert result.exit_code == 0, result.output
    copy = Store.open(other_db)
    try:
        assert copy.deck("baking") == store.deck("baking")
        assert [s.card.to_dict() for s in copy.cards("baking")] == [s.card.to_dict() for s in store.cards("baking")]
    finally:
        copy.close()


@pytest.mark.parametrize("suffix, delimiter, anki_delimiter", [("csv", ",", 4), ("tsv", "\t", 0)])
def test_text_export_imports_into_anki_with_tags_and_literal_text(
    store, run, tmp_path, collection, suffix, delimiter, anki_delimiter
):
    out = tmp_path / f"bread.{suffix}"
    assert run("export", "baking", "-o", str(out)).exit_code == 0

    rows = data_rows(out, delimiter)
    assert len(rows) == CSV_ROWS and all(len(row) == 3 for row in rows)
    assert all("\n" not in cell and "\t" not in cell for row in rows for cell in row)

    metadata = collection.get_csv_metadata(str(out), None)
    assert metadata.delimiter == anki_delimiter and not metadata.is_html and metadata.tags_column == 3
    log = collection.import_csv(ImportCsvRequest(path=str(out), metadata=metadata)).log
    assert len(log.new) == CSV_ROWS

    (escaped,) = [collection.get_note(n) for n in collection.find_notes("tag:kind::mcq recipe")]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in escaped["Front"]
    assert escaped["Back"].startswith("a &lt; b &amp; c")
    assert {"quizgen", "kind::mcq", "section::Fundamentals::Notation"} <= set(escaped.tags)
    (salt,) = [collection.get_note(n) for n in collection.find_notes("tag:kind::truefalse")]
    assert salt["Front"] == "True or false? Salt slows down yeast activity."
    assert salt["Back"].startswith("True (Salt draws water")


def test_text_export_asks_each_cloze_deletion_once(store, tmp_path):
    out = tmp_path / "bread.tsv"
    export.export(store, out, kinds=["cloze"])

    tags = "quizgen kind::cloze section::Fundamentals::Yeast"
    assert data_rows(out, "\t") == [
        ["Yeast turns [...] into carbon dioxide and alcohol.", "sugars", tags],
        ["Yeast turns sugars into [a gas] and alcohol.", "carbon dioxide", tags],
    ]


def test_format_follows_the_extension_unless_given(store, run, tmp_path):
    assert run("export", "-o", str(tmp_path / "a.apkg")).exit_code == 0
    assert export.is_previous_export(tmp_path / "a.apkg", "baking")

    result = run("export", "-o", str(tmp_path / "cards.txt"))
    assert result.exit_code != 0
    assert "cannot tell the format from 'cards.txt'" in result.stderr and "Traceback" not in result.output

    result = run("export", "-o", str(tmp_path / "cards.txt"), "--format", "tsv")
    assert result.exit_code == 0 and "(tsv)" in result.stdout
    assert len(data_rows(tmp_path / "cards.txt", "\t")) == CSV_ROWS


def test_kind_and_section_filters(store, run, tmp_path):
    out = tmp_path / "some.json"
    assert run("export", "-o", str(out), "--kind", "mcq,truefalse", "--section", "FUNDAMENTALS").exit_code == 0
    ids = [card["id"] for card in json.loads(out.read_text(encoding="utf-8"))["cards"]]
    assert sorted(ids) == ["escaped", "gas", "salt"]

    result = run("export", "-o", str(tmp_path / "none.json"), "--kind", "order", "--section", "Glossary")
    assert result.exit_code != 0
    assert "no cards matching kind order and section 'Glossary'" in result.stderr
    assert not (tmp_path / "none.json").exists()

    result = run("export", "-o", str(out), "--kind", "essay")
    assert result.exit_code != 0 and "unknown kind 'essay'" in result.stderr


@pytest.mark.parametrize("name", ["bread.apkg", "bread.csv", "bread.tsv", "bread.json"])
def test_a_previous_export_is_replaced_without_force(store, run, tmp_path, name):
    out = tmp_path / name
    assert run("export", "-o", str(out)).exit_code == 0
    assert run("export", "-o", str(out), "--kind", "glossary").exit_code == 0
    assert export.is_previous_export(out, "baking")
    assert not list(tmp_path.glob(f".{name}.*"))  # no temporary file left beside it


@pytest.mark.parametrize("name", ["notes.csv", "notes.json", "notes.apkg"])
def test_refuses_to_overwrite_other_files_unless_forced(store, run, tmp_path, name):
    out = tmp_path / name
    out.write_text('{"mine": true}\n' if name.endswith(".json") else "front,back\nmy,own\n", encoding="utf-8")
    before = out.read_bytes()

    result = run("export", "-o", str(out))
    assert result.exit_code == 1
    assert (
        result.stderr.strip()
        == f"Error: {out} exists and is not a quizgen export of baking; not overwriting it (use --force)"
    )
    assert out.read_bytes() == before

    assert run("export", "-o", str(out), "--force").exit_code == 0
    assert export.is_previous_export(out, "baking")


def test_refuses_to_overwrite_a_question_file_even_in_export_shape(store, run, tmp_path):
    source = tmp_path / "mine.json"
    source.write_text(json.dumps({"deck": {"slug": "baking", "name": "Bread Basics"}, "cards": [
        {"id": "my-own-card", "kind": "flashcard", "section": "Mine", "front": "Proof?", "back": "A rise."}]}))
    assert run("import", str(source)).exit_code == 0  # a card comes from this file: it is a question file

    result = run("export", "-o", str(source))
    assert result.exit_code == 1
    assert "is a question file cards were imported from" in result.stderr
    assert len(json.loads(source.read_text(encoding="utf-8"))["cards"]) == 1


def test_clear_errors_for_bad_targets(store, run, tmp_path):
    result = run("export", "-o", str(tmp_path / "missing" / "bread.apkg"))
    assert result.exit_code == 1 and "folder" in result.stderr and "does not exist" in result.stderr

    result = run("export", "-o", str(tmp_path))
    assert result.exit_code == 1 and "is a folder" in result.stderr

    result = run("export", "nosuchdeck", "-o", str(tmp_path / "x.apkg"))
    assert result.exit_code == 1 and "no deck 'nosuchdeck'" in result.stderr


def test_a_large_export_shows_progress_in_a_terminal_and_is_whole(tmp_path, db_path, collection):
    count = 1_200
    body = "".join(
        f'[[cards]]\nid = "fact-{n}"\nkind = "flashcard"\nsection = "Part {n % 3}"\n'
        f'front = "Question number {n}?"\nback = "Answer number {n}."\n\n'
        for n in range(count)
    )
    folder = tmp_path / "big"
    folder.mkdir()
    (folder / "big.toml").write_text('[deck]\nslug = "big"\nname = "Big deck"\n\n' + body, encoding="utf-8")
    store = Store.open(db_path)
    importing.import_paths(store, [folder])
    store.close()

    out = tmp_path / "big.apkg"
    child = pexpect.spawn(
        sys.executable, ["-m", "quizgen", "export", "-o", str(out)],
        env={**os.environ, "TERM": "xterm"}, encoding="utf-8", timeout=120,
    )
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before
    assert "Exporting big" in child.before and f"{count}/{count}" in child.before
    assert f"{count} card(s) of big written to {out} (apkg)" in child.before

    collection.import_anki_package(ImportAnkiPackageRequest(package_path=str(out)))
    assert collection.note_count() == count
    assert {d.name for d in collection.decks.all_names_and_ids()} >= {"Big deck::Part 0", "Big deck::Part 2"}


def test_a_question_file_of_another_deck_is_never_taken_for_an_export(store, run, tmp_path):
    mine = tmp_path / "mine.json"
    mine.write_text(
        json.dumps(
            {
                "deck": {"slug": "mine", "name": "Mine"},
                "cards": [{"id": "a", "kind": "flashcard", "section": "S", "front": "my work", "back": "b"}],
            }
        )
    )
    before = mine.read_bytes()
    result = run("export", "-o", str(mine))
    assert result.exit_code == 1 and "not a quizgen export of baking" in result.stderr
    assert mine.read_bytes() == before


def test_a_front_starting_with_hash_survives_anki_csv_import(store, run, tmp_path, collection):
    from anki.collection import ImportCsvRequest

    source = tmp_path / "hash.toml"
    source.write_text('deck = "baking"\n\n[[cards]]\nid = "hash-front"\nkind = "flashcard"\nsection = "Odd"\n'
                      'front = "#1 reason bread fails to rise?"\nback = "Dead yeast"\n')
    assert run("import", str(source)).exit_code == 0
    out = tmp_path / "bread.csv"
    assert run("export", "-o", str(out), "--kind", "flashcard").exit_code == 0
    metadata = collection.get_csv_metadata(path=str(out), delimiter=None)
    collection.import_csv(ImportCsvRequest(path=str(out), metadata=metadata))
    fronts = [collection.get_note(nid).fields[0] for nid in collection.find_notes("")]
    assert "#1 reason bread fails to rise?" in fronts


def mcq_deck(count: int) -> dict[str, str]:
    """Cards written as question files tend to be: the right choice listed first."""
    return {
        f"q{n}": f'''
[[cards]]
id = "q{n}"
kind = "mcq"
section = "Quiz"
prompt = "Question {n}?"
choices = ["Right {n}", "Wrong {n}a", "Wrong {n}b", "Wrong {n}c"]
answer = "Right {n}"
'''
        for n in range(count)
    }


@pytest.mark.parametrize("suffix, delimiter", [("csv", ","), ("tsv", "\t")])
def test_text_export_lays_out_choices_as_the_apkg_does_not_right_answer_first(
    tmp_path, run, db_path, collection, suffix, delimiter
):
    opened, _ = open_store(tmp_path, cards=mcq_deck(40), db=db_path)
    opened.close()
    out = tmp_path / f"quiz.{suffix}"
    assert run("export", "baking", "-o", str(out)).exit_code == 0
    listed = {front.split("?")[0]: front.split("Choose one: ")[1].split(" | ") for front, _back, _tags in
              data_rows(out, delimiter)}
    assert len(listed) == 40
    first_is_right = sum(choices[0].startswith("Right") for choices in listed.values())
    assert first_is_right <= 20, f"the right answer comes first in {first_is_right} of 40 rows"

    again = tmp_path / f"again.{suffix}"
    assert run("export", "baking", "-o", str(again)).exit_code == 0
    assert again.read_text(encoding="utf-8") == out.read_text(encoding="utf-8")

    apkg = tmp_path / "quiz.apkg"
    assert run("export", "baking", "-o", str(apkg)).exit_code == 0
    collection.import_anki_package(ImportAnkiPackageRequest(package_path=str(apkg)))
    for note_id in collection.find_notes("tag:kind::mcq"):
        note = collection.get_note(note_id)
        shown = [item.split("</li>")[0] for item in note["Choices"].split("<li>")[1:]]
        assert listed[note["Question"].split("?")[0]] == shown


def test_text_export_keeps_leading_whitespace_and_puts_each_card_on_one_line(tmp_path, run, db_path):
    cards = {"indented": '''
[[cards]]
id = "indented"
kind = "typed"
section = "Code"
prompt = "  for x in xs:\\n      print(x)\\nWhat is printed first?"
answer = "  the first item"
'''}
    opened, _ = open_store(tmp_path, cards=cards, db=db_path)
    opened.close()
    out = tmp_path / "code.tsv"
    assert run("export", "baking", "-o", str(out)).exit_code == 0
    ((front, back, _tags),) = data_rows(out, "\t")
    assert front == "  for x in xs: print(x) What is printed first?"
    assert back == "  the first item"
