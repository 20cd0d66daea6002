"""Document in, draft Cards out, each with the passage it came from, for a person to review and edit.

What is drafted, and from what:

- glossary cards from glossary entries (the definition loses its "X is ..." opening, which would give the term away);
- a typed card per acronym defined as "full name (ACRONYM)", the full name found as Schwartz and Hearst (2003) do;
- an mcq per ``Term ∞ description`` or definition item, the wrong choices being other terms of the same list (then
  of its section) of the same type (an acronym for an acronym, a quantity for a quantity of the same unit kind),
  and a typed card when too few are alike;
- an order card for a numbered list whose order matters (steps, stages, a sequence);
- per table of three or more columns, a match card per row (column headings to that row's cells), which sets
  the columns against each other; per two-column table, one match card of its rows (an mcq per row, the other
  rows' cells of the same type as distractors, or a typed card, when there are too many rows to match);
- cloze cards from key sentences (an acronym defined, a term defined, a number or a time span, a known term as the
  subject), the key term deleted.

Deterministic: the same Document always gives the same cards in the same order with the same ids, so a draft can be
made again and compared. Ids are a kind prefix and a slug of the key text, numbered on collision.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from quizgen.core.cards import Card, Deck
from quizgen.core.errors import QuizgenError
from quizgen.core.kinds import cloze_syntax
from quizgen.core.kinds.base import contains_phrase
from quizgen.core.kinds.grading import normalise
from quizgen.ingest import distractors
from quizgen.ingest.read import (
    BODY,
    CAPTION,
    Block,
    Document,
    GlossaryEntry,
    ItemList,
    ListItem,
    Paragraph,
    Progress,
    ReferenceList,
    Section,
    Span,
    Table,
)

MAX_CHOICES = 4
MIN_DISTRACTORS = MAX_CHOICES - 1
"""Fewer wrong choices of the answer's type than this, and the card is drafted in another form (`quizgen check`
asks for four choices)."""
MAX_TYPED_ANSWER_WORDS = 4
MAX_MATCH_PAIRS = 8
MAX_ORDER_ITEMS = 10
MAX_ORDER_LABEL_WORDS = 25
CONTEXT_CHARS = 110
RARE_WORD_ZIPF = 3.6
MODIFIER_ZIPF = 4.0
"""A paragraph with no defined term or number still gets a cloze on its rarest word, if one is this rare."""
STEP_WORD_ZIPF = 4.45
"""A step's tool or check ("patch kit", "valve") is an everyday word, yet the fact to learn."""
MAX_ITEM_CLOZE_WORDS = 60

_MAYBE_SENTENCE_END = re.compile(r"[.!?…。！？][\"'”’)\]]*\s")
_TITLE = re.compile(r"\b(Mr|Mrs|Ms|Mx|Dr|Prof|St|Mt|Fig|Figs|Gen|Col|Lt|Sgt|Capt|Rev|Hon)\.(?= [A-Z0-9])")
_SHORT_FORM = re.compile(r"\(([A-Za-z][A-Za-z0-9\-]{1,9})\)")
_WORD = re.compile(r"[^\W_][\w’'\-/]*")
_RARITY_WORD = re.compile(r"[^\W\d_][\w'\-]*")
_SUBJECT_PRONOUNS = frozenset(
    {"this", "that", "these", "those", "it", "its", "they", "them", "there", "here", "he", "she", "we", "you", "i",
     "such", "which", "what", "who", "one", "each", "both", "all", "some", "many", "most", "another", "other",
     "every", "any", "no", "our", "your", "their", "his", "her", "my", "when", "while", "if", "as", "for", "in",
     "on", "at", "by", "with", "from", "to", "of", "and", "but", "or", "so", "because", "although", "however",
     "also", "then", "than", "after", "before", "during", "upon", "since", "until", "why", "how", "where"}
)
_DEFINING_VERB = (
    r"(?:(?:is|are)\s+(?:a|an|the|one)\b|refers?\s+to\b|serves?\s+as\b|acts?\s+as\b|"
    r"is\s+(?:known|defined)\s+as\b|is\s+called\b|means\b|represents?\b|describes?\b|denotes?\b)"
)
_TERM = r"(?P<term>[^\W\d_][\w’'\-]*(?:\s+[\w’'\-]+){0,4}?)"
_DEFINITION = re.compile(rf"^(?:(?:The|A|An)\s+)?{_TERM}(?:\s*\([^)]*\))?(?:,\s+[^,]{{3,160}},)?\s+{_DEFINING_VERB}")
_NAMED = re.compile(
    r"\b(?:is|are)\s+(?:also\s+|commonly\s+|often\s+|usually\s+)?(?:called|known\s+as|termed|named)\s+"
    rf"(?:an?\s+|the\s+)?{_TERM}"
    r"(?=\s*[,;.:)]|\s+(?:and|or|but|when|while|which|that)\b|\s*$)"
)
_APPOSITION = re.compile(
    rf"^(?:(?:The|A|An)\s+)?{_TERM},\s+(?:a|an|the\s+(?:process|study|act|practice|state|ability)\s+of)\s+"
    r"[^,]{3,160}(?:,|\s+(?:is|are|was|were)\b)"
)
# "...a condition known as hyperthyroidism", "...what is termed the lumen".
_KNOWN_AS = re.compile(
    rf"\b(?:known|referred\s+to|termed|called)\s+as\s+(?:an?\s+|the\s+)?{_TERM}"
    r"(?=\s*[,;.:)]|\s+(?:and|or|but|when|while|which|that)\b|\s*$)"
)
_NOUN_KNOWN_AS = re.compile(
    rf"\b(?:a|an|the)\s+\w+\s+(?:known|termed|called)\s+(?:an?\s+|the\s+)?{_TERM}"
    r"(?=\s*[,;.:)]|\s+(?:and|or|but|when|while|which|that)\b|\s*$)"
)
# "thyroxine, or T4," names the same thing twice.
_ALIAS = re.compile(r"\b(?P<term>[a-z][a-z\-]{4,}),\s+or\s+(?P<alias>[A-Z][A-Za-z0-9\-]{0,9}),")
_REPORTED_SHORT_FIRST = re.compile(r"(?<![\w(])(?P<short>[A-Z][A-Za-z0-9\-]{1,9})\s+\((?P<long>[A-Za-z][^()]{3,80})\)")
_IMPERATIVE = frozenset(
    {"add", "adjust", "apply", "attach", "begin", "bring", "check", "choose", "clean", "close", "connect", "cut",
     "click", "deflate", "find", "fill", "fit", "flip", "gather", "get", "go", "hold", "inflate", "insert", "install",
     "keep", "let", "lift", "line", "lock", "loosen", "make", "mix", "move", "open", "place", "press", "pry", "pull",
     "pump", "push", "put", "re-attach", "reattach", "release", "remove", "repair", "repeat", "replace", "run", "seat",
     "select", "separate", "set", "slide", "slip", "start", "stir", "take", "test", "tighten", "turn", "unscrew",
     "use", "wait", "wash", "wipe", "write"}
)
_STEP_HEADING = re.compile(r"^(?:step|stage|phase)\s*(?P<number>\d{1,2})\s*[:.\-–—)]\s*(?P<label>\S.*)$", re.I)
_DANGLING_START = frozenset(
    {"this", "these", "that", "those", "it", "its", "they", "their", "them", "he", "she", "his", "her", "such",
     "both", "here", "there"}
)
# "The first phase is ...", "The main reason is ...": the subject says where it sits, not what it is.
_GENERIC_FIRST = frozenset(
    {"first", "second", "third", "fourth", "fifth", "last", "next", "final", "main", "other", "same", "whole", "only",
     "new", "two", "three", "four", "key", "best", "most", "following", "previous", "former", "latter", "result"}
)
_NOUN_BEFORE = frozenset(
    {"a", "an", "the", "your", "its", "their", "his", "her", "our", "this", "that", "these", "those", "of", "with",
     "because", "for", "on", "in", "into", "from", "by", "under", "over", "below", "above", "each", "any", "some", "no"}
)
_VERB_BEFORE = frozenset({"to", "will", "can", "must", "should", "may", "might", "would", "could"})
_OBJECT_PRONOUNS = frozenset({"it", "them", "him", "us", "me", "yourself"})
COMMON_WORD_ZIPF = 4.9
"""Words at least this frequent in English ("process", "cells") are no key term to blank on their own."""
_NUMBER = re.compile(
    r"(?<![\w\-/.])(?:"
    r"(?:once|twice|three times|four times)\s+(?:a|per|each)\s+(?:day|week|month|year)"
    r"|(?:once|twice)\s+(?:daily|weekly|monthly|yearly)"
    r"|(?:hours|days|weeks|months|years)\s+(?:to|or)\s+(?:several\s+|many\s+|a\s+few\s+)?"
    r"(?:hours|days|weeks|months|years)"
    r"|\d+(?:[.,]\d+)*\s*(?:%|percent|per cent|mg|mcg|µg|kg|g|ml|mL|km|cm|mm|m|°C|°F|degrees?|"
    r"years?|months?|weeks?|days?|hours?|minutes?|seconds?|times|fold|million|billion|thousand)(?![\w])"
    r"|(?:daily|weekly|monthly|yearly|annually|hourly)"
    r"|\d+(?:[.,]\d+)*"
    r")(?![\w\-])"
)
_SEQUENCE_CUE = re.compile(
    r"\b(?:steps?|stages?|phases?|sequence|order|in turn|first|then|next|finally|procedure|process|timeline|"
    r"chronolog\w*|cascade|how to|step-by-step|stepwise)\b",
    re.IGNORECASE,
)
_NO_ORDER = re.compile(r"\b(?:no particular|any|no set|no fixed|whatever) order\b", re.IGNORECASE)
_STEPS_INTRO = re.compile(r"\b(?:steps?|instructions|procedure|method|directions|how to)\b", re.IGNORECASE)
_SEQUENCE_START = re.compile(r"^(?:first|then|next|after|afterwards|before|finally|once|when|step\b|lastly)", re.I)
_PARENTHETICAL = re.compile(r"\s*\([^)]*\)")
# What follows the term in "The keel (K), or backbone, is ...": the part a glossary definition drops.
_DEFINITION_OPENING = re.compile(
    r"(?:\s*\([^)]*\))?(?:,\s+or\s+[^,]+,)?\s+"
    r"(?:is|are|refers?\s+to|describes?|represents?|means|denotes)\s+(?=\S)",
    re.IGNORECASE,
)


@dataclass
class DraftCard:
    card: Card
    passage: str
    """The source text the card was drafted from, quoted above it in the draft for the reviewer."""
    score: float = 0.0
    """How likely the card is to be usable as drafted: candidates are ranked by it and the best kept."""


@dataclass
class Draft:
    deck: Deck
    source_name: str
    document: Document
    cards: list[DraftCard] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    """What was found but not carded, said in the draft so the reviewer knows."""
    keep_all: bool = False
    """Every candidate was kept, ranked: the draft shows each card's score."""

    def counts(self) -> Counter[str]:
        return Counter(d.card.kind for d in self.cards)


def slug(text: str, max_length: int = 40) -> str:
    """Lowercase ASCII words joined by dashes, cut at a word; a short hash when no Latin letters remain."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    words = re.findall(r"[a-z0-9]+", ascii_text)
    out = ""
    for word in words:
        candidate = f"{out}-{word}" if out else word
        if len(candidate) > max_length:
            break
        out = candidate
    if not out:
        out = words[0][:max_length] if words else hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    return out


def sentences(text: str) -> list[str]:
    """Split a paragraph into sentences, keeping "e.g.", "Dr.", "approx. 5 mg", decimals and initials inside
    theirs; each sentence is a stretch of ``text`` as written, so a card quotes its source exactly."""
    text = text.strip()
    if not text:
        return []
    if not _MAYBE_SENTENCE_END.search(text):
        return [text]  # nowhere to split: most list items and short paragraphs
    # Bling Fire takes the full stop of a title after a sentence end for one ("It rained. | Mr. | Smith left."):
    # it is shown "Mr_" instead. The masked text has the same length, so its offsets are the text's own.
    masked = _TITLE.sub(r"\1_", text)
    out: list[str] = []
    start = 0
    for piece in _sentence_splitter()(masked).split("\n"):
        piece = piece.strip()
        if not piece:
            continue
        found = masked.find(piece, start)
        if found < 0:
            break  # the splitter changed the text here: what is left stays one sentence, as written
        end = found + len(piece)
        # From where the last sentence ended, so nothing between two pieces is ever lost.
        out.append(text[start:end].strip())
        start = end
    tail = text[start:].strip()
    if tail:
        out.append(tail)
    return out


@functools.cache
def _sentence_splitter() -> Callable[[str], str]:
    """Bling Fire's sentence breaker: a compiled finite-state model, fast enough for megabytes of text (rule sets
    written in Python, such as pysbd's, were too slow), and right about abbreviations where our own rules were not."""
    try:
        import blingfire
    except (ImportError, OSError) as ex:
        raise QuizgenError(f"cannot split text into sentences: the blingfire library does not load ({ex})") from None
    # One sentence per line of the result.
    splitter: Callable[[str], str] = blingfire.text_to_sentences
    return splitter


def long_form_start(before: str, short: str) -> int | None:
    """Where, in the text just before "(SHORT)", the long form starts, or None.

    Schwartz and Hearst's rule: match the short form's letters right to left against the preceding words, the first
    letter at the start of a word, within min(|short| + 5, 2 |short|) words.
    """
    letters = [c.lower() for c in short if c.isalnum()]
    if len(letters) < 2:
        return None
    starts = [m.start() for m in re.finditer(r"\S+", before)]
    if not starts:
        return None
    limit = min(len(letters) + 5, 2 * len(letters))
    window = starts[-limit] if len(starts) >= limit else starts[0]
    lower = before.lower()
    position = len(before) - 1
    for index in range(len(letters) - 1, -1, -1):
        letter = letters[index]
        while position >= window and (
            lower[position] != letter or (index == 0 and position > window and lower[position - 1].isalnum())
        ):
            position -= 1
        if position < window:
            return None
        position -= 1
    start = before.rfind(" ", 0, position + 2) + 1
    return max(start, window)


def _is_short_form(text: str) -> bool:
    upper = sum(c.isupper() for c in text)
    return upper >= 2 and sum(c.islower() for c in text) <= upper


def acronyms(sentence: str) -> Iterator[tuple[int, int, str, str]]:
    """``(start, end, long form, short form)`` for each "long form (SHORT)" in the sentence; ``end`` is past ")"."""
    for match in _SHORT_FORM.finditer(sentence):
        short = match[1]
        if not _is_short_form(short):
            continue
        before = sentence[: match.start()].rstrip()
        start = long_form_start(before, short)
        if start is None:
            continue
        long_form = before[start:].strip(" \"'“‘")
        if (
            len(long_form) <= len(short)
            or any(c in long_form for c in ",;:()[]{}")
            or short.lower() in long_form.lower().split()
        ):
            continue
        yield start + before[start:].find(long_form), match.end(), long_form, short


def _word_matches(needle: str, haystack: str) -> list[int]:
    """Where ``needle`` occurs in ``haystack`` as whole words, ignoring case.

    Plain string search rather than a regex per needle: drafts look up thousands of different terms, and compiling
    a pattern for each would cost more than the rest of drafting.
    """
    if not needle:
        return []
    low_hay, low_needle = haystack.lower(), needle.lower()
    if len(low_hay) != len(haystack) or len(low_needle) != len(needle):
        # Lower-casing changed some lengths ("İ"), so positions would drift: let the regex engine do it.
        pattern = re.compile(rf"(?<![\w]){re.escape(needle)}(?![\w])", re.IGNORECASE)
        return [m.start() for m in pattern.finditer(haystack)]
    found, size = [], len(low_needle)
    at = low_hay.find(low_needle)
    while at >= 0:
        before = low_hay[at - 1] if at else " "
        after = low_hay[at + size] if at + size < len(low_hay) else " "
        if not (before.isalnum() or before == "_") and not (after.isalnum() or after == "_"):
            found.append(at)
        at = low_hay.find(low_needle, at + 1)
    return found


def _occurrences(needle: str, haystack: str) -> int:
    return len(_word_matches(needle, haystack))


def core_term(term: str) -> str:
    """A term without its bracketed asides: "Anastrozole (Optional)" -> "Anastrozole"."""
    return _PARENTHETICAL.sub("", term).strip() or term


def definition_without_term(term: str, definition: str) -> str:
    """"The endocrine system is a network of glands..." -> "A network of glands...", so the definition does not
    name the term it defines."""
    rest = definition
    for article in ("", "the ", "a ", "an "):
        start = len(article)
        if (definition[:start].lower() == article
                and definition[start : start + len(term)].lower() == term.lower()):
            match = _DEFINITION_OPENING.match(definition, start + len(term))
            if match:
                rest = definition[match.end() :]
                break
    return rest[:1].upper() + rest[1:]


class CardIds:
    """Readable ids, numbered from -2 when a slug repeats; each slug remembers its last number, so a text that
    repeats one term thousands of times stays linear."""

    def __init__(self) -> None:
        self.used: set[str] = set()
        self.last_number: dict[str, int] = {}

    def make(self, prefix: str, text: str) -> str:
        base = f"{prefix}-{slug(text)}"
        candidate, number = base, self.last_number.get(base, 1)
        while candidate in self.used:
            number += 1
            candidate = f"{base}-{number}"
        self.last_number[base] = number
        self.used.add(candidate)
        return candidate


def shuffled_choices(card_id: str, choices: list[str]) -> list[str]:
    """Choices in an order that depends only on the card, so the answer is not always first."""
    return sorted(choices, key=lambda c: hashlib.sha1(f"{card_id}\x00{c}".encode("utf-8", "surrogatepass")).digest())


DEFAULT_CARDS_PER_1000_WORDS = 40
MIN_DEFAULT_CARDS = 30
KIND_SCORES = {"glossary": 3.0, "match": 2.5, "order": 2.5, "multi": 2.5, "mcq": 2.0, "typed": 1.5, "cloze": 1.0}
"""A candidate's starting score by kind: a defined term or a structure the text laid out beats a sentence."""


def default_budget(document: Document) -> int:
    """How many cards to keep when none is asked for: a few dozen per 1,000 words of text."""
    words = sum(len(line.split()) for line in document.lines)
    return max(MIN_DEFAULT_CARDS, words * DEFAULT_CARDS_PER_1000_WORDS // 1000)


def draft(
    document: Document,
    source_name: str,
    deck: Deck,
    progress: Progress | None = None,
    max_cards: int | None = None,
    keep_all: bool = False,
) -> Draft:
    """Draft candidate cards from every section of ``document``, rank them, and keep the best.

    Args:
        document: from ``parse.parse``.
        source_name: how cards name the source in ``source = "NAME:START-END"``.
        deck: the deck the cards go in.
        progress: told how many source lines have been drafted from, section by section.
        max_cards: keep at most this many (default: ``default_budget``), the best-scored, in source order.
        keep_all: keep every candidate, even those unlikely to be usable, best first.
    """
    result = _Drafter(document, source_name, deck, progress).run()
    if keep_all:
        result.keep_all = True
        result.cards.sort(key=lambda d: -d.score)
        return result
    likely = [d for d in result.cards if d.score > 0]
    budget = default_budget(document) if max_cards is None else max_cards
    if len(likely) > budget:
        best = sorted(range(len(likely)), key=lambda k: (-likely[k].score, k))[:budget]
        likely = [likely[k] for k in sorted(best)]
    dropped = len(result.cards) - len(likely)
    if dropped:
        result.notes.append(
            f"{dropped} weaker candidate card(s) left out (ranked below the best {len(likely)}); "
            f"`quizgen ingest --all` keeps them all."
        )
    result.cards = likely
    return result


@functools.lru_cache(maxsize=65536)
def word_rarity(phrase: str) -> float:
    """The Zipf frequency of the phrase's rarest word (wordfreq): 7 for "the", about 2 for "thylakoid"."""
    # Cached: each step's and bullet's words are weighed, and a text repeats its words.
    words = [w for w in _RARITY_WORD.findall(phrase.lower()) if w not in _SUBJECT_PRONOUNS]
    if not words:
        return 8.0
    return min(_zipf(word) for word in words)


@functools.lru_cache(maxsize=65536)
def _zipf(word: str) -> float:
    # wordfreq tokenises and normalises on every call: texts repeat their words, so each is looked up once.
    from wordfreq import zipf_frequency

    return float(zipf_frequency(word, "en"))


class _Drafter:
    def __init__(self, document: Document, source_name: str, deck: Deck, progress: Progress | None):
        self.document = document
        self.result = Draft(deck, source_name, document)
        self.progress = progress
        self.ids = CardIds()
        self.seen: set[tuple[str, str]] = set()
        self.known_terms = self._known_terms()
        self.longest_term = max((len(t.split()) for t in self.known_terms), default=0)
        self.section_answers: set[str] = set()
        self.topic_words: dict[str, set[str]] = {}

    def _known_terms(self) -> set[str]:
        """Terms the text itself defines (glossary, term lists): a sentence opening with one is about it."""
        terms = {core_term(entry.term).lower() for entry in self.document.glossary}
        for lst in self.document.lists:
            terms.update(core_term(item.term).lower() for item in lst.items if item.term)
        return {t for t in terms if len(t) >= 3 and len(t.split()) <= 6}

    def run(self) -> Draft:
        for section in self.document.sections:
            self.section_answers = set()
            name = " > ".join(section.path) or self.document.title or self.result.deck.name
            for at, block in enumerate(section.blocks):
                if isinstance(block, GlossaryEntry):
                    self._glossary(block, name)
                elif isinstance(block, ReferenceList) or section.kind != BODY:
                    continue
                elif isinstance(block, Paragraph):
                    # A how-to's paragraphs are its steps: their tools and checks are everyday words.
                    how_to = _STEPS_INTRO.search(section.title) or _STEP_HEADING.match(section.title)
                    self._sentences(block.text, block.span, name, fallback=True,
                                    threshold=STEP_WORD_ZIPF if how_to else RARE_WORD_ZIPF)
                elif isinstance(block, ItemList):
                    self._list(block, section, name, section.blocks[at - 1] if at else None)
                elif isinstance(block, Table):
                    self._table(block, section, name)
            if self.progress:
                self.progress(section.span.end - section.span.start + 1)
        self._step_headings()
        self._notes()
        return self.result

    # Cards ---------------------------------------------------------------------------------------------------

    def _add(self, key: tuple[str, str], prefix: str, id_text: str, kind: str, section: str, fields: dict,
             span: Span, passage: str | None = None, score: float | None = None) -> None:
        if key in self.seen:
            return
        self.seen.add(key)
        card = Card(
            deck=self.result.deck.slug,
            id=self.ids.make(prefix, id_text),
            kind=kind,
            section=section,
            fields=fields,
            source=f"{self.result.source_name}:{span}",
        )
        if "choices" in card.fields:
            card.fields["choices"] = shuffled_choices(card.id, card.fields["choices"])
        text = passage if passage is not None else self.document.passage(span)
        self.result.cards.append(DraftCard(card, text, KIND_SCORES[kind] if score is None else score))

    def _glossary(self, entry: GlossaryEntry, section: str) -> None:
        if not entry.definition:
            return
        definition = definition_without_term(entry.term, entry.definition)
        term = entry.term
        pair = _term_and_short_form(term)
        # A definition that names its term again ("... Identified by AS Number") would answer the reverse face.
        for name in {core_term(term), *(pair or ())}:
            if len(name) >= 2:
                for at in reversed(_word_matches(name, definition)):
                    definition = f"{definition[:at]}___{definition[at + len(name):]}"
        score = KIND_SCORES["glossary"] - (1.0 if len(definition.split()) < 3 else 0.0)
        self._add(("glossary", term.lower()), "gloss", term, "glossary", section,
                  {"term": term, "definition": definition}, entry.span, score=score)
        if pair:
            self._stand_for(pair[1], pair[0], entry.span, section, None)
        self._acronyms(entry.definition, entry.span, section)

    def _stand_for(self, short: str, long_form: str, span: Span, section: str, passage: str | None) -> None:
        # Asked from the short form, answered by what it stands for: the initials would give the short form away.
        # The sentence it came from, the long form masked, keeps prompts of several acronyms apart.
        context = passage if passage is not None else self.document.passage(span)
        # Every long form masked: "Photosystem II (PSII)" beside "… (PSI)" would spell out the answer.
        others = [other for *_, other, _ in [*acronyms(context), *short_forms_first(context)]]
        if len(long_form.split()) > 1 and any(
            other.lower() != long_form.lower() and other.lower().split()[:-1] == long_form.lower().split()[:-1]
            for other in others
        ):
            return  # "Photosystem I (PSI)" beside "Photosystem II (PSII)": the card would ask for a numeral
        for masked in sorted({long_form, *others}, key=len, reverse=True):
            for at in reversed(_word_matches(masked, context)):
                context = f"{context[:at]}…{context[at + len(masked):]}"
        context = " ".join(context.split())
        around = max(0, context.find(short) - CONTEXT_CHARS // 3)
        if around:
            context = "… " + context[around:].split(" ", 1)[-1]
        if len(context) > CONTEXT_CHARS:
            context = context[:CONTEXT_CHARS].rsplit(" ", 1)[0] + " …"
        fields = {"prompt": f"What does {short} stand for? ({context})", "answer": long_form}
        self._add(("acronym", short), "acronym", short, "typed", section, fields, span, passage,
                  score=KIND_SCORES["typed"] - (0.5 if short.lower() in self.section_answers else 0.0))
        # Asked once: a cloze on the same expansion blanks another fact of its sentence instead.
        self.section_answers.add(long_form.lower())

    def _acronyms(self, sentence: str, span: Span, section: str, passage: str | None = None) -> None:
        for _start, _end, long_form, short in acronyms(sentence):
            self._stand_for(short, long_form, span, section, passage)
        for _start, _end, long_form, short in short_forms_first(sentence):
            self._stand_for(short, long_form, span, section, passage)

    def _sentences(self, text: str, span: Span, section: str, fallback: bool = False,
                   threshold: float = RARE_WORD_ZIPF) -> None:
        """Acronym and cloze cards from each sentence; each quotes its sentence, and its source is the paragraph."""
        subject = ""
        for sentence in sentences(text.replace("∞", "—")):
            self._acronyms(sentence, span, section, sentence)
            # "It gives rise to 4 cells" right after "Meiosis is ...": the term just defined is put in front.
            opening = sentence.split(maxsplit=1)[0].lower().strip("\"'“(,") if sentence.strip() else ""
            prefix = ""
            if subject and opening in {"it", "this"} and subject.lower() not in sentence.lower():
                prefix = f"{subject}: "
            defined = _DEFINITION.match(sentence) or _APPOSITION.match(sentence)
            words = defined["term"].lower().split() if defined else []
            plain = words and words[0] not in _GENERIC_FIRST and not any(w in _SUBJECT_PRONOUNS for w in words)
            subject = defined["term"] if defined and plain else ""
            deleted = self._cloze(prefix + sentence)
            if deleted and (not prefix or not deleted[0].startswith("{{")):
                self._add_cloze(deleted, span, section, sentence)
            elif fallback:
                # Over-generated: ranked below the clozes on defined terms, kept if the budget allows.
                self._rarest_word_cloze(prefix + sentence, span, section, threshold, skip=len(prefix.split()),
                                        passage=sentence)

    def _add_cloze(self, deleted: tuple[str, list[str], float], span: Span, section: str, sentence: str) -> None:
        cloze_text, answers, score = deleted
        self.section_answers.update(a.lower() for a in answers)
        self._add(("cloze", cloze_text.lower()), "cloze", answers[0], "cloze", section,
                  {"text": cloze_text}, span, sentence, score)

    def _rarest_word_cloze(self, sentence: str, span: Span, section: str, threshold: float = RARE_WORD_ZIPF,
                           skip: int = 0, passage: str | None = None) -> None:
        """A cloze on the sentence's rarest word (by wordfreq) with a rare neighbour ("corpus luteum"), if the
        sentence stands on its own and the word is not the topic its heading already names. ``skip`` words of
        context put in front are never blanked."""
        words = sentence.split()
        longest = (MAX_ITEM_CLOZE_WORDS if skip else 40) + skip
        if not 6 - min(skip, 1) <= len(words) <= longest or words[0].lower().strip("\"'“(,") in _DANGLING_START:
            return
        if words[0][0].islower():
            return  # a fragment ("occurs in the stroma") whose subject is elsewhere, in the item above it
        if sentence.rstrip().endswith(("?", ":")) or any(c in sentence for c in "{}"):
            return
        topic = self.topic_words.get(section)
        if topic is None:
            topic = self.topic_words[section] = {w.lower() for w in _WORD.findall(f"{section} {self.document.title}")}
        found = list(_WORD.finditer(sentence))
        best: tuple[float, int] | None = None
        skip_to = len(_WORD.findall(sentence, 0, len(" ".join(words[:skip])))) if skip else 1
        for index, match in enumerate(found[skip_to:], start=skip_to):
            word = match[0]
            if len(word) < 4 or not word.replace("-", "").isalpha() or word.lower() in self.section_answers:
                continue
            if word.lower() in topic or word.lower().endswith(("ly", "ed", "ing")):
                continue  # adverbs and verb forms: the key term of a sentence is a noun
            rarity = word_rarity(word)
            if rarity >= threshold or (best is not None and rarity >= best[0]):
                continue
            if rarity >= RARE_WORD_ZIPF and word.lower() in _IMPERATIVE:
                continue  # "check", "place": a step's everyday verb, where "deflate" is the step itself
            if len(word) == 4 and rarity >= RARE_WORD_ZIPF:
                continue  # "axle", "tyre" are terms; "side", "hold" are not
            previous = found[index - 1][0].lower()
            if rarity >= RARE_WORD_ZIPF and previous not in _NOUN_BEFORE and not previous.endswith(("'s", "’s")):
                continue  # an everyday word is a step's tool only where a noun goes: "a patch kit", "the valve"
            if index == skip_to and index + 1 < len(found) and found[index + 1][0].lower() in _NOUN_BEFORE:
                continue  # "Revise the notes": a step's first word before "the" is its verb
            following = found[index + 1][0].lower() if index + 1 < len(found) else ""
            aside = sentence.count("(", 0, match.start()) > sentence.count(")", 0, match.start())
            if previous in _VERB_BEFORE or following in _OBJECT_PRONOUNS or aside:
                continue  # "to secrete", "clamp it" are verbs; "(release of the ovum)" an aside
            if _occurrences(word, sentence) == 1:
                best = (rarity, index)
        if best is None:
            return
        rarity, first = best
        last = first
        before = found[first - 1]
        if (
            first > skip_to and before[0].isalpha() and sentence[before.end() : found[first].start()] == " "
            and before[0].lower() not in self.section_answers and word_rarity(before[0]) < MODIFIER_ZIPF
        ):
            first -= 1  # the rare modifier goes with its noun: "corpus luteum", "anterior pituitary"
        start, end = found[first].start(), found[last].end()
        answer = sentence[start:end]
        if _occurrences(answer, sentence) != 1:
            return
        applied = _apply(sentence, [(start, end, answer)])
        if applied:
            score = KIND_SCORES["cloze"] - 0.4 + (0.5 if rarity < 3.0 else 0.0)
            self._add_cloze((applied[0], applied[1], score), span, section, passage or sentence)

    def _cloze(self, sentence: str, min_words: int = 6) -> tuple[str, list[str], float] | None:
        """The sentence with its key term deleted and how good a card it makes, or None for no key sentence.

        One deletion per sentence: two blanks in one sentence give each other away.
        """
        words = sentence.split()
        if not min_words <= len(words) <= 60 or sentence.rstrip().endswith("?") or any(c in sentence for c in "{}"):
            return None
        finders = (
            (self._acronym_deletions, 1.5), (self._defined_term, 1.5), (self._number, 1.0), (self._known_subject, 0.8)
        )
        for finder, bonus in finders:
            for start, end, answer in finder(sentence):
                if answer.lower() in self.section_answers:
                    continue
                applied = _apply(sentence, [(start, end, answer)])
                if applied:
                    return applied[0], applied[1], self._cloze_score(sentence, start, answer, bonus)
        return None

    @staticmethod
    def _cloze_score(sentence: str, start: int, answer: str, bonus: float) -> float:
        """Higher for a rare key term in a self-contained sentence of a readable length."""
        score = KIND_SCORES["cloze"] + bonus
        first = sentence.split()[0].lower().strip("\"'“(,")
        if first in _DANGLING_START:
            score -= 3.0  # "It is ...", "This phase ...": who "it" is lies in another sentence
        rarity = word_rarity(answer)
        if not any(c.isdigit() for c in answer):
            if rarity >= COMMON_WORD_ZIPF and len(answer.split()) == 1:
                score -= 2.5  # "The {{c1::process}} is ..."
            elif rarity < 3.5:
                score += 0.5
        elif answer.strip() in {"0", "1"}:
            score -= 2.5
        stem = answer.lower().rstrip("s")
        if len(stem) >= 4 and sentence.lower().count(stem) > 1:
            score -= 2.0  # the sentence says the answer again
        if len(sentence.split()) > 40:
            score -= 0.5
        if start == 0 and len(answer.split()) == 1 and rarity >= 4.0 and not answer[:1].isupper():
            score -= 0.5
        return score

    def _acronym_deletions(self, sentence: str) -> list[tuple[int, int, str]]:
        found = []
        for start, end, long_form, _short in [*acronyms(sentence), *short_forms_first(sentence)]:
            if _occurrences(long_form, sentence) == 1:
                found.append((start, end, long_form))
        return found

    def _defined_term(self, sentence: str) -> list[tuple[int, int, str]]:
        """"X is called Y" and "known as Y" define Y; "X is a ...", "X refers to ...", "X represents ...",
        "X, a ..., ..." and "X, the process of ..." define X; "X, or Y," names X twice."""
        found = []
        for match in (
            _NAMED.search(sentence), _KNOWN_AS.search(sentence), _NOUN_KNOWN_AS.search(sentence),
            _DEFINITION.match(sentence),
            _APPOSITION.match(sentence), _ALIAS.search(sentence),
        ):
            if not match:
                continue
            term = match["term"]
            words = term.lower().split()
            if any(w in _SUBJECT_PRONOUNS for w in words) or words[-1].endswith("ly") or words[0] in _GENERIC_FIRST:
                continue
            if _occurrences(term, sentence) != 1:
                continue
            found.append((match.start("term"), match.end("term"), term))
        return found

    def _number(self, sentence: str) -> list[tuple[int, int, str]]:
        for match in _NUMBER.finditer(sentence):
            if sentence.count(match[0]) == 1:
                return [(match.start(), match.end(), match[0])]
        return []

    def _known_subject(self, sentence: str) -> list[tuple[int, int, str]]:
        """A term the text defines, among the sentence's first five words."""
        found = list(itertools.islice(_WORD.finditer(sentence), 5))
        lowered = [m[0].lower() for m in found]
        for size in range(min(self.longest_term, len(found)), 0, -1):
            for i in range(len(found) - size + 1):
                phrase = " ".join(lowered[i : i + size])
                if phrase in self.known_terms:
                    start, end = found[i].start(), found[i + size - 1].end()
                    text = sentence[start:end]
                    if _occurrences(text, sentence) == 1:
                        return [(start, end, text)]
        return []

    def _list(self, lst: ItemList, section: Section, name: str, above: Block | None) -> None:
        termed = [item for item in lst.items if item.term and item.description]
        # "Water Splitting ∞ ... split water molecules ...": asking for the term would be no question; the
        # description is asked as a cloze below instead.
        asked = [item for item in termed if not _describes_itself(item)]
        if len(termed) >= MAX_CHOICES:
            others = self._section_terms(section, lst)
            for index, item in enumerate(termed):
                if item in asked:
                    self._term_mcq(item, index, termed, others, name)
        else:
            for item in asked:
                self._term_typed(item, name)
        if self._order_matters(lst, section):
            self._order(lst, section, name)
        self._groups(lst, name)
        # Each step and bullet holds a fact of its own ("4 daughter cells are formed", "find the hole with
        # water"), asked with what the list is about in front, as a bullet rarely names it.
        context = self._list_context(lst, section, above)
        procedure = lst.ordered or self._order_matters(lst, section)
        for item in lst.items:
            if item.term and item.description:
                self._acronyms(item.description, item.span, name)
                if item not in asked:
                    self._item_cloze(item, core_term(item.term), procedure, name, item.description)
            elif item.children or len(item.text.split()) > MAX_ITEM_CLOZE_WORDS:
                self._sentences(item.text, item.span, name, fallback=not lst.ordered)
            elif _is_name(item.text):
                continue  # "Adjustable Wrench": a thing listed, no fact to blank in it
            else:
                self._acronyms(item.text, item.span, name, item.text)
                self._item_cloze(item, context, procedure, name)

    def _list_context(self, lst: ItemList, section: Section, above: Block | None) -> str:
        """What a list's items are about: a short intro ("Meiosis:"), the glossary term just above the list, or
        the heading."""
        intro = lst.intro.rstrip(":;,. ").rsplit(". ", 1)[-1]
        if intro and len(intro.split()) <= 8:
            return intro
        if isinstance(above, GlossaryEntry):
            return core_term(above.term)
        return section.title or self.document.title

    def _item_cloze(self, item: ListItem, context: str, procedure: bool, section: str, text: str = "") -> None:
        """A cloze on a step's or bullet's key fact: a number or defined term, else its rarest word (a step may
        blank a less rare one, its tool or check: "patch kit", "valve"), the context in front."""
        text = " ".join((text or item.text).split())
        prefix = f"{context}: " if context and context.lower() not in text.lower() else ""
        deleted = self._cloze(text, min_words=4)
        if deleted:
            cloze_text, answers, score = deleted
            self._add_cloze((prefix + cloze_text, answers, score), item.span, section, item.text)
        else:
            self._rarest_word_cloze(prefix + text, item.span, section,
                                    STEP_WORD_ZIPF if procedure else RARE_WORD_ZIPF,
                                    skip=len(prefix.split()), passage=item.text)

    def _groups(self, lst: ItemList, name: str) -> None:
        """A parent item with short children: "Which of these belong to PARENT?", the wrong choices being the
        children of its sibling items."""
        parents = [item for item in lst.items if len(item.children) >= 2]
        for parent in parents:
            label = core_term(parent.term or parent.text).rstrip(":")
            right = [_item_label(child) for child in parent.children]
            if len(label.split()) > 8 or any(len(r.split()) > 10 for r in right) or len(right) > MAX_CHOICES + 2:
                continue
            prompt = f"Which of these belong to '{label}'?"
            folded_right = {normalise(r) for r in right}
            right_types = {distractors.answer_type(r) for r in right}
            others = [_item_label(child) for other in parents if other is not parent for child in other.children]
            wrong = [
                choice for choice in others
                if normalise(choice) not in folded_right and not contains_phrase(prompt, choice)
                and any(distractors.compatible(distractors.answer_type(choice), kind) for kind in right_types)
            ]
            if not wrong:
                continue
            choices = list(dict.fromkeys(right + wrong[: max(2, MAX_CHOICES + 2 - len(right))]))
            if len(choices) < len(right) + 1 or len({normalise(c) for c in choices}) != len(choices):
                continue
            self._add(("multi", prompt.lower()), "group", label, "multi", name,
                      {"prompt": prompt, "choices": choices, "answer": right}, parent.span)

    @staticmethod
    def _description_prompt(item: ListItem) -> str:
        """The description as a sentence, with the term masked should it repeat it."""
        description = item.description
        term = core_term(item.term)
        if len(term) >= 3:
            for at in reversed(_word_matches(term, description)):
                description = f"{description[:at]}___{description[at + len(term):]}"
        return description[:1].upper() + description[1:]

    def _term_mcq(
        self, item: ListItem, index: int, siblings: list[ListItem], others: list[str], section: str
    ) -> None:
        """Wrong choices of the answer's type from the list itself, then from the section's other terms; a typed
        card when too few are alike."""
        answer = core_term(item.term)
        prompt = f"Which term fits this description? {self._description_prompt(item)}"
        # From the next sibling on, so neighbouring cards do not all offer the same choices.
        rotated = (core_term(siblings[(index + offset) % len(siblings)].term) for offset in range(1, len(siblings)))
        wrong = distractors.pick(answer, prompt, (rotated, others), MAX_CHOICES - 1)
        if len(wrong) < MIN_DISTRACTORS:
            self._term_typed(item, section)
            return
        self._add(("mcq", prompt.lower()), "term", answer, "mcq", section,
                  {"prompt": prompt, "choices": [answer, *wrong], "answer": answer}, item.span)

    @staticmethod
    def _section_terms(section: Section, lst: ItemList) -> list[str]:
        """The terms of the section's other term lists and glossary entries: distractors when a list has too
        few of the answer's type."""
        terms: list[str] = []
        for block in section.blocks:
            if isinstance(block, ItemList) and block is not lst:
                terms.extend(core_term(item.term) for item in block.items if item.term and item.description)
            elif isinstance(block, GlossaryEntry) and block.definition:
                terms.append(core_term(block.term))
        return terms

    def _term_typed(self, item: ListItem, section: str) -> None:
        answer = core_term(item.term)
        prompt = f"What term fits this description? {self._description_prompt(item)}"
        fields: dict = {"prompt": prompt, "answer": answer}
        if answer != item.term:
            fields["accept"] = [item.term]
        self._add(("typed", prompt.lower()), "term", answer, "typed", section, fields, item.span)

    @staticmethod
    def _order_matters(lst: ItemList, section: Section) -> bool:
        if not 2 <= len(lst.items) <= MAX_ORDER_ITEMS or _NO_ORDER.search(lst.intro):
            return False
        cued = bool(_SEQUENCE_CUE.search(lst.intro) or _SEQUENCE_CUE.search(section.title))
        if not lst.ordered:
            # Bullets are a sequence only when the text says so ("Steps:", "Instructions").
            return bool(_STEPS_INTRO.search(lst.intro) or _STEPS_INTRO.search(section.title))
        if cued:
            return True
        starts = sum(bool(_SEQUENCE_START.match(item.text)) or _imperative(item.text) for item in lst.items)
        return starts * 2 >= len(lst.items)

    def _order(self, lst: ItemList, section: Section, name: str) -> None:
        labels = [_item_label(item) for item in lst.items]
        too_long = any(len(label.split()) > MAX_ORDER_LABEL_WORDS for label in labels)
        if too_long or len({label.lower() for label in labels}) != len(labels):
            return
        topic = section.title or self.result.deck.name
        intro = sentences(lst.intro)[-1].rstrip(":;,. ") if lst.intro else ""
        if intro and (len(intro.split()) > 20 or not (_SEQUENCE_CUE.search(intro) or _STEPS_INTRO.search(intro))):
            intro = section.title  # the heading names the procedure better than a sentence about something else
        prompt = f"{intro}: put these in order." if intro else f"Put these in the order the text gives for '{topic}'."
        self._add(("order", "\n".join(labels).lower()), "order", topic, "order", name,
                  {"prompt": prompt, "items": labels}, lst.span)

    def _step_headings(self) -> None:
        """Sections headed "Step 1: ...", "Step 2: ..." make one order card of their labels."""
        run: list[tuple[Section, str]] = []
        end = Section("", 0, Span(0, 0))  # closes the last run
        for section in [*self.document.sections, end]:
            match = _STEP_HEADING.match(section.title)
            if match and (not run or int(match["number"]) == len(run) + 1):
                run.append((section, match["label"].strip()))
                continue
            if len(run) >= 2 and len(run) <= MAX_ORDER_ITEMS:
                labels = [label for _, label in run]
                first, last = run[0][0], run[-1][0]
                parent = " > ".join(first.path[:-1]) or self.document.title or self.result.deck.name
                self._add(("order", "\n".join(labels).lower()), "order", parent, "order", parent,
                          {"prompt": f"{parent}: put these steps in order.", "items": labels},
                          Span(first.span.start, last.span.end),
                          "\n".join(s.title for s, _ in run))
            run = []
            if match and int(match["number"]) == 1:
                run.append((section, match["label"].strip()))

    def _table(self, table: Table, section: Section, name: str) -> None:
        """Three or more columns: a match card per row (each column heading to that row's cell), which sets the
        columns against each other. Two columns: one match card of the rows, or an mcq per row when too many."""
        if not table.columns_recovered:
            return
        width = len(table.header)
        lines = table.row_lines or [table.span.start] * len(table.rows)
        # A cell of dashes or dots alone ("-", "—", "...") is a table's way of saying "none": nothing to ask.
        worded = [[cell if any(ch.isalnum() for ch in cell) else "" for cell in row] for row in table.rows]
        rows = [(row, line) for row, line in zip(worded, lines, strict=True) if len(row) == width and row[0]]
        if width < 2 or len(rows) < 2:
            return
        headings = [heading or f"column {number + 1}" for number, heading in enumerate(table.header)]
        topic = table.title or section.title or self.result.deck.name
        if width >= 3:
            for row, line in rows:
                pairs = [[headings[c], row[c]] for c in range(1, width) if row[c]]
                distinct = len({p[0].lower() for p in pairs}) == len({p[1].lower() for p in pairs}) == len(pairs)
                if len(pairs) >= 2 and distinct:
                    # The short prompt keeps rows of one table apart; the table's name tells two tables apart.
                    prompt = f"{row[0]}: match each column to its entry."
                    if ("match", prompt.lower()) in self.seen:
                        prompt = f"{row[0]} ({topic}): match each column to its entry."
                    self._add(("match", prompt.lower()), "row", row[0], "match", name,
                              {"prompt": prompt, "pairs": pairs}, *self._row_source(table, line))
            return
        pairs = [[row[0], row[1]] for row, _ in rows if row[1]]
        distinct = len({p[0].lower() for p in pairs}) == len({p[1].lower() for p in pairs}) == len(pairs)
        if 2 <= len(pairs) <= MAX_MATCH_PAIRS and distinct:
            prompt = f"{topic}: match each {headings[0]} to its {headings[1]}."
            self._add(("match", prompt.lower()), "table", topic, "match", name,
                      {"prompt": prompt, "pairs": pairs}, table.span)
            return
        column = [row[1] for row, _ in rows if row[1]]
        for index, (row, line) in enumerate(rows):
            if not row[1]:
                continue
            prompt = f"{row[0]}: which {headings[1]}?"
            rotated = (column[(index + offset) % len(column)] for offset in range(1, len(column)))
            wrong = distractors.pick(row[1], prompt, (rotated,), MAX_CHOICES - 1)
            if len(wrong) >= MIN_DISTRACTORS:
                self._add(("mcq", prompt.lower()), "row", row[0], "mcq", name,
                          {"prompt": prompt, "choices": [row[1], *wrong], "answer": row[1]},
                          *self._row_source(table, line))
            elif len(row[1].split()) <= MAX_TYPED_ANSWER_WORDS:
                # Too few cells of the answer's type in the column for a fair choice: asked to be typed instead.
                self._add(("typed", prompt.lower()), "row", row[0], "typed", name,
                          {"prompt": prompt, "answer": row[1]}, *self._row_source(table, line))

    def _row_source(self, table: Table, line: int) -> tuple[Span, str]:
        """A row's span reaches back to the header, and its passage quotes the two."""
        header_line = table.header_line or table.span.start
        span = Span(min(header_line, line), max(header_line, line))
        passage = "\n".join(self.document.lines[n - 1] for n in sorted({header_line, line}))
        return span, passage

    # Notes ---------------------------------------------------------------------------------------------------

    def _notes(self) -> None:
        document = self.document
        notes = self.result.notes
        undefined = document.undefined_terms
        if undefined:
            listed = ", ".join(f"'{entry.term}' (line {entry.span.start})" for entry in undefined)
            notes.append(f"Glossary terms without a definition, not carded: {listed}.")
        for table in document.tables:
            if not table.columns_recovered:
                rows = "\n".join(f"  {row[0]}" for row in table.rows)
                notes.append(
                    f"Table '{table.title or table.header[0]}' (lines {table.span}): its columns could not be "
                    f"recovered from the plain text, so its rows are kept whole and no cards were drafted from it:\n"
                    f"  {table.header[0]}\n{rows}"
                )
        for references in document.references:
            notes.append(
                f"Reference list (lines {references.span}, {len(references.entries)} entries): recognised, "
                f"not used for cards."
            )
        captions = sum(1 for d in document.dropped if d.reason == CAPTION)
        others = len(document.dropped) - captions
        if document.dropped:
            notes.append(
                f"Set aside as noise: {captions} image caption(s), {others} other line(s) (boilerplate, images, code)."
            )


def _describes_itself(item: ListItem) -> bool:
    """The description says half the term's words or more ("produces ATP" for "ATP Production")."""
    # Compared by root, so "Mixing" is said by "mixed" and "Production" by "produces".
    roots = [re.sub(r"(?:ing|ion|s)$", "", w.lower())[:4] for w in _WORD.findall(core_term(item.term))]
    words = [root for root in roots if len(root) >= 3]
    described = [w.lower() for w in _WORD.findall(item.description)]
    said = sum(any(d.startswith(root) for d in described) for root in words)
    return bool(words) and said * 2 >= len(words)


def _is_name(text: str) -> bool:
    """"Set of Three Tire Tools": most words capitalised, no verb in sight."""
    words = [w for w in _WORD.findall(text) if len(w) > 3]
    return bool(words) and sum(w[0].isupper() for w in words) * 3 >= len(words) * 2


def _imperative(text: str) -> bool:
    """"Remove the wheel...": a step of a procedure."""
    first = text.split()[0].lower().strip(",:;") if text.split() else ""
    return first in _IMPERATIVE


def _item_label(item: ListItem) -> str:
    """What names an item in an order or group card: its term, else its first sentence (or clause) if short."""
    if item.term:
        return core_term(item.term)
    first = sentences(item.text)[0].rstrip(".;:")
    if len(first.split()) > 15 and ":" in first:
        first = first.split(":", 1)[0]
    return first


def short_forms_first(sentence: str) -> Iterator[tuple[int, int, str, str]]:
    """``(start, end, long form, short form)`` for each "SHORT (long form)", the long form's own span given."""
    for match in _REPORTED_SHORT_FIRST.finditer(sentence):
        short, long_form = match["short"], match["long"].strip()
        if (
            _is_short_form(short)
            and not _is_short_form(long_form.replace(" ", ""))
            and len(long_form.split()) >= 2
            and long_form_start(long_form + " ", short) == 0
        ):
            start = match.start("long") + match["long"].find(long_form)
            yield start, start + len(long_form), long_form, short


def _term_and_short_form(term: str) -> tuple[str, str] | None:
    """"Access Control List (ACL)" or "BGP (Border Gateway Protocol)" as (long form, short form)."""
    for _start, _end, long_form, short in acronyms(term):
        return long_form, short
    for _start, end, long_form, short in short_forms_first(term.strip()):
        if term.strip().startswith(short) and end == len(term.strip()) - 1:
            return long_form, short
    return None


def _apply(sentence: str, deletions: list[tuple[int, int, str]]) -> tuple[str, list[str]] | None:
    """Replace each (start, end, answer) with ``{{cN::answer}}``; None if they overlap or leave too little."""
    ordered = sorted(deletions)
    for (_, end, _), (start, _, _) in itertools.pairwise(ordered):
        if start < end:
            return None
    out, last, answers = [], 0, []
    for number, (start, end, answer) in enumerate(ordered, start=1):
        out.append(sentence[last:start])
        out.append(f"{{{{c{number}::{answer}}}}}")
        answers.append(answer)
        last = end
    out.append(sentence[last:])
    text = "".join(out)
    remaining = cloze_syntax.outside(text)
    if len(remaining.split()) < 4 or any("::" in a or not a.strip() for a in answers):
        return None
    return text, answers
