"""`quizgen check`: every malformed file is reported as path:line: message, and nothing is written."""

from __future__ import annotations

import json
import textwrap

import pytest

GOOD_DECK = """\
slug = "demo"
name = "Demo deck"
description = "A deck for tests."
"""

HEAD = 'deck = "demo"\n\n'

# (name, file body, line the problem must be reported at, words the message must contain)
MALFORMED = [
    ("toml-syntax", HEAD + '[[cards]]\nid = "a\nkind = "typed"\n', 4, "invalid TOML"),
    ("missing-deck", '[[cards]]\nid = "a"\nkind = "typed"\nsection = "S"\nprompt = "P"\nanswer = "A"\n', 1, "missing top-level 'deck'"),
    ("unknown-deck", 'deck = "nope"\n[[cards]]\nid = "a"\nkind = "typed"\nsection = "S"\nprompt = "P"\nanswer = "A"\n', 1, "unknown deck 'nope'"),
    ("deck-not-string", 'deck = 3\n[[cards]]\nid = "a"\nkind = "typed"\nsection = "S"\nprompt = "P"\nanswer = "A"\n', 1, "'deck' must be"),
    ("cards-not-array", HEAD + 'cards = "x"\n', 3, "must be an array of tables"),
    ("no-cards", HEAD, 1, "no [[cards]]"),
    ("unknown-top-key", HEAD + 'title = "x"\n[[cards]]\nid = "a"\nkind = "typed"\nsection = "S"\nprompt = "P"\nanswer = "A"\n', 3, "unknown top-level key 'title'"),
    ("missing-id", HEAD + '[[cards]]\nkind = "typed"\nsection = "S"\nprompt = "P"\nanswer = "A"\n', 3, "missing 'id'"),
    ("missing-kind", HEAD + '[[cards]]\nid = "a"\nsection = "S"\nprompt = "P"\nanswer = "A"\n', 3, "missing 'kind'"),
    ("unknown-kind", HEAD + '[[cards]]\nid = "a"\nkind = "essay"\nsection = "S"\nprompt = "P"\n', 5, "unknown kind 'essay'"),
    ("missing-section", HEAD + '[[cards]]\nid = "a"\nkind = "typed"\nprompt = "P"\nanswer = "A"\n', 3, "missing 'section'"),
    ("bad-id", HEAD + '[[cards]]\nid = "Bad Id"\nkind = "typed"\nsection = "S"\nprompt = "P"\nanswer = "A"\n', 4, "lowercase letters"),
    ("duplicate-id", HEAD + '[[cards]]\nid = "a"\nkind = "typed"\nsection = "S"\nprompt = "P"\nanswer = "A"\n\n'
     '[[cards]]\nid = "a"\nkind = "typed"\nsection = "S"\nprompt = "Q"\nanswer = "B"\n', 10, "duplicate card id 'a'"),
    ("mcq-answer-not-choice", HEAD + '[[cards]]\nid = "a"\nkind = "mcq"\nsection = "S"\nprompt = "P"\n'
     'choices = ["w", "x", "y", "z"]\nanswer = "q"\n', 9, "is not one of the choices"),
    ("multi-not-subset", HEAD + '[[cards]]\nid = "a"\nkind = "multi"\nsection = "S"\nprompt = "P"\n'
     'choices = ["w", "x", "y", "z"]\nanswer = ["w", "q"]\n', 9, "not a subset"),
    ("multi-empty-answer", HEAD + '[[cards]]\nid = "a"\nkind = "multi"\nsection = "S"\nprompt = "P"\n'
     'choices = ["w", "x", "y", "z"]\nanswer = []\n', 9, "at least one"),
    ("truefalse-string", HEAD + '[[cards]]\nid = "a"\nkind = "truefalse"\nsection = "S"\nprompt = "P"\nanswer = "true"\n', 8, "must be true or false"),
    ("typed-missing-answer", HEAD + '[[cards]]\nid = "a"\nkind = "typed"\nsection = "S"\nprompt = "P"\n', 3, "missing 'answer'"),
    ("empty-prompt", HEAD + '[[cards]]\nid = "a"\nkind = "typed"\nsection = "S"\nprompt = "  "\nanswer = "A"\n', 7, "'prompt' is empty"),
    ("cloze-no-deletion", HEAD + '[[cards]]\nid = "a"\nkind = "cloze"\nsection = "S"\ntext = "No blanks here."\n', 7, "no deletion"),
    ("cloze-bad-braces", HEAD + '[[cards]]\nid = "a"\nkind = "cloze"\nsection = "S"\ntext = "The {{c1::axis}} and {{c2::gland."\n', 7, "a cloze deletion is never closed"),
    ("cloze-reveal-string", HEAD + '[[cards]]\nid = "a"\nkind = "cloze"\nsection = "S"\ntext = "The {{c1::axis}}."\n'
     'reveal = "yes"\n', 8, "'reveal' must be true or false"),
    ("cloze-empty-deletion", HEAD + '[[cards]]\nid = "a"\nkind = "cloze"\nsection = "S"\ntext = "The {{c1::}} here."\n', 7, "is empty"),
    ("order-one-item", HEAD + '[[cards]]\nid = "a"\nkind = "order"\nsection = "S"\nprompt = "P"\nitems = ["only"]\n', 8, "at least 2 items"),
    ("order-duplicate-items", HEAD + '[[cards]]\nid = "a"\nkind = "order"\nsection = "S"\nprompt = "P"\nitems = ["x", "y", "x"]\n', 8, "distinct"),
    ("match-triple", HEAD + '[[cards]]\nid = "a"\nkind = "match"\nsection = "S"\nprompt = "P"\n'
     'pairs = [["a", "b"], ["c", "d", "e"]]\n', 8, "[left, right] pair"),
    ("match-duplicate-left", HEAD + '[[cards]]\nid = "a"\nkind = "match"\nsection = "S"\nprompt = "P"\n'
     'pairs = [["a", "b"], ["a", "d"]]\n', 8, "distinct left sides"),
    ("unknown-key-typo", HEAD + '[[cards]]\nid = "a"\nkind = "mcq"\nsection = "S"\nprompt = "P"\n'
     'choises = ["w", "x"]\nanswer = "w"\n', 8, "unknown key 'choises'"),
    ("accept-on-mcq", HEAD + '[[cards]]\nid = "a"\nkind = "mcq"\nsection = "S"\nprompt = "P"\n'
     'choices = ["w", "x", "y", "z"]\nanswer = "w"\naccept = ["x"]\n', 10, "unknown key 'accept'"),
    ("tags-not-list", HEAD + '[[cards]]\nid = "a"\nkind = "typed"\nsection = "S"\nprompt = "P"\nanswer = "A"\ntags = "x"\n', 9, "'tags' must be a list"),
    ("choice-not-string", HEAD + '[[cards]]\nid = "a"\nkind = "mcq"\nsection = "S"\nprompt = "P"\n'
     'choices = ["w", 2, "y", "z"]\nanswer = "w"\n', 8, "must be a string"),
    ("card-not-table", HEAD + 'cards = [1]\n', 3, "must be a table"),
    ("glossary-missing-definition", HEAD + '[[cards]]\nid = "a"\nkind = "glossary"\nsection = "S"\nterm = "T"\n', 3, "missing 'definition'"),
    ("flashcard-back-number", HEAD + '[[cards]]\nid = "a"\nkind = "flashcard"\nsection = "S"\nfront = "F"\nback = 4\n', 8, "'back' must be a string"),
    ("neither-kind-of-file", 'title = "x"\n', 1, "neither a question file"),
    # Answers the grader reduces to nothing: typing them exactly would be graded wrong.
    ("typed-answer-punctuation", HEAD + '[[cards]]\nid = "a"\nkind = "typed"\nsection = "S"\nprompt = "P"\n'
     'answer = "+"\n', 8, "answer '+' has no letters or digits"),
    ("typed-answer-ellipsis", HEAD + '[[cards]]\nid = "a"\nkind = "typed"\nsection = "S"\nprompt = "P"\n'
     'answer = "..."\n', 8, "has no letters or digits"),
    ("typed-answer-zero-width", HEAD + '[[cards]]\nid = "a"\nkind = "typed"\nsection = "S"\nprompt = "P"\n'
     'answer = "\\u200b"\n', 8, "has no letters or digits"),
    ("typed-accept-punctuation", HEAD + '[[cards]]\nid = "a"\nkind = "typed"\nsection = "S"\nprompt = "P"\n'
     'answer = "A"\naccept = ["A1", "%"]\n', 9, "accepted answer '%' has no letters or digits"),
    ("cloze-deletion-punctuation", HEAD + '[[cards]]\nid = "a"\nkind = "cloze"\nsection = "S"\n'
     'text = "Add {{c1::%}} here."\n', 7, "cloze deletion c1 ('%') has no letters or digits"),
    # Anki numbers cloze cards c1 to c65536.
    ("cloze-number-huge", HEAD + '[[cards]]\nid = "a"\nkind = "cloze"\nsection = "S"\n'
     'text = "A {{c99999999999999999999::x}} b."\n', 7, "cloze number c99999999999999999999 is too large"),
    ("cloze-number-above-anki", HEAD + '[[cards]]\nid = "a"\nkind = "cloze"\nsection = "S"\n'
     'text = "A {{c65537::word}} b."\n', 7, "cloze number c65537 is too large: Anki takes c1 to c65536"),
]


def write(tmp_path, name: str, body: str | bytes):
    (tmp_path / "demo.toml").write_text(GOOD_DECK)
    path = tmp_path / f"{name}.toml"
    if isinstance(body, bytes):
        path.write_bytes(body)
    else:
        path.write_text(body)
    return path


@pytest.mark.parametrize("name, body, line, words", MALFORMED, ids=[m[0] for m in MALFORMED])
def test_malformed_file_reported_at_its_line(tmp_path, run, db_path, name, body, line, words):
    path = write(tmp_path, name, body)
    result = run("check", str(tmp_path / "demo.toml"), str(path))
    assert result.exit_code == 1
    located = [shown for shown in result.stdout.splitlines() if shown.startswith(f"{path}:{line}: ")]
    assert any(words in shown for shown in located), result.stdout
    assert "Traceback" not in result.output
    assert not db_path.exists(), "check must write nothing"


def test_at_least_25_distinct_malformed_files():
    assert len({name for name, *_ in MALFORMED}) >= 25


def test_non_utf8_file_names_its_line(tmp_path, run):
    path = write(tmp_path, "latin1", (HEAD + '[[cards]]\nid = "a"\nkind = "typed"\nsection = "S"\n').encode() + b'prompt = "caf\xe9"\n')
    result = run("check", str(tmp_path / "demo.toml"), str(path))
    assert result.exit_code == 1
    assert f"{path}:7: not UTF-8" in result.stdout


def test_invalid_json_names_its_line(tmp_path, run):
    path = tmp_path / "cards.json"
    path.write_text('{"deck": "demo",\n "cards": [\n  {"id": "a",}\n ]}\n')
    (tmp_path / "demo.toml").write_text(GOOD_DECK)
    result = run("check", str(tmp_path))
    assert result.exit_code == 1
    assert f"{path}:3: invalid JSON" in result.stdout


@pytest.mark.parametrize(("duplicated", "line"), [("prompt", 6), ("id", 7), ("deck", 1)])
def test_a_key_given_twice_in_a_json_object_is_refused_at_its_line(tmp_path, run, duplicated, line):
    """TOML refuses a key given twice itself; JSON readers quietly keep one or the other."""
    cards = {
        "prompt": '  {"id": "a", "kind": "typed", "section": "S", "prompt": "p?", "answer": "x"},\n'
                  '  {"id": "b", "kind": "typed",\n   "section": "S", "prompt": "q?",\n'
                  '   "answer": "y", "prompt": "again?"}\n',
        "id": '  {"id": "a", "kind": "typed", "section": "S", "prompt": "p?", "answer": "x"},\n'
              '  {"id": "b", "kind": "typed",\n   "section": "S", "prompt": "q?",\n   "answer": "y",\n'
              '   "id": "c"}\n',
        "deck": '',
    }[duplicated]
    head = '{"deck": "demo", "deck": "demo",' if duplicated == "deck" else '{"deck": "demo",'
    path = tmp_path / "cards.json"
    path.write_text(f'{head}\n "cards": [\n{cards} ]}}\n')
    (tmp_path / "demo.toml").write_text(GOOD_DECK)
    result = run("check", str(tmp_path))
    assert result.exit_code == 1
    assert f'{path}:{line}: "{duplicated}" is given twice in one object' in result.stdout


@pytest.mark.parametrize(("cards", "line"), [
    # Given twice before the card's id, after a card that has the key once.
    ('  {"id": "a", "kind": "typed", "section": "S", "prompt": "p?", "answer": "x"},\n'
     '  {"kind": "typed", "section": "S",\n   "section": "T",\n   "id": "b", "prompt": "q?", "answer": "y"}\n', 5),
    # In a card without an id.
    ('  {"kind": "typed", "section": "S", "prompt": "p?",\n   "answer": "x",\n   "prompt": "again?"}\n', 5),
    # In a card whose id is written with an escape.
    ('  {"id": "caf\\u00e9", "kind": "typed",\n   "section": "S", "prompt": "p?", "answer": "x",\n'
     '   "answer": "y"}\n', 5),
])
def test_a_key_given_twice_is_found_at_its_line_in_any_card(tmp_path, run, cards, line):
    path = tmp_path / "cards.json"
    path.write_text(f'{{"deck": "demo",\n "cards": [\n{cards} ]}}\n')
    (tmp_path / "demo.toml").write_text(GOOD_DECK)
    result = run("check", str(tmp_path))
    assert f"{path}:{line}: " in result.stdout and "is given twice in one object" in result.stdout


def test_problems_in_a_json_file_name_the_lines_of_its_cards(tmp_path, run):
    """An exported deck edited by hand: JSON has no line numbers of its own, but each card and key has a line."""
    path = tmp_path / "cards.json"
    card = {"kind": "typed", "section": "S", "prompt": "Which gland sits below the brain?", "answer": "pituitary",
            "explanation": "It does."}
    broken = {**card, "id": "c", "prompt": "Which gland makes melatonin?", "answer": 3}
    path.write_text(json.dumps({"deck": "demo", "cards": [{"id": "a", **card}, {"id": "b", **card}, broken]}, indent=2))
    lines = path.read_text().splitlines()
    card_a = lines.index("    {") + 1
    card_b = lines.index("    {", card_a) + 1
    answer_c = lines.index('      "answer": 3,') + 1
    (tmp_path / "demo.toml").write_text(GOOD_DECK)
    result = run("check", str(tmp_path))
    assert f"{path}:{answer_c}: 'answer' must be a string, not a number" in result.stdout
    assert f"{path}:{card_b}: warning: card 'b' has the same text as card 'a' ({path}:{card_a})" in result.stdout
    # Top-level keys after the cards have their lines too.
    path.write_text('{"cards": [\n  {"id": "a", "kind": "typed", "section": "S", "prompt": "P", "answer": "x"}\n],\n'
                    ' "deck": "demo",\n "colour": "blue"\n}\n')
    assert f"{path}:5: unknown top-level key 'colour'" in run("check", str(tmp_path)).stdout
    path.write_text('{"cards": [\n  {"id": "a", "kind": "typed", "section": "S", "prompt": "P", "answer": "x"}\n'
                    '], "colour": "blue",\n "deck": "demo"\n}\n')
    assert f"{path}:3: unknown top-level key 'colour'" in run("check", str(tmp_path)).stdout
    # A minified file is one line: every card is on it.
    path.write_text(json.dumps({"deck": "demo", "cards": [{"id": "a", **card}, {"id": "b", **card}]}))
    result = run("check", str(tmp_path))
    assert f"{path}:1: warning: card 'b' has the same text as card 'a' ({path}:1)" in result.stdout


def test_every_problem_in_a_file_is_reported_not_just_the_first(tmp_path, run):
    body = HEAD + textwrap.dedent(
        """\
        [[cards]]
        id = "a"
        kind = "mcq"
        section = "S"
        prompt = "P"
        choices = ["w", "x", "y", "z"]
        answer = "q"

        [[cards]]
        id = "b"
        kind = "essay"
        section = "S"
        """
    )
    path = write(tmp_path, "two-problems", body)
    result = run("check", str(tmp_path / "demo.toml"), str(path))
    assert f"{path}:9: " in result.stdout and f"{path}:13: " in result.stdout
    assert "2 error(s)" in result.stderr


def test_deck_file_problems(tmp_path, run):
    path = tmp_path / "deck.toml"
    path.write_text('slug = "Not A Slug"\ndescription = "x"\n')
    result = run("check", str(path))
    assert result.exit_code == 1
    assert f"{path}:1: deck slug 'Not A Slug'" in result.stdout
    assert "deck is missing 'name'" in result.stdout


def test_a_folder_without_question_files_is_an_error_not_an_empty_import(tmp_path, run):
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "readme.txt").write_text("not cards")
    for command in ("import", "check"):
        result = run(command, str(folder))
        assert result.exit_code == 1
        assert f"{folder}: no question files (.toml or .json) in this folder" in result.output


def test_missing_path_is_one_line(tmp_path, run):
    result = run("check", str(tmp_path / "nowhere.toml"))
    assert result.exit_code == 1
    assert "nowhere.toml: no such file or folder" in result.stdout


def test_valid_file_passes_and_question_files_may_use_bundled_deck(tmp_path, run):
    path = tmp_path / "mine.toml"
    path.write_text(
        'deck = "stopping-hormone-therapy"\n\n[[cards]]\nid = "mine-one"\nkind = "truefalse"\n'
        'section = "Mine"\nprompt = "A statement of our own."\nanswer = true\nexplanation = "Because."\n'
    )
    result = run("check", str(path))
    assert result.exit_code == 0, result.output
    assert "0 error(s), 0 warning(s)" in result.stderr


def test_problems_in_tables_point_at_the_table(tmp_path, run):
    inline = tmp_path / "inline.toml"
    inline.write_text('# cards with their deck inline\n[deck]\nslug = "Bad Slug"\nname = "N"\n\n'
                      '[[cards]]\nid = "a"\nkind = "flashcard"\nsection = "S"\nfront = "f"\nback = "b"\n')
    deck = tmp_path / "deck.toml"
    deck.write_text('slug = "ok"\nname = "N"\n\n[source]\ntitle = "T"\nlink = "x"\n')
    result = run("check", str(inline), str(deck))
    assert f"{inline}:2: deck slug 'Bad Slug'" in result.stdout
    assert f"{deck}:4: unknown source key 'link'" in result.stdout


def test_check_knows_the_databases_decks_and_writes_nothing(tmp_path, run, db_path):
    (tmp_path / "demo.toml").write_text(GOOD_DECK)
    assert run("import", str(tmp_path / "demo.toml")).exit_code == 0
    before = db_path.read_bytes()
    cards = tmp_path / "more.toml"
    cards.write_text('deck = "demo"\n\n[[cards]]\nid = "x"\nkind = "flashcard"\nsection = "S"\nfront = "F"\nback = "B"\n'
                     'explanation = "E."\n')
    result = run("check", str(cards))
    assert result.exit_code == 0, result.stdout
    assert db_path.read_bytes() == before


def test_one_file_named_twice_is_read_once(tmp_path, run):
    (tmp_path / "demo.toml").write_text(GOOD_DECK)
    cards = tmp_path / "cards.toml"
    cards.write_text('deck = "demo"\n\n[[cards]]\nid = "x"\nkind = "flashcard"\nsection = "S"\nfront = "F"\nback = "B"\n'
                     'explanation = "E."\n')
    (tmp_path / "link.toml").symlink_to(cards)
    result = run("check", str(tmp_path), str(cards))
    assert result.exit_code == 0, result.stdout
    assert "1 cards in 1 question file(s)" in result.stderr


def test_unreadable_json_is_one_line_each(tmp_path, run):
    deep = tmp_path / "deep.json"
    deep.write_text('{"deck": "demo", "cards": ' + "[" * 100_000 + "]" * 100_000 + "}")
    lone = tmp_path / "lone.json"
    lone.write_text('{"deck": {"slug": "s", "name": "S"}, "cards": [{"id": "a", "kind": "flashcard", '
                    '"section": "S", "front": "x \\ud800 y", "back": "b"}]}')
    result = run("check", str(deep), str(lone))
    assert result.exit_code == 1
    assert f"{deep}: nested too deeply to read" in result.stdout
    assert f"{lone}: a string holds an unpaired surrogate escape" in result.stdout
    imported = run("import", str(lone))
    assert imported.exit_code == 1 and "Traceback" not in imported.output


def test_a_cloze_number_too_large_for_anki_is_refused_by_import_too(tmp_path, run, db_path):
    path = write(tmp_path, "huge", HEAD + '[[cards]]\nid = "a"\nkind = "cloze"\nsection = "S"\n'
                 'text = "A {{c99999999999999999999::x}} b."\n')
    result = run("import", str(tmp_path / "demo.toml"), str(path))
    assert result.exit_code != 0
    assert f"{path}:7: " in result.stderr and "too large" in result.stderr
    assert "Traceback" not in result.output

    highest = write(tmp_path, "highest", HEAD + '[[cards]]\nid = "a"\nkind = "cloze"\nsection = "S"\n'
                    'text = "A {{c65536::word}} b."\n')
    result = run("check", str(tmp_path / "demo.toml"), str(highest))
    assert result.exit_code == 0, result.stdout
