"""Anki's cloze syntax: ``{{c1::answer}}`` or ``{{c1::answer::hint}}``."""

from __future__ import annotations

import re
from dataclasses import dataclass

DELETION = re.compile(r"\{\{c(\d+)::(.*?)(?:::(.*?))?\}\}", re.DOTALL)
# Anki numbers a note's cards from c1 to c65536 and refuses a package with any number above.
MAX_NUMBER = 65536


@dataclass(frozen=True)
class Deletion:
    number: int
    answer: str
    hint: str


def _number(digits: str) -> int:
    """The deletion number; any number past Anki's limit counts as just past it (Python refuses to read ints of
    thousands of digits)."""
    return int(digits) if len(digits.lstrip("0")) <= len(str(MAX_NUMBER)) else MAX_NUMBER + 1


def deletions(text: str) -> list[Deletion]:
    return [Deletion(_number(m[1]), m[2], m[3] or "") for m in DELETION.finditer(text)]


def numbers(text: str) -> list[int]:
    """Distinct deletion numbers, ascending: one face each."""
    return sorted({d.number for d in deletions(text)})


def problems(text: str) -> list[str]:
    """What is wrong with a cloze text, or an empty list."""
    found = deletions(text)
    if not found:
        return ["cloze text has no deletion like {{c1::answer}}"]
    out = []
    leftover = DELETION.sub("", text)
    if "{{" in leftover or "}}" in leftover:
        out.append("unbalanced or malformed cloze braces (expected {{c1::answer}} or {{c1::answer::hint}})")
    for m in DELETION.finditer(text):
        if _number(m[1]) > MAX_NUMBER:
            out.append(f"cloze number c{m[1]} is too large: Anki takes c1 to c{MAX_NUMBER}")
    for d in found:
        if d.number < 1:
            out.append(f"cloze number c{d.number} must be 1 or more")
        if not d.answer.strip():
            out.append(f"cloze deletion c{d.number} is empty")
        if "::" in d.hint:
            out.append(f"cloze deletion c{d.number} has more than one '::' hint")
    return out


def render(text: str, ask: int | None, blank: str = "[...]") -> str:
    """The text with deletion ``ask`` blanked (showing its hint) and every other deletion filled in."""

    def replace(m: re.Match[str]) -> str:
        if ask is not None and int(m[1]) == ask:
            return f"[{m[3]}]" if m[3] else blank
        return m[2]

    return DELETION.sub(replace, text)


def answers(text: str, number: int) -> list[str]:
    """The answers of deletion ``number``, in order of appearance."""
    return [d.answer for d in deletions(text) if d.number == number]
