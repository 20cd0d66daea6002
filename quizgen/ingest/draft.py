"""Document in, draft Cards out, each with the passage it came from, for a person to review and edit.

What is drafted, and from what:

- glossary cards from glossary entries (the definition loses its "X is ..." opening, which would give the term away);
- a typed card per acronym defined as "full name (ACRONYM)", the full name found as Schwartz and Hearst (2003) do;
- an mcq (typed when the list is too short for distractors) per ``Term ∞ description`` or definition item, the
  wrong choices being the other terms of the same list;
- an order card for a numbered list whose order matters (steps, stages, a sequence);
- per table of three or more columns, a match card per row (column headings to that row's cells), which sets
  the columns against each other; per two-column table, one match card of its rows (an mcq per row, the other
  rows' cells as distractors, when there are too many rows to match);
- cloze cards from key sentences (an acronym defined, a term defined, a number or a time span, a known term as the
  subject), the key term deleted.

Deterministic: the same Document always gives the same cards in the same order with the same ids, so a draft can be
made again and compared. Ids are a kind prefix and a slug of the key text, numbered on collision.
"""

from __future__ import annotations

import hashlib
import itertools
import re
import unicodedata
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

from quizgen.core.cards import Card, Deck
from quizgen.core.kinds import cloze_syntax
from quizgen.ingest.read import (
    BODY,
    CAPTION,
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
MAX_MATCH_PAIRS = 8
MAX_ORDER_ITEMS = 10

_SENTENCE_END = re.compile(r"[.!?…][\"”’)\]]*\s+(?=[\"“‘(\[]?[A-Z0-9])")
_ABBREVIATIONS = frozenset(
    {"e.g", "i.e", "etc", "vs", "dr", "mr", "mrs", "ms", "prof", "st", "fig", "no", "approx", "cf", "al", "jr", "sr",
     "inc", "ltd", "co", "mt", "vol", "pp", "ca", "gen", "col", "lt", "sgt"}
)
_SHORT_FORM = re.compile(r"\(([A-Za-z][A-Za-z0-9\-]{1,9})\)")
_WORD = re.compile(r"[^\W_][\w’'\-/]*")
_SUBJECT_PRONOUNS = frozenset(
    {"this", "that", "these", "those", "it", "its", "they", "them", "there", "here", "he", "she", "we", "you", "i",
     "such", "which", "what", "who", "one", "each", "both", "all", "some", "many", "most", "another", "other",
     "every", "any", "no", "our", "your", "their", "his", "her", "my", "when", "while", "if", "as", "for", "in",
     "on", "at", "by", "with", "from", "to", "of", "and", "but", "or", "so", "because", "although", "however",
     "also", "then", "than", "after", "before", "during", "upon", "since", "until", "why", "how", "where"}
)
_DEFINING_VERB = (
    r"(?:(?:is|are)\s+(?:a|an|the|one)\b|refers?\s+to\b|serves?\s+as\b|acts?\s+as\b|"
    r"is\s+(?:known|defined)\s+as\b|is\s+called\b|means\b)"
)
_TERM = r"(?P<term>[^\W\d_][\w’'\-]*(?:\s+[\w’'\-]+){0,4}?)"
_DEFINITION = re.compile(rf"^(?:(?:The|A|An)\s+)?{_TERM}(?:\s*\([^)]*\))?(?:,\s+[^,]{{3,160}},)?\s+{_DEFINING_VERB}")
_NAMED = re.compile(
    rf"\b(?:is|are)\s+(?:called|known\s+as|termed|named)\s+(?:an?\s+|the\s+)?{_TERM}"
    r"(?=\s*[,;.:)]|\s+(?:and|or|but|when|while|which|that)\b|\s*$)"
)
_APPOSITION = re.compile(rf"^(?:(?:The|A|An)\s+)?{_TERM},\s+(?:a|an)\s+[^,]{{3,160}},")
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


@dataclass
class Draft:
    deck: Deck
    source_name: str
    document: Document
    cards: list[DraftCard] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    """What was found but not carded, said in the draft so the reviewer knows."""

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
    """Split a paragraph into sentences, keeping "e.g.", "Dr." and initials inside theirs."""
    out: list[str] = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        words = text[start : match.start() + 1].split()
        last = words[-1].rstrip(".!?…").lower() if words else ""
        if last in _ABBREVIATIONS or (len(last) == 1 and last.isalpha()):
            continue
        out.append(text[start : match.end()].strip())
        start = match.end()
    tail = text[start:].strip()
    if tail:
        out.append(tail)
    return out


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


class _Ids:
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


def _shuffled(card_id: str, choices: list[str]) -> list[str]:
    """Choices in an order that depends only on the card, so the answer is not always first."""
    return sorted(choices, key=lambda c: hashlib.sha1(f"{card_id}\x00{c}".encode("utf-8", "surrogatepass")).digest())


def draft(document: Document, source_name: str, deck: Deck, progress: Progress | None = None) -> Draft:
    """Draft cards from every section of ``document``.

    Args:
        document: from ``parse.parse``.
        source_name: how cards name the source in ``source = "NAME:START-END"``.
        deck: the deck the cards go in.
        progress: told how many source lines have been drafted from, section by section.
    """
    return _Drafter(document, source_name, deck, progress).run()


class _Drafter:
    def __init__(self, document: Document, source_name: str, deck: Deck, progress: Progress | None):
        self.document = document
        self.result = Draft(deck, source_name, document)
        self.progress = progress
        self.ids = _Ids()
        self.seen: set[tuple[str, str]] = set()
        self.known_terms = self._known_terms()
        self.longest_term = max((len(t.split()) for t in self.known_terms), default=0)
        self.section_answers: set[str] = set()

    def _known_terms(self) -> set[str]:
        """Terms the text itself defines (glossary, term lists): a sentence opening with one is about it."""
        terms = {entry.term.lower() for entry in self.document.glossary}
        for lst in self.document.lists:
            terms.update(core_term(item.term).lower() for item in lst.items if item.term)
        return {t for t in terms if len(t) >= 3 and len(t.split()) <= 6}

    def run(self) -> Draft:
        for section in self.document.sections:
            self.section_answers = set()
            name = " > ".join(section.path) or self.document.title or self.result.deck.name
            for block in section.blocks:
                if isinstance(block, GlossaryEntry):
                    self._glossary(block, name)
                elif isinstance(block, ReferenceList) or section.kind != BODY:
                    continue
                elif isinstance(block, Paragraph):
                    self._sentences(block.text, block.span, name)
                elif isinstance(block, ItemList):
                    self._list(block, section, name)
                elif isinstance(block, Table):
                    self._table(block, section, name)
            if self.progress:
                self.progress(section.span.end - section.span.start + 1)
        self._notes()
        return self.result

    # Cards ---------------------------------------------------------------------------------------------------

    def _add(self, key: tuple[str, str], prefix: str, id_text: str, kind: str, section: str, fields: dict,
             span: Span, passage: str | None = None) -> None:
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
            card.fields["choices"] = _shuffled(card.id, card.fields["choices"])
        self.result.cards.append(DraftCard(card, passage if passage is not None else self.document.passage(span)))

    def _glossary(self, entry: GlossaryEntry, section: str) -> None:
        if not entry.definition:
            return
        definition = definition_without_term(entry.term, entry.definition)
        self._add(("glossary", entry.term.lower()), "gloss", entry.term, "glossary", section,
                  {"term": entry.term, "definition": definition}, entry.span)
        self._acronyms(entry.definition, entry.span, section)

    def _acronyms(self, sentence: str, span: Span, section: str, passage: str | None = None) -> None:
        for _start, _end, long_form, short in acronyms(sentence):
            # Asked from the full name: the name is the part of the prompt that varies, so the prompts of
            # several acronyms stay distinct, and the answer is short to type.
            fields = {"prompt": f"What is the abbreviation for {long_form}?", "answer": short}
            self._add(("acronym", short), "acronym", short, "typed", section, fields, span, passage)

    def _sentences(self, text: str, span: Span, section: str) -> None:
        """Acronym and cloze cards from each sentence; each quotes its sentence, and its source is the paragraph."""
        for sentence in sentences(text):
            self._acronyms(sentence, span, section, sentence)
            deleted = self._cloze(sentence)
            if deleted:
                cloze_text, answers = deleted
                self.section_answers.update(a.lower() for a in answers)
                self._add(("cloze", cloze_text.lower()), "cloze", answers[0], "cloze", section,
                          {"text": cloze_text}, span, sentence)

    def _cloze(self, sentence: str) -> tuple[str, list[str]] | None:
        """The sentence with its key term(s) deleted, or None when it is not a key sentence."""
        words = sentence.split()
        if not 6 <= len(words) <= 60 or sentence.rstrip().endswith("?") or any(c in sentence for c in "{}"):
            return None
        for finder in (self._acronym_deletions, self._defined_term, self._number, self._known_subject):
            deletions = [d for d in finder(sentence) if d[2].lower() not in self.section_answers]
            if deletions:
                return _apply(sentence, deletions[:3])
        return None

    def _acronym_deletions(self, sentence: str) -> list[tuple[int, int, str]]:
        found = []
        for start, end, long_form, _short in acronyms(sentence):
            if _occurrences(long_form, sentence) == 1:
                found.append((start, end, long_form))
        return found

    def _defined_term(self, sentence: str) -> list[tuple[int, int, str]]:
        """"X is called Y" defines Y; "X is a ...", "X refers to ..." and "X, a ..., ..." define X."""
        match = _NAMED.search(sentence) or _DEFINITION.match(sentence) or _APPOSITION.match(sentence)
        if not match:
            return []
        term = match["term"]
        words = term.lower().split()
        if any(w in _SUBJECT_PRONOUNS for w in words) or words[-1].endswith("ly") or _occurrences(term, sentence) != 1:
            return []
        return [(match.start("term"), match.end("term"), term)]

    def _number(self, sentence: str) -> list[tuple[int, int, str]]:
        for match in _NUMBER.finditer(sentence):
            if sentence.count(match[0]) == 1:
                return [(match.start(), match.end(), match[0])]
        return []

    def _known_subject(self, sentence: str) -> list[tuple[int, int, str]]:
        """A term the text defines, among the sentence's first five words."""
        found = list(_WORD.finditer(sentence))[:5]
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

    def _list(self, lst: ItemList, section: Section, name: str) -> None:
        termed = [item for item in lst.items if item.term and item.description]
        if len(termed) >= MAX_CHOICES:
            for index, item in enumerate(termed):
                self._term_mcq(item, index, termed, name)
        else:
            for item in termed:
                self._term_typed(item, name)
        if self._order_matters(lst, section):
            self._order(lst, section, name)
        for item in lst.items:
            if item.term and item.description:
                self._acronyms(item.description, item.span, name)
            else:
                self._sentences(item.text, item.span, name)

    @staticmethod
    def _description_prompt(item: ListItem) -> str:
        """The description as a sentence, with the term masked should it repeat it."""
        description = item.description
        term = core_term(item.term)
        if len(term) >= 3:
            for at in reversed(_word_matches(term, description)):
                description = f"{description[:at]}___{description[at + len(term):]}"
        return description[:1].upper() + description[1:]

    def _term_mcq(self, item: ListItem, index: int, siblings: list[ListItem], section: str) -> None:
        answer = core_term(item.term)
        choices = [answer]
        for offset in range(1, len(siblings)):
            other = core_term(siblings[(index + offset) % len(siblings)].term)
            if other.lower() not in (c.lower() for c in choices):
                choices.append(other)
            if len(choices) == MAX_CHOICES:
                break
        if len(choices) < 2:
            self._term_typed(item, section)
            return
        prompt = f"Which term fits this description? {self._description_prompt(item)}"
        self._add(("mcq", prompt.lower()), "term", answer, "mcq", section,
                  {"prompt": prompt, "choices": choices, "answer": answer}, item.span)

    def _term_typed(self, item: ListItem, section: str) -> None:
        answer = core_term(item.term)
        prompt = f"What term fits this description? {self._description_prompt(item)}"
        fields: dict = {"prompt": prompt, "answer": answer}
        if answer != item.term:
            fields["accept"] = [item.term]
        self._add(("typed", prompt.lower()), "term", answer, "typed", section, fields, item.span)

    @staticmethod
    def _order_matters(lst: ItemList, section: Section) -> bool:
        if not lst.ordered or not 2 <= len(lst.items) <= MAX_ORDER_ITEMS:
            return False
        if _NO_ORDER.search(lst.intro):
            return False
        if _SEQUENCE_CUE.search(lst.intro) or _SEQUENCE_CUE.search(section.title):
            return True
        return sum(bool(_SEQUENCE_START.match(item.text)) for item in lst.items) * 2 >= len(lst.items)

    def _order(self, lst: ItemList, section: Section, name: str) -> None:
        labels = [core_term(item.term) if item.term else item.text for item in lst.items]
        if any(len(label.split()) > 15 for label in labels) or len({label.lower() for label in labels}) != len(labels):
            return
        topic = section.title or self.result.deck.name
        intro = sentences(lst.intro)[-1].rstrip(":;,. ") if lst.intro else ""
        prompt = f"{intro}: put these in order." if intro else f"Put these in the order the text gives for '{topic}'."
        self._add(("order", "\n".join(labels).lower()), "order", topic, "order", name,
                  {"prompt": prompt, "items": labels}, lst.span)

    def _table(self, table: Table, section: Section, name: str) -> None:
        """Three or more columns: a match card per row (each column heading to that row's cell), which sets the
        columns against each other. Two columns: one match card of the rows, or an mcq per row when too many."""
        if not table.columns_recovered:
            return
        width = len(table.header)
        lines = table.row_lines or [table.span.start] * len(table.rows)
        rows = [(row, line) for row, line in zip(table.rows, lines, strict=True) if len(row) == width and row[0]]
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
            choices = [row[1]]
            for offset in range(1, len(column)):
                other = column[(index + offset) % len(column)]
                if other.lower() not in (c.lower() for c in choices):
                    choices.append(other)
                if len(choices) == MAX_CHOICES:
                    break
            if len(choices) >= 2:
                prompt = f"{row[0]}: which {headings[1]}?"
                self._add(("mcq", prompt.lower()), "row", row[0], "mcq", name,
                          {"prompt": prompt, "choices": choices, "answer": row[1]}, *self._row_source(table, line))

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
    remaining = cloze_syntax.DELETION.sub("", text)
    if len(remaining.split()) < 4 or any("::" in a or not a.strip() for a in answers):
        return None
    return text, answers
