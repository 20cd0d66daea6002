"""The draft question file: reading the source text, drafting, and writing the TOML a person reviews.

The draft is an ordinary question file with a ``[deck]`` table, so ``quizgen import DRAFT.toml`` needs nothing else.
Above each card, a comment quotes the passage it was drafted from. The writer is our own rather than a TOML library:
the file has one fixed shape (strings, lists of strings, pairs), it must carry comments, and it must stay fast on
drafts of tens of thousands of cards.
"""

from __future__ import annotations

import functools
import json
import re
import textwrap
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from quizgen.core.bulk import collector_paused
from quizgen.core.cards import ID_PATTERN, Card, Deck
from quizgen.core.errors import QuizgenError
from quizgen.core.files import final_target, not_regular, replacing
from quizgen.core.paths import origin_label, origin_name
from quizgen.core.store import Store
from quizgen.ingest import draft, model_draft, read

if TYPE_CHECKING:
    import llm

LONG_INPUT = 256 * 1024
"""Sources at least this big (in bytes) get a progress bar."""

MARKDOWN_SUFFIXES = (".md", ".markdown", ".mdown", ".mkd")
HTML_SUFFIXES = (".html", ".htm", ".xhtml")
HTML = "html"
STDIN = "-"
MIN_MAIN_TEXT_WORDS = 12
"""An HTML page whose main text is shorter than this has none to draft from (a login page, an index of links)."""
# What files people point ingest at by mistake, told by their first bytes.
_NOT_TEXT = (
    (b"%PDF", "a PDF; save its text (for example with `pdftotext`) and ingest that"),
    (b"\x89PNG", "a PNG image, not text"),
    (b"\xff\xd8\xff", "a JPEG image, not text"),
    (b"GIF8", "a GIF image, not text"),
    (b"PK\x03\x04", "a ZIP archive (or a Word or EPUB file), not text"),
)
COMMENT_WIDTH = 100
MAX_PASSAGE_LINES = 12

# Characters TOML forbids raw in strings (or that Python's splitlines would count as line ends, putting
# `quizgen check` line numbers off), written as escapes.
_TOML_ESCAPES = {"\x7f": "\\u007f", "\x85": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"}
_COMMENT_UNSAFE = re.compile(r"[\x00-\x08\x0a-\x1f\x7f\x85\u2028\u2029]")


class SourceError(QuizgenError):
    """The file to draft from cannot be used (missing, a folder, empty, binary, not UTF-8)."""


def read_source(path: Path) -> str:
    """The text of ``path`` (``-``: standard input), or a one-line SourceError saying why there is none to draft
    from."""
    if str(path) == STDIN:
        import sys

        return _decoded(sys.stdin.buffer.read(), "standard input")
    if not path.exists():
        raise SourceError(f"{path}: no such file")
    if path.is_dir():
        raise SourceError(f"{path} is a folder; give a text or Markdown file")
    try:
        raw = path.read_bytes()
    except OSError as ex:
        raise SourceError(f"{path}: cannot read ({ex.strerror or ex})") from None
    return _decoded(raw, str(path))


def _decoded(raw: bytes, name: str) -> str:
    if not raw.strip():
        raise SourceError(f"{name} is empty: there is nothing to draft cards from")
    for magic, what in _NOT_TEXT:
        if raw.startswith(magic):
            raise SourceError(f"{name} is {what}")
    if b"\x00" in raw:
        raise SourceError(f"{name} looks like a binary file, not text")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as ex:
        line = raw[: ex.start].count(b"\n") + 1
        raise SourceError(f"{name}:{line}: not UTF-8 text (save the file as UTF-8)") from None


def guess_format(path: Path, text: str = "") -> str:
    """From the file's suffix, else (standard input, no suffix) from how the text starts."""
    suffix = path.suffix.lower()
    if suffix in MARKDOWN_SUFFIXES:
        return read.MARKDOWN
    if suffix in HTML_SUFFIXES or re.match(r"\s*<(?:!doctype\s+html|html)\b", text[:1000], re.IGNORECASE):
        return HTML
    return read.TEXT


def main_text(html: str, name: str, progress: read.Progress | None = None) -> read.Document:
    """The main text of an HTML page (headings, lists, tables kept), without navigation, cookie banners, footers
    or image alt text, found by trafilatura and read straight from the tree it gives."""
    from trafilatura import bare_extraction

    extracted = bare_extraction(
        html, include_tables=True, include_images=False, include_links=False, include_comments=False,
        include_formatting=True, deduplicate=False, with_metadata=False,
        # Extracted as for Markdown, so the tree keeps headings, lists and bold; any format but "python" spares
        # writing the tree out as text, which is only read from the tree here.
        output_format="markdown",
        # Big pages skip the second-opinion extractors: they would double the time for little gain on long text.
        fast=len(html) >= LONG_INPUT,
    )
    body = getattr(extracted, "body", None)
    document = read.parse_main_text(body if body is not None else [], progress)
    if sum(len(line.split()) for line in document.lines) < MIN_MAIN_TEXT_WORDS:
        raise SourceError(f"{name}: no main text found in this HTML page (nothing but navigation or markup)")
    document.format = HTML
    return document


def deck_slug(path: Path, slug: str | None = None) -> str:
    """The deck's slug: the one given (checked), else one made from the file name."""
    if slug is not None:
        if not ID_PATTERN.fullmatch(slug):
            raise SourceError(f"deck slug '{slug}' must be lowercase letters, digits and single dashes")
        return slug
    made = draft.slug(path.stem, max_length=60)
    return made if ID_PATTERN.fullmatch(made) else "draft"


def default_output(path: Path) -> Path:
    return path.with_name(f"{path.stem}.draft.toml")


def new_deck(slug: str, document: read.Document, source_name: str) -> Deck:
    name = document.title or " ".join(word.capitalize() for word in slug.split("-"))
    return Deck(
        slug=slug,
        name=name,
        description=f"Cards drafted from {source_name} by quizgen ingest, to be reviewed.",
        source_title=document.title or source_name,
        source_location=source_name,
    )


def build(
    text: str,
    format: str,
    source_name: str,
    slug: str,
    existing: Deck | None = None,
    progress: read.Progress | None = None,
    max_cards: int | None = None,
    keep_all: bool = False,
    model: llm.Model | None = None,
) -> draft.Draft:
    """Parse ``text`` and draft its cards into deck ``slug`` (keeping ``existing``'s description if it is known).

    ``format`` is ``text``, ``markdown`` or ``html`` (its main text is extracted, and read as the Markdown it
    stands for); ``max_cards`` and ``keep_all`` are as for ``draft.draft``; ``model``, a model of the llm library
    (``model_draft.load_model``), drafts the cards instead, the rule-based ones kept where it gives none.
    """
    # The name is quoted in comments and strings of the draft: no line breaks or control characters in it.
    source_name = _COMMENT_UNSAFE.sub(" ", source_name)
    with collector_paused():
        document = main_text(text, source_name, progress) if format == HTML else read.parse(text, format, progress)
        deck = existing or new_deck(slug, document, source_name)
        result = draft.draft(document, source_name, deck, progress, max_cards, keep_all)
        if model is not None:
            result = model_draft.draft_with_model(result, model, max_cards)
        if format == HTML:
            result.notes.insert(0, "Line numbers and passages are those of the main text taken from the HTML page.")
        return result


@contextmanager
def progress_bar(lines: int, show: bool) -> Iterator[read.Progress | None]:
    """A progress bar on stderr over reading and drafting (each counts the source's lines), or nothing."""
    if not show:
        yield None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        Progress,
        TaskProgressColumn,
        TextColumn,
        TimeRemainingColumn,
    )

    columns = (TextColumn("drafting cards"), BarColumn(), TaskProgressColumn(), TimeRemainingColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("drafting", total=2 * lines)
        yield lambda advance: bar.advance(task, advance)


def check_clashes(result: draft.Draft, store: Store, target: Path) -> None:
    """Refuse to import the draft into a deck where another file already has cards with the same ids: the import
    would overwrite them."""
    slug = result.deck.slug
    if slug not in {deck.slug for deck in store.decks()}:
        return
    mine = origin_name(target)
    taken = {s.card.id: s.origin for s in store.cards(slug, include_retired=True) if s.origin != mine}
    clashes = [d.card.id for d in result.cards if d.card.id in taken]
    if clashes:
        raise SourceError(
            f"deck '{result.deck.slug}' already has a card '{clashes[0]}' from {origin_label(taken[clashes[0]])}"
            f"{f' (and {len(clashes) - 1} more)' if len(clashes) > 1 else ''}; choose another --deck"
        )


def check_target(path: Path, result: draft.Draft, force: bool) -> None:
    """Never replace a file silently: it may be a draft someone has already edited. The same draft again is fine.
    Nor write to anything but a regular file (a device, a FIFO), even with ``force``."""
    kind = not_regular(path)
    if kind == "a folder":
        raise SourceError(f"{path} is a folder; give a file name for the draft")
    if kind:
        raise SourceError(f"{path} is {kind}, not a regular file; not writing to it (-o - writes to stdout)")
    if force or not final_target(path).exists():
        return
    if not _holds_draft(path, result):
        raise SourceError(f"{path} already exists and differs from this draft; not replacing it (use --force)")


def _holds_draft(path: Path, result: draft.Draft) -> bool:
    """True if ``path`` holds exactly this draft, read no further than the draft's own length."""
    try:
        with path.open("rb") as existing:
            for block in toml_blocks(result):
                expected = block.encode("utf-8")
                if existing.read(len(expected)) != expected:
                    return False
            return existing.read(1) == b""
    except OSError:
        return False


def write(result: draft.Draft, out: Path | TextIO) -> None:
    """Write the draft to a file (whole or not at all) or to a stream (stdout)."""
    if not result.cards:
        raise SourceError(f"no cards could be drafted from {result.source_name}; nothing written")
    with collector_paused(), _draft_out(out) as stream:
        # Card by card: the whole draft as one string (and again as UTF-8 bytes) would triple its memory.
        for block in toml_blocks(result):
            stream.write(block)


@contextmanager
def _draft_out(out: Path | TextIO) -> Iterator[TextIO]:
    if isinstance(out, Path):
        with replacing(out) as partial, partial.open("w", encoding="utf-8") as stream:
            yield stream
    else:
        yield out
        out.flush()


def toml_string(text: str) -> str:
    out = json.dumps(text, ensure_ascii=False)
    for char, escape in _TOML_ESCAPES.items():
        if char in out:
            out = out.replace(char, escape)
    return out


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return toml_string(value)
    if isinstance(value, list) and value and isinstance(value[0], list):
        rows = "".join(f"  [{', '.join(toml_string(side) for side in pair)}],\n" for pair in value)
        return f"[\n{rows}]"
    if isinstance(value, list):
        return f"[{', '.join(toml_string(item) for item in value)}]"
    raise TypeError(f"no TOML form for {type(value).__name__}")


def card_lines(card: Card) -> list[str]:
    """A card as it is written in a question file: its ``[[cards]]`` header and its keys, one a line."""
    return ["[[cards]]", *(f"{key} = {_toml_value(value)}" for key, value in card.to_dict().items())]


def _comment(text: str, prefix: str = "# ") -> list[str]:
    out: list[str] = []
    for line in text.split("\n"):
        line = _COMMENT_UNSAFE.sub(" ", line).rstrip()
        out.extend(f"{prefix}{part}" for part in (textwrap.wrap(line, COMMENT_WIDTH, break_on_hyphens=False) or [""]))
    return out


@functools.lru_cache(maxsize=256)
def _passage(text: str) -> tuple[str, ...]:
    """The passage as comment lines, cut short for long ones (the source span says where the rest is). Cached: the
    cards drafted from one paragraph all quote it, and wrapping is most of the time a draft takes to write."""
    budget = COMMENT_WIDTH * MAX_PASSAGE_LINES
    short = text if len(text) <= budget else text[:budget]
    lines = _comment(short, "#   ")
    if len(lines) > MAX_PASSAGE_LINES or len(text) > budget:
        lines = [*lines[:MAX_PASSAGE_LINES], "#   ..."]
    return tuple(lines)


def to_toml(result: draft.Draft) -> str:
    return "".join(toml_blocks(result))


def toml_blocks(result: draft.Draft) -> Iterator[str]:
    """The draft file in pieces (the header, then one per card), each ending in a newline."""
    deck = result.deck
    out = [
        f"# Cards drafted by `quizgen ingest` from {result.source_name}: a draft to review, not a finished deck.",
        "# Check each card against the passage quoted above it, rewrite or delete it, add an explanation,",
        "# then run `quizgen check` and `quizgen import` on this file.",
    ]
    for note in result.notes:
        out.append("#")
        out.extend(_comment(note))
    out += [
        "",
        "[deck]",
        f"slug = {toml_string(deck.slug)}",
        f"name = {toml_string(deck.name)}",
    ]
    if deck.description.strip():
        out.append(f"description = {toml_string(deck.description)}")
    if deck.source_title or deck.source_location:
        title, location = toml_string(deck.source_title), toml_string(deck.source_location)
        out.append(f"source = {{ title = {title}, location = {location} }}")
    yield "\n".join(out) + "\n"
    section = None
    scored = result.keep_all
    for drafted in result.cards:
        card = drafted.card
        out = []
        if card.section != section:
            section = card.section
            out += ["", f"# {'-' * 100}", *_comment(section), f"# {'-' * 100}"]
        out += ["", f"# from {card.source}:", *_passage(drafted.passage)]
        if isinstance(drafted, model_draft.ModelCard):
            out.append(f"# drafted by model {_COMMENT_UNSAFE.sub(' ', drafted.model)}")
        elif scored:
            out.append(f"# score {drafted.score:.1f}")
        out += card_lines(card)
        yield "\n".join(out) + "\n"


def _listing(names: Iterable[str], limit: int = 6) -> str:
    names = list(names)
    shown = ", ".join(names[:limit])
    return f"{shown}, ..." if len(names) > limit else shown


def summary_lines(result: draft.Draft) -> list[str]:
    """What was found in the source and what was drafted, for the terminal."""
    document = result.document
    headings = document.headings
    top_level = min((s.level for s in headings), default=0)
    top = [s.title for s in headings if s.level == top_level]
    lists = document.lists
    numbered = sum(1 for lst in lists if lst.ordered)
    termed = sum(1 for lst in lists for item in lst.items if item.term)
    tables = document.tables
    recovered = sum(1 for t in tables if t.columns_recovered)
    undefined = document.undefined_terms
    references = sum(len(r.entries) for r in document.references)
    captions = sum(1 for d in document.dropped if d.reason == read.CAPTION)
    boilerplate = sum(1 for d in document.dropped if d.reason == read.BOILERPLATE)
    counts = result.counts()
    kinds = ", ".join(f"{kind} {count}" for kind, count in sorted(counts.items()))
    lines = [
        f"{result.source_name}: {document.format}, {len(document.lines)} lines",
        f"  sections: {len(top)} top-level ({_listing(top)}), {len(headings) - len(top)} below them"
        if headings else "  sections: none (no headings found)",
        f"  lists: {len(lists)} ({len(lists) - numbered} bulleted, {numbered} numbered), {termed} term items",
        f"  tables: {len(tables)} ({recovered} with columns recovered)",
        f"  glossary: {len(document.glossary)} terms defined, {len(undefined)} without a definition (not carded)",
        f"  references: {references} entries (not used)",
        f"  set aside: {captions} image captions, {boilerplate} boilerplate lines",
        f"cards drafted: {len(result.cards)}" + (f" ({kinds})" if kinds else ""),
    ]
    if isinstance(result, model_draft.ModelDraft):
        lines.extend(result.summary_lines())
    return lines
