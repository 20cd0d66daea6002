"""Anki field HTML as terminal text: block elements and lists become lines, markup becomes plain text.

What the markup means stays readable: ordered lists keep their numbers, table cells are set apart by ``|``,
superscripts and subscripts become ``^`` and ``_`` (``E=mc^2``, ``H_2O``, ``x^(n+1)``), ruby readings follow their
text in parentheses (``漢字(かんじ)``), and what the card hides (``display: none``) stays hidden.

Media cannot be shown in a terminal, so images, sounds, videos and LaTeX are left out, each replaced by a short
marker saying what is missing (``[image: cat.jpg]``), and listed so an import can report them. MathJax (``\\(...\\)``)
is plain text already and stays.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser

# Anki's own media markup, which lives in the text rather than in tags.
SOUND = re.compile(r"\[sound:(.+?)\]")
LATEX = re.compile(r"\[latex\].*?\[/latex\]|\[\$\$\].*?\[/\$\$\]|\[\$\].*?\[/\$\]", re.DOTALL | re.IGNORECASE)

VIDEO_EXTENSIONS = (".mp4", ".webm", ".mkv", ".mov", ".avi", ".ogv", ".mpg", ".mpeg")

BLOCK_TAGS = {
    "address", "article", "aside", "blockquote", "center", "dd", "details", "div", "dl", "dt", "figcaption",
    "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "nav", "ol", "p",
    "pre", "section", "summary", "table", "tbody", "thead", "tfoot", "tr", "ul",
}
# Dropped with their content; ``rp`` holds the parentheses a browser without ruby shows, which the reading gets here.
DROPPED_TAGS = {
    "script", "style", "head", "title", "template", "noscript", "object", "canvas", "svg", "math", "rp",
}
VOID_TAGS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
WHITESPACE = re.compile(r"[ \t\r\n\f\u00a0]+")
# Text without any of these has nothing to convert but its whitespace.
MARKUP = re.compile(r"[<&\[]")
HIDDEN_STYLE = re.compile(r"display\s*:\s*none", re.IGNORECASE)
# Raised and lowered text, and a ruby reading: the mark before it, and whether a single word goes without brackets.
SCRIPT_MARKS = {"sup": "^", "sub": "_", "rt": ""}
# A script of one word or number needs no brackets: x^2, H_2O, 10^23.
BARE_SCRIPT = re.compile(r"\w+")


@dataclass(frozen=True)
class Omitted:
    """One media reference left out of the text: ``kind`` is image, audio, video or latex."""

    kind: str
    name: str


@dataclass
class Converted:
    text: str
    omitted: list[Omitted] = field(default_factory=list)

    @property
    def has_text(self) -> bool:
        """Whether anything but the markers of omitted media is left to read."""
        rest = self.text
        for marker in {marker_for(item) for item in self.omitted}:
            rest = rest.replace(marker, "")
        return bool(rest.strip())


def marker_for(item: Omitted) -> str:
    if item.kind == "latex":
        return "[LaTeX omitted]"
    return f"[{item.kind}: {item.name}]" if item.name else f"[{item.kind} omitted]"


def sound_kind(name: str) -> str:
    return "video" if name.lower().endswith(VIDEO_EXTENSIONS) else "audio"


def to_text(field_html: str, after_answer_rule: bool = False) -> Converted:
    """The readable text of one field (or of a rendered card side).

    ``after_answer_rule`` keeps only what follows ``<hr id=answer>`` when there is one: a rendered answer repeats
    the question above that rule.
    """
    if not MARKUP.search(field_html):
        return Converted(WHITESPACE.sub(" ", field_html).strip())
    omitted: list[Omitted] = []

    def replace(item: Omitted) -> str:
        omitted.append(item)
        return html.escape(marker_for(item))

    marked = LATEX.sub(lambda _m: replace(Omitted("latex", "")), field_html)
    marked = SOUND.sub(lambda m: replace(Omitted(sound_kind(m[1].strip()), m[1].strip())), marked)
    parser = _TextParser(omitted.append)
    parser.feed(marked)
    parser.close()
    text = parser.text(after_answer_rule)
    # Markers in text the rule cut off are no longer missing from this side.
    return Converted(text, [item for item in omitted if marker_for(item) in text])


class _TextParser(HTMLParser):
    def __init__(self, record: Callable[[Omitted], None]):
        super().__init__(convert_charrefs=True)
        self._record = record
        self._out: list[str] = []
        self._answer_at: int | None = None
        self._dropped: list[str] = []
        # Open lists, innermost last: for an ordered one, the number its last item had; None for an unordered one.
        self._lists: list[int | None] = []
        # Open superscripts, subscripts and ruby readings: the tag and where in the output its text begins.
        self._scripts: list[tuple[str, int]] = []
        self._pre = 0

    def text(self, after_answer_rule: bool) -> str:
        parts = self._out[self._answer_at :] if after_answer_rule and self._answer_at is not None else self._out
        lines = [line.rstrip() for line in "".join(parts).split("\n")]
        kept: list[str] = []
        for line in lines:
            if line or (kept and kept[-1]):
                kept.append(line)
        return "\n".join(kept).strip("\n")

    def _omit(self, item: Omitted) -> None:
        self._record(item)
        self._out.append(marker_for(item))

    def _ends_line(self) -> bool:
        return not self._out or self._out[-1].endswith("\n")

    def _newline(self) -> None:
        if not self._ends_line():
            self._out.append("\n")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self._dropped:
            if tag not in VOID_TAGS:
                self._dropped.append(tag)
            return
        attributes = {name: value or "" for name, value in attrs}
        if tag in DROPPED_TAGS or (tag not in VOID_TAGS and HIDDEN_STYLE.search(attributes.get("style", ""))):
            self._dropped.append(tag)
            return
        if tag == "img":
            source = attributes.get("src", "").strip()
            is_latex = "latex" in attributes.get("class", "").split() or source.startswith("latex-")
            self._omit(Omitted("latex", "") if is_latex else Omitted("image", source))
            return
        if tag in ("audio", "video") and attributes.get("src"):
            self._omit(Omitted("video" if tag == "video" else "audio", attributes["src"].strip()))
            return
        if tag == "source" and attributes.get("src"):
            self._omit(Omitted(sound_kind(attributes["src"]), attributes["src"].strip()))
            return
        if tag == "br":
            self._out.append("\n")
            return
        if tag == "hr":
            self._newline()
            if attributes.get("id") == "answer":
                self._answer_at = len(self._out)
            return
        if tag == "ul":
            self._lists.append(None)
        elif tag == "ol":
            start = attributes.get("start", "").strip()
            self._lists.append(int(start) - 1 if start.lstrip("-").isdigit() else 0)
        if tag == "pre":
            self._pre += 1
        if tag in BLOCK_TAGS:
            self._newline()
        if tag == "li":
            self._out.append("  " * max(len(self._lists) - 1, 0) + self._item_mark())
        elif tag in ("td", "th") and not self._ends_line():
            if self._out[-1].endswith(" "):
                self._out[-1] = self._out[-1].rstrip(" ")
            self._out.append(" | ")
        elif tag in SCRIPT_MARKS:
            self._scripts.append((tag, len(self._out)))

    def _item_mark(self) -> str:
        if not self._lists or self._lists[-1] is None:
            return "- "
        number = self._lists[-1] + 1
        self._lists[-1] = number
        return f"{number}. "

    def _close_script(self, tag: str) -> None:
        """Put the mark before the text of the script just closed, and brackets around it unless it is one word."""
        while self._scripts:
            opened, begins = self._scripts.pop()
            if opened == tag:
                break
        else:
            return
        text = "".join(self._out[begins:]).strip()
        del self._out[begins:]
        if not text:
            return
        mark = SCRIPT_MARKS[tag]
        self._out.append(f"{mark}{text}" if mark and BARE_SCRIPT.fullmatch(text) else f"{mark}({text})")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if self._dropped:
            if tag == self._dropped[-1]:
                self._dropped.pop()
            return
        if tag in ("ul", "ol") and self._lists:
            self._lists.pop()
        if tag in SCRIPT_MARKS:
            self._close_script(tag)
        if tag == "pre":
            self._pre = max(self._pre - 1, 0)
        if tag in BLOCK_TAGS:
            self._newline()

    def handle_data(self, data: str) -> None:
        if self._dropped:
            return
        if self._pre:
            self._out.append(data)
            return
        text = WHITESPACE.sub(" ", data)
        if self._ends_line() or self._out[-1].endswith(" "):
            text = text.lstrip(" ")
        if text:
            self._out.append(text)
