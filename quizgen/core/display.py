"""The one way text from cards, decks and files reaches the terminal: as written, with nothing hidden.

Card text is data, never markup: ``[/]``, ``[a-z]+`` or ``[link=...]`` print as typed. Characters a terminal would
act on or not show at all (C0 and C1 controls other than newline and tab, DEL, bidi embeddings, overrides and
isolates, zero-width characters, line and paragraph separators, lone surrogates) print as escapes such as ``\\x1b``
or ``\\u202e``, so a card file cannot set the window title, write the clipboard, clear the screen or reorder what
the learner reads.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.text import Text

HIDDEN = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f"  # C0 but newline and tab; DEL; C1
    "\u00ad\u061c\u180e"  # soft hyphen, Arabic letter mark, Mongolian vowel separator
    # Zero-width space; left-to-right and right-to-left marks. The zero-width non-joiner and joiner (U+200C, U+200D)
    # stay: Persian and Indic words and emoji sequences are spelt with them.
    "\u200b\u200e\u200f"
    "\u2028-\u202e"  # line and paragraph separators; bidi embeddings and overrides
    "\u2060-\u206f"  # word joiner, invisible operators, bidi isolates, deprecated format characters
    "\ufeff\ufff9-\ufffb"  # zero-width no-break space (BOM), interlinear annotation
    "\ud800-\udfff"  # lone surrogates, as undecodable bytes arrive
    "\U000e0000-\U000e007f]"  # tag characters
)


def escape(char: str) -> str:
    """One hidden character as the escape that shows it: ``\\x1b``, ``\\u202e``, ``\\U000e0041``."""
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def hidden_characters(text: str) -> list[str]:
    """The distinct hidden characters in ``text``, in order of first appearance."""
    return list(dict.fromkeys(HIDDEN.findall(text)))


def visible(text: str) -> str:
    """``text`` with every hidden character replaced by its escape; for plain output such as ``click.echo``."""
    return HIDDEN.sub(lambda match: escape(match.group()), text)


def one_line(text: str) -> str:
    """``text`` as ``visible`` shows it, with newlines and tabs escaped too: what a user typed, quoted in a message
    that must stay on one line."""
    return visible(text).replace("\n", escape("\n")).replace("\t", escape("\t"))


def json_escaped(document: str) -> str:
    """JSON text with every hidden character as a ``\\u`` escape: the same data, nothing for a terminal to act on.

    ``json.dumps(ensure_ascii=False)`` escapes only C0 controls; hidden characters can only occur inside strings,
    where an escape means the same character.
    """

    def json_escape(match: re.Match[str]) -> str:
        units = match.group().encode("utf-16-be", "surrogatepass")
        return "".join(f"\\u{int.from_bytes(units[i:i + 2], 'big'):04x}" for i in range(0, len(units), 2))

    return HIDDEN.sub(json_escape, document)


def literal(text: str | Text, style: str = "") -> Text:
    """Data as a rich ``Text``: never read as markup, hidden characters shown as escapes.

    A ``Text`` keeps its styles; ``style`` applies to a plain string only.
    """
    from rich.text import Span, Text

    if isinstance(text, str):
        return Text(visible(text), style=style)
    plain = text.plain
    if not HIDDEN.search(plain):
        return text
    offsets = [offset for match in HIDDEN.finditer(plain) for offset in match.span()]
    shown = text.blank_copy()
    for piece in text.divide(offsets):
        if HIDDEN.fullmatch(piece.plain):
            code = escape(piece.plain)
            piece = Text(code, style=piece.style, spans=[Span(0, len(code), span.style) for span in piece.spans])
        shown.append_text(piece)
    return shown


def plural(count: int, word: str) -> str:
    """``count`` and ``word``, with an s unless the count is one: "1 card", "3 cards"."""
    return f"{count} {word}" if count == 1 else f"{count} {word}s"
