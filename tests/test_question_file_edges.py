"""Question files at the edges: names that are not UTF-8, ids with a trailing newline, huge numbers, byte order
marks, and `check` predicting what `import` refuses."""

from __future__ import annotations

import json
import os
import shutil
import tomllib

from quizgen.core import paths, questions

DECK = '[deck]\nslug = "edge"\nname = "Edge cases"\n\n'
CARD = '[[cards]]\nid = "one"\nkind = "flashcard"\nsection = "S"\nfront = "Front"\nback = "Back"\n'


def test_a_copy_of_a_file_whose_name_is_not_utf8_cannot_take_its_cards(run, tmp_path):
    odd = os.path.join(os.fsencode(tmp_path), b"caf\xe9.toml")
    with open(odd, "wb") as fh:
        fh.write((DECK + CARD).encode())
    original = os.fsdecode(odd)
    assert run("import", original).exit_code == 0
    copy = tmp_path / "copy.toml"
    shutil.copy(original, copy)
    result = run("import", str(copy))
    assert result.exit_code == 1
    assert f"{copy}:5: card 'one' of deck 'edge' already comes from {tmp_path}/caf\\xe9.toml" in result.stderr
    # The original file is still found by its name, and importing it again changes nothing.
    again = run("import", "--json", original)
    assert json.loads(again.stdout)["unchanged"] == 1


def test_ids_and_slugs_with_a_trailing_newline_are_refused(run, tmp_path):
    path = tmp_path / "nl.toml"
    path.write_text('[deck]\nslug = "nl\\n"\nname = "N"\n\n' + CARD.replace('id = "one"', 'id = "abc\\n"'))
    result = run("check", str(path))
    assert result.exit_code == 1
    assert f"{path}:1: deck slug 'nl\n' must be lowercase" in result.stdout
    assert f"{path}:6: card id 'abc\n' must be lowercase" in result.stdout


def test_a_number_too_long_to_read_is_one_located_line(run, tmp_path, db_path):
    path = tmp_path / "big.json"
    path.write_text('{"deck": {"slug": "big", "name": "Big"},\n "cards": [\n  {"id": "a", "kind": "flashcard", '
                    f'"section": "S", "front": "F", "back": {"9" * 5000}}}\n ]\n}}\n')
    for command in ("check", "import"):
        result = run(command, str(path))
        assert result.exit_code == 1, command
        assert f"{path}:3: a number has more than 4300 digits" in result.output, command
        assert "Traceback" not in result.output
    toml = tmp_path / "big.toml"
    toml.write_text(DECK + CARD.replace('back = "Back"', f"back = {'9' * 5000}"))
    result = run("check", str(toml))
    assert result.exit_code == 1 and f"{toml}:10: a number has more than 4300 digits" in result.stdout


def test_a_byte_order_mark_is_accepted(run, tmp_path):
    toml = tmp_path / "bom.toml"
    toml.write_bytes(b"\xef\xbb\xbf" + (DECK + CARD).encode())
    as_json = tmp_path / "bom.json"
    as_json.write_bytes(b"\xef\xbb\xbf" + json.dumps({"deck": "edge", "cards": [
        {"id": "two", "kind": "flashcard", "section": "S", "front": "F2", "back": "B2"}]}).encode())
    checked = run("check", str(toml), str(as_json))
    assert checked.exit_code == 0, checked.stdout
    imported = run("import", "--json", str(toml), str(as_json))
    assert imported.exit_code == 0, imported.output
    assert json.loads(imported.stdout)["added"] == 2


def test_check_reports_what_import_would_refuse_and_writes_nothing(run, tmp_path, db_path):
    mine = tmp_path / "mine.toml"
    mine.write_text(DECK + CARD)
    assert run("import", str(mine)).exit_code == 0
    before = db_path.read_bytes()
    theirs = tmp_path / "theirs.toml"
    theirs.write_text('deck = "edge"\n\n' + CARD.replace("Front", "Another front"))
    checked = run("check", str(theirs))
    imported = run("import", str(theirs))
    expected = f"{theirs}:3: card 'one' of deck 'edge' already comes from {mine}"
    assert checked.exit_code == 1 and expected in checked.stdout
    assert imported.exit_code == 1 and expected in imported.stderr
    assert db_path.read_bytes() == before


def _toml_file(raw: dict) -> str:
    # JSON's strings, numbers, booleans and arrays are TOML's too; a table stands in for a value of the wrong kind.
    values = "".join(f"{key} = {'{ a = 1 }' if value is dict else json.dumps(value)}\n" for key, value in raw.items())
    return DECK + "[[cards]]\n" + values


def _spoilt(raw: dict) -> list[tuple[str, dict]]:
    """One card, spoilt in each way a hand edit spoils cards: a key lost, a value of the wrong type or empty, a key
    misspelt, an id with a capital."""
    spoilt = [(f"no {key}", {k: v for k, v in raw.items() if k != key}) for key in ("id", "kind", "section")]
    spoilt += [("unknown key", {**raw, "colour": "blue"}), ("bad id", {**raw, "id": "Bad-" + raw["id"]})]
    for key, value in raw.items():
        if key in ("id", "kind"):
            continue
        spoilt.append((f"{key} a table", {**raw, key: dict}))
        if isinstance(value, str):
            spoilt.append((f"{key} empty", {**raw, key: " "}))
        if isinstance(value, list):
            spoilt.append((f"{key} a string", {**raw, key: "x"}))
            spoilt.append((f"{key} holding a number", {**raw, key: [*value[:-1], 7]}))
    return spoilt


def test_every_kind_of_card_spoilt_by_hand_is_refused_with_its_line(tmp_path):
    """Whatever path the loader takes for a card that is fine, a card with anything wrong is refused and located."""
    raws = {}
    for path in sorted((paths.bundled_root() / "questions").glob("*.toml")):
        for raw in tomllib.loads(path.read_text(encoding="utf-8")).get("cards", []):
            raws.setdefault(raw["kind"], raw)
    assert len(raws) >= 9
    source = tmp_path / "spoilt.toml"
    for kind, raw in raws.items():
        source.write_text(_toml_file(raw), encoding="utf-8")
        assert [c.card.id for c in questions.load([source]).cards] == [raw["id"]]
        for how, card in _spoilt(raw):
            source.write_text(_toml_file(card), encoding="utf-8")
            bank = questions.load([source])
            assert bank.cards == [], f"{kind} card with {how} was accepted"
            assert bank.errors and all(str(p).startswith(f"{source}:") for p in bank.errors), (kind, how)
