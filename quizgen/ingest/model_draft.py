"""Draft cards through a language model of the ``llm`` library (``quizgen ingest --model NAME``), then check them.

The document is cut into passages (blocks of one section, up to about a comment's length), and each passage is one
prompt: the project's card rules, the passage, and a JSON schema of the card shapes. Every card the model returns
goes through the question-file loader's checks, and one whose answer the passage does not support (its terms not
found there) is dropped; each kind of loss is counted for the summary. A passage the model gives no usable card for
keeps the rule-based cards drafted from it.

Only this module talks to ``llm``, and only when a model is named: without ``--model`` nothing leaves the machine.
Deterministic given the model's replies: passages, prompts, ids (a kind prefix and a slug of the card's main text)
and the order of cards depend on the input alone.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from quizgen.core.cards import Card
from quizgen.core.errors import QuizgenError
from quizgen.core.kinds import KINDS
from quizgen.core.kinds.base import BOOL, PAIR_LIST, STR, STR_LIST
from quizgen.core.kinds.grading import canonical, normalise
from quizgen.core.questions import Problem, card_from
from quizgen.ingest.draft import CardIds, Draft, DraftCard, default_budget, shuffled_choices
from quizgen.ingest.read import BODY, Block, Document, GlossaryEntry, ReferenceList, Span

if TYPE_CHECKING:
    import llm

INSTALL_HINT = "pip install 'quizgen[model]'"
PASSAGE_CHARS = 1200
"""Blocks of a section are put together up to this length: what the draft quotes above a card in full."""
EXACT_TERMS = 4
"""An answer of up to this many terms must have every one in its passage; a longer one (a definition)..."""
SUPPORTED_SHARE = 0.75
"""... at least this share of them."""
GRAMMAR_ZIPF = 6.0
"""Words at least this frequent in English ("the", "of", "with") are grammar, not terms an answer must share."""

_SHAPES: dict[str, dict[str, Any]] = {
    STR: {"type": "string"},
    STR_LIST: {"type": "array", "items": {"type": "string"}},
    BOOL: {"type": "boolean"},
    PAIR_LIST: {
        "type": "array",
        "items": {"type": "array", "items": {"type": "string"}, "minItems": 2, "maxItems": 2},
    },
}

RULES = """\
You draft study cards for quizgen, a flashcard and quiz program, from one passage of a text. A person reviews
every card afterwards, so draft only cards worth keeping. The rules:

- One fact per card. Ask about what the passage teaches (terms, causes, numbers, sequences), not trivia.
- The answer must come from the passage: use the passage's own words for it (a term, a name, a number). Never
  answer from knowledge the passage does not state.
- Write prompts in your own words, not sentences copied whole, and make each one clear without the passage:
  name its subject.
- The answer never appears in its own prompt.
- Kinds of card, with their keys:
  - mcq: "prompt", "choices" (4, one of them right, the others plausible, of the same type and length),
    "answer" (exactly the right choice). No "all/none of the above".
  - multi: "prompt", "choices", "answer" (the list of right choices, at least one). The prompt must not say how
    many are right.
  - truefalse: "prompt" (a statement), "answer" (true or false). A false statement changes one fact of the
    passage; avoid "always", "never" and "only".
  - typed: "prompt" (a question), "answer" (at most four words), optional "accept" (other spellings to accept).
  - cloze: "text", a sentence with its key term deleted as {{c1::term}}; one deletion.
  - order: "prompt", "items" in the right order; only for a sequence the passage gives.
  - match: "prompt", "pairs" (a list of [left, right], left sides distinct, right sides distinct).
  - glossary: "term", "definition" (the definition does not name the term); only for a term the passage defines.
  - flashcard: "front", "back".
- Reply with JSON only: {"cards": [...]}, each card an object with "kind" and that kind's keys, nothing else.
  Give no card at all ({"cards": []}) when the passage holds no fact worth one."""


class ModelUnavailable(QuizgenError):
    """The model cannot be used: the llm library is missing, the name is unknown, or the model failed."""


@dataclass
class Passage:
    section: str
    span: Span
    text: str

    @property
    def words(self) -> int:
        return len(self.text.split())


@dataclass
class ModelCard(DraftCard):
    """A card the model drafted: the draft says which model, beside its passage."""

    model: str = ""


@dataclass
class ModelReport:
    model: str
    passages: int = 0
    unsupported: int = 0
    """Cards whose answer the passage does not support."""
    invalid: int = 0
    """Cards of no known kind, or whose keys a question file would refuse."""
    repeated: int = 0
    unreadable: int = 0
    """Replies that are not the JSON asked for."""
    fallback: int = 0
    """Passages that kept their rule-based cards, the model having given none usable."""

    def lines(self, cards: int) -> list[str]:
        lines = [f"model {self.model}: {cards} cards kept from {self.passages} passages"]
        lost = [
            f"{count} {what}" for count, what in (
                (self.unsupported, "with an answer not found in its passage"),
                (self.invalid, "invalid"),
                (self.repeated, "repeated"),
            ) if count
        ]
        if lost:
            lines.append(f"  model cards dropped: {', '.join(lost)}")
        if self.unreadable:
            lines.append(f"  unreadable replies (not the JSON asked for): {self.unreadable}")
        if self.fallback:
            lines.append(f"  rule-based cards kept for {self.fallback} passages the model gave no usable card for")
        return lines


@dataclass(kw_only=True)
class ModelDraft(Draft):
    report: ModelReport

    def summary_lines(self) -> list[str]:
        return self.report.lines(sum(isinstance(d, ModelCard) for d in self.cards))


def card_schema() -> dict[str, Any]:
    """The JSON schema of a reply: ``{"cards": [...]}``, each card one of the kinds with that kind's keys."""
    variants = []
    for name, kind in KINDS.items():
        keys = {"kind": {"type": "string", "enum": [name]}}
        keys.update({key: _SHAPES[shape] for key, shape in {**kind.required, **kind.optional}.items()})
        variants.append({
            "type": "object", "properties": keys, "required": ["kind", *kind.required], "additionalProperties": False,
        })
    cards = {"type": "array", "items": {"anyOf": variants}}
    return {"type": "object", "properties": {"cards": cards}, "required": ["cards"], "additionalProperties": False}


def passages(document: Document, deck_name: str) -> list[Passage]:
    """The blocks cards are drafted from, a section's neighbours put together up to ``PASSAGE_CHARS``."""
    out: list[Passage] = []
    for section in document.sections:
        name = " > ".join(section.path) or document.title or deck_name
        group: list[Block] = []
        for block in section.blocks:
            if not _draftable(block, section.kind):
                continue
            if group and len(_text(document, [*group, block])) > PASSAGE_CHARS:
                out.append(_passage(document, name, group))
                group = []
            group.append(block)
        if group:
            out.append(_passage(document, name, group))
    return out


def _draftable(block: Block, section_kind: str) -> bool:
    """What the rule-based drafter reads: glossary entries anywhere, other blocks but references in the body."""
    if isinstance(block, GlossaryEntry):
        return bool(block.definition)
    return section_kind == BODY and not isinstance(block, ReferenceList)


def _text(document: Document, blocks: list[Block]) -> str:
    # Block by block, so captions and code set aside between them stay out; a block's span may end on a blank line.
    return "\n\n".join(document.passage(block.span).strip("\n") for block in blocks)


def _passage(document: Document, section: str, blocks: list[Block]) -> Passage:
    return Passage(section, Span(blocks[0].span.start, blocks[-1].span.end), _text(document, blocks))


def prompt_text(document: Document, passage: Passage, limit: int) -> str:
    title = f"From the text '{document.title}', section '{passage.section}'" if document.title else (
        f"From the section '{passage.section}'"
    )
    cards = "1 card" if limit == 1 else f"{limit} cards"
    return f"{title}, lines {passage.span}:\n\n{passage.text}\n\nDraft at most {cards} from this passage."


def load_model(name: str) -> llm.Model:
    """The model ``name`` of the llm library (any its plugins register), or a one-line ModelUnavailable."""
    try:
        import llm
    except ImportError:
        raise ModelUnavailable(f"--model needs the llm library: {INSTALL_HINT}") from None
    try:
        return llm.get_model(name)
    except llm.UnknownModelError:
        raise ModelUnavailable(f"unknown model '{name}' (`llm models` lists the models llm knows)") from None


def draft_with_model(rule_draft: Draft, model: llm.Model, max_cards: int | None = None) -> ModelDraft:
    """The model's cards for each passage of the draft's document; the rule-based cards of ``rule_draft`` for the
    passages it gives no usable card for.

    ``max_cards`` (default: ``default_budget``) is shared between the passages by their length.
    """
    document = rule_draft.document
    report = ModelReport(model.model_id)
    found = passages(document, rule_draft.deck.name)
    report.passages = len(found)
    budget = default_budget(document) if max_cards is None else max_cards
    words = sum(p.words for p in found) or 1
    ids = CardIds()
    # Rule-based cards may stay beside the model's: their ids are taken.
    ids.used.update(d.card.id for d in rule_draft.cards)
    seen: set[tuple[str, str]] = set()
    drafted: list[list[ModelCard]] = []
    schema = card_schema()
    for passage in found:
        limit = max(1, round(budget * passage.words / words))
        reply = _ask(model, prompt_text(document, passage, limit), schema)
        raw_cards = _cards_of(reply)
        if raw_cards is None:
            report.unreadable += 1
            raw_cards = []
        kept: list[ModelCard] = []
        for raw in raw_cards:
            if len(kept) == limit:
                break
            card = _checked(raw, passage, rule_draft, report)
            if card is None:
                continue
            key = (card.kind, normalise(card.prompt))
            if key in seen:
                report.repeated += 1
                continue
            seen.add(key)
            card.id = ids.make(card.kind, card.spec.plain_text(card))
            if "choices" in card.fields:
                card.fields["choices"] = shuffled_choices(card.id, card.fields["choices"])
            kept.append(ModelCard(card, passage.text, model=model.model_id))
        drafted.append(kept)
    cards = list(_combined(found, drafted, rule_draft.cards, report))
    said = report.lines(sum(isinstance(d, ModelCard) for d in cards))
    notes = [*rule_draft.notes, "; ".join(line.strip() for line in said) + "."]
    return ModelDraft(
        rule_draft.deck, rule_draft.source_name, document, cards, notes, rule_draft.keep_all, report=report
    )


def _ask(model: llm.Model, prompt: str, schema: dict[str, Any]) -> str:
    """The model's reply, or a one-line ModelUnavailable for whatever stopped it (a key, the network, a quota)."""
    try:
        if model.supports_schema:
            response = model.prompt(prompt, system=RULES, schema=schema)
        else:
            # Models without structured output (many local ones) are told the schema instead.
            response = model.prompt(prompt, system=f"{RULES}\n\nThe JSON schema of the reply:\n{json.dumps(schema)}")
        return response.text()
    except Exception as ex:  # plugins raise their own errors (HTTP clients, SDKs): each is the model failing
        message = " ".join(str(ex).split()) or type(ex).__name__
        raise ModelUnavailable(f"model {model.model_id} failed: {message}") from None


def _cards_of(reply: str) -> list[Any] | None:
    """The card list of a reply (a fenced code block around it is tolerated), or None for anything else."""
    text = reply.strip()
    if text.startswith("```"):
        text = text.strip("`").removeprefix("json").strip()
    try:
        data = json.loads(text)
    except ValueError:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("cards"), list):
        return None
    cards: list[Any] = data["cards"]
    return cards


def _checked(raw: Any, passage: Passage, rule_draft: Draft, report: ModelReport) -> Card | None:
    """The card as a question file would load it, or None (counted) if it is invalid or unsupported."""
    name = raw.get("kind") if isinstance(raw, dict) else None
    kind = KINDS.get(name) if isinstance(name, str) else None
    if kind is None:
        report.invalid += 1
        return None
    entry = {
        **raw,
        "id": "drafted",  # the card's id is made from its text once the card is known to be kept
        "section": passage.section,
        "source": f"{rule_draft.source_name}:{passage.span}",
    }
    problems: list[Problem] = []
    card = card_from(rule_draft.source_name, 0, entry, rule_draft.deck.slug, problems)
    if card is None:
        report.invalid += 1
        return None
    if not supported(card, passage.text):
        report.unsupported += 1
        return None
    return card


def supported(card: Card, passage: str) -> bool:
    """Whether the passage holds the card's answer: every term of a short answer, most of a long one (a
    definition), compared as the grader compares answers (case, accents, plurals, spelling)."""
    # A true/false card's answer is a judgement of its statement: what the passage must hold is the statement.
    answer = card.prompt if isinstance(card.fields.get("answer"), bool) else card.answer
    terms = [term for term in _terms(answer) if not _grammar(term)]
    if not terms:
        return False
    known = set(_terms(passage))
    missing = sum(term not in known for term in terms)
    if len(terms) <= EXACT_TERMS:
        return missing == 0
    return (len(terms) - missing) / len(terms) >= SUPPORTED_SHARE


def _terms(text: str) -> list[str]:
    return canonical(normalise(text)).split()


@functools.lru_cache(maxsize=4096)
def _grammar(word: str) -> bool:
    from wordfreq import zipf_frequency

    # Numbers are what many answers are, however common ("2" is as frequent as "with").
    return not any(c.isdigit() for c in word) and zipf_frequency(word, "en") >= GRAMMAR_ZIPF


def _span_of(drafted: DraftCard) -> Span:
    start, _, end = drafted.card.source.rpartition(":")[2].partition("-")
    return Span(int(start), int(end))


def _combined(
    found: list[Passage], drafted: list[list[ModelCard]], rule_cards: list[DraftCard], report: ModelReport
) -> Iterator[DraftCard]:
    """Passage by passage, in the text's order: its model cards, else the rule-based cards drafted from it."""
    placed: list[list[DraftCard]] = [[] for _ in found]
    for rule_card in rule_cards:
        span = _span_of(rule_card)
        overlapping = [i for i, p in enumerate(found) if p.span.start <= span.end and span.start <= p.span.end]
        if any(drafted[i] for i in overlapping):
            continue  # the model drafted from (some of) its lines
        after = [i for i, p in enumerate(found) if p.span.start > span.start]
        index = overlapping[0] if overlapping else (after[0] if after else len(found) - 1)
        placed[index].append(rule_card)
    for model_cards, rule_placed in zip(drafted, placed, strict=True):
        if not model_cards and rule_placed:
            report.fallback += 1
        yield from model_cards
        yield from rule_placed

