"""Card text laid out as HTML for Anki notes: escaped so Anki shows it literally, lists in a stable scramble."""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterable, Sequence


def html_text(value: str) -> str:
    """Plain text as HTML that Anki shows literally (line breaks kept).

    What ``html.escape(value, quote=False)`` does, written out: this runs for every piece of every card's text.
    An opening bracket is escaped too, or Anki would play ``[sound:x.mp3]`` (and speak ``[anki:tts]``) instead of
    showing it.
    """
    escaped = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return escaped.replace("[", "&#91;").replace("\n", "<br>")


def scrambled(items: Sequence[str], seed: str) -> list[str]:
    """The items in an order that depends only on the items and ``seed``, never the right order if avoidable.

    Stable across exports, so an unchanged card lays out the same fields and Anki sees nothing to update.
    """
    order = sorted(items, key=lambda item: hashlib.sha256(f"{seed}\x1f{item}".encode()).digest())
    if order == list(items) and len(order) > 1:
        order = order[1:] + order[:1]
    return order


# The layout below builds its lists in plain loops: in Python 3.11 a comprehension costs a function call of its own,
# which shows when laying out thousands of cards.


def html_list(tag: str, css_class: str, items: Iterable[str]) -> str:
    parts = [f'<{tag} class="{css_class}">']
    for item in items:
        parts.append(f"<li>{html_text(item)}</li>")
    parts.append(f"</{tag}>")
    return "".join(parts)


def question_html(value: str) -> str:
    return f'<div class="question">{html_text(value)}</div>'


def choice_lists(choices: Sequence[str], right: Collection[str]) -> tuple[str, str]:
    """The choices as shown on the front, and again on the back with the right ones marked."""
    front, back = ['<ol class="choices">'], ['<ol class="choices">']
    for choice in choices:
        text = html_text(choice)
        front.append(f"<li>{text}</li>")
        if choice in right:
            back.append(f'<li class="right">{text}<span class="mark">&#10004;</span></li>')
        else:
            back.append(f'<li class="other">{text}</li>')
    front.append("</ol>")
    back.append("</ol>")
    return "".join(front), "".join(back)
