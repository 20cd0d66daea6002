"""The bundled deck: big enough, every kind and section covered, clean under --strict, and in our own words."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter

import pytest

from quizgen.core import paths, questions
from tests.conftest import ROOT, SOURCE_DIR

MINIMUMS = {"mcq": 50, "truefalse": 20, "typed": 25, "cloze": 25, "multi": 8, "order": 3, "match": 4, "glossary": 30,
            "flashcard": 6}
SECTIONS = [
    "Fundamentals",
    "Fundamentals > The Body's Internal Messaging System",
    "Fundamentals > Initial Responses to Cessation",
    "Intermediate > Discontinuing Male Testosterone Optimization",
    "Intermediate > Post-TRT Recalibration Protocols",
    "Intermediate > Discontinuing Female Hormonal Balance Protocols",
    "Intermediate > Growth Hormone Peptide Therapy Cessation",
    "Intermediate > Comparative Symptoms of Abrupt TRT Cessation",
    "Academic > The Hypothalamic-Pituitary-Gonadal Axis Recalibration",
    "Academic > Metabolic and Systemic Interconnections",
    "Academic > Hormonal Cascade and Feedback Mechanisms Post-Cessation",
    "Academic > Neurotransmitter Modulation and Cognitive Impact",
    "Academic > Adrenal Gland Compensation and Stress Response",
    "Glossary",
]
# The body text defines these terms; each must have its own glossary card.
BODY_TERMS = ["GnRH", "LH", "FSH", "SERM", "aromatase inhibitor", "iatrogenic hypogonadism", "allopregnanolone",
              "DHEA", "somatostatin", "GHRH"]


@pytest.fixture(scope="module")
def deck():
    loaded = questions.load(paths.bundled_paths())
    assert not loaded.errors, "\n".join(map(str, loaded.errors))
    return loaded


def test_size_and_mix(deck):
    kinds = Counter(c.card.kind for c in deck.cards)
    assert len(deck.cards) >= 150
    for kind, minimum in MINIMUMS.items():
        assert kinds[kind] >= minimum, f"{kind}: {kinds[kind]} < {minimum}"


def test_true_false_balance(deck):
    answers = [c.card.fields["answer"] for c in deck.cards if c.card.kind == "truefalse"]
    assert 0.35 <= sum(answers) / len(answers) <= 0.65


def test_every_section_has_cards_and_every_card_a_known_section(deck):
    sections = Counter(c.card.section for c in deck.cards)
    for section in SECTIONS:
        assert sections[section] >= 2, f"no cards for {section}"
    allowed = set(SECTIONS) | {"Intermediate", "Academic"}
    assert set(sections) <= allowed, set(sections) - allowed


def test_glossary_covers_the_article_glossary_and_body_terms(deck):
    glossary = [c.card for c in deck.cards if c.card.kind == "glossary"]
    assert sum(1 for c in glossary if c.section == "Glossary") >= 19
    terms = {c.fields["term"].casefold() for c in glossary}
    for term in BODY_TERMS:
        assert any(term.casefold() == t or t.startswith(term.casefold() + " ") for t in terms), term


def test_every_card_explains_itself(deck):
    assert all(c.card.explanation.strip() for c in deck.cards)


def test_deck_says_once_that_it_is_not_medical_advice(deck):
    description = deck.decks["stopping-hormone-therapy"].description
    assert description.lower().count("not medical advice") == 1


def test_bundled_deck_passes_check_strict(run):
    result = run("check", "--strict")
    assert result.exit_code == 0, result.stdout
    assert "0 error(s), 0 warning(s)" in result.stderr


def test_no_run_of_twelve_words_is_copied_from_the_article():
    checker = SOURCE_DIR.parent / "tools" / "copycheck.py"
    if not SOURCE_DIR.is_dir() or not checker.exists():
        pytest.skip(f"the source article and copycheck.py live in {SOURCE_DIR.parent}, which this checkout lacks")
    result = subprocess.run([sys.executable, str(checker), str(SOURCE_DIR), str(ROOT)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout
