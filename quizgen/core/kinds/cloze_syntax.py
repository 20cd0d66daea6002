"""Anki's cloze syntax: ``{{c1::answer}}`` or ``{{c1::answer::hint}}``, deletions nested in others included.

As in Anki, a deletion's hint is all that follows the first ``::`` of its own text, and a deletion may hold others:
``{{c1::Canberra was {{c2::founded}} in 1913}}`` asks c1 with the whole phrase blanked and c2 with only "founded"
blanked, the rest shown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# What the text is cut at: a deletion's start, the start of its hint, its end.
TOKEN = re.compile(r"\{\{c(\d+)::|::|\}\}")
# What a deletion mistyped begins with ({{c2:answer}}, {{ c2::answer}}): not one to Anki, which shows it as typed.
MISTYPED = re.compile(r"\{\{\s*c\s*\d+\s*:", re.IGNORECASE)
# Anki numbers a note's cards from c1 to c65536 and refuses a package with any number above.
MAX_NUMBER = 65536


@dataclass(frozen=True)
class Deletion:
    number: int
    answer: str  # its text, any deletion inside it filled in
    hint: str


@dataclass
class _Node:
    number: int
    digits: str
    parts: list[str | _Node] = field(default_factory=list)
    hint: str | None = None


@dataclass
class _Parsed:
    parts: list[str | _Node]
    left_open: bool  # a deletion never closed, which Anki cannot ask
    stray: bool  # ``{{`` or ``}}`` outside any deletion, which Anki shows as typed
    mistyped: str  # the first text outside any deletion that looks like the start of one, or ""


def _number(digits: str) -> int:
    """The deletion number; any number past Anki's limit counts as just past it (Python refuses to read ints of
    thousands of digits)."""
    return int(digits) if len(digits.lstrip("0")) <= len(str(MAX_NUMBER)) else MAX_NUMBER + 1


def _parse(text: str) -> _Parsed:
    top: list[str | _Node] = []
    open_nodes: list[_Node] = []
    left_open = False
    position = 0

    def add(chunk: str) -> None:
        if not chunk:
            return
        if not open_nodes:
            top.append(chunk)
        elif open_nodes[-1].hint is not None:
            open_nodes[-1].hint += chunk
        else:
            open_nodes[-1].parts.append(chunk)

    for match in TOKEN.finditer(text):
        add(text[position:match.start()])
        position = match.end()
        token = match[0]
        if match[1] is not None and not (open_nodes and open_nodes[-1].hint is not None):
            open_nodes.append(_Node(_number(match[1]), match[1]))
        elif token == "}}" and open_nodes:
            node = open_nodes.pop()
            (open_nodes[-1].parts if open_nodes else top).append(node)
        elif token == "::" and open_nodes and open_nodes[-1].hint is None:
            open_nodes[-1].hint = ""
        else:
            add(token)
    add(text[position:])
    while open_nodes:  # left open: its text stays as written
        left_open = True
        node = open_nodes.pop()
        written = [f"{{{{c{node.digits}::", *node.parts, *([f"::{node.hint}"] if node.hint is not None else [])]
        (open_nodes[-1].parts if open_nodes else top).extend(written)
    outside_text = "".join(part for part in top if isinstance(part, str))
    mistyped = MISTYPED.search(outside_text)
    return _Parsed(top, left_open, "{{" in outside_text or "}}" in outside_text, mistyped[0] if mistyped else "")


def _nodes(parts: list[str | _Node]) -> list[_Node]:
    """Every deletion, outer before inner, in order of appearance."""
    found = []
    for part in parts:
        if isinstance(part, _Node):
            found.append(part)
            found += _nodes(part.parts)
    return found


def _text(parts: list[str | _Node], ask: int | None, blank: str) -> str:
    out = []
    for part in parts:
        if isinstance(part, str):
            out.append(part)
        elif ask is not None and part.number == ask:
            out.append(f"[{part.hint}]" if part.hint is not None else blank)  # an empty hint shows [], as in Anki
        else:
            out.append(_text(part.parts, ask, blank))
    return "".join(out)


def deletions(text: str) -> list[Deletion]:
    return [Deletion(n.number, _text(n.parts, None, ""), n.hint or "") for n in _nodes(_parse(text).parts)]


def numbers(text: str) -> list[int]:
    """Distinct deletion numbers, ascending: one face each."""
    return sorted({d.number for d in deletions(text)})


def problems(text: str) -> list[str]:
    """What is wrong with a cloze text, or an empty list."""
    parsed = _parse(text)
    found = _nodes(parsed.parts)
    out = []
    if parsed.left_open:
        out.append("a cloze deletion is never closed (expected {{c1::answer}} or {{c1::answer::hint}})")
    if not found:
        return [*out, "cloze text has no deletion like {{c1::answer}}"]
    for node in found:
        if node.number > MAX_NUMBER:
            out.append(f"cloze number c{node.digits} is too large: Anki takes c1 to c{MAX_NUMBER}")
        elif node.number < 1:
            out.append(f"cloze number c{node.number} must be 1 or more")
        if not _text(node.parts, None, "").strip():
            out.append(f"cloze deletion c{node.number} is empty")
    return out


def slips(text: str) -> list[str]:
    """What in the text is shown as typed, as Anki shows it, but is more often a slip than meant: a deletion
    mistyped, ``{{`` or ``}}`` outside every deletion, a deletion whose braces do not pair up (one that ends a
    brace early, ``{{c1::x^{2}}}``)."""
    parsed = _parse(text)
    if parsed.left_open:
        return []  # refused (``problems``), the rest of its text with it
    out = []
    if parsed.mistyped:
        out.append(f"{parsed.mistyped!r} begins no cloze deletion (expected {{{{c1::answer}}}})")
    elif parsed.stray:
        out.append("{{ or }} outside any deletion")
    for node in _nodes(parsed.parts):
        answer = _text(node.parts, None, "")
        if answer.count("{") != answer.count("}"):
            out.append(f"the braces of cloze deletion c{node.number} do not pair up, so it may end a brace early")
            break
    return out


def render(text: str, ask: int | None, blank: str = "[...]") -> str:
    """The text with deletion ``ask`` blanked (showing its hint) and every other deletion filled in."""
    return _text(_parse(text).parts, ask, blank)


def outside(text: str) -> str:
    """The text outside every deletion, a space where each was."""
    return "".join(part if isinstance(part, str) else " " for part in _parse(text).parts)


def without_empty(text: str) -> str:
    """The text without its empty deletions (``{{c2::}}``, which Anki keeps as a card with nothing to recall)."""
    if not any(not _text(node.parts, None, "").strip() for node in _nodes(_parse(text).parts)):
        return text
    return re.sub(r"\{\{c\d+::\s*(?:::[^{}]*)?\}\}", "", text)


def answers(text: str, number: int) -> list[str]:
    """The answers of deletion ``number``, in order of appearance."""
    return [d.answer for d in deletions(text) if d.number == number]
