"""Terminal output for the browsing commands (rich), kept off the quiz's start-up path.

Every card and deck string goes through ``display.literal``: shown as written, never as markup, nothing hidden.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from rich import box
from rich.console import Console
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from quizgen.core.display import literal, plural, visible
from quizgen.core.store import CardReview, FaceDetail, StoredCard
from quizgen.core.time import from_stored, local_day


def console() -> Console:
    return Console(highlight=False, markup=False, emoji=False, soft_wrap=False)


def table(headers: list[str], rows: list[list[Any]], wrap: bool = False) -> None:
    """Rows under their headers; the first column names each row (a deck's slug, say) and is never cut."""
    grid = Table(*headers, show_lines=False, header_style="bold", expand=False)
    for column in grid.columns:
        column.overflow = "fold" if wrap else "ellipsis"
    names = [visible(str(row[0])) for row in rows]
    grid.columns[0].min_width = max([len(headers[0]), *map(len, names)])
    grid.columns[0].no_wrap = True
    for row in rows:
        grid.add_row(*(literal(str(cell)) for cell in row))
    console().print(grid)


def card_detail(
    stored: StoredCard, faces: list[FaceDetail], reviews: list[CardReview], now: datetime, marks: list[str]
) -> None:
    card = stored.card
    out = console()
    status = f"retired {when(from_stored(stored.retired), now)}" if stored.retired else "active"
    status = ", ".join([status, *marks])
    out.print(Text.assemble(literal(f"{card.deck}/{card.id}", style="bold"), f"  ({card.kind}, {status})"))

    def line(text: str) -> None:
        out.print(literal(text))

    def labelled(label: str, value: str) -> None:
        """A field's lines under the first, so a multi-line value does not read as fields of its own."""
        line(f"{label}: " + str(value).replace("\n", "\n" + " " * (len(label) + 2)))

    line(f"section: {card.section}")
    for key, value in card.fields.items():
        if isinstance(value, list):
            line(f"{key}:")
            for item in value:
                text = " = ".join(item) if isinstance(item, list) else item
                line(f"  - {text}")
        else:
            labelled(key, value)
    if card.explanation:
        labelled("explanation", card.explanation)
    if card.tags:
        line(f"tags: {', '.join(card.tags)}")
    if card.source:
        line(f"source: {card.source}")
    line(f"changed: {when(from_stored(stored.modified), now)}")
    # Here, not at the top: the schedule module loads fsrs, which listing decks and cards does not need.
    from quizgen.study.schedule import RATING_NAMES, STATE_NAMES

    labels = face_labels(stored, {review.face for review in reviews})
    rating_names = {int(rating): name for rating, name in RATING_NAMES.items()}
    line("faces:")
    for face in faces:
        answered = any(review.face == face.face for review in reviews)
        summary = face_summary(face, now, STATE_NAMES, answered)
        line(f"  {labels[face.face]}: {summary[0]}")
        for detail in summary[1:]:
            line(f"    {detail}")
    if not reviews:
        line("reviews: none yet")
        return
    line(f"reviews ({len(reviews)}, newest last):")
    log = Table(box=None, show_header=False, pad_edge=False, padding=(0, 1))
    several_faces = len(labels) > 1
    for column in range(6 + several_faces):
        log.add_column(no_wrap=column != 4 + several_faces, overflow="fold")
    for review in reviews:
        rating = rating_names.get(review.rating, str(review.rating))
        verdict = {1: "right", 0: "wrong"}.get(review.correct if review.correct is not None else -1, "")
        cells = [f"  {when(from_stored(review.reviewed_at), now, relative=False)}", review.mode]
        if several_faces:
            cells.append(labels[review.face])
        seconds = f"{review.duration_ms / 1000:.1f} s" if review.duration_ms is not None else ""
        cells += [rating, verdict, json.dumps(review.response or "", ensure_ascii=False), seconds]
        log.add_row(*(literal(cell) for cell in cells))
    out.print(log)


def face_labels(stored: StoredCard, answered: set[int]) -> dict[int, str]:
    """The label of each face of the card, and of each face it no longer has among those ``answered`` (a cloze
    deletion since removed, whose answers stay)."""
    labels = {face.number: face.label for face in stored.card.faces()}
    spec = stored.card.spec
    return labels | {number: f"{spec.face_name(number)} (removed)" for number in answered - labels.keys()}


def face_summary(face: FaceDetail, now: datetime, state_names: dict[int, str], answered: bool) -> list[str]:
    """One face's schedule as a person reads it, a line each: its state; when it is due; when it was last seen; its
    interval, difficulty and lapses. ``answered``: the face has answers stored (a new face may, from practice or
    from before a reset to new in Anki)."""
    state = state_names.get(face.state, str(face.state))
    if face.state == 0 or face.due is None:
        return [f"{state}, not scheduled yet" if answered else f"{state}, never reviewed"]
    due = from_stored(face.due)
    lines = [state, due_phrase(due, now)]
    figures = []
    if face.last_review:
        from fsrs import State  # loaded with the schedule module by now

        last = from_stored(face.last_review)
        lines.append(f"last reviewed {ago(last, now)}, on {short_date(last, now)} at {clock(last)}")
        # A review's interval is in the learner's days: one from Anki is due at the start of its due day, which an
        # answer given in the afternoon is hours short of a whole day from.
        interval = due - last
        if face.state == State.Review:
            interval = timedelta(days=max(1, (local_day(due) - local_day(last)).days))
        figures.append(f"interval {span(interval)}")
    if face.difficulty is not None:
        figures.append(f"difficulty {face.difficulty:.1f}/10")
    figures.append(f"lapses {face.lapses}")
    return [*lines, " · ".join(figures)]


# Times as the learner reads them: in their own time zone, relative to now, the date beside it.


def short_date(moment: datetime, now: datetime) -> str:
    """``4 Dec``, with the year when it is not this year's."""
    day = local_day(moment)
    text = f"{day.day} {day:%b}"
    return text if day.year == local_day(now).year else f"{text} {day.year}"


def clock(moment: datetime) -> str:
    return moment.astimezone().strftime("%H:%M")


def when(moment: datetime, now: datetime, relative: bool = True) -> str:
    """``29 Nov 14:02`` (local time), followed by ``(2 days ago)`` when ``relative``."""
    text = f"{short_date(moment, now)} {clock(moment)}"
    return f"{text} ({ago(moment, now)})" if relative else text


def days_between(earlier: datetime, later: datetime) -> int:
    """Calendar days (the learner's) from ``earlier`` to ``later``."""
    return (local_day(later) - local_day(earlier)).days


def ago(moment: datetime, now: datetime) -> str:
    days = days_between(moment, now)
    if days <= 0:
        return "today"
    return "yesterday" if days == 1 else f"{days} days ago"


def span(length: timedelta) -> str:
    """A wait, in minutes under an hour, hours under a day, else days: ``10 min``, ``5 h``, ``12 d``."""
    seconds = max(length.total_seconds(), 0)
    if seconds < 3600:
        return f"{max(round(seconds / 60), 1)} min"
    if seconds < 86400:
        return f"{round(seconds / 3600)} h"
    return f"{round(seconds / 86400)} d"


def due_phrase(due: datetime, now: datetime) -> str:
    """``due in 3 days, on 4 Dec``; ``due in 10 min, at 14:30``; ``due now``; ``overdue by 2 days, since 29 Nov``."""
    if due <= now:
        if now - due < timedelta(days=1):
            return "due now"
        return f"overdue by {plural(days_between(due, now), 'day')}, since {short_date(due, now)}"
    if due - now < timedelta(days=1):
        tomorrow = " tomorrow" if days_between(now, due) else ""
        return f"due in {span(due - now)}, at {clock(due)}{tomorrow}"
    return f"due in {plural(days_between(now, due), 'day')}, on {short_date(due, now)}"


def due_cell(faces: list[FaceDetail], now: datetime) -> tuple[str, str]:
    """A card's due and interval columns: those of its studied face due first, or ``new`` when none is studied."""
    studied = [face for face in faces if face.state != 0 and face.due is not None]
    if not studied:
        return "new", ""
    face = min(studied, key=lambda f: f.due or "")
    assert face.due is not None
    due = from_stored(face.due)
    interval = span(due - from_stored(face.last_review)) if face.last_review else ""
    if due <= now:
        late = days_between(due, now) if now - due >= timedelta(days=1) else 0
        return ("due now" if not late else f"overdue {late} d"), interval
    if due - now < timedelta(days=1):
        return f"in {span(due - now)}", interval
    return f"in {days_between(now, due)} d", interval


def card_status(stored: StoredCard, marks: list[str]) -> str:
    """The words saying a card is not studied as usual (retired; suspended, buried or flagged in a quiz)."""
    return ", ".join((["retired"] if stored.retired else []) + marks)


# The card listing: ids are never cut, and the text columns take what room is left, dropped from the right when
# there is too little; below that, one card per block.
TEXT_COLUMNS = (("prompt", 24), ("answer", 14), ("section", 14))


def card_list(
    stored_cards: list[StoredCard], faces: dict[int, list[FaceDetail]], now: datetime, marks: dict[int, list[str]]
) -> None:
    out = console()
    rows = []
    for stored in stored_cards:
        due, interval = due_cell(faces.get(stored.pk, []), now)
        card = stored.card
        status = card_status(stored, marks.get(stored.pk, []))
        rows.append({"id": card.id, "status": status, "kind": card.kind, "due": due, "interval": interval,
                     "prompt": card.prompt, "answer": card.answer, "section": card.section})
    fixed = ["id", "kind", "due", "interval"]
    if any(row["status"] for row in rows):
        fixed.insert(1, "status")
    widths = {name: max([len(name), *(len(visible(row[name])) for row in rows)]) for name in fixed}
    for count in range(len(TEXT_COLUMNS), 0, -1):
        text = TEXT_COLUMNS[:count]
        # Each column but the last is followed by two spaces; rich narrows the text columns (folding long words) to
        # fit, never below these widths.
        needed = sum(widths.values()) + sum(least for _name, least in text) + 2 * (len(fixed) + count - 1)
        if needed <= out.width:
            out.print(_card_table(rows, widths, text))
            return
    for row in rows:
        details = " · ".join(str(row[key]) for key in fixed[1:] if row[key])
        heading = f"{row['id']}  {details}"
        if len(visible(heading)) > out.width:
            # The id alone on its line, whole, even wider than the terminal: the terminal wraps it, nothing is cut.
            out.print(literal(row["id"]), soft_wrap=True)
            heading = f"    {details}"
        out.print(literal(heading), soft_wrap=True)
        out.print(Padding(literal(row["prompt"]), (0, 0, 0, 4), expand=False))


def _card_table(rows: list[dict[str, str]], widths: dict[str, int], text: tuple[tuple[str, int], ...]) -> Table:
    # Two spaces between columns: the box's blank divider and one of padding.
    grid = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, padding=(0, 1, 0, 0), header_style="bold")
    for name, width in widths.items():
        grid.add_column(name, no_wrap=True, min_width=width)
    for name, least in text:
        grid.add_column(name, overflow="fold", min_width=least)
    for row in rows:
        grid.add_row(*(literal(row[name]) for name in [*widths, *(name for name, _least in text)]))
    return grid


def sorted_cards(
    cards: list[StoredCard], faces: dict[int, list[FaceDetail]], sort_by: str | None, now: datetime
) -> list[StoredCard]:
    """The cards in the order asked for: ``due`` (soonest first, new ones last), ``lapses`` (most first) or
    ``difficulty`` (highest first, new ones last); ties, and no order asked for, in the order they were written."""
    if sort_by is None:
        return cards

    def studied(stored: StoredCard) -> list[FaceDetail]:
        return [face for face in faces.get(stored.pk, []) if face.state != 0 and face.due is not None]

    def key(stored: StoredCard) -> tuple[Any, ...]:
        seen = studied(stored)
        if sort_by == "due":
            return (0, min(face.due or "" for face in seen)) if seen else (1, "")
        if sort_by == "lapses":
            return (-sum(face.lapses for face in faces.get(stored.pk, [])),)
        return (0, -max(face.difficulty or 0.0 for face in seen)) if seen else (1, 0.0)

    return sorted(cards, key=key)


def card_record(stored: StoredCard, faces: list[FaceDetail]) -> dict[str, Any]:
    """A listed card as JSON: what it says, and the schedule of each of its faces (stored UTC times)."""
    from quizgen.study.schedule import STATE_NAMES

    card = stored.card
    labels = face_labels(stored, set())
    return {
        "id": card.id, "deck": card.deck, "kind": card.kind, "prompt": card.prompt, "answer": card.answer,
        "section": card.section, "retired": stored.retired is not None,
        "lapses": sum(face.lapses for face in faces),
        "faces": [
            {"face": face.face, "label": labels.get(face.face, ""), "state": STATE_NAMES.get(face.state, face.state),
             "due": face.due, "last_review": face.last_review,
             "interval_days": _interval_days(face), "stability": face.stability, "difficulty": face.difficulty,
             "lapses": face.lapses}
            for face in faces
        ],
    }


def _interval_days(face: FaceDetail) -> float | None:
    if face.due is None or face.last_review is None:
        return None
    return round((from_stored(face.due) - from_stored(face.last_review)).total_seconds() / 86400, 4)
