"""The database: first use, import semantics (idempotent, edits in place, retire and restore, all or nothing),
and refusing files that are not ours."""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

import pytest

from quizgen.core.errors import DatabaseError, ImportProblems
from quizgen.core.store import Store

DECK = 'slug = "demo"\nname = "Demo deck"\ndescription = "Cards for tests.\\nNot advice."\n'


def card(card_id: str, prompt: str, answer: str = "Pituitary") -> str:
    return (
        f'[[cards]]\nid = "{card_id}"\nkind = "typed"\nsection = "Basics"\nprompt = "{prompt}"\n'
        f'answer = "{answer}"\nexplanation = "Written for the tests."\n\n'
    )


@pytest.fixture
def deck_dir(tmp_path):
    folder = tmp_path / "mydeck"
    folder.mkdir()
    (folder / "demo.toml").write_text(DECK)
    (folder / "cards.toml").write_text(
        'deck = "demo"\n\n' + card("one", "Which gland sits under the brain?") + card("two", "Which gland makes LH?")
    )
    return folder


def import_json(run, *paths):
    result = run("import", "--json", *map(str, paths))
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_first_use_fills_an_empty_database_with_the_bundled_deck(run, db_path):
    result = run("decks", "--json")
    assert result.exit_code == 0
    decks = {d["slug"]: d for d in json.loads(result.stdout)}
    assert decks["stopping-hormone-therapy"]["cards"] > 0
    assert decks["stopping-hormone-therapy"]["new"] >= decks["stopping-hormone-therapy"]["cards"]
    assert db_path.exists()


def test_import_is_idempotent(run, deck_dir):
    first = import_json(run, deck_dir)
    assert first["added"] == 2
    again = import_json(run, deck_dir)
    assert again == {**again, "added": 0, "updated": 0, "unchanged": 2, "retired": 0, "restored": 0}


def test_edited_card_keeps_its_identity_and_schedule(run, deck_dir, db_path):
    import_json(run, deck_dir)
    store = Store.open(db_path)
    before = store.card("demo/one")
    schedule_before = store.schedule_rows(before.pk)
    untouched_before = store.card("demo/two").modified
    store.close()

    cards = deck_dir / "cards.toml"
    cards.write_text(cards.read_text().replace("Which gland sits under the brain?", "Name the gland below the brain."))
    report = import_json(run, deck_dir)
    assert (report["added"], report["updated"], report["unchanged"]) == (0, 1, 1)

    store = Store.open(db_path)
    after = store.card("demo/one")
    assert after.pk == before.pk
    assert after.card.prompt == "Name the gland below the brain."
    assert after.modified > before.modified
    assert store.schedule_rows(after.pk) == schedule_before
    assert store.card("demo/two").modified == untouched_before


def test_card_removed_from_its_file_is_retired_and_restored_when_it_returns(run, deck_dir):
    import_json(run, deck_dir)
    cards = deck_dir / "cards.toml"
    original = cards.read_text()
    cards.write_text('deck = "demo"\n\n' + card("two", "Which gland makes LH?"))
    assert import_json(run, deck_dir)["retired"] == 1

    listed = json.loads(run("cards", "demo", "--json").stdout)
    assert [c["id"] for c in listed] == ["two"]
    assert json.loads(run("decks", "--json").stdout)[0]["cards"] == 1
    assert "retired" in run("show", "demo/one").stdout

    cards.write_text(original)
    assert import_json(run, deck_dir)["restored"] == 1
    assert [c["id"] for c in json.loads(run("cards", "demo", "--json").stdout)] == ["one", "two"]


def test_import_is_all_or_nothing(run, deck_dir, db_path, tmp_path):
    import_json(run, deck_dir)
    before = sqlite3.connect(db_path).execute("SELECT count(*), max(modified) FROM cards").fetchone()
    (deck_dir / "cards.toml").write_text(
        'deck = "demo"\n\n' + card("one", "Changed wording") + card("three", "A new card")
    )
    bad = tmp_path / "bad.toml"
    bad.write_text('deck = "demo"\n\n[[cards]]\nid = "four"\nkind = "mcq"\nsection = "S"\nprompt = "P"\n'
                   'choices = ["a", "b", "c", "d"]\nanswer = "e"\n')
    result = run("import", str(deck_dir), str(bad))
    assert result.exit_code == 1
    assert f"{bad}:9: card 'four': answer 'e' is not one of the choices" in result.stderr
    assert "nothing was imported" in result.stderr
    assert "Traceback" not in result.output
    after = sqlite3.connect(db_path).execute("SELECT count(*), max(modified) FROM cards").fetchone()
    assert after == before


def test_cards_filters_and_json_fields(run, deck_dir):
    import_json(run, deck_dir)
    rows = json.loads(run("cards", "demo", "--search", "LH", "--json").stdout)
    assert [r["id"] for r in rows] == ["two"]
    assert set(rows[0]) >= {"id", "deck", "kind", "prompt", "answer", "section"}
    assert json.loads(run("cards", "demo", "--kind", "mcq", "--json").stdout) == []
    assert len(json.loads(run("cards", "demo", "--section", "basic", "--json").stdout)) == 2
    bad = run("cards", "--kind", "essay")
    assert bad.exit_code == 2 and "unknown kind 'essay'" in bad.stderr


def test_show_prints_the_whole_card(run, deck_dir):
    import_json(run, deck_dir)
    out = run("show", "one").stdout
    for text in (
        "demo/one",
        "typed",
        "Which gland sits under the brain?",
        "Pituitary",
        "Written for the tests.",
        "Basics",
    ):
        assert text in out
    missing = run("show", "nope")
    assert missing.exit_code == 1 and missing.stderr.strip() == "Error: no card 'nope'"


def test_db_path_follows_option_then_environment_then_data_folder(run, tmp_path, monkeypatch, isolated_home):
    assert run("--db", str(tmp_path / "x.db"), "db", "path").stdout.strip() == str(tmp_path / "x.db")
    assert run("db", "path").stdout.strip() == str(tmp_path / "quizgen.db")
    monkeypatch.delenv("QUIZGEN_DB")
    default = run("db", "path").stdout.strip()
    assert default.startswith(str(isolated_home)) and default.endswith("quizgen.db")


def test_default_location_is_created_on_first_use(run, monkeypatch, isolated_home):
    monkeypatch.delenv("QUIZGEN_DB")
    assert run("decks").exit_code == 0
    assert (isolated_home / ".local" / "share" / "quizgen" / "quizgen.db").exists()


def refuses(run, path, words):
    before = path.read_bytes() if path.is_file() else None
    result = run("--db", str(path), "decks")
    assert result.exit_code == 1
    assert words in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.output
    if before is not None:
        assert path.read_bytes() == before, "a refused file must be left untouched"


def test_refuses_another_programs_database(run, tmp_path):
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE invoices (id INTEGER)")
    conn.commit()
    conn.close()
    refuses(run, path, "not a quizgen database")


def test_refuses_a_database_from_a_newer_quizgen(run, db_path):
    Store.open(db_path).close()
    conn = sqlite3.connect(db_path)
    conn.execute(
        "INSERT INTO _sqlite_migrations (migration_set, name, applied_at) VALUES ('quizgen', 'm999_future', 'x')"
    )
    conn.commit()
    conn.close()
    refuses(run, db_path, "newer quizgen")


def test_refuses_files_that_are_not_sqlite(run, tmp_path):
    text = tmp_path / "notes.db"
    text.write_text("just some notes\n")
    refuses(run, text, "not a quizgen database")
    empty = tmp_path / "empty.db"
    empty.write_bytes(b"")
    refuses(run, empty, "empty file")


def test_refuses_a_missing_folder_and_a_directory(run, tmp_path):
    refuses(run, tmp_path / "no" / "such" / "q.db", "does not exist")
    refuses(run, tmp_path, "is a folder")


def test_refuses_a_fifo_and_a_device_without_opening_them(run, tmp_path):
    """Opening a FIFO waits for a writer, for ever; /dev/null reads as an empty file, which is no advice to delete."""
    fifo = tmp_path / "pipe.db"
    os.mkfifo(fifo)
    refuses(run, fifo, "is a FIFO, not a file")
    refuses(run, Path("/dev/null"), "is a device, not a file")


def test_an_empty_database_name_is_a_usage_error(run):
    result = run("--db", "", "decks")
    assert result.exit_code == 2 and "an empty name is no file" in result.stderr


def test_library_raises_its_own_error(tmp_path):
    path = tmp_path / "x.db"
    path.write_text("plain text")
    with pytest.raises(DatabaseError):
        Store.open(path)


def test_reviews_and_schedule_survive_rewording(run, deck_dir, db_path):
    import_json(run, deck_dir)
    answered = run("quiz", "demo", "-n", "1", "--seed", "1", input="Pituitary\n\n")
    assert answered.exit_code == 0, answered.output
    store = Store.open(db_path)
    studied = [s for s in store.cards("demo") if store.review_count(s.pk)]
    assert len(studied) == 1
    before = studied[0]
    schedule_before = store.schedule_rows(before.pk)
    assert schedule_before[0]["state"] > 0
    store.close()

    cards = deck_dir / "cards.toml"
    cards.write_text(cards.read_text().replace(before.card.prompt, before.card.prompt.replace("gland", "organ")))
    assert import_json(run, deck_dir)["updated"] == 1

    store = Store.open(db_path)
    after = store.card(f"demo/{before.card.id}")
    assert (after.pk, after.card.prompt) == (before.pk, before.card.prompt.replace("gland", "organ"))
    assert store.review_count(after.pk) == 1
    assert store.schedule_rows(after.pk) == schedule_before


def test_emptying_a_file_retires_its_cards(run, deck_dir):
    import_json(run, deck_dir)
    (deck_dir / "cards.toml").write_text('deck = "demo"\ncards = []\n')
    assert import_json(run, deck_dir / "cards.toml")["retired"] == 2
    assert json.loads(run("cards", "demo", "--json").stdout) == []


def test_moving_a_file_to_another_deck_retires_the_old_copies(run, tmp_path):
    path = tmp_path / "moving.toml"
    path.write_text('[deck]\nslug = "first"\nname = "First"\n\n' + card("one", "Which gland sits under the brain?"))
    import_json(run, path)
    path.write_text(path.read_text().replace('"first"', '"second"'))
    report = import_json(run, path)
    assert (report["added"], report["retired"]) == (1, 1)
    assert json.loads(run("cards", "first", "--json").stdout) == []
    assert [c["id"] for c in json.loads(run("cards", "second", "--json").stdout)] == ["one"]


def test_paths_that_are_not_utf8_import_and_re_import(run, tmp_path):
    folder = tmp_path / "d\udcff"
    folder.mkdir()
    path = folder / "q.toml"
    path.write_text('[deck]\nslug = "odd"\nname = "Odd"\n\n' + card("one", "Which gland sits under the brain?"))
    assert import_json(run, path)["added"] == 1
    assert import_json(run, path)["unchanged"] == 1


def test_a_kind_change_that_anki_cannot_follow_is_reported(run, deck_dir):
    import_json(run, deck_dir)
    cards = deck_dir / "cards.toml"
    cards.write_text(cards.read_text().replace(
        'kind = "typed"\nsection = "Basics"\nprompt = "Which gland makes LH?"\nanswer = "Pituitary"',
        'kind = "mcq"\nsection = "Basics"\nprompt = "Which gland makes LH?"\n'
        'choices = ["Pituitary", "Adrenal", "Thyroid", "Pineal"]\nanswer = "Pituitary"'))
    result = run("import", str(deck_dir))
    assert result.exit_code == 0
    assert "warning: card 'two' changed to a kind Anki keeps in another note type" in result.stderr
    assert "1 updated" in result.stdout


def test_a_card_of_another_file_is_not_taken_over(run, deck_dir, tmp_path):
    import_json(run, deck_dir)
    friend = tmp_path / "friend.json"
    friend.write_text(json.dumps({"deck": {"slug": "demo", "name": "Demo deck"}, "cards": [
        {"id": "one", "kind": "flashcard", "section": "Theirs", "front": "Something else", "back": "entirely"}]}))
    result = run("import", str(friend))
    assert result.exit_code == 1
    assert f"card 'one' of deck 'demo' already comes from {deck_dir / 'cards.toml'}" in result.stderr
    assert json.loads(run("show", "demo/one", "--json").stdout)["kind"] == "typed"

    moved = deck_dir / "moved.toml"
    (deck_dir / "cards.toml").rename(moved)
    assert import_json(run, moved)["unchanged"] == 2


def test_an_import_planned_before_another_process_wrote_is_planned_again(deck_dir, db_path, tmp_path):
    from quizgen.core import importing, questions
    from quizgen.core.store import StalePlan

    first = Store.open(db_path)
    importing.import_paths(first, [deck_dir])
    bank = questions.load_strict([deck_dir])
    planned = importing.plan_import(first, bank)
    # Meanwhile another quizgen moves card 'one' into a file of its own.
    (deck_dir / "cards.toml").write_text('deck = "demo"\n\n' + card("two", "Which gland makes LH?"))
    other_file = tmp_path / "other.toml"
    other_file.write_text('deck = "demo"\n\n' + card("one", "Which gland sits under the brain?"))
    second = Store.open(db_path)
    importing.import_paths(second, [deck_dir, other_file])
    second.close()

    with pytest.raises(StalePlan):
        first.apply(planned)
    # Planned again on what the other wrote, the same import is refused: 'one' now belongs to other.toml.
    with pytest.raises(ImportProblems, match=f"already comes from {other_file}"):
        importing.import_bank(first, bank)
    assert first.card("demo/one").origin == str(other_file)
