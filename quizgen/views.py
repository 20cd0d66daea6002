"""Terminal output for the browsing commands (rich), kept off the quiz's start-up path."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

from quizgen.core.store import StoredCard


def console() -> Console:
    return Console(highlight=False, soft_wrap=False)


def table(headers: list[str], rows: list[list[Any]], wrap: bool = False) -> None:
    grid = Table(*headers, show_lines=False, header_style="bold", expand=False)
    for column in grid.columns:
        column.overflow = "fold" if wrap else "ellipsis"
    for row in rows:
        grid.add_row(*(str(cell) for cell in row))
    console().print(grid)


def card_detail(stored: StoredCard, schedule: list[dict[str, Any]], reviews: int) -> None:
    card = stored.card
    out = console()
    status = f"retired {stored.retired}" if stored.retired else "active"
    out.print(f"[bold]{card.deck}/{card.id}[/bold]  ({card.kind}, {status})")
    out.print(f"section: {card.section}", markup=False)
    for key, value in card.fields.items():
        if isinstance(value, list):
            out.print(f"{key}:", markup=False)
            for item in value:
                text = " = ".join(item) if isinstance(item, list) else item
                out.print(f"  - {text}", markup=False)
        else:
            out.print(f"{key}: {value}", markup=False)
    if card.explanation:
        out.print(f"explanation: {card.explanation}", markup=False)
    if card.tags:
        out.print(f"tags: {', '.join(card.tags)}", markup=False)
    if card.source:
        out.print(f"source: {card.source}", markup=False)
    out.print(f"changed: {stored.modified}   reviews: {reviews}", markup=False)
    # Here, not at the top: the schedule module loads fsrs, which listing decks and cards does not need.
    from quizgen.study.schedule import STATE_NAMES

    for row in schedule:
        state = STATE_NAMES.get(row["state"], str(row["state"]))
        due = f", due {row['due']}" if row["due"] else ""
        out.print(f"face {row['face']}: {state}{due}", markup=False)
