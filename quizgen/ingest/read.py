"""Source text in, a Document out: sections, paragraphs, lists, tables and glossary, with noise set aside.

Pure: no files, no terminal. Two readers fill the same Document.

Plain text (an article saved from a web page) has no markup, so its structure is read from the shape of lines. A
short line alone between blank lines is a heading; two blank lines before it, or a back-matter name such as
"References", make it a top-level heading. A run of three or more lines whose header is in title case is a table
that lost its column separators; the columns are recovered from where cells start (a capitalised word after a
lower-case one or a closing bracket) and the header is cut to fit, or the rows are kept whole and the table says so.
A long line with no closing full stop that describes a picture is an image caption and is dropped, as are page
chrome lines such as "Skip to main content". A short line followed by ``Meaning ∞ ...`` is a glossary entry.

Markdown is read with markdown-it-py, which already knows headings, lists, pipe tables, images and code. The main
text of a web page, as trafilatura's tree, is turned into the tokens markdown-it would give for it and read alike.

Every element keeps its 1-based source line range, so a drafted card can quote the passage it came from.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import combinations, pairwise
from typing import Any, Union

TEXT = "text"
MARKDOWN = "markdown"
FORMATS = (TEXT, MARKDOWN)

BODY = "body"
GLOSSARY = "glossary"
REFERENCES = "references"

CAPTION = "image caption"
IMAGE = "image"
BOILERPLATE = "boilerplate"
CODE = "code"
HTML = "html"

MAX_HEADER_WORDS = 16
"""Longer headers are not cut into columns (the number of ways to cut grows too fast, and guesses get worse)."""

Progress = Callable[[int], None]
"""Called with the number of source lines handled since the last call."""

GLOSSARY_TITLES = frozenset(
    {"glossary", "glossary of terms", "key terms", "terms", "terminology", "definitions", "vocabulary", "key words"}
)
REFERENCE_TITLES = frozenset(
    {"references", "reference list", "bibliography", "sources", "citations", "works cited", "further reading",
     "literature", "notes and references", "sources and further reading"}
)
# Headings that close an article wherever they sit, so they are top-level even without the blank lines that mark one.
BACK_MATTER_TITLES = GLOSSARY_TITLES | REFERENCE_TITLES | frozenset(
    {"reflection", "conclusion", "conclusions", "summary", "appendix", "acknowledgements", "acknowledgments",
     "about the author", "key takeaways"}
)
PAGE_CHROME = frozenset(
    {"skip to main content", "skip to content", "skip to navigation", "jump to content", "back to top",
     "scroll to top", "share", "share this article", "share this page", "print", "print this page", "menu",
     "toggle navigation", "main menu", "advertisement", "sponsored", "cookie settings", "accept cookies",
     "accept all cookies", "subscribe", "sign in", "log in", "search", "close", "related articles", "read more"}
)
CONNECTORS = frozenset(
    {"a", "an", "the", "of", "in", "on", "at", "to", "for", "and", "or", "nor", "by", "with", "from", "vs", "vs.",
     "per", "as", "into", "via", "between", "&", "/", "-", "–", "—", "+"}
)

_BULLET = re.compile(r"^\s*[•●○◦▪▫‣⁃∙·*+\-–—]\s+(?P<text>\S.*)$")
_NUMBERED = re.compile(r"^\s*(?P<number>\d{1,3})[.)]\s+(?P<text>\S.*)$")
_MEANING = re.compile(r"^(?:meaning|definition)\s*[∞:—–]\s*(?P<text>\S.*)$", re.IGNORECASE)
_CAPTION_WORD = re.compile(
    r"\b(?:symboli[sz]|depict|represent|illustrat|visuali[sz]|signif|embod|evok|portray|showcas|metaphor)\w*",
    re.IGNORECASE,
)
_CAPTION_PREFIX = re.compile(
    r"^(?:image|photo|photograph|picture|figure|fig\.|illustration|caption|alt text|credit|image credit|"
    r"photo credit)\s*\d*\s*[:.\-–—]",
    re.IGNORECASE,
)
# A sentence ending inside a line ("...structures. One structure is...") but not after an initial or "e.g.".
_INNER_SENTENCE_END = re.compile(r"[a-z]{2,}[.!?]\s+[A-Z]")
_CITATION = re.compile(r"\(\s*(?:1[5-9]|20)\d{2}[a-z]?\s*\)|\bet al\.|\bdoi:|\bhttps?://|\bISBN\b", re.IGNORECASE)
_TERM_MARK = re.compile(r"^(?P<term>[^∞]{1,80}?)\s*∞\s*(?P<description>\S.*)$")
_BOLD_TERM = re.compile(r"^(?:\*\*|__)(?P<term>[^*_]{1,80}?)(?::)?(?:\*\*|__)\s*[:\-–—]?\s*(?P<description>\S.*)$")
_DASH_TERM = re.compile(r"^(?P<term>[^\s].{0,60}?)\s+[-–—]\s+(?P<description>\S.*)$")
# "Bandwidth: Maximum rate of..." and "BGP (Border Gateway Protocol): Path-vector...": the term starts like a name
# (a capital or a digit) and the definition is more than a word or two.
_COLON_TERM = re.compile(r"^(?P<term>[A-Z0-9][^:]{0,70}?)\s*:\s+(?P<description>\S.*\s\S+\s\S.*)$")
# Labels that open a line with a colon without defining anything.
_NOT_TERMS = frozenset(
    {"definition", "definitions", "note", "notes", "example", "examples", "tip", "tips", "warning", "caution",
     "important", "source", "sources", "summary", "answer", "question", "q", "a", "see also", "update", "edit",
     "reactants", "products", "steps", "step", "key points", "items needed", "why", "how", "what", "result"}
)
_FOOTNOTE = re.compile(r"\[(?:\d{1,3}|[a-z]|citation needed|note \d+|nb \d+)\]", re.IGNORECASE)
_COOKIE = re.compile(
    r"\bcookies?\b.*\b(?:accept|consent|agree|policy|preferences|settings|continuing|we use|this site uses)\b|"
    r"\b(?:we use|this (?:web)?site uses|accept(?: all)?)\b.*\bcookies?\b",
    re.IGNORECASE,
)
_WHITESPACE = re.compile(r"\s+")
_COLUMN_GAP = re.compile(r"\s{2,}|\t")
_INDEX_LETTER = re.compile(r"[A-Z0-9#](?:\s*[-–]\s*[A-Z0-9])?")
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")
_CLOSERS = "\"'”’)]»*_"

Block = Union["Paragraph", "ItemList", "Table", "GlossaryEntry", "ReferenceList"]


@dataclass(frozen=True)
class Span:
    """Lines ``start`` to ``end`` of the source, 1-based and inclusive."""

    start: int
    end: int

    def __str__(self) -> str:
        return f"{self.start}-{self.end}"


@dataclass
class Paragraph:
    text: str
    span: Span


@dataclass
class ListItem:
    """One list item; ``term`` and ``description`` are set for ``Term ∞ description`` and definition items."""

    text: str
    span: Span
    term: str = ""
    description: str = ""
    number: int = 0
    """The number written before a numbered item (0 for bullets): a list interrupted by prose goes on from it."""
    children: list[ListItem] = field(default_factory=list)
    """Items nested under this one."""


@dataclass
class ItemList:
    items: list[ListItem]
    ordered: bool
    span: Span
    intro: str = ""
    """The paragraph just before the list: it often says whether the order matters ("the steps are...")."""


@dataclass
class Table:
    """A table; when its columns could not be recovered, ``header`` and each row hold one whole line."""

    title: str
    header: list[str]
    rows: list[list[str]]
    span: Span
    columns_recovered: bool = True
    header_line: int = 0
    row_lines: list[int] = field(default_factory=list)


@dataclass
class GlossaryEntry:
    """A defined term; ``definition`` is empty for an entry that has none (reported, never carded)."""

    term: str
    definition: str
    span: Span
    note: str = ""
    """Text found under a term that has no definition, kept so the report can show it."""


@dataclass
class ReferenceList:
    """A bibliography: recognised so that nothing is drafted from it."""

    entries: list[str]
    span: Span


@dataclass
class Section:
    title: str
    level: int
    span: Span
    blocks: list[Block] = field(default_factory=list)
    path: tuple[str, ...] = ()
    kind: str = BODY


@dataclass
class Dropped:
    """Something set aside as noise: an image caption, page chrome, code."""

    reason: str
    text: str
    span: Span


@dataclass
class Document:
    format: str
    lines: list[str]
    sections: list[Section]
    dropped: list[Dropped]
    title: str = ""

    def blocks(self) -> Iterator[tuple[Section, Block]]:
        for section in self.sections:
            for block in section.blocks:
                yield section, block

    @property
    def headings(self) -> list[Section]:
        return [s for s in self.sections if s.title]

    @property
    def lists(self) -> list[ItemList]:
        return [b for _, b in self.blocks() if isinstance(b, ItemList)]

    @property
    def tables(self) -> list[Table]:
        return [b for _, b in self.blocks() if isinstance(b, Table)]

    @property
    def glossary(self) -> list[GlossaryEntry]:
        return [b for _, b in self.blocks() if isinstance(b, GlossaryEntry) and b.definition]

    @property
    def undefined_terms(self) -> list[GlossaryEntry]:
        return [b for _, b in self.blocks() if isinstance(b, GlossaryEntry) and not b.definition]

    @property
    def references(self) -> list[ReferenceList]:
        return [b for _, b in self.blocks() if isinstance(b, ReferenceList)]

    def passage(self, span: Span) -> str:
        """The source lines of ``span``, as written."""
        return "\n".join(self.lines[span.start - 1 : span.end])


def parse_main_text(body: Any, progress: Progress | None = None) -> Document:
    """Read the main text of a web page, as trafilatura extracts it (an lxml tree of ``head``, ``p``, ``list`` and
    ``item``, ``table``, ``row`` and ``cell``, ``hi``, ``lb``, ``quote``, ``code``), into a Document.

    The tree is read as the Markdown it stands for, straight into the Markdown reader, without writing it out as
    Markdown and parsing that again (which cost more than finding the main text). The Document's lines are that
    Markdown: what line numbers and passages refer to.
    """
    lines, tokens = _TreeTokens().read(body)
    return _MarkdownReader(lines, progress).read_tokens(tokens)


def parse(text: str, format: str = TEXT, progress: Progress | None = None) -> Document:
    """Read ``text`` (plain text or Markdown) into a Document.

    Args:
        text: the whole source.
        format: ``"text"`` or ``"markdown"``.
        progress: told how many lines have been read, now and then, for a progress bar.
    """
    if format not in FORMATS:
        raise ValueError(f"unknown format {format!r} (expected one of {', '.join(FORMATS)})")
    # A line of whitespace only (a vertical tab, say) is a blank line: Markdown would run it into the paragraph below,
    # whose passage would then begin with a line holding nothing.
    lines = ["" if line.isspace() else line for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    if format == MARKDOWN:
        return _MarkdownReader(lines, progress).read()
    return _TextReader(lines, progress).read()


def _matched_text(pattern: re.Pattern[str], line: str) -> str:
    """The ``text`` group of a line that was classified by ``pattern``."""
    match = pattern.match(line)
    if match is None:
        raise ValueError(f"line does not match the pattern it was classified by: {line!r}")
    return match["text"]


def clean(text: str) -> str:
    """One line of plain text: whitespace runs collapsed, control characters and footnote markers ("[6][7]") gone."""
    text = _CONTROL.sub(" ", text)
    if "[" in text:
        text = _FOOTNOTE.sub("", text)
    return _WHITESPACE.sub(" ", text).strip()


def is_chrome(text: str) -> bool:
    """Page chrome: "Skip to main content", "Share", a cookie banner."""
    lowered = text.lower()
    if lowered.rstrip(".:") in PAGE_CHROME:
        return True
    return len(text) < 400 and "cookie" in lowered and bool(_COOKIE.search(text))


def split_term(text: str) -> tuple[str, str]:
    """``Term ∞ description``, ``**Term**: description``, ``Term: description`` or ``Term - description`` into term
    and description, else ``("", "")``."""
    for pattern, max_words in ((_TERM_MARK, 10), (_BOLD_TERM, 10), (_COLON_TERM, 7), (_DASH_TERM, 6)):
        match = pattern.match(text)
        if match:
            term = match["term"].strip().strip("*_").strip()
            description = match["description"].strip()
            if pattern is _COLON_TERM and (
                _title_key(core_words(term)) in _NOT_TERMS or re.match(r"(?i)(?:step|part|stage|phase)\s*\d", term)
            ):
                continue
            if term and description and len(term.split()) <= max_words and not term.endswith((",", ";", ".")):
                return term, description
    return "", ""


def core_words(term: str) -> str:
    """A term without bracketed asides."""
    return re.sub(r"\s*\([^)]*\)", "", term).strip() or term


def _reads_as_definition(text: str) -> bool:
    """"A digital cellular technology that...", "The maximum amount of...": a noun phrase opening a definition."""
    return bool(re.match(r"(?:A|An|The|Any|Each|One)\s", text)) and _ends_sentence(text)


def _title_key(title: str) -> str:
    return title.strip().rstrip(":").strip().lower()


def section_kind(title: str) -> str:
    key = _title_key(title)
    if key in GLOSSARY_TITLES or key.endswith((" glossary", " terms", " terminology", " vocabulary")):
        return GLOSSARY
    if key in REFERENCE_TITLES:
        return REFERENCES
    return BODY


def looks_like_citation(text: str) -> bool:
    return bool(_CITATION.search(text))


_TRAILING_ASIDE = re.compile(r"(?<=[.!?])\s+\([^()]{1,40}\)$")


def _ends_sentence(text: str) -> bool:
    """Ends like a sentence, footnote markers and a closing aside ("... calls. (Physical Layer)") aside."""
    text = _TRAILING_ASIDE.sub("", _FOOTNOTE.sub("", text).rstrip())
    return text.rstrip(_CLOSERS).endswith((".", "!", "?", "…"))


def _short_label(text: str, max_words: int) -> bool:
    """Heading- or term-shaped: a few words, no closing punctuation."""
    return (
        0 < len(text) <= 100
        and len(text.split()) <= max_words
        and not text.endswith((".", ",", ";", ":", "!"))
        and not _MEANING.match(text)
    )


def _capitalised(token: str) -> bool:
    """``Profound``, ``Hot``, ``Re-establishment,``: an ordinary word starting a sentence or a cell."""
    word = token.rstrip(",;:")
    if word == "A":
        return True
    return len(word) > 1 and word[0].isupper() and word[1].islower() and not any(c.isupper() for c in word[2:])


def _lower(token: str) -> bool:
    return token[0].islower()


def _acronym(token: str) -> bool:
    word = token.strip("(),;:")
    upper = sum(c.isupper() for c in word)
    return upper >= 2 and sum(c.islower() for c in word) <= upper


def _title_case(text: str) -> bool:
    """Every word capitalised except small connecting words: how headers and table titles are written."""
    words = text.split()
    if len(words) < 2 or len(words) > 16:
        return False
    for word in words:
        letters = [c for c in word if c.isalpha()]
        if not letters:
            continue
        if not letters[0].isupper() and word.lower() not in CONNECTORS:
            return False
    return True


def _row_cells(row: str) -> list[str]:
    """Cut a table row whose separators were lost where cells begin.

    A cell begins at a capitalised word after a lower-case word or a closing bracket ("...lethargy | Energy dips");
    the first cell (the row label, in title case) ends before the first capitalised word that is followed by a
    lower-case word ("Energy Levels | Profound fatigue").
    """
    tokens = row.split()
    starts = {0}
    for i in range(1, len(tokens)):
        previous = tokens[i - 1]
        if _capitalised(tokens[i]) and (
            (_lower(previous) and previous.lower() not in CONNECTORS and not previous.endswith(","))
            or previous.endswith(")")
        ):
            starts.add(i)
    for i in range(1, len(tokens) - 1):
        before = tokens[1:i]
        if any(_lower(t) and t.lower() not in CONNECTORS for t in before):
            break
        if _capitalised(tokens[i]) and _lower(tokens[i + 1]):
            starts.add(i)
            break
    bounds = [*sorted(starts), len(tokens)]
    return [" ".join(tokens[a:b]) for a, b in pairwise(bounds)]


def _header_cells(header: str, count: int) -> list[str] | None:
    """Cut a title-case header into ``count`` cells.

    No cell starts or ends with a connecting word, an acronym stays with the noun after it ("HPG Axis"), cells that
    run in parallel ("Male TRT Cessation", "Female TRT Cessation") are favoured, and otherwise cells are as even as
    possible. None when two cuts score the same ("Animal Main Threat Response"): a guess would put wrong headings
    on the cards. Headers are a few words, so every cut is tried.
    """
    tokens = header.split()
    n = len(tokens)
    if not 2 <= count <= n or n > MAX_HEADER_WORDS:
        return None

    def cell_cost(a: int, b: int) -> float:
        first, last = tokens[a], tokens[b - 1]
        if _lower(first) or (last.lower() in CONNECTORS and not _capitalised(last)) or last in CONNECTORS:
            return float("inf")
        cost = float((b - a) ** 2)
        if a > 0 and _acronym(first):
            cost += 2
        if a > 0 and _acronym(tokens[a - 1]) and _capitalised(first):
            cost += 3
        return cost

    scored: list[tuple[float, tuple[int, ...]]] = []
    for inner in combinations(range(1, n), count - 1):
        cuts = (0, *inner, n)
        cells = [tokens[a:b] for a, b in pairwise(cuts)]
        cost = sum(cell_cost(a, b) for a, b in pairwise(cuts))
        parallel = sum(
            1 for x, y in combinations(cells, 2) if len(x) == len(y) >= 2 and x[-1].lower() == y[-1].lower()
        )
        scored.append((cost - 3 * parallel, cuts))
    scored.sort()
    if not scored or scored[0][0] == float("inf") or (len(scored) > 1 and scored[1][0] == scored[0][0]):
        return None
    cuts = scored[0][1]
    return [" ".join(tokens[a:b]) for a, b in pairwise(cuts)]


def recover_table(
    title: str, header: str, rows: list[str], span: Span, header_line: int, row_lines: list[int]
) -> Table:
    """A table from lines that lost their separators: columns recovered when every row and the header agree on
    how many there are, else each row kept whole (``columns_recovered`` False)."""
    split_rows = [_row_cells(row) for row in rows]
    counts = {len(cells) for cells in split_rows}
    if len(counts) == 1:
        count = counts.pop()
        header_cells = _header_cells(header, count) if count >= 2 else None
        if header_cells:
            return Table(title, header_cells, split_rows, span, True, header_line, row_lines)
    return Table(title, [header], [[row] for row in rows], span, False, header_line, row_lines)


class _Builder:
    """Collects sections, blocks and dropped noise in document order."""

    def __init__(self, lines: list[str]):
        self.lines = lines
        self.sections = [Section("", 0, Span(1, 1))]
        self.dropped: list[Dropped] = []

    @property
    def section(self) -> Section:
        return self.sections[-1]

    def heading(self, title: str, level: int, line: int) -> Section:
        section = Section(title, level, Span(line, line), kind=section_kind(title))
        self.sections.append(section)
        return section

    def add(self, block: Block) -> None:
        self.section.blocks.append(block)

    def drop(self, reason: str, text: str, span: Span) -> None:
        self.dropped.append(Dropped(reason, text, span))

    def last_block(self) -> Block | None:
        return self.section.blocks[-1] if self.section.blocks else None

    def add_list(self, items: list[ListItem], ordered: bool) -> None:
        if not items:
            return
        span = Span(items[0].span.start, items[-1].span.end)
        if self.section.kind == REFERENCES or sum(looks_like_citation(i.text) for i in items) * 2 > len(items):
            self.add(ReferenceList([i.text for i in items], span))
            return
        if self.section.kind == GLOSSARY and all(i.term for i in items):
            for item in items:
                self.add(GlossaryEntry(item.term, item.description, item.span))
            return
        previous = self.last_block()
        interrupted = self._interrupted_list(items) if ordered else None
        if interrupted is not None:
            # "1. Do this" / why it matters / "2. Then this": one procedure, explained as it goes.
            interrupted.items.extend(items)
            interrupted.span = Span(interrupted.span.start, span.end)
            return
        intro = previous.text if isinstance(previous, Paragraph) else ""
        self.add(ItemList(items, ordered, span, intro))

    def _interrupted_list(self, items: list[ListItem]) -> ItemList | None:
        """The numbered list that ``items`` continue across paragraphs between them, if any."""
        for block in reversed(self.section.blocks):
            if isinstance(block, ItemList):
                last = block.items[-1].number
                return block if block.ordered and last and items[0].number == last + 1 else None
            if not isinstance(block, Paragraph):
                return None
        return None

    def finish(self, format: str, title: str = "") -> Document:
        sections = [s for s in self.sections if s.title or s.blocks]
        last_line = max(len(self.lines), 1)
        # An empty text has no section, and so nothing to follow one.
        following_sections: list[Section | None] = [*sections[1:], None] if sections else []
        for section, following in zip(sections, following_sections, strict=True):
            end = following.span.start - 1 if following else last_line
            section.span = Span(section.span.start, max(section.span.start, end))
        _assign_paths(sections)
        return Document(format, self.lines, sections, self.dropped, title)


def _assign_paths(sections: list[Section]) -> None:
    stack: list[Section] = []
    for section in sections:
        if not section.title or section.level == 0:
            section.path = ()
            continue
        while stack and stack[-1].level >= section.level:
            stack.pop()
        stack.append(section)
        section.path = tuple(s.title for s in stack)
        if section.kind == BODY:
            kinds = {s.kind for s in stack[:-1]}
            section.kind = GLOSSARY if GLOSSARY in kinds else REFERENCES if REFERENCES in kinds else BODY


# Plain text ------------------------------------------------------------------------------------------------------

_BLANK, _CHROME, _BULLET_ITEM, _NUMBERED_ITEM, _MEANING_LINE, _CAPTION_LINE, _TEXT_LINE = range(7)


class _TextReader:
    def __init__(self, lines: list[str], progress: Progress | None):
        self.lines = lines
        self.text = [clean(line) for line in lines]
        self._join_lone_meaning_labels()
        self.builder = _Builder(lines)
        self.progress = progress
        self.reported = 0
        self.kinds = [self._classify(i) for i in range(len(lines))]
        self.glossary_mode = False
        # (section, blank lines before its heading), to settle heading levels once all are known
        self.headings: list[tuple[Section, int]] = []

    def _join_lone_meaning_labels(self) -> None:
        """"Meaning" alone on a line, the definition on the next: read as one ``Meaning ∞ definition`` line."""
        for i, text in enumerate(self.text):
            if text.lower().rstrip(":∞ ") not in ("meaning", "definition"):
                continue
            j = i + 1
            while j < len(self.text) and not self.text[j]:
                j += 1
            if j < len(self.text) and j - i <= 2:
                self.text[i] = f"Meaning ∞ {self.text[j]}"
                self.text[j] = ""

    def _classify(self, i: int) -> int:
        text = self.text[i]
        if not text:
            return _BLANK
        if is_chrome(text):
            return _CHROME
        raw = self.lines[i]
        if _BULLET.match(raw):
            return _BULLET_ITEM
        if _NUMBERED.match(raw):
            return _NUMBERED_ITEM
        if _MEANING.match(text):
            return _MEANING_LINE
        if self._caption(i, text):
            return _CAPTION_LINE
        return _TEXT_LINE

    def _caption(self, i: int, text: str) -> bool:
        """Alt text and captions: a picture described in a line of its own, with no closing full stop."""
        if _CAPTION_PREFIX.match(text):
            return True
        followed_by_blank = i + 1 >= len(self.lines) or not self.lines[i + 1].strip()
        return (
            followed_by_blank
            and len(text.split()) >= 6
            and (text[0].isupper() or text[0].isdigit())
            and not _ends_sentence(text)
            and not text.endswith((":", ";", ","))
            and bool(_CAPTION_WORD.search(text) or _INNER_SENTENCE_END.search(text))
        )

    def _report(self, line: int) -> None:
        if self.progress and line - self.reported >= 2000:
            self.progress(line - self.reported)
            self.reported = line

    def read(self) -> Document:
        i, n = 0, len(self.lines)
        while i < n:
            self._report(i)
            kind = self.kinds[i]
            if kind == _BLANK:
                i += 1
            elif kind == _CHROME:
                self.builder.drop(BOILERPLATE, self.text[i], Span(i + 1, i + 1))
                i += 1
            elif kind == _CAPTION_LINE:
                self.builder.drop(CAPTION, self.text[i], Span(i + 1, i + 1))
                i += 1
            elif kind in (_BULLET_ITEM, _NUMBERED_ITEM):
                i = self._list(i)
            else:
                i = self._run(i)
        if self.progress and n > self.reported:
            self.progress(n - self.reported)
        self._settle_levels()
        return self.builder.finish(TEXT)

    def _blank_before(self, i: int) -> int:
        """Blank lines just above line ``i``; page chrome counts as blank, being no part of the text."""
        count = 0
        while i - 1 - count >= 0 and self.kinds[i - 1 - count] in (_BLANK, _CHROME):
            count += 1
        return count

    def _next_content(self, i: int) -> int:
        """The next line after ``i`` that is neither blank nor a caption, or len(lines)."""
        j = i + 1
        while j < len(self.lines) and self.kinds[j] in (_BLANK, _CAPTION_LINE):
            j += 1
        return j

    def _run(self, i: int) -> int:
        """A run of text lines up to the next blank line or other kind of line."""
        j = i
        while j < len(self.lines) and self.kinds[j] in (_TEXT_LINE, _MEANING_LINE):
            if j > i and self.kinds[j] == _MEANING_LINE:
                break
            j += 1
        run = list(range(i, j))
        first = self.text[i]
        if self._definitions(run):
            return j
        if len(run) >= 2 and self.kinds[i] == _TEXT_LINE and self._label_over_text(run):
            return j
        if len(run) == 1 and self.kinds[i] == _TEXT_LINE:
            after = self._next_content(i)
            if _short_label(first, 10) and after < len(self.lines) and self.kinds[after] == _MEANING_LINE:
                definition = clean(_matched_text(_MEANING, self.text[after]))
                self.builder.add(GlossaryEntry(first, definition, Span(i + 1, after + 1)))
                self.glossary_mode = True
                return after + 1
            heading_like = self._isolated(i) and _short_label(first, 12) and (first[0].isupper() or first[0].isdigit())
            if heading_like and (not self.glossary_mode or self._top_level(i)):
                self._heading(i)
                return j
            if self.glossary_mode and _short_label(first, 8):
                self.builder.add(GlossaryEntry(first, "", Span(i + 1, i + 1)))
                return j
        if len(run) >= 3:
            table = self._aligned_table(run) or self._table(run)
            if table:
                self.builder.add(table)
                return j
        self._paragraph(run)
        return j

    def _definitions(self, run: list[int]) -> bool:
        """Lines each of the form ``Term: definition`` (or ``Term - definition`` in a glossary or a run of them)
        become glossary entries."""
        if not split_term(self.text[run[0]])[0]:
            return False  # most runs are prose: one look at the first line settles it
        found = [split_term(self.text[k]) for k in run]
        if not all(term for term, _ in found):
            return False
        dashed = [k for k, (term, _) in zip(run, found, strict=True) if not _COLON_TERM.match(self.text[k])]
        if dashed and len(run) == 1 and self.builder.section.kind != GLOSSARY:
            after = self._next_content(run[-1])
            previous = self.builder.last_block()
            follows = after < len(self.lines) and self.kinds[after] == _TEXT_LINE and split_term(self.text[after])[0]
            if not follows and not isinstance(previous, GlossaryEntry):
                return False
        for k, (term, description) in zip(run, found, strict=True):
            self.builder.add(GlossaryEntry(term, description, Span(k + 1, k + 1)))
        return True

    def _label_over_text(self, run: list[int]) -> bool:
        """A short line right above a paragraph, with no blank line between: in a glossary (or when the label is in
        lower case, as glossary terms are) a term over its definition; elsewhere a heading over its paragraph."""
        first, second = self.text[run[0]], self.text[run[1]]
        rest = [self.text[k] for k in run[1:]]
        if not (_short_label(first, 8) and second[:1].isupper() and _ends_sentence(rest[-1])):
            return False
        if len(first.split()) * 2 > len(second.split()) and len(run) == 2:
            return False
        if self.builder.section.kind == GLOSSARY or first[0].islower():
            self.builder.add(GlossaryEntry(first, self._join(run[1:]), Span(run[0] + 1, run[-1] + 1)))
            self.glossary_mode = True
            return True
        if not (first[0].isupper() or first[0].isdigit()) or (self._blank_before(run[0]) == 0 and run[0] > 0):
            return False
        self._heading(run[0])
        self._paragraph(run[1:])
        return True

    def _isolated(self, i: int) -> bool:
        before_ok = i == 0 or self.kinds[i - 1] in (_BLANK, _CHROME)
        after_ok = i + 1 >= len(self.lines) or self.kinds[i + 1] in (_BLANK, _BULLET_ITEM, _NUMBERED_ITEM)
        return before_ok and after_ok

    def _top_level(self, i: int) -> bool:
        return self._blank_before(i) >= 2 or _title_key(self.text[i]) in BACK_MATTER_TITLES

    def _heading(self, i: int) -> None:
        title = self.text[i].rstrip(":")
        section = self.builder.heading(title, 2, i + 1)
        self.headings.append((section, self._blank_before(i)))
        self.glossary_mode = section.kind == GLOSSARY

    def _settle_levels(self) -> None:
        """Top-level headings are the first one, those after two blank lines and back-matter names; when no heading
        after the first is marked that way, every heading is top-level."""
        if not self.headings:
            return
        marked = [
            index == 0 or blanks >= 2 or _title_key(section.title) in BACK_MATTER_TITLES
            for index, (section, blanks) in enumerate(self.headings)
        ]
        layered = any(marked[1:])
        for (section, _), top in zip(self.headings, marked, strict=True):
            section.level = 1 if top or not layered else 2

    def _paragraph(self, run: list[int]) -> None:
        text = self._join(run)
        span = Span(run[0] + 1, run[-1] + 1)
        previous = self.builder.last_block()
        if self.glossary_mode and isinstance(previous, GlossaryEntry) and not previous.definition:
            if not previous.note and self.builder.section.kind == GLOSSARY and _reads_as_definition(text):
                previous.definition = text
                previous.span = Span(previous.span.start, span.end)
                return
            previous.note = f"{previous.note} {text}".strip()
            return
        if self.builder.section.kind == REFERENCES:
            self.builder.add(ReferenceList([text], span))
            return
        self.builder.add(Paragraph(text, span))

    def _join(self, run: list[int]) -> str:
        """Lines of one paragraph joined, mending words hyphenated across a line break."""
        text = ""
        for index in run:
            line = self.text[index]
            if text.endswith("-") and line[:1].islower() and len(text) > 1 and text[-2].isalpha():
                text = text[:-1] + line
            else:
                text = f"{text} {line}" if text else line
        return text

    def _aligned_table(self, run: list[int]) -> Table | None:
        """Columns that line up: every line cut into the same number of cells by runs of two or more spaces (or
        tabs), the first line being the header."""
        rows = [_COLUMN_GAP.split(self.lines[k].strip()) for k in run]
        if len(rows[0]) < 2 or any(len(row) != len(rows[0]) for row in rows):
            return None
        previous = self.builder.last_block()
        lines = [k + 1 for k in run]
        title, start = "", lines[0]
        if isinstance(previous, Paragraph) and _short_label(previous.text, 12):
            title, start = previous.text, previous.span.start
            self.builder.section.blocks.pop()
        span = Span(start, lines[-1])
        return Table(title, [clean(c) for c in rows[0]], [[clean(c) for c in row] for row in rows[1:]], span, True,
                     lines[0], lines[1:])

    def _table(self, run: list[int]) -> Table | None:
        texts = [self.text[i] for i in run]
        if any(_ends_sentence(t) or len(t.split()) > 60 for t in texts):
            return None
        if not all(t[0].isupper() or t[0].isdigit() or t[0] in "(\"'“" for t in texts):
            return None
        if _title_case(texts[0]) and _title_case(texts[1]) and len(texts) >= 4:
            title, skip = texts[0], 1
        elif _title_case(texts[0]):
            title, skip = "", 0
        else:
            return None
        lines = [i + 1 for i in run[skip:]]
        return recover_table(
            title, texts[skip], texts[skip + 1 :], Span(run[0] + 1, run[-1] + 1), lines[0], lines[1:]
        )

    def _list(self, i: int) -> int:
        kind = self.kinds[i]
        pattern = _BULLET if kind == _BULLET_ITEM else _NUMBERED
        items: list[ListItem] = []
        n = len(self.lines)
        base_indent = _indent(self.lines[i])
        while i < n and self.kinds[i] == kind:
            text = clean(_matched_text(pattern, self.lines[i]))
            numbered = _NUMBERED.match(self.lines[i]) if kind == _NUMBERED_ITEM else None
            number = int(numbered["number"]) if numbered else 0
            nested = _indent(self.lines[i]) > base_indent and bool(items)
            start = i
            i += 1
            # Wrapped items: lines that go on without a blank line, indented or starting in lower case.
            while i < n and self.kinds[i] == _TEXT_LINE and (
                self.lines[i][:1].isspace() or self.text[i][0].islower()
            ):
                text = f"{text} {self.text[i]}"
                i += 1
            term, description = split_term(text)
            item = ListItem(text, Span(start + 1, i), term, description, number)
            if nested:
                items[-1].children.append(item)
                items[-1].span = Span(items[-1].span.start, i)
            else:
                items.append(item)
            if i + 1 < n and self.kinds[i] == _BLANK and self.kinds[i + 1] == kind:
                i += 1  # one blank line between items keeps the list going
        self.builder.add_list(items, ordered=kind == _NUMBERED_ITEM)
        return i


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


# Markdown --------------------------------------------------------------------------------------------------------


def _inline_text(children: list[Any] | None) -> str:
    parts = []
    for child in children or []:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
    return clean("".join(parts))


def _images(children: list[Any] | None) -> list[str]:
    return [clean(child.content) or "(image)" for child in children or [] if child.type == "image"]


def _bold_term(children: list[Any] | None) -> tuple[str, str]:
    """``**Term**: description`` (or ``**Term:** description``, ``**Term** - description``) from inline tokens."""
    children = [c for c in children or [] if not (c.type == "text" and not c.content.strip())]
    if not children or children[0].type != "strong_open":
        return "", ""
    close = next((k for k, c in enumerate(children) if c.type == "strong_close"), None)
    if close is None:
        return "", ""
    term = _inline_text(children[1:close])
    rest = _inline_text(children[close + 1 :])
    if term.endswith(":"):
        term = term[:-1].strip()
    elif rest[:1] in (":", "-", "–", "—"):
        rest = rest[1:].strip()
    else:
        return "", ""
    if not term or not rest or len(term.split()) > 10:
        return "", ""
    return term, rest


def _split_at_breaks(children: list[Any] | None) -> list[list[Any]]:
    groups: list[list[Any]] = [[]]
    for child in children or []:
        if child.type in ("softbreak", "hardbreak"):
            groups.append([])
        else:
            groups[-1].append(child)
    return groups


class _MarkdownReader:
    def __init__(self, lines: list[str], progress: Progress | None):
        self.lines = lines
        self.builder = _Builder(lines)
        self.progress = progress
        self.pending_term: GlossaryEntry | None = None
        self.open_headings: list[Section] = []

    def read(self) -> Document:
        from markdown_it import MarkdownIt

        parser = MarkdownIt("commonmark").enable(["table", "strikethrough"])
        return self.read_tokens(parser.parse("\n".join(self.lines)))

    def read_tokens(self, tokens: list[Any]) -> Document:
        """The Document of markdown-it's block tokens (or tokens shaped like them) of ``self.lines``."""
        i = 0
        while i < len(tokens):
            token = tokens[i]
            if token.type == "heading_open":
                i = self._heading(tokens, i)
            elif token.type == "paragraph_open":
                i = self._paragraph(tokens, i)
            elif token.type in ("bullet_list_open", "ordered_list_open"):
                _, i = self._list_items(tokens, i)
            elif token.type == "table_open":
                i = self._table(tokens, i)
            elif token.type in ("fence", "code_block"):
                self.builder.drop(CODE, token.content.strip()[:200], self._span(token))
                i += 1
            elif token.type == "html_block":
                self.builder.drop(HTML, token.content.strip()[:200], self._span(token))
                i += 1
            else:
                i += 1
        if self.progress:
            self.progress(len(self.lines))
        return self.builder.finish(MARKDOWN, self._title())

    def _title(self) -> str:
        """A lone level-1 heading at the top names the document; it is left out of every section path."""
        headings = [s for s in self.builder.sections if s.title]
        top = [s for s in headings if s.level == 1]
        if len(top) == 1 and headings[0] is top[0]:
            top[0].level = 0
            return top[0].title
        return ""

    @staticmethod
    def _span(token: Any) -> Span:
        start, end = token.map or (0, 1)
        return Span(start + 1, max(start + 1, end))

    def _heading(self, tokens: list[Any], i: int) -> int:
        level = int(tokens[i].tag[1:])
        title = _inline_text(tokens[i + 1].children) if i + 1 < len(tokens) else ""
        line = self._span(tokens[i]).start
        glossary = self._enclosing_glossary(level)
        if title and glossary and not _INDEX_LETTER.fullmatch(title):
            # "### Term" under "## Glossary": the paragraph after it is the definition ("## A" is an index letter).
            self.pending_term = GlossaryEntry(title, "", Span(line, line))
            self.builder.add(self.pending_term)
        elif title:
            self.pending_term = None
            self.open_headings.append(self.builder.heading(title, level, line))
        return i + 3

    def _enclosing_glossary(self, level: int) -> Section | None:
        """The nearest heading above this level, if it is a glossary. Headings at this level or deeper are closed
        by this one, so a stack of open headings answers without looking back over the whole document."""
        while self.open_headings and self.open_headings[-1].level >= level:
            self.open_headings.pop()
        if self.open_headings and self.open_headings[-1].kind == GLOSSARY:
            return self.open_headings[-1]
        return None

    def _paragraph(self, tokens: list[Any], i: int) -> int:
        span = self._span(tokens[i])
        inline = tokens[i + 1] if i + 1 < len(tokens) and tokens[i + 1].type == "inline" else None
        children = inline.children if inline else []
        text = _inline_text(children)
        for alt in _images(children):
            self.builder.drop(IMAGE, alt, span)
        if not text:
            return i + 3
        if is_chrome(text):
            self.builder.drop(BOILERPLATE, text, span)
            return i + 3
        meaning = _MEANING.match(text)
        previous = self.builder.last_block()
        if meaning and isinstance(previous, Paragraph) and _short_label(previous.text, 10):
            self.builder.section.blocks[-1] = GlossaryEntry(
                previous.text, clean(meaning["text"]), Span(previous.span.start, span.end)
            )
            return i + 3
        if meaning and isinstance(previous, GlossaryEntry) and not previous.definition:
            previous.definition = clean(meaning["text"])
            previous.span = Span(previous.span.start, span.end)
            return i + 3
        if self.pending_term is not None and previous is self.pending_term and not self.pending_term.definition:
            self.pending_term.definition = text
            self.pending_term.span = Span(self.pending_term.span.start, span.end)
            return i + 3
        groups = _split_at_breaks(children)
        lines = [_inline_text(group) for group in groups]
        if len(lines) >= 2 and all(line.startswith(": ") for line in lines[1:]) and _short_label(lines[0], 8):
            # A definition list: "Term" then ": definition" (one or more).
            definition = " ".join(clean(line[1:]) for line in lines[1:])
            self.builder.add(GlossaryEntry(lines[0], definition, span))
            return i + 3
        definitions = [_bold_term(group) for group in groups]
        if not all(term for term, _ in definitions) and (
            len(groups) > 1 or self.builder.section.kind == GLOSSARY or _COLON_TERM.match(text)
        ):
            # Lines each of the form "Term - definition" also define, in a glossary or when every line of a block
            # does; a lone sentence with a dash in it is prose, but "Term: definition" alone is a definition.
            definitions = [split_term(line) for line in lines]
        if all(term for term, _ in definitions):
            for offset, (term, definition) in enumerate(definitions):
                line = min(span.start + offset, span.end)
                self.builder.add(GlossaryEntry(term, definition, Span(line, line)))
            return i + 3
        if self.builder.section.kind == GLOSSARY and _short_label(text, 8):
            self.builder.add(GlossaryEntry(text, "", span))
            return i + 3
        if self.builder.section.kind == REFERENCES:
            self.builder.add(ReferenceList([text], span))
            return i + 3
        self.builder.add(Paragraph(text, span))
        return i + 3

    def _list_items(self, tokens: list[Any], i: int) -> tuple[list[ListItem], int]:
        """One list and, after it, each list nested in it (siblings are the items of one level); a nested list's
        items are also kept as the children of the item they sit in. Returns the list's items and where it ends."""
        opener = tokens[i]
        close_type = opener.type.replace("_open", "_close")
        items: list[ListItem] = []
        nested: list[tuple[int, ListItem | None]] = []
        ordered = opener.type == "ordered_list_open"
        number = int(opener.attrs.get("start", 1) or 1) if ordered else 0
        j = i + 1
        while j < len(tokens) and not (tokens[j].type == close_type and tokens[j].level == opener.level):
            token = tokens[j]
            if token.type == "list_item_open" and token.level == opener.level + 1:
                items.append(ListItem("", self._span(token), number=number + len(items) if ordered else 0))
            elif token.type in ("bullet_list_open", "ordered_list_open") and token.level > opener.level:
                nested.append((j, items[-1] if items else None))
                depth = token.level
                closer = token.type.replace("_open", "_close")
                while j < len(tokens) and not (tokens[j].type == closer and tokens[j].level == depth):
                    j += 1
            elif token.type == "inline" and items:
                for alt in _images(token.children):
                    self.builder.drop(IMAGE, alt, items[-1].span)
                item = items[-1]
                text = _inline_text(token.children)
                if text and not item.text:
                    item.term, item.description = _bold_term(token.children)
                    item.text = text
                    if not item.term:
                        item.term, item.description = split_term(text)
                elif text:
                    item.text = f"{item.text} {text}"
            j += 1
        kept = [item for item in items if item.text]
        self.builder.add_list(kept, ordered=ordered)
        for start, owner in nested:
            children, _ = self._list_items(tokens, start)
            if owner is not None:
                owner.children.extend(children)
        return kept, j + 1

    def _table(self, tokens: list[Any], i: int) -> int:
        span = self._span(tokens[i])
        rows: list[list[str]] = []
        lines: list[int] = []
        j = i + 1
        while j < len(tokens) and tokens[j].type != "table_close":
            token = tokens[j]
            if token.type == "tr_open":
                rows.append([])
                lines.append(self._span(token).start)
            elif token.type == "inline" and rows:
                rows[-1].append(_inline_text(token.children))
            j += 1
        previous = self.builder.last_block()
        title = previous.text if isinstance(previous, Paragraph) and _short_label(previous.text, 12) else ""
        if len(rows) >= 2:
            self.builder.add(Table(title, rows[0], rows[1:], span, True, lines[0], lines[1:]))
        return j + 1


# Main text of a web page -----------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Token:
    """The part of a markdown-it token the Markdown reader looks at."""

    type: str
    tag: str = ""
    map: list[int] | None = None
    level: int = 0
    content: str = ""
    children: list[_Token] | None = None
    attrs: dict[str, Any] = field(default_factory=dict)


_SOFTBREAK = _Token("softbreak")
_BLOCK_TAGS = frozenset({"p", "head", "quote", "list", "item", "table", "row", "cell"})
_STRONG_OPEN = _Token("strong_open")
_STRONG_CLOSE = _Token("strong_close")


class _TreeTokens:
    """trafilatura's main-text tree as Markdown lines and the block tokens markdown-it would give for them."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.tokens: list[_Token] = []

    def read(self, body: Any) -> tuple[list[str], list[_Token]]:
        for element in body:
            self._block(element)
        if self.lines and not self.lines[-1]:
            self.lines.pop()
        return self.lines, self.tokens

    def _emit(self, text: str) -> int:
        """Add a line; return its 0-based number."""
        self.lines.append(text)
        return len(self.lines) - 1

    def _block(self, element: Any) -> None:
        tag = element.tag
        if tag == "head":
            rend = element.get("rend") or "h2"
            level = int(rend[1]) if len(rend) == 2 and rend[0] == "h" and rend[1] in "123456" else 2
            children, texts = self._inline(element)
            title = " ".join(" ".join(texts).split())
            if title:
                line = self._emit(f"{'#' * level} {title}")
                self._wrapped("heading", f"h{level}", [line, line + 1], 0, children)
                self._emit("")
        elif tag == "list":
            self._list(element, 0, 0)
            self._emit("")
        elif tag == "table":
            self._table(element)
            self._emit("")
        elif tag == "code":
            text = "".join(element.itertext()).strip("\n")
            start = self._emit("```")
            for code_line in text.split("\n"):
                self._emit(code_line)
            end = self._emit("```")
            self.tokens.append(_Token("fence", map=[start, end + 1], content=text))
            self._emit("")
        elif tag in ("lb", "graphic"):
            return
        else:
            # "p", "quote" and anything else: a paragraph of its text.
            self._paragraph(element, "> " if tag == "quote" else "", 0)
            self._emit("")

    def _paragraph(self, element: Any, prefix: str, level: int, skip_lists: bool = False) -> bool:
        children, texts = self._inline(element, skip_lists)
        texts = [" ".join(text.split()) for text in texts]
        if not any(texts):
            return False
        start = len(self.lines)
        for text in texts:
            self._emit(f"{prefix}{text}")
        self._wrapped("paragraph", "p", [start, len(self.lines)], level, children)
        return True

    def _wrapped(self, kind: str, tag: str, lines: list[int], level: int, children: list[_Token]) -> None:
        self.tokens.append(_Token(f"{kind}_open", tag, lines, level))
        self.tokens.append(_Token("inline", map=lines, level=level + 1, children=children))
        self.tokens.append(_Token(f"{kind}_close", tag, None, level))

    def _inline(self, element: Any, skip_lists: bool = False) -> tuple[list[_Token], list[str]]:
        """The inline tokens of an element's text, and its text cut at line breaks."""
        children: list[_Token] = []
        texts = [""]

        def text(value: str | None) -> None:
            if value:
                children.append(_Token("text", content=value))
                texts[-1] += value

        def walk(node: Any) -> None:
            text(node.text)
            for child in node:
                if child.tag == "lb":
                    children.append(_SOFTBREAK)
                    texts.append("")
                elif skip_lists and child.tag == "list":
                    pass
                elif child.tag in _BLOCK_TAGS:
                    text(" ")  # paragraphs inside a quote or a cell: words of two blocks kept apart
                    walk(child)
                elif child.tag == "hi" and "#b" in (child.get("rend") or ""):
                    children.append(_STRONG_OPEN)
                    walk(child)
                    children.append(_STRONG_CLOSE)
                elif child.tag == "code":
                    value = "".join(child.itertext())
                    children.append(_Token("code_inline", content=value))
                    texts[-1] += value
                else:
                    walk(child)
                text(child.tail)

        walk(element)
        return children, texts

    def _list(self, element: Any, level: int, depth: int) -> None:
        ordered = (element.get("rend") or "") == "ol"
        kind = "ordered_list" if ordered else "bullet_list"
        start_line = len(self.lines)
        opener = _Token(f"{kind}_open", "ol" if ordered else "ul", None, level)
        self.tokens.append(opener)
        indent = "   " * depth
        number = 0
        for item in element:
            if item.tag != "item":
                continue
            number += 1
            start = len(self.lines)
            item_open = _Token("list_item_open", "li", [start, start + 1], level + 1)
            self.tokens.append(item_open)
            marker = f"{indent}{number}. " if ordered else f"{indent}- "
            if not self._paragraph(item, marker, level + 2, skip_lists=True):
                self._emit(marker.rstrip())
            for nested in item.iterfind("list"):
                self._list(nested, level + 2, depth + 1)
            item_open.map = [start, len(self.lines)]
            self.tokens.append(_Token("list_item_close", "li", None, level + 1))
        opener.map = [start_line, len(self.lines)]
        self.tokens.append(_Token(f"{kind}_close", opener.tag, None, level))

    def _table(self, element: Any) -> None:
        rows = [row for row in element.iter("row")]
        if not rows:
            return
        start_line = len(self.lines)
        opener = _Token("table_open", "table")
        self.tokens.append(opener)
        for number, row in enumerate(rows):
            cells = [cell for cell in row if cell.tag == "cell"]
            line = len(self.lines)
            self.tokens.append(_Token("tr_open", "tr", [line, line + 1]))
            texts = []
            for cell in cells:
                children, parts = self._inline(cell)
                self.tokens.append(_Token("inline", map=[line, line + 1], children=children))
                texts.append(" ".join(" ".join(parts).replace("|", "\\|").split()))
            self._emit("| " + " | ".join(texts) + " |")
            if number == 0:
                self._emit("|" + "---|" * len(cells))
            self.tokens.append(_Token("tr_close", "tr"))
        opener.map = [start_line, len(self.lines)]
        self.tokens.append(_Token("table_close", "table"))
