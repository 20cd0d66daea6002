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


def test_choices_of_symbols_alone_are_told_apart_as_written(tmp_path, run):
    """Emoji normalise to nothing: four different ones are four different choices, two the same are not."""
    symbols = card("mcq", 'prompt = "Which is a cake?"\nchoices = ["🎉", "🎂", "🍕", "🚀"]\n'
                          'answer = "🎂"\n')
    assert "say the same thing" not in check(tmp_path, run, symbols).stdout
    twice = card("mcq", 'prompt = "Which is a cake?"\nchoices = ["🎉", "🎂", "🎂", "🚀"]\n'
                        'answer = "🎂"\n')
    assert "two choices say the same thing" in check(tmp_path, run, twice).stdout


def test_near_duplicates_of_one_kind(tmp_path, run):
    twin = MCQ_OK.replace("sits under the brain?", "sits just under the brain?")
    result = check(tmp_path, run, card("mcq", MCQ_OK, "first"), card("mcq", twin, "second"))
    assert "card 'second' has nearly the same text as card 'first'" in result.stdout
    other_kind = card("typed", 'prompt = "Which gland sits under the brain?"\nanswer = "Pituitary"\n', "third")
    result = check(tmp_path, run, card("mcq", MCQ_OK, "first"), other_kind)
    assert "card 'third' has the same text as card 'first'" in result.stdout


def test_many_near_copies_get_a_warning_each_not_one_per_pair(tmp_path, run):
    """A draft of 30 cards each a word away from the others: 29 warnings, each naming an earlier card, where every
    pair would make 435."""
    copies = [card("typed", f'prompt = "Which gland sits under the brain, case {n:02d}?"\nanswer = "Pituitary"\n',
                   f"c{n:02d}") for n in range(30)]
    out = check(tmp_path, run, *copies).stdout
    warned = [line for line in out.splitlines() if "nearly the same text as" in line]
    assert len(warned) == 29
    assert not any("card 'c00' has" in line for line in warned)


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


def test_an_answer_shown_by_an_earlier_card_of_the_section(tmp_path, run):
    first = card("mcq", 'prompt = "Which gland releases GnRH?"\nchoices = ["Hypothalamus", "Pituitary", "Adrenal", "Thyroid"]\n'
                 'answer = "Hypothalamus"\n', "first")
    later = card("typed", 'prompt = "Which gland answers the GnRH signal?"\nanswer = "pituitary gland"\naccept = ["pituitary"]\n',
                 "later")
    result = check(tmp_path, run, first, later)
    assert "card 'later': its answer 'pituitary' already appears in card 'first'" in result.stdout
    assert f"({tmp_path / 'cards.toml'}:3)" in result.stdout
    assert check(tmp_path, run, first, later, strict=True).exit_code == 1
    # The other way round the typed card comes first and the choices give nothing away to it.
    assert "already appears" not in check(tmp_path, run, later, first).stdout


@pytest.mark.parametrize("later_body, answer", [
    ('text = "The hypothalamus signals the {{c1::pituitary}} gland."\n', "pituitary"),
    ('prompt = "Which gland lies below the hypothalamus?"\nchoices = ["Pituitary", "Adrenal", "Thyroid", "Pineal"]\n'
     'answer = "Pituitary"\n', "Pituitary"),
], ids=["cloze deletion", "mcq answer"])
def test_explanations_give_answers_away_too(tmp_path, run, later_body, answer):
    kind = "cloze" if later_body.startswith("text") else "mcq"
    first = card("typed", 'prompt = "Which gland releases GnRH?"\nanswer = "hypothalamus"\n', "first",
                 explanation='explanation = "The hypothalamus sends GnRH to the pituitary."\n')
    result = check(tmp_path, run, first, card(kind, later_body, "later"))
    assert f"card 'later': its answer '{answer}' already appears in card 'first'" in result.stdout


def test_answers_are_matched_as_whole_words_within_one_section(tmp_path, run):
    first = card("typed", 'prompt = "Which hormone, by its letters, do gonadotropins include besides FSH?"\nanswer = "LH"\n', "first")
    part_of_a_word = card("typed", 'prompt = "What is FSH?"\nanswer = "gonadotropin"\n', "second")
    assert "already appears" not in check(tmp_path, run, first, part_of_a_word).stdout
    other_section = card("typed", 'prompt = "Name the pituitary hormone paired with LH."\nanswer = "FSH"\n', "third")
    other_section = other_section.replace('section = "S"', 'section = "T"')
    assert "already appears" not in check(tmp_path, run, first, other_section).stdout


def test_same_family_distractors_and_glossary_terms_give_nothing_away(tmp_path, run):
    first = card("mcq", 'prompt = "Which gland releases GnRH?"\nchoices = ["Hypothalamus", "Pituitary", "Adrenal", "Thyroid"]\n'
                 'answer = "Hypothalamus"\n', "first")
    # Offered as a wrong choice before, the pituitary is still only one of four options here.
    sibling = card("mcq", 'prompt = "Which gland answers the GnRH signal?"\nchoices = ["Pituitary", "Adrenal", "Thyroid", "Pineal"]\n'
                   'answer = "Pituitary"\n', "sibling")
    # A glossary card sums up a term the cards before it teach; naming the term does not link it to its definition.
    gloss = card("glossary", 'term = "Hypothalamus"\ndefinition = "The brain region that releases GnRH in pulses."\n', "gloss")
    assert "already appears" not in check(tmp_path, run, first, sibling, gloss).stdout


@pytest.mark.parametrize("stem", ["Which two glands are listed?", "Select three of the glands.", "Pick 2 glands.",
                                  "Name both glands the article gives."])
def test_a_multi_stem_that_says_how_many_to_pick(tmp_path, run, stem):
    body = f'prompt = "{stem}"\nchoices = ["Pituitary", "Adrenal", "Thyroid", "Pineal"]\nanswer = ["Pituitary", "Adrenal"]\n'
    result = check(tmp_path, run, card("multi", body))
    assert f"{tmp_path / 'cards.toml'}:3: warning: card 'c': the prompt says how many answers to pick" in result.stdout
    assert check(tmp_path, run, card("multi", body), strict=True).exit_code == 1


def test_a_multi_stem_that_leaves_the_count_open(tmp_path, run):
    body = ('prompt = "Which glands, of the two families shown, does the article list? Select all that apply."\n'
            'choices = ["Pituitary", "Adrenal", "Thyroid", "Pineal"]\nanswer = ["Pituitary", "Adrenal"]\n')
    assert "warning" not in check(tmp_path, run, card("multi", body)).stdout


def statements(*pairs: tuple[str, bool]) -> list[str]:
    return [card("truefalse", f'prompt = "{text}"\nanswer = {str(answer).lower()}\n', f"s{n}")
            for n, (text, answer) in enumerate(pairs)]


def test_absolutes_only_in_false_statements(tmp_path, run):
    cards = statements(("The pituitary always releases GnRH.", False), ("Only the adrenals make LH.", False),
                       ("The hypothalamus releases GnRH.", True), ("LH acts on the gonads.", True),
                       ("FSH comes from the pituitary.", True), ("The thyroid makes FSH.", False))
    result = check(tmp_path, run, *cards)
    assert result.stdout.count("absolutes appear in false true/false statements") == 1
    assert "'s0' (always), 's1' (only)" in result.stdout
    assert f"{tmp_path / 'cards.toml'}:3: warning: deck 'demo': absolutes" in result.stdout
    assert check(tmp_path, run, *cards, strict=True).exit_code == 1


def test_absolutes_on_both_sides_draw_no_warning(tmp_path, run):
    cards = statements(("The pituitary always releases GnRH.", False), ("Only the adrenals make LH.", False),
                       ("The hypothalamus always releases GnRH.", True), ("LH acts only on the gonads.", True),
                       ("FSH comes from the pituitary.", True), ("The thyroid makes FSH.", False))
    assert "absolutes" not in check(tmp_path, run, *cards).stdout
