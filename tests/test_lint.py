"""`quizgen check` warnings about card quality (after the card standard): each rule fires on a card that breaks it,
stays quiet on one that does not, and `--strict` turns warnings into a failing exit."""

from __future__ import annotations

import pytest

DECK = 'slug = "demo"\nname = "Demo"\n'


def card(kind: str, body: str, card_id: str = "c", explanation: str = 'explanation = "Because."\n') -> str:
    return f'[[cards]]\nid = "{card_id}"\nkind = "{kind}"\nsection = "S"\n{body}{explanation}\n'


def check(tmp_path, run, *cards: str, strict: bool = False):
    (tmp_path / "demo.toml").write_text(DECK)
    path = tmp_path / "cards.toml"
    path.write_text('deck = "demo"\n\n' + "".join(cards))
    args = ["check", *(["--strict"] if strict else []), str(tmp_path / "demo.toml"), str(path)]
    return run(*args)


MCQ_OK = 'prompt = "Which gland sits under the brain?"\nchoices = ["Pituitary", "Adrenal", "Thyroid", "Pineal"]\nanswer = "Pituitary"\n'

WARNINGS = [
    ("no explanation", card("mcq", MCQ_OK, explanation=""), "no explanation"),
    ("three choices", card("mcq", 'prompt = "Which gland?"\nchoices = ["Pituitary", "Adrenal", "Thyroid"]\nanswer = "Pituitary"\n'),
     "only 3 choices"),
    ("same choice twice", card("mcq", 'prompt = "Which gland?"\nchoices = ["Pituitary", "pituitary!", "Thyroid", "Pineal"]\nanswer = "Pituitary"\n'),
     "two choices say the same thing"),
    ("all of the above", card("mcq", 'prompt = "Which gland?"\nchoices = ["Pituitary", "Adrenal", "Thyroid", "All of the above"]\nanswer = "Pituitary"\n'),
     "all/none of the above"),
    ("mcq answer in prompt", card("mcq", 'prompt = "Is the pituitary the pituitary?"\nchoices = ["Pituitary", "Adrenal", "Thyroid", "Pineal"]\nanswer = "Pituitary"\n'),
     "answer appears in the prompt"),
    ("standout long answer", card("mcq", 'prompt = "What does the gland do?"\nchoices = ["It releases two hormones that drive the gonads", "It sleeps", "It fades", "It rests"]\nanswer = "It releases two hormones that drive the gonads"\n'),
     "much longer than the others"),
    ("typed answer in prompt", card("typed", 'prompt = "Name the hypothalamus."\nanswer = "Hypothalamus"\n'),
     "answer appears in the prompt"),
    ("accepted answer in prompt", card("typed", 'prompt = "Which LH-releasing gland?"\nanswer = "luteinizing hormone"\naccept = ["LH"]\n'),
     "answer appears in the prompt"),
    ("long typed answer", card("typed", 'prompt = "What happens?"\nanswer = "the axis slowly restarts its own rhythm"\n'),
     "typed answer has 6 words"),
    ("term in definition", card("glossary", 'term = "Negative feedback"\ndefinition = "A loop of negative feedback that lowers output."\n'),
     "term appears in its definition"),
    ("acronym in definition", card("glossary", 'term = "Luteinizing hormone (LH)"\ndefinition = "With FSH, LH drives the gonads."\n'),
     "term appears in its definition"),
    ("four deletions", card("cloze", 'text = "{{c1::GnRH}} to {{c2::LH}} and {{c3::FSH}} to {{c4::testes}}."\n'),
     "4 deletions"),
    ("deleted term visible", card("cloze", 'text = "The {{c1::pituitary}} gland; the pituitary again."\n'),
     "also appears outside its deletion"),
]


@pytest.mark.parametrize("name, text, words", WARNINGS, ids=[w[0] for w in WARNINGS])
def test_each_rule_warns_at_the_cards_line(tmp_path, run, name, text, words):
    result = check(tmp_path, run, text)
    assert result.exit_code == 0, "warnings alone do not fail without --strict"
    assert f"{tmp_path / 'cards.toml'}:3: warning: card 'c': " in result.stdout
    assert words in result.stdout
    strict = check(tmp_path, run, text, strict=True)
    assert strict.exit_code == 1


def test_a_good_card_draws_no_warning(tmp_path, run):
    result = check(tmp_path, run, card("mcq", MCQ_OK))
    assert result.exit_code == 0 and "warning" not in result.stdout


def test_near_duplicates_of_one_kind(tmp_path, run):
    twin = MCQ_OK.replace("sits under the brain?", "sits just under the brain?")
    result = check(tmp_path, run, card("mcq", MCQ_OK, "first"), card("mcq", twin, "second"))
    assert "card 'second' has nearly the same text as card 'first'" in result.stdout
    other_kind = card("typed", 'prompt = "Which gland sits under the brain?"\nanswer = "Pituitary"\n', "third")
    result = check(tmp_path, run, card("mcq", MCQ_OK, "first"), other_kind)
    assert "card 'third' has the same text as card 'first'" in result.stdout


def test_true_false_balance(tmp_path, run):
    statements = [card("truefalse", f'prompt = "Statement {n} about glands."\nanswer = true\n', f"s{n}") for n in range(6)]
    result = check(tmp_path, run, *statements)
    assert "100% of its 6 true/false cards are true" in result.stdout
    balanced = statements[:3] + [s.replace("answer = true", "answer = false") for s in statements[3:]]
    assert "true/false" not in check(tmp_path, run, *balanced).stdout


def test_longest_choice_bias_across_a_deck(tmp_path, run):
    cards = [
        card("mcq", f'prompt = "Question {n} about glands?"\nchoices = ["The right gland {n}", "Gland {n}a", "Gland {n}b", "Gland {n}c"]\n'
             f'answer = "The right gland {n}"\n', f"q{n}")
        for n in range(10)
    ]
    result = check(tmp_path, run, *cards)
    assert "the right choice is the longest" in result.stdout
