"""Terminal output for the browsing commands (rich), kept off the quiz's start-up path.

Every card and deck string goes through ``display.literal``: shown as written, never as markup, nothing hidden.
"""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from quizgen.core.display import literal
from quizgen.core.store import StoredCard


def console() -> Console:
    return Console(highlight=False, markup=False, emoji=False, soft_wrap=False)


def table(headers: list[str], rows: list[list[Any]], wrap: bool = False) -> None:
    grid = Table(*headers, show_lines=False, header_style="bold", expand=False)
    for column in grid.columns:
        column.overflow = "fold" if wrap else "ellipsis"
    for row in rows:
        grid.add_row(*(literal(str(cell)) for cell in row))
    console().print(grid)


def card_detail(stored: StoredCard, schedule: list[dict[str, Any]], reviews: int) -> None:
    card = stored.card
    out = console()
    status = f"retired {stored.retired}" if stored.retired else "active"
    out.print(Text.assemble(literal(f"{card.deck}/{card.id}", style="bold"), f"  ({card.kind}, {status})"))

    def line(text: str) -> None:
        out.print(literal(text))

    line(f"section: {card.section}")
    for key, value in card.fields.items():
        if isinstance(value, list):
            line(f"{key}:")
            for item in value:
                text = " = ".join(item) if isinstance(item, list) else item
                line(f"  - {text}")
        else:
            line(f"{key}: {value}")
    if card.explanation:
        line(f"explanation: {card.explanation}")
    if card.tags:
        line(f"tags: {', '.join(card.tags)}")
    if card.source:
        line(f"source: {card.source}")
    line(f"changed: {stored.modified}   reviews: {reviews}")
    # Here, not at the top: the schedule module loads fsrs, which listing decks and cards does not need.
    from quizgen.study.schedule import STATE_NAMES

    for row in schedule:
        state = STATE_NAMES.get(row["state"], str(row["state"]))
        due = f", due {row['due']}" if row["due"] else ""
        line(f"face {row['face']}: {state}{due}")
