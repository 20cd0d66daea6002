"""`quizgen ingest --model NAME`: cards drafted by a model of the llm library, checked, counted, and kept apart.

The model is a scripted one, a real ``llm.Model`` registered through llm's plugin hook: it replies to each passage
with canned JSON (chosen by a phrase of the passage) and records every prompt, so nothing goes over a network.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tomllib

import llm
import pytest

from quizgen.core.cards import Card
from quizgen.ingest.model_draft import supported
from tests.test_parse import FIXTURES


def reply(*cards: dict) -> str:
    return json.dumps({"cards": list(cards)})


# By a phrase of the passage asked about; any other passage gets no card.
VOLCANO_REPLIES = {
    "A volcano is an opening": reply(
        {"kind": "typed", "prompt": "What is molten rock called once it reaches the surface?", "answer": "lava"},
        {"kind": "cloze", "text": "The {{c1::Volcanic Explosivity Index}} rates eruptions from 0 to 8."},
        # Nowhere in the passage: dropped.
        {"kind": "typed", "prompt": "Which light, porous rock can float on water?", "answer": "pumice"},
    ),
    "Shield volcano": reply(
        {"kind": "mcq", "prompt": "Which kind of volcano is a broad mountain built from runny basalt flows?",
         "choices": ["Shield volcano", "Stratovolcano", "Cinder cone", "Caldera"], "answer": "Shield volcano"},
        {"kind": "multi", "prompt": "Which of these kinds of volcano are steep?",
         "choices": ["Stratovolcano", "Cinder cone", "Shield volcano", "Caldera"],
         "answer": ["Stratovolcano", "Cinder cone"]},
    ),
    "Lahar": "Sorry, I can only answer questions about cooking.",
    "Geologists describe": reply(
        {"kind": "order", "prompt": "Put the build-up to an eruption in order.",
         "items": ["Magma collects in a chamber", "Pressure rises as gas bubbles out", "The overlying rock cracks",
                   "Magma forces its way up the conduit", "The eruption releases gas, ash and lava"]},
        # Invalid shapes: an answer that is not one of the choices, and a kind there is none of.
        {"kind": "mcq", "prompt": "How deep does magma collect?", "choices": ["A few kilometres", "At the surface"],
         "answer": "Deep"},
        {"kind": "essay", "prompt": "Describe an eruption."},
    ),
    "Vesuvius": reply(
        {"kind": "match", "prompt": "Match each volcano to the year of its eruption.",
         "pairs": [["Vesuvius", "79"], ["Krakatoa", "1883"], ["Pinatubo", "1991"]]},
        {"kind": "truefalse", "prompt": "Krakatoa is in Indonesia.", "answer": True},
    ),
}


class ScriptedModel(llm.Model):
    """Replies with the canned reply of the first phrase found in the prompt, and records each prompt."""

    can_stream = False

    def __init__(self, model_id: str, replies: dict[str, str], supports_schema: bool = True):
        self.model_id = model_id
        self.replies = replies
        self.supports_schema = supports_schema
        self.prompts: list[llm.Prompt] = []

    def execute(self, prompt, stream, response, conversation):
        self.prompts.append(prompt)
        for phrase, text in self.replies.items():
            if phrase in prompt.prompt:
                yield text
                return
        yield reply()


class OfflineModel(llm.Model):
    """A hosted model whose network is down."""

    model_id = "offline"

    def execute(self, prompt, stream, response, conversation):
        raise ConnectionError("[Errno 111] Connection refused")


class KeyedModel(llm.KeyModel):
    """A hosted model that needs an API key nobody has set."""

    model_id = "keyed"
    needs_key = "keyed"
    key_env_var = "KEYED_API_KEY"

    def execute(self, prompt, stream, response, conversation, key):
        yield reply()


class Plugin:
    def __init__(self, models: list[llm.Model]):
        self.models = models

    @llm.hookimpl
    def register_models(self, register):
        for model in self.models:
            register(model)


@pytest.fixture
def models(tmp_path, monkeypatch):
    """The scripted models, registered with llm as a plugin for the length of one test."""
    monkeypatch.setenv("LLM_USER_PATH", str(tmp_path / "llm"))
    monkeypatch.delenv("KEYED_API_KEY", raising=False)
    scripted = {
        "scripted": ScriptedModel("scripted", VOLCANO_REPLIES),
        "plain": ScriptedModel("plain", {
            "Shield volcano": "```json\n" + VOLCANO_REPLIES["Shield volcano"] + "\n```",
        }, supports_schema=False),
    }
    plugin = Plugin([*scripted.values(), OfflineModel(), KeyedModel()])
    llm.plugins.pm.register(plugin, name="quizgen-scripted-models")
    yield scripted
    llm.plugins.pm.unregister(name="quizgen-scripted-models")


@pytest.fixture
def notes(tmp_path):
    path = tmp_path / "volcano-notes.md"
    shutil.copy(FIXTURES / "volcano-notes.md", path)
    return path


def drafted(path):
    return tomllib.loads(path.read_text(encoding="utf-8"))["cards"]


def test_model_cards_are_written_marked_and_pass_check(run, models, notes, tmp_path):
    target = tmp_path / "draft.toml"
    result = run("ingest", str(notes), "-o", str(target), "--model", "scripted")
    assert result.exit_code == 0, result.output
    cards = drafted(target)
    kinds = [card["kind"] for card in cards]
    for kind in ("typed", "cloze", "mcq", "multi", "order", "match", "truefalse"):
        assert kind in kinds
    lava = next(card for card in cards if card.get("answer") == "lava")
    assert lava["section"] == "What a volcano is"
    assert lava["source"] == "volcano-notes.md:9-11"
    assert lava["id"] == "typed-what-is-molten-rock-called-once-it"
    text = target.read_text(encoding="utf-8")
    block = text[: text.index('answer = "lava"')].rsplit("# from", 1)[1]
    assert "#   A volcano is an opening in the crust" in block
    assert "# drafted by model scripted" in block
    assert "model scripted: 7 cards kept from 7 passages" in result.stdout
    checked = run("check", str(target))
    assert checked.exit_code == 0, checked.output
    assert ": error" not in checked.stdout


def test_the_model_is_told_the_rules_the_schema_and_the_passage(run, models, notes):
    assert run("ingest", str(notes), "--model", "scripted").exit_code == 0
    prompts = models["scripted"].prompts
    assert len(prompts) == 7  # one per passage
    asked = next(p for p in prompts if "Shield volcano" in p.prompt)
    assert "section 'What a volcano is > Kinds of volcano', lines 15-19" in asked.prompt
    assert "The answer must come from the passage" in asked.system
    variants = asked.schema["properties"]["cards"]["items"]["anyOf"]
    kinds = {variant["properties"]["kind"]["enum"][0] for variant in variants}
    assert kinds == {"mcq", "multi", "truefalse", "typed", "cloze", "order", "match", "glossary", "flashcard"}


def test_an_answer_the_passage_does_not_hold_is_dropped_and_counted(run, models, notes, tmp_path):
    target = tmp_path / "draft.toml"
    result = run("ingest", str(notes), "-o", str(target), "--model", "scripted")
    assert "pumice" not in target.read_text(encoding="utf-8")
    assert "model cards dropped: 1 with an answer not found in its passage, 2 invalid" in result.stdout
    # The draft says so too, for whoever reviews it.
    header = target.read_text(encoding="utf-8").split("[deck]")[0]
    assert "1 with an answer not found in its passage" in " ".join(line.strip("# ") for line in header.splitlines())


PASSAGE = (
    "Molten rock below ground is called magma. An eruption can last two weeks. "
    "A caldera is a wide basin left when the summit collapses into an emptied chamber."
)


@pytest.mark.parametrize(("kind", "fields", "expected"), [
    ("typed", {"prompt": "What is molten rock below ground called?", "answer": "magma"}, True),
    ("typed", {"prompt": "What is molten rock below ground called?", "answer": "Magmas"}, True),
    ("typed", {"prompt": "How long can an eruption last?", "answer": "2 weeks"}, True),
    ("typed", {"prompt": "What is cooled lava called?", "answer": "basalt"}, False),
    ("cloze", {"text": "An eruption can last {{c1::two months}}."}, False),
    ("mcq", {"prompt": "What is left when a summit collapses?", "choices": ["A caldera", "A dome", "A vent"],
             "answer": "A caldera"}, True),
    # A definition may be reworded a little, not made up.
    ("glossary", {"term": "Caldera", "definition": "A wide basin left when a summit collapses into its chamber"},
     True),
    ("glossary", {"term": "Caldera", "definition": "A crater lake formed by glacial erosion over many centuries"},
     False),
    # A true/false card is judged by its statement.
    ("truefalse", {"prompt": "Molten rock below ground is called magma.", "answer": True}, True),
    ("truefalse", {"prompt": "Geysers erupt boiling groundwater.", "answer": False}, False),
])
def test_an_answer_is_supported_when_its_terms_are_in_the_passage(kind, fields, expected):
    card = Card(deck="volcanoes", id="card", kind=kind, section="Volcanoes", fields=fields)
    assert supported(card, PASSAGE) is expected


def test_max_cards_is_shared_between_the_passages(run, models, notes, tmp_path):
    target = tmp_path / "draft.toml"
    assert run("ingest", str(notes), "-o", str(target), "--model", "scripted", "--max-cards", "7").exit_code == 0
    asked = next(p for p in models["scripted"].prompts if "Shield volcano" in p.prompt)
    assert asked.prompt.endswith("Draft at most 1 card from this passage.")
    kinds = [card["kind"] for card in drafted(target) if card["section"] == "What a volcano is > Kinds of volcano"]
    assert kinds == ["mcq"]


def test_unreadable_replies_and_invalid_cards_are_counted_and_skipped(run, models, notes, tmp_path):
    target = tmp_path / "draft.toml"
    result = run("ingest", str(notes), "-o", str(target), "--model", "scripted")
    assert result.exit_code == 0, result.output
    assert "unreadable replies (not the JSON asked for): 1" in result.stdout
    cards = drafted(target)
    assert not [card for card in cards if card.get("prompt") == "How deep does magma collect?"]
    assert "essay" not in {card["kind"] for card in cards}


def test_passages_the_model_gives_nothing_for_keep_the_rule_based_cards(run, models, notes, tmp_path):
    target = tmp_path / "draft.toml"
    result = run("ingest", str(notes), "-o", str(target), "--model", "scripted")
    assert "rule-based cards kept for 3 passages the model gave no usable card for" in result.stdout
    cards = drafted(target)
    # The hazards (an unreadable reply), the glossary and the opening line (no card) keep what the rules drafted
    # from them...
    assert {"Vent", "Conduit", "Fumarole"} <= {card.get("term") for card in cards}
    assert [card for card in cards if card["section"] == "What a volcano is > Hazards"]
    # ... and they are not marked as the model's.
    text = target.read_text(encoding="utf-8")
    vent = text[: text.index('term = "Vent"')].rsplit("# from", 1)[1]
    assert "drafted by model" not in vent
    # A passage the model drafted from has no rule-based cards beside its own.
    eruption = [card for card in cards if card["section"] == "How an eruption unfolds"]
    assert [card["kind"] for card in eruption] == ["order"]


def test_the_same_input_gives_the_same_draft(run, models, notes, tmp_path):
    first, second = tmp_path / "first.toml", tmp_path / "second.toml"
    assert run("ingest", str(notes), "-o", str(first), "--model", "scripted").exit_code == 0
    assert run("ingest", str(notes), "-o", str(second), "--model", "scripted").exit_code == 0
    assert first.read_bytes() == second.read_bytes()
    # Written again over itself, the same draft needs no --force.
    assert run("ingest", str(notes), "-o", str(first), "--model", "scripted").exit_code == 0


def test_a_model_without_structured_output_is_told_the_schema(run, models, notes, tmp_path):
    target = tmp_path / "draft.toml"
    result = run("ingest", str(notes), "-o", str(target), "--model", "plain")
    assert result.exit_code == 0, result.output
    asked = models["plain"].prompts[0]
    assert asked.schema is None and '"anyOf"' in asked.system
    assert "Which kind of volcano is a broad mountain built from runny basalt flows?" in target.read_text()


def test_an_unknown_model_is_one_line_and_nothing_is_written(run, models, notes, tmp_path):
    target = tmp_path / "draft.toml"
    result = run("ingest", str(notes), "-o", str(target), "--model", "no-such-model")
    assert result.exit_code != 0
    assert result.stderr.strip().splitlines() == [
        "Error: unknown model 'no-such-model' (`llm models` lists the models llm knows)"
    ]
    assert not target.exists()
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_file()) == ["volcano-notes.md"]


@pytest.mark.parametrize(("model", "message"), [
    ("offline", "Error: model offline failed: [Errno 111] Connection refused"),
    ("keyed", "Error: model keyed failed: No key found - add one using 'llm keys set keyed' "
              "or set the KEYED_API_KEY environment variable"),
])
def test_a_failing_model_is_one_line_and_nothing_is_written(run, models, notes, tmp_path, model, message):
    target = tmp_path / "draft.toml"
    result = run("ingest", str(notes), "-o", str(target), "--model", model)
    assert result.exit_code != 0
    assert result.stderr.strip().splitlines() == [message]
    assert not target.exists()


def test_without_model_the_model_is_never_asked(run, models, notes, tmp_path):
    assert run("ingest", str(notes), "-o", str(tmp_path / "draft.toml")).exit_code == 0
    assert all(not model.prompts for model in models.values())
    assert "drafted by model" not in (tmp_path / "draft.toml").read_text(encoding="utf-8")


def _ingest_in_a_fresh_process(notes, tmp_path, *args: str, hide_llm: bool = False):
    script = (
        "import sys\n"
        + ("sys.modules['llm'] = None\n" if hide_llm else "")  # as if llm were not installed
        + "from quizgen.cli import cli\n"
        "try:\n"
        "    cli(sys.argv[1:])\n"
        "finally:\n"
        "    print('llm imported' if sys.modules.get('llm') else 'llm not imported', file=sys.stderr)\n"
    )
    return subprocess.run(
        [sys.executable, "-c", script, "ingest", str(notes), "-o", str(tmp_path / "draft.toml"), *args],
        capture_output=True, text=True, env=os.environ.copy(), timeout=300,
    )


def test_without_model_the_llm_library_is_not_even_loaded(notes, tmp_path):
    done = _ingest_in_a_fresh_process(notes, tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip().splitlines()[-1] == "llm not imported"


def test_without_the_llm_library_the_error_says_how_to_install_it(notes, tmp_path):
    done = _ingest_in_a_fresh_process(notes, tmp_path, "--model", "scripted", hide_llm=True)
    assert done.returncode != 0
    assert done.stderr.strip().splitlines() == [
        "Error: --model needs the llm library: pip install 'quizgen[model]'", "llm not imported",
    ]
    assert not (tmp_path / "draft.toml").exists()


def test_all_keeps_every_rule_based_candidate_where_the_model_gave_nothing(run, models, notes, tmp_path):
    target = tmp_path / "draft.toml"
    result = run("ingest", str(notes), "-o", str(target), "--model", "scripted", "--all")
    assert result.exit_code == 0, result.output
    blocks = target.read_text(encoding="utf-8").split("# from ")[1:]
    scored = [block for block in blocks if "\n# score " in block]
    marked = [block for block in blocks if "\n# drafted by model scripted\n" in block]
    assert len(marked) == 7 and scored and len(scored) + len(marked) == len(blocks)
    assert not [block for block in scored if "Kinds of volcano" in block]
