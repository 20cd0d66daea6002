"""Export a deck's cards to an Anki package, CSV/TSV (Anki's text importer, Quizlet) or JSON (a question file).

Retired cards are never exported. A file is written whole or not at all (to a temporary file beside it, then moved
into place), and an existing file is only replaced if it is a previous export of the deck: an .apkg that uses our
note types and holds the deck's id, a CSV/TSV that starts with our header, or a JSON file shaped as a question file,
and in every case not a file the database imported cards from. Anything else needs ``force``. Devices, FIFOs and
folders are never written to; JSON, CSV and TSV can go to a stream (stdout) instead.
"""

from __future__ import annotations

import csv
import itertools
import json
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

from quizgen.core import time
from quizgen.core.bulk import collector_paused
from quizgen.core.cards import Card, Deck
from quizgen.core.errors import QuizgenError
from quizgen.core.files import cleanup_on_signals, final_target, not_regular, read_prefix, replacing
from quizgen.core.store import CardRows, Store, StoredCard
from quizgen.exchange import anki_out
from quizgen.exchange.anki_progress import Progress

FORMATS = ("apkg", "csv", "tsv", "json")
PROGRESS_THRESHOLD = 1000
CSV_MARKER = "#quizgen deck:"
DELIMITERS = {"csv": ",", "tsv": "\t"}
# Runs of whitespace holding a line break or a tab (every character str.splitlines breaks at, and tab).
_LINE_BREAKS = re.compile(r" *[\t\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]\s*")
TEXT_FORMATS = ("csv", "tsv", "json")
HEAD_LIMIT = 1024 * 1024
"""How much of an existing file is read to tell a previous export: enough for our header or deck table."""


class ExportError(QuizgenError):
    """The export cannot be written as asked."""


@dataclass
class ExportResult:
    path: Path | None  # None: written to a stream
    format: str
    deck: str
    cards: int


def format_for(path: Path, given: str | None) -> str:
    """The format asked for, else the one the file's extension names."""
    if given:
        if given not in FORMATS:
            raise ExportError(f"unknown format '{given}' (formats: {', '.join(FORMATS)})")
        return given
    extension = path.suffix.lower().lstrip(".")
    if extension not in FORMATS:
        raise ExportError(
            f"cannot tell the format from '{path.name}': use a .apkg, .csv, .tsv or .json name, or --format"
        )
    return extension


def select(
    store: Store, deck: str | None = None, kinds: list[str] | None = None, section: str | None = None
) -> tuple[Deck, CardRows]:
    """The deck (the only one when none is named) and its active cards matching the filters."""
    chosen = store.resolve_deck(deck)
    cards = store.active_cards(chosen.slug, kinds, section)
    if not cards:
        filters = [f"kind {', '.join(kinds)}" if kinds else "", f"section '{section}'" if section else ""]
        which = " and ".join(f for f in filters if f)
        raise ExportError(f"deck '{chosen.slug}' has no cards" + (f" matching {which}" if which else "") + " to export")
    return chosen, cards


def export(
    store: Store,
    path: Path,
    deck: str | None = None,
    file_format: str | None = None,
    kinds: list[str] | None = None,
    section: str | None = None,
    flat: bool = False,
    force: bool = False,
    timestamp: float | None = None,
    retention: float | None = 0.9,
    now: datetime | None = None,
) -> ExportResult:
    """Write the chosen cards to ``path``.

    Args:
        flat: put every Anki note in the deck itself rather than in a subdeck per top-level section.
        force: replace ``path`` even if it is not a previous export.
        timestamp: fixes the .apkg's note and card ids (reproducible files); default now.
        retention: with a number (the learner's desired retention), an .apkg gives studied cards their schedule
            and review log (``anki_progress``); with None every card is new.
        now: the moment the schedule is exported at; default the clock's.
    """
    check_place(path)
    fmt = format_for(path, file_format)
    chosen, cards = select(store, deck, kinds, section)
    # From the check on: a SIGTERM then removes any scratch file the check or the write has made.
    with cleanup_on_signals():
        check_target(store, path, force, chosen.slug)
        bar = _progress(len(cards), f"Exporting {chosen.slug}")
        with collector_paused(), bar as advance, replacing(path) as partial:
            if fmt == "apkg":
                moment = now or time.now()
                studied = None if retention is None else Progress.read(store, chosen.slug, retention, moment)
                marks = store.card_marks(moment)
                anki_out.write_package(
                    partial, chosen, cards, flat=flat, timestamp=timestamp, on_written=advance, progress=studied,
                    marks=marks,
                )
            else:
                write_text(partial, fmt, chosen, cards, advance)
    return ExportResult(path=path, format=fmt, deck=chosen.slug, cards=len(cards))


def export_stream(
    store: Store,
    out: TextIO,
    file_format: str | None,
    deck: str | None = None,
    kinds: list[str] | None = None,
    section: str | None = None,
) -> ExportResult:
    """Write the chosen cards as JSON, CSV or TSV to ``out`` (stdout); there is no file to check or replace."""
    if file_format is None:
        raise ExportError(f"give --format ({', '.join(TEXT_FORMATS)}) to export to stdout")
    fmt = format_for(Path("-"), file_format)
    if fmt not in TEXT_FORMATS:
        raise ExportError("an .apkg is binary and is not written to stdout; give a file name with -o")
    chosen, cards = select(store, deck, kinds, section)
    with collector_paused(), _progress(len(cards), f"Exporting {chosen.slug}") as advance:
        write_text(out, fmt, chosen, cards, advance)
        out.flush()
    return ExportResult(path=None, format=fmt, deck=chosen.slug, cards=len(cards))


def write_text(
    out: Path | TextIO, fmt: str, deck: Deck, cards: Iterable[StoredCard], advance: Callable[[], None] | None
) -> None:
    if fmt == "json":
        write_json(out, deck, cards, advance)
    else:
        write_delimited(out, deck, cards, DELIMITERS[fmt], advance)


def check_place(path: Path) -> None:
    """The output names a regular file, or a new one, in a folder that exists."""
    kind = not_regular(path)
    if kind == "a folder":
        raise ExportError(f"{path} is a folder; give a file name, e.g. {path / 'deck.apkg'}")
    if kind:
        raise ExportError(f"{path} is {kind}, not a regular file; not writing to it (-o - writes to stdout)")
    folder = final_target(path).parent if path.is_symlink() else path.parent
    if not folder.is_dir():
        raise ExportError(f"cannot write {path}: folder {folder} does not exist")


def check_target(store: Store, path: Path, force: bool, slug: str) -> None:
    """Refuse to write over anything but a previous export of deck ``slug`` (unless ``force``)."""
    if force or not final_target(path).exists():
        return
    if store.is_card_origin(path):
        raise ExportError(f"{path} is a question file cards were imported from; not overwriting it (use --force)")
    if not is_previous_export(path, slug):
        raise ExportError(f"{path} exists and is not a quizgen export of {slug}; not overwriting it (use --force)")


def is_previous_export(path: Path, slug: str) -> bool:
    """True if ``path`` holds something this module wrote of deck ``slug``: an Anki package with the deck's id, or a
    CSV/TSV/JSON file of the deck (a JSON question file of another deck may well be someone's own work).

    Only the first ``HEAD_LIMIT`` bytes of a text file are read (where our header and the deck table are), and only a
    bounded collection of a package: a huge file cannot exhaust memory, and a device or FIFO is not opened at all.
    """
    if not_regular(path):
        return False
    if zipfile.is_zipfile(path):
        return anki_out.is_package_of(path, slug)
    head = read_prefix(path, HEAD_LIMIT)
    if head is None:
        return False
    if len(head) == HEAD_LIMIT:
        head = head[: head.rfind(b"\n") + 1]  # whole lines: never a character cut in two
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        return False
    if text.startswith("#"):
        header = itertools.takewhile(lambda line: line.startswith("#"), text.splitlines())
        return any(line.startswith(f"{CSV_MARKER}{slug} ") for line in header)
    return _exported_json_slug(text) == slug


_JSON_DECK = re.compile(r'\s*\{\s*"deck"\s*:\s*')
_JSON_CARDS = re.compile(r'\s*,\s*"cards"\s*:\s*\[')


def _exported_json_slug(text: str) -> str | None:
    """The deck slug of JSON shaped as our export, a ``deck`` table with slug and name then a ``cards`` list, read
    from the start of the file alone."""
    start = _JSON_DECK.match(text)
    if not start:
        return None
    try:
        deck, end = json.JSONDecoder().raw_decode(text, start.end())
    except (ValueError, RecursionError):
        return None
    if not (isinstance(deck, dict) and {"slug", "name"} <= set(deck) and _JSON_CARDS.match(text, end)):
        return None
    return deck["slug"] if isinstance(deck["slug"], str) else None


@contextmanager
def _progress(total: int, label: str) -> Iterator[Callable[[], None] | None]:
    """A progress bar on stderr for large exports to a terminal; nothing otherwise."""
    if total <= PROGRESS_THRESHOLD:
        yield None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    console = Console(stderr=True)
    if not console.is_terminal:
        yield None
        return
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task(label, total=total)
        done = 0

        def advance() -> None:
            # Called once per card: updating the bar every hundred keeps its cost out of the export's time.
            nonlocal done
            done += 1
            if done % 100 == 0 or done == total:
                progress.update(task, completed=done)

        yield advance


def exported_deck(deck: Deck) -> dict[str, Any]:
    """The deck as a question file's ``[deck]`` table (an empty description is left out: files may not give one)."""
    data = deck.to_dict()
    if not deck.description.strip():
        del data["description"]
    return data


@contextmanager
def _text_out(out: Path | TextIO, newline: str | None = None) -> Iterator[TextIO]:
    """A file opened for writing UTF-8 text, or the stream given."""
    if isinstance(out, Path):
        with out.open("w", encoding="utf-8", newline=newline) as fh:
            yield fh
    else:
        yield out


def write_json(
    out: Path | TextIO, deck: Deck, cards: Iterable[StoredCard], advance: Callable[[], None] | None = None
) -> None:
    """A question file in JSON: ``quizgen import`` reads it back as the same deck and cards."""
    exported = []
    for stored in cards:
        exported.append(stored.card.to_dict())
        if advance:
            advance()
    document = {"deck": exported_deck(deck), "cards": exported}
    with _text_out(out) as fh:
        fh.write(json.dumps(document, indent=2, ensure_ascii=False) + "\n")


def write_delimited(
    out: Path | TextIO,
    deck: Deck,
    cards: Iterable[StoredCard],
    delimiter: str,
    advance: Callable[[], None] | None = None,
) -> None:
    """Plain-text rows of front, back and tags, one line each.

    The ``#`` lines at the top are Anki's file headers (separator, plain text so ``<`` shows as typed, tags in
    column 3); Anki reads them and skips them, and other tools can drop them.
    """
    separator = "comma" if delimiter == "," else "tab"
    with _text_out(out, newline="") as fh:
        fh.write(f"#separator:{separator}\n#html:false\n#tags column:3\n#notetype:Basic\n")
        fh.write(f"{CSV_MARKER}{deck.slug} (columns: front, back, tags)\n")
        writer = csv.writer(fh, delimiter=delimiter, lineterminator="\n")
        # Anki skips lines starting with "#" as comments: such a row goes out quoted.
        quoted = csv.writer(fh, delimiter=delimiter, lineterminator="\n", quoting=csv.QUOTE_ALL)
        for stored in cards:
            tags = " ".join(anki_out.note_tags(stored.card))
            for front, back in rows(stored.card):
                (quoted if front.startswith("#") else writer).writerow((front, back, tags))
            if advance:
                advance()


def _line(value: str) -> str:
    """One line of text: tools that split on newlines and tabs (Quizlet) keep each card on its row. Spaces are kept
    as written, leading ones included."""
    # Line breaks and tabs are not printable: most text takes the quick test alone.
    return value if value.isprintable() else _LINE_BREAKS.sub(" ", value)


def rows(card: Card) -> list[tuple[str, str]]:
    """Front and back of each way the card is asked, as plain one-line text."""
    explanation = f" ({card.explanation})" if card.explanation else ""
    return [(_line(front), _line(back + explanation)) for front, back in card.spec.text_rows(card)]
