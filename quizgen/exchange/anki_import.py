"""Importing an Anki package or collection into the store: its notes become cards, its review log their history.

``read_anki`` gives the file as plain data; this decides what it means for the cards already stored and writes it in
one transaction (cards, reviews, events and schedules together, or nothing).

- Cards are stored like question-file cards, with the origin ``anki:`` + the file, so question-file imports never
  retire them and importing the same package again (or a newer version of it) updates them in place. A question
  file may take them over (``quizgen export DECK -o deck.json``, edit, import): from then on that file owns their
  text, and an Anki import brings only their history.
- A note of quizgen's own export (its GUID is ``anki_out.note_guid`` of a stored card) links back to that card: its
  Anki reviews join the card's own, its text is left as the card's file has it (the report counts the notes whose
  text differs in Anki).
- A new card is suspended when Anki suspends every Anki card of it, or when a side of it is only media the terminal
  cannot show (or empty): it keeps its history without being asked. Later imports leave suspension to quizgen.
- Every revlog entry is added once, by its id, however often the file is imported; an entry that is one of our
  own reviews, exported earlier, is recognised by its time and not added again. Answers become reviews (mode
  ``anki``); manual changes and reschedulings become ``anki_events`` rows, not answers.
- A face's schedule follows whichever side reviewed it last: Anki's state, due date and FSRS memory state (computed
  from the Anki answers by FSRS when the card has none) when Anki's history is newer, else ours is kept.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache, partial
from pathlib import Path
from typing import Any

import fsrs_rs_python as rs
import genanki
from fsrs import Card as FsrsCard
from fsrs import Rating, Scheduler, State
from fsrs.scheduler import LOWER_BOUNDS_PARAMETERS, UPPER_BOUNDS_PARAMETERS

from quizgen.core import paths, time
from quizgen.core.bulk import collector_paused
from quizgen.core.cards import Card, Deck, hash_of
from quizgen.core.display import plural
from quizgen.core.errors import DatabaseError
from quizgen.core.questions import Problem, card_from
from quizgen.core.store import (
    LATER_THAN_ANY_TIME,
    AnkiEventRow,
    AnkiKindRow,
    AnkiReviewRow,
    FaceHistory,
    RatingHistory,
    SeededHistory,
    Sm2Seed,
    StalePlan,
    Store,
    StoredRows,
)
from quizgen.core.sync import CardUpdate, ImportPlan, NewCard
from quizgen.core.time import DAY_SECONDS, from_stored, to_stored
from quizgen.exchange.anki_in import (
    SQLITE_MAGIC,
    ZIP_MAGIC,
    ZSTD_MAGIC,
    AnkiDeck,
    AnkiImport,
    FaceKey,
    FaceSchedule,
    Review,
    card_id_base,
    hashed_slug,
    read_anki,
    with_deck_slugs,
)
from quizgen.exchange.anki_out import note_fields
from quizgen.study.optimize import memory_states, seeded_memory_states, stored_parameters
from quizgen.study.schedule import (
    NEW,
    ParameterError,
    check_parameters,
    deck_parameters,
    parameters_key,
    setting_value,
)

# The source title of the decks an Anki import makes.
ANKI_SOURCE = "Anki"
# Anki collection files and packages, by the names Anki gives them.
ANKI_SUFFIXES = (".apkg", ".colpkg", ".anki2", ".anki21", ".anki21b")
REPLANS = 5
# card_id_base gives "anki-" and 16 hex digits; a card of a note type read as rendered cards adds "-<card number>".
BASE_ID_LENGTH = len("anki-") + 16
# Our reviews go out to Anki with their time in ms as revlog id, one ms later when two share a time.
OWN_REVIEW_MS = 5
# Stored times and Anki's differ by rounding: a side's history is newer only when it is newer by more than this.
SAME_MOMENT_MS = 1000
DAY_MS = 86_400_000
WRITTEN_TOGETHER = 10_000
# What Anki takes for a card's SM-2 ease when it has none.
DEFAULT_EASE = 2.5
CARD_TYPE_STATES = {"new": NEW, "learning": State.Learning, "review": State.Review, "relearning": State.Relearning}
SCHEDULE_KEYS = ("state", "step", "stability", "difficulty", "due", "last_review")
# The pieces of a stored time: "HH:MM:" of each minute of a day, seconds, and the end (ms, microseconds, UTC).
CLOCK_MINUTES = [f"{hour:02d}:{minute:02d}:" for hour in range(24) for minute in range(60)]
TWO_DIGITS = [f"{n:02d}" for n in range(60)]
MS_STORED = [f".{n:03d}000+00:00" for n in range(1000)]


def is_anki_file(path: Path) -> bool:
    """By its name, or, whatever it is called, by what it begins with: no question file is a zip archive, a
    compressed collection or a SQLite database."""
    if path.suffix.lower() in ANKI_SUFFIXES:
        return True
    try:
        with path.open("rb") as handle:
            head = handle.read(16)
    except OSError:
        return False
    return head.startswith((*ZIP_MAGIC, ZSTD_MAGIC, SQLITE_MAGIC))


def anki_origin(path: Path) -> str:
    return paths.ANKI_ORIGIN + paths.origin_name(path)


@dataclass
class AnkiImportReport:
    """What an Anki import did, note by note and review by review, as Anki's own import log tells it."""

    source: str
    decks: list[str] = field(default_factory=list)
    notes_new: int = 0
    notes_updated: int = 0
    notes_unchanged: int = 0
    notes_linked: int = 0  # notes of quizgen's own export, linked back to their cards
    cards_retired: int = 0  # cards of an earlier import of this file that it no longer has
    cards_moved: int = 0  # cards whose note is now in another top-level Anki deck (the deck renamed, say)
    kept_by_file: int = 0  # cards a question file has taken over: their history comes, their text stays
    differ_from_file: list[str] = field(default_factory=list)  # of those, the cards (deck/id) Anki has otherwise
    split_notes: list[str] = field(default_factory=list)  # notes whose Anki cards are in several decks
    skipped: list[str] = field(default_factory=list)
    reviews_added: int = 0
    events_added: int = 0
    reviews_left_out: int = 0
    schedules_updated: int = 0
    suspended: int = 0  # new cards suspended, as every Anki card of theirs is
    unshowable: int = 0  # new cards suspended because a side is only media the terminal cannot show, or empty
    partly_suspended: int = 0  # new cards left active though some of their Anki cards are suspended
    buried: int = 0
    edited_in_anki: list[str] = field(default_factory=list)  # linked cards (deck/id) whose note Anki has edited
    parameters_taken: list[str] = field(default_factory=list)  # decks given the FSRS parameters fitted in Anki
    parameters_bounded: list[str] = field(default_factory=list)  # of them, those brought within FSRS-6's bounds
    retention_in_anki: dict[str, float] = field(default_factory=dict)  # deck -> Anki's desired retention, not ours
    media: Counter[str] = field(default_factory=Counter)
    media_files: int = 0
    retention: float = 0.9  # quizgen's desired retention, beside Anki's

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "decks": self.decks,
            "notes": {
                "new": self.notes_new, "updated": self.notes_updated, "unchanged": self.notes_unchanged,
                "linked": self.notes_linked, "skipped": len(self.skipped),
            },
            "skipped": self.skipped,
            "cards_retired": self.cards_retired,
            "cards_moved": self.cards_moved,
            "kept_by_question_files": self.kept_by_file,
            "differ_from_question_files": self.differ_from_file,
            "notes_in_several_decks": self.split_notes,
            "reviews_added": self.reviews_added,
            "events_added": self.events_added,
            "reviews_left_out": self.reviews_left_out,
            "schedules_updated": self.schedules_updated,
            "suspended": self.suspended,
            "suspended_unshowable": self.unshowable,
            "partly_suspended": self.partly_suspended,
            "buried": self.buried,
            "edited_in_anki": len(self.edited_in_anki),
            "edited_in_anki_cards": self.edited_in_anki,
            "fsrs_parameters_taken": self.parameters_taken,
            "fsrs_parameters_brought_within_bounds": self.parameters_bounded,
            "desired_retention_in_anki": self.retention_in_anki,
            "media_skipped": dict(sorted(self.media.items())),
            "media_files": self.media_files,
        }

    def summary(self) -> list[str]:
        lines = [
            f"{self.source}: notes {self.notes_new} new, {self.notes_updated} updated, {self.notes_unchanged} "
            f"unchanged, {self.notes_linked} linked to quizgen cards; {len(self.skipped)} notes or cards skipped; "
            f"{plural(self.reviews_added, 'review')} and {plural(self.events_added, 'other Anki event')} added, "
            f"{plural(self.schedules_updated, 'schedule')} updated"
        ]
        if self.decks:
            lines.append(f"decks: {', '.join(self.decks)}")
        if self.cards_moved:
            lines.append(
                f"{plural(self.cards_moved, 'card')} moved, with their reviews, to the deck their note is in now "
                "(renamed or moved in Anki)"
            )
        if self.cards_retired:
            lines.append(
                f"{plural(self.cards_retired, 'card')} of an earlier import of this file retired (no longer in it)"
            )
        if self.kept_by_file:
            lines.append(f"{plural(self.kept_by_file, 'card')} kept as their question file has them (history added)")
        if self.differ_from_file:
            count = len(self.differ_from_file)
            lines.append(
                f"{plural(count, 'card')} whose note in Anki differs from its question file (edited in one or the "
                f"other), kept as the file has {'it' if count == 1 else 'them'}: {', '.join(self.differ_from_file)}"
            )
        lines += [f"skipped {reason}" for reason in self.skipped]
        if self.reviews_left_out:
            lines.append(f"{plural(self.reviews_left_out, 'review')} of skipped or deleted cards left out")
        if self.suspended:
            lines.append(
                f"{plural(self.suspended, 'card')} suspended, as in Anki ('quizgen unsuspend CARD' to study one)"
            )
        if self.unshowable:
            lines.append(
                f"{plural(self.unshowable, 'card')} suspended, with {'its' if self.unshowable == 1 else 'their'} "
                "history: a side is only media the terminal cannot show, or empty in Anki ('quizgen unsuspend CARD' "
                "to study one all the same)"
            )
        if self.partly_suspended:
            lines.append(
                f"{plural(self.partly_suspended, 'card')} left active: only some of "
                f"{'its' if self.partly_suspended == 1 else 'their'} Anki cards are suspended, and quizgen suspends "
                "whole cards"
            )
        if self.buried:
            lines.append(
                f"{plural(self.buried, 'card')} buried in Anki, due here as usual (an Anki burial ends the next day)"
            )
        if self.edited_in_anki:
            lines.append(
                f"{plural(len(self.edited_in_anki), 'note')} of quizgen cards whose text in Anki differs kept as "
                f"quizgen has them (edit those cards in quizgen, not in Anki): {', '.join(self.edited_in_anki)}"
            )
        if self.parameters_taken:
            bounded = (f"; those of {', '.join(self.parameters_bounded)} brought within FSRS's bounds, as an older "
                       "FSRS's converted may not be" if self.parameters_bounded else "")
            lines.append(
                f"FSRS parameters fitted in Anki taken for {', '.join(self.parameters_taken)}{bounded} ('quizgen "
                "optimize DECK' fits them to the reviews here)"
            )
        if self.retention_in_anki:
            wanted = ", ".join(f"{deck} {retention:.0%}" for deck, retention in self.retention_in_anki.items())
            lines.append(
                f"desired retention in Anki: {wanted}; quizgen's is {self.retention:.0%} for every deck ('quizgen "
                f"config retention {next(iter(self.retention_in_anki.values())):g}' to aim as Anki did)"
            )
        if self.split_notes:
            lines.append(
                f"{plural(len(self.split_notes), 'note')} with cards in several Anki decks, each kept whole in the "
                f"deck of its first card (a quizgen card is in one deck): {', '.join(self.split_notes)}"
            )
        if self.media:
            omitted = ", ".join(f"{count} {kind}" for kind, count in sorted(self.media.items()))
            lines.append(f"media skipped (not shown in the terminal): {omitted} in {plural(self.media_files, 'file')}")
        return lines


@dataclass
class FaceImport:
    """One Anki card's history, for the face of our card it became."""

    reviews: list[Review]
    schedule: FaceSchedule


@dataclass
class AnkiPlan:
    cards: ImportPlan
    # (deck, card id, face) of our card -> its Anki history.
    faces: dict[FaceKey, FaceImport]
    report: AnkiImportReport
    # (deck, card id) of the new cards to suspend, as Anki suspends all their faces; and of those to suspend as a
    # side cannot be shown in the terminal.
    suspend: list[tuple[str, str]] = field(default_factory=list)
    unshowable: list[tuple[str, str]] = field(default_factory=list)
    # The FSRS parameters fitted in Anki, by deck slug, for the decks new to quizgen.
    parameters: dict[str, list[float]] = field(default_factory=dict)


def import_anki(store: Store, path: Path, imported: AnkiImport | None = None, now: datetime | None = None
                ) -> AnkiImportReport:
    """Import an Anki package or collection file, all or nothing; ``imported`` is the file already read."""
    with collector_paused():
        imported = imported or read_anki(path)
        origin = anki_origin(path)
        scheduler = Scheduler(enable_fuzzing=False)
        for _attempt in range(REPLANS):
            plan = plan_anki(imported, store, origin, paths.display_path(path))
            try:
                store.apply(plan.cards, now, then=partial(_write_anki_side, store, plan, scheduler, now or time.now()))
            except StalePlan:
                continue
            return plan.report
    raise DatabaseError(f"database {store.path} kept changing during the import; nothing was written, try again")


def plan_anki(imported: AnkiImport, store: Store, origin: str, source: str) -> AnkiPlan:
    """Read what the import touches from the store and plan it, without writing."""
    linked = own_cards(store.card_keys())
    stored_decks = store.decks()
    known_decks = {deck.slug for deck in stored_decks}
    imported = with_deck_slugs(imported, stable_slugs(imported.decks, stored_decks))
    card_ids = [raw["id"] for raws in imported.cards.values() for raw in raws]
    stored = store.import_rows(sorted(imported.cards), sorted({origin, *store.anki_origins_of(card_ids)}))
    bases = {key.card_id[:BASE_ID_LENGTH] for key in imported.schedules}
    linked_cards = store.cards_by_pk(sorted(pk for base, (_deck, _id, pk) in linked.items() if base in bases))
    planned = plan(imported, stored, origin, source, linked, linked_cards, known_decks)
    _take_fsrs_presets(planned, [deck for deck in imported.decks if deck.slug not in known_decks], store.get_config)
    return planned


def _take_fsrs_presets(planned: AnkiPlan, new_decks: list[AnkiDeck], get: Callable[[str], str | None]) -> None:
    """Plan to give each deck new to quizgen the FSRS parameters fitted in Anki (an older FSRS version's converted
    as fsrs-rs converts them), unless it has some of its own already; and report a desired retention in Anki other
    than quizgen's. A deck imported before keeps whatever parameters it has been given since, defaults included."""
    report = planned.report
    report.retention = setting_value(get, "retention")
    for deck in new_decks:
        if deck.desired_retention is not None and round(deck.desired_retention, 2) != report.retention:
            report.retention_in_anki[deck.name] = round(deck.desired_retention, 2)
        if deck.fsrs_parameters is None or get(parameters_key(deck.slug)) is not None:
            continue
        try:
            filled = rs.check_and_fill_parameters(list(deck.fsrs_parameters))
        except ValueError:
            continue  # not parameters FSRS takes: the deck is scheduled with the defaults, as Anki would refuse them
        # An older version's, converted, may fall outside FSRS-6's bounds: brought within them, as fsrs-rs clips
        # the parameters it computes with.
        values = [min(max(v, low), high) for v, low, high in zip(filled, LOWER_BOUNDS_PARAMETERS,
                                                                 UPPER_BOUNDS_PARAMETERS, strict=True)]
        try:
            planned.parameters[deck.slug] = check_parameters(values)
        except ParameterError:
            continue  # not numbers at all
        report.parameters_taken.append(deck.name)
        if values != filled:
            report.parameters_bounded.append(deck.name)


def stable_slugs(read: list[AnkiDeck], stored: list[Deck]) -> dict[str, str]:
    """The slug each deck read is to have, as the decks an earlier Anki import made have theirs: a slug read from a
    file depends on the other decks in it (a name that gives another's slug is hashed), so an Anki deck keeps the
    slug its name was first given, and a new one does not take that of a stored Anki deck of another name."""
    from_anki = {deck.slug: deck.name for deck in stored if deck.source_title == ANKI_SOURCE}
    slug_of_name = {name: slug for slug, name in from_anki.items()}
    slugs = {}
    for deck in read:
        if deck.name in slug_of_name:
            slugs[deck.slug] = slug_of_name[deck.name]
        elif from_anki.get(deck.slug, deck.name) != deck.name:
            slugs[deck.slug] = hashed_slug(deck.name)
    return slugs


def own_cards(keys: list[tuple[str, str, int]]) -> dict[str, tuple[str, str, int]]:
    """The card id read_anki gives a note of our own export, for every stored card: -> (deck, card id, pk)."""
    return {card_id_base(genanki.guid_for(deck, card_id)): (deck, card_id, pk) for deck, card_id, pk in keys}


def plan(
    imported: AnkiImport,
    stored: StoredRows,
    origin: str,
    source: str,
    linked: dict[str, tuple[str, str, int]],
    linked_cards: dict[int, Card],
    known_decks: set[str],
) -> AnkiPlan:
    """What importing ``imported`` from ``origin`` does to the stored cards.

    Args:
        stored: the stored cards of the file's decks, of the file's earlier imports, and of the imports of other Anki
            files that hold cards of its ids (its notes, before their deck was renamed and exported again).
        linked: own_cards of every stored card; linked_cards: those of them the file has notes of.
        known_decks: the decks the database has; a deck that exists keeps its name and description.
    """
    report = AnkiImportReport(source)
    anki = imported.report
    report.skipped = [s.describe() for s in anki.skipped]
    report.reviews_left_out = anki.reviews_dropped
    report.media, report.media_files = Counter(anki.media), len(anki.media_files)
    report.split_notes = anki.split_notes
    cards_plan = ImportPlan(basis=stored)
    notes: dict[str, set[str]] = {}  # note (base id) -> what became of its cards: new, updated, unchanged
    taken: dict[tuple[str, str], Card] = {}
    # A card id comes from its note's GUID, which Anki keeps when the note's top-level deck is renamed or the note
    # moves to another: such a card moves to the deck it is in now, keeping its pk and so its reviews.
    # Whatever file it came from: an export made after the rename is usually named after the new deck.
    earlier: dict[str, tuple[str, str]] = {}
    for deck, card_id in stored.rows:
        row_origin = stored.rows[deck, card_id].origin
        if row_origin.startswith(paths.ANKI_ORIGIN) and (card_id not in earlier or row_origin == origin):
            earlier[card_id] = (deck, card_id)
    moved: set[tuple[str, str]] = set()
    for slug, raws in imported.cards.items():
        for index, raw in enumerate(raws):
            card_id = raw["id"]
            base = card_id[:BASE_ID_LENGTH]
            if (slug, card_id) not in stored.rows and base in linked:
                continue  # a note of our own export: its faces go to our card below
            problems: list[Problem] = []
            card = card_from(source, index, raw, slug, problems)
            if card is None:
                report.skipped.append(f"card {card_id}: {problems[0].message}")
                continue
            taken[(slug, card_id)] = card
            moved_from = earlier.get(card_id) if (slug, card_id) not in stored.rows else None
            if moved_from is not None:
                moved.add(moved_from)
            notes.setdefault(base, set()).add(_plan_card(cards_plan, card, stored, origin, report, moved_from))
    report.cards_moved = len(moved)
    report.differ_from_file.sort()
    # A deck's new cards are asked in the order they were added: they are added in Anki's order of new cards.
    positions: dict[tuple[str, str], int] = {}
    for face_key, schedule in imported.schedules.items():
        if schedule.new_position is not None:
            card_key = (face_key.deck, face_key.card_id)
            positions[card_key] = min(positions.get(card_key, schedule.new_position), schedule.new_position)
    cards_plan.inserts.sort(key=lambda new: positions.get((new.card.deck, new.card.id), math.inf))
    for key, row in stored.rows.items():
        if row.origin == origin and key not in taken and key not in moved and not row.retired:
            cards_plan.retires.append(row.pk)
            cards_plan.report.retired.append(key[1])
    report.cards_retired = len(cards_plan.retires)
    for outcome in notes.values():
        if "new" in outcome:
            report.notes_new += 1
        elif "updated" in outcome:
            report.notes_updated += 1
        else:
            report.notes_unchanged += 1
    new_decks = {key[0] for key in taken} - known_decks
    cards_plan.decks = [Deck(d.slug, d.name, d.description, ANKI_SOURCE, source) for d in imported.decks
                        if d.slug in new_decks]
    report.decks = sorted({key[0] for key in taken})
    faces, linked_notes = _faces(imported, taken, linked, linked_cards, report)
    report.notes_linked = len(linked_notes)
    edited = [linked[base] for base in linked_notes if _edited_in_anki(imported, linked[base], linked_cards)]
    report.edited_in_anki = sorted(f"{deck}/{card_id}" for deck, card_id, _pk in edited)
    suspend, unshowable = _suspended_new_cards(cards_plan, faces, report, imported.unshowable)
    return AnkiPlan(cards_plan, faces, report, suspend, unshowable)


def _suspended_new_cards(
    cards_plan: ImportPlan, faces: dict[FaceKey, FaceImport], report: AnkiImportReport,
    unshowable: set[tuple[str, str]],
) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The new cards whose every face is suspended in Anki; and the others with a side the terminal cannot show (kept
    for their history, which counts in stats and fitting, and out of the quiz, which could not ask them). Anki suspends
    single cards, quizgen whole ones; only a card the import brings for the first time is suspended, so a later
    import never undoes what the learner did in quizgen."""
    new_cards = {(new.card.deck, new.card.id) for new in cards_plan.inserts}
    suspended: dict[tuple[str, str], list[bool]] = {}
    for key, face in faces.items():
        if (key.deck, key.card_id) in new_cards:
            suspended.setdefault((key.deck, key.card_id), []).append(face.schedule.state == "suspended")
    as_in_anki = [card for card, states in suspended.items() if all(states)]
    not_shown = sorted(new_cards & unshowable - set(as_in_anki))
    report.suspended, report.unshowable = len(as_in_anki), len(not_shown)
    report.partly_suspended = sum(
        any(states) and not all(states) for card, states in suspended.items() if card not in unshowable
    )
    return as_in_anki, not_shown


def _edited_in_anki(imported: AnkiImport, target: tuple[str, str, int], linked_cards: dict[int, Card]) -> bool:
    """Whether a linked note's fields in Anki differ from those quizgen exports of its card."""
    deck, card_id, pk = target
    card = linked_cards.get(pk)
    fields = imported.note_fields.get(genanki.guid_for(deck, card_id))
    return card is not None and fields is not None and fields != note_fields(card)[1]


def _plan_card(
    result: ImportPlan,
    card: Card,
    stored: StoredRows,
    origin: str,
    report: AnkiImportReport,
    moved_from: tuple[str, str] | None = None,
) -> str:
    """Add one card read from the file to the plan; returns what became of it. ``moved_from``: the key of the
    stored card it is, in another deck."""
    data = card.to_json()
    digest = hash_of(data)
    old = stored.rows.get(moved_from or (card.deck, card.id))
    if old is None:
        result.inserts.append(NewCard(card, origin, None, data, digest))
        result.report.added.append(card.id)
        return "new"
    if not old.retired and not old.origin.startswith(paths.ANKI_ORIGIN):
        # A question file took the card over: what it says is the card now, though the note in Anki says otherwise.
        report.kept_by_file += 1
        if old.content_hash != digest:
            report.differ_from_file.append(f"{card.deck}/{card.id}")
        return "unchanged"
    edited = old.content_hash != digest
    revived = old.retired is not None
    if edited or revived or moved_from or old.origin != origin:
        result.updates.append(CardUpdate(old.pk, card, origin, None, data, digest, edited, revived))
    if edited:
        result.report.updated.append(card.id)
    return "updated" if edited or revived or moved_from else "unchanged"


def _faces(
    imported: AnkiImport,
    taken: dict[tuple[str, str], Card],
    linked: dict[str, tuple[str, str, int]],
    linked_cards: dict[int, Card],
    report: AnkiImportReport,
) -> tuple[dict[FaceKey, FaceImport], set[str]]:
    """Each Anki card's history under the face of our card it is: its own card's, or the linked card's."""
    faces: dict[FaceKey, FaceImport] = {}
    linked_notes: set[str] = set()
    for key, schedule in imported.schedules.items():
        reviews = imported.reviews.get(key, [])
        target: FaceKey | None = key if (key.deck, key.card_id) in taken else None
        base, suffix = key.card_id[:BASE_ID_LENGTH], key.card_id[BASE_ID_LENGTH:]
        if target is None and base in linked:
            deck, card_id, pk = linked[base]
            card = linked_cards.get(pk)
            face = key.face
            if suffix:
                # Read as rendered cards: the suffix is Anki's card number, whose ordinal is our face number (a
                # cloze card's ordinal is its deletion number less one).
                ordinal = int(suffix.removeprefix("-")) - 1
                face = ordinal + 1 if card is not None and card.kind == "cloze" else ordinal
            if card is not None and face in {f.number for f in card.faces()}:
                target = FaceKey(deck, card_id, face)
                linked_notes.add(base)
        if target is None:
            report.reviews_left_out += len(reviews)
            continue
        faces[target] = FaceImport(reviews, schedule)
        if schedule.state == "buried":
            report.buried += 1
    return faces, linked_notes


def _write_anki_side(store: Store, plan: AnkiPlan, scheduler: Scheduler, now: datetime) -> None:
    """What the import writes beside the cards, in their transaction: their history, and the FSRS parameters."""
    _write_history(store, plan, scheduler, now)
    store.add_config({parameters_key(slug): stored_parameters(values) for slug, values in plan.parameters.items()})


def _write_history(store: Store, plan: AnkiPlan, scheduler: Scheduler, now: datetime) -> None:
    """Inside the import's transaction, once the cards are written: suspend the new cards Anki suspends, add each
    face's new Anki reviews and events, and move its schedule when Anki's history is the newer; then, the indexes
    of the reviews back, give the answers imported before their Anki kinds were kept their kind."""
    pks = store.card_pks(sorted({key.deck for key in plan.faces}))
    store.suspend_cards([pks[card] for card in plan.suspend if card in pks], now)
    store.suspend_cards([pks[card] for card in plan.unshowable if card in pks], now, unshowable=True)
    face_pks = {key: pks[(key.deck, key.card_id)] for key in plan.faces if (key.deck, key.card_id) in pks}
    histories = store.face_histories(list(face_pks.values()))
    reviews: list[AnkiReviewRow] = []
    events: list[AnkiEventRow] = []
    schedules: list[tuple[int, int, dict[str, Any]]] = []
    joined: dict[tuple[int, int], str] = {}
    starts: list[tuple[int, int, str | None]] = []
    seeds: list[tuple[int, int, Sm2Seed | None]] = []
    kinds: list[AnkiKindRow] = []
    report = plan.report
    # What SM-2 says of every face Anki has studied, which an export back to an SM-2 collection takes along.
    store.set_anki_sm2([
        (pk, key.face, schedule.ease or DEFAULT_EASE, schedule.interval_days,
         to_stored(schedule.due) if schedule.due else None)
        for key, pk in face_pks.items() if (schedule := plan.faces[key].schedule).card_type != "new"
    ])
    begins = {key: fsrs_history_start(plan.faces[key].reviews) for key in face_pks}
    seeds_of = {key: _sm2_seed(plan.faces[key], begins[key]) for key in face_pks}
    # Each deck's parameters as they stand once the import is written: those taken from its Anki preset, else its own.
    parameters = {slug: plan.parameters.get(slug) or deck_parameters(store.get_config, slug)
                  for slug in {key.deck for key in face_pks}}
    computed = _memory_from_logs({key: plan.faces[key] for key in face_pks}, begins, seeds_of, parameters, now)
    with store.review_indexes_deferred(sum(len(face.reviews) for face in plan.faces.values())):
        for key, pk in face_pks.items():
            history = histories.get((pk, key.face))
            if history is None:
                continue
            merged = merge_face(plan.faces[key], history, pk, key.face, scheduler, begins[key], seeds_of[key],
                                computed.get(key))
            reviews += merged.reviews
            events += merged.events
            if merged.schedule is not None:
                schedules.append((pk, key.face, merged.schedule))
            if merged.joins_from is not None:
                joined[(pk, key.face)] = merged.joins_from
            if merged.starts_at != history.starts_at:
                starts.append((pk, key.face, merged.starts_at))
            if merged.seed != history.seed:
                seeds.append((pk, key.face, merged.seed))
            kinds += merged.kinds
            if len(reviews) >= WRITTEN_TOGETHER:  # rows of a big history are written as they come, not all held
                _flush(store, report, reviews, events, schedules, joined, starts, seeds)
        _flush(store, report, reviews, events, schedules, joined, starts, seeds)
    store.add_anki_kinds(kinds)


def _flush(store: Store, report: AnkiImportReport, reviews: list[AnkiReviewRow], events: list[AnkiEventRow],
           schedules: list[tuple[int, int, dict[str, Any]]], joined: dict[tuple[int, int], str],
           starts: list[tuple[int, int, str | None]], seeds: list[tuple[int, int, Sm2Seed | None]]) -> None:
    store.add_anki_history(reviews, events, schedules, joined, starts, seeds)
    report.reviews_added += len(reviews)
    report.events_added += len(events)
    report.schedules_updated += len(schedules)
    reviews.clear()
    events.clear()
    schedules.clear()
    joined.clear()
    starts.clear()
    seeds.clear()


@dataclass
class MergedFace:
    reviews: list[AnkiReviewRow]
    events: list[AnkiEventRow]
    schedule: dict[str, Any] | None  # the face's new schedule row; None to keep the stored one
    # When the reviews join stored ones: the first one's time, from which the store works out their elapsed days.
    joins_from: str | None = None
    # Where the face's FSRS history now begins (``face_history_starts``; None: at its first review).
    starts_at: str | None = None
    # Where FSRS starts the face when its log has no learning steps (``face_sm2_seeds``).
    seed: Sm2Seed | None = None
    # The Anki kinds of its answers stored before kinds were kept.
    kinds: list[AnkiKindRow] = field(default_factory=list)


def _memory_from_logs(
    faces: dict[FaceKey, FaceImport], begins: dict[FaceKey, int | HistoryCut], seeds: dict[FaceKey, Sm2Seed | None],
    parameters: dict[str, list[float]], now: datetime,
) -> dict[FaceKey, tuple[float, float]]:
    """The memory state Anki's FSRS computes from the log of each studied face that has none in its Anki card (an
    SM-2 user's), under its deck's ``parameters``: from its last run of learning steps, or from its SM-2 seed where
    it has none; each deck's all at once, as one batch of each."""
    computed: dict[FaceKey, tuple[float, float]] = {}
    for deck, its_parameters in parameters.items():
        computed |= _deck_memory_from_logs({key: face for key, face in faces.items() if key.deck == deck}, begins,
                                           seeds, its_parameters, now)
    return computed


def _deck_memory_from_logs(
    faces: dict[FaceKey, FaceImport], begins: dict[FaceKey, int | HistoryCut], seeds: dict[FaceKey, Sm2Seed | None],
    parameters: list[float], now: datetime,
) -> dict[FaceKey, tuple[float, float]]:
    from_steps: dict[FaceKey, RatingHistory] = {}
    seeded: dict[FaceKey, SeededHistory] = {}
    for key, anki in faces.items():
        if anki.schedule.memory or anki.schedule.card_type == "new":
            continue
        start = begins[key]
        if isinstance(start, int):
            answers = [r for r in anki.reviews[start:] if r.rating is not None]
            if answers:
                from_steps[key] = RatingHistory(0, 0, [_ms_stored(r.time_ms) for r in answers],
                                                [r.rating or 0 for r in answers])
        elif (seed := seeds[key]) is not None:
            _seed, later = _seed_answer(anki, start) or (None, [])
            seeded[key] = SeededHistory(0, 0, seed, [_ms_stored(r.time_ms) for r in later],
                                        [r.rating or 0 for r in later])
    return (dict(zip(from_steps, memory_states(list(from_steps.values()), parameters, now), strict=True))
            | dict(zip(seeded, seeded_memory_states(list(seeded.values()), parameters, now), strict=True)))


def merge_face(
    anki: FaceImport, history: FaceHistory, pk: int, face: int, scheduler: Scheduler, start: int | HistoryCut,
    seed: Sm2Seed | None, computed: tuple[float, float] | None,
) -> MergedFace:
    """One face's Anki history merged with what is stored: the reviews and events not stored yet, and the
    schedule of whichever side reviewed last. ``start`` is ``fsrs_history_start`` of its log, ``seed`` its
    ``_sm2_seed`` and ``computed`` the memory state ``_memory_from_logs`` gives it."""
    reviews: list[AnkiReviewRow] = []
    events: list[AnkiEventRow] = []
    kinds: list[AnkiKindRow] = []
    native = sorted(history.native_ms)
    known = history.anki_ids
    # Due times are kept in ms and made text only for the rows written (a face imported before writes none), each
    # once: an answer's due-before is the due-after of the one before.
    due_after_ms: int | None = None
    due_after: str | None = None
    answered = False
    # A face with no stored reviews has just these, so each one's elapsed days (since the answer before, when it was
    # due) are known here; one that has some leaves them to the store, which sees both.
    fresh = not native and not known
    previous_ms: int | None = None
    for time_ms, kind, rating, duration_ms, interval, _factor in anki.reviews:
        if rating is None:
            if time_ms not in known:
                events.append((pk, face, time_ms, _ms_stored(time_ms), kind, interval))
            continue
        # Each answer was due when the one before said; the face's first answer was due at no time.
        due_before_ms, due_before = due_after_ms, due_after
        if not answered and native and native[0] < time_ms:
            due_before_ms, due_before = time_ms, None  # not the face's first answer: ours came before
        answered = True
        wait_ms = interval * DAY_MS if interval > 0 else -interval * 1000
        due_after_ms, due_after = (time_ms + wait_ms if wait_ms else None), None
        if time_ms in known or (native and _is_own(time_ms, native)):
            if time_ms in history.kindless:
                kinds.append((kind, pk, face, time_ms))
            continue
        reviewed_at = _ms_stored(time_ms)
        if due_before is None and due_before_ms is not None:
            due_before = reviewed_at if due_before_ms == time_ms else _ms_stored(due_before_ms)
        if due_after_ms is not None:
            due_after = _ms_stored(due_after_ms)
        elapsed = None
        if fresh and previous_ms is not None and due_before is not None:
            elapsed = (time_ms - previous_ms) / DAY_MS
        previous_ms = time_ms
        reviews.append((pk, face, reviewed_at, rating, duration_ms, due_before, due_after, time_ms, elapsed, kind))
    stored_last = history.schedule["last_review"]
    newest = anki.reviews[-1].time_ms if anki.reviews else None
    last_ms = from_stored(stored_last).timestamp() * 1000 if stored_last else None
    # An answer neither side has stored yet is news whenever it came after the last one; the margin is only for
    # telling an answer of Anki's from our own exported one, whose time was rounded on the way.
    anki_newer = last_ms is None or (newest is not None and newest > last_ms + SAME_MOMENT_MS) or (
        previous_ms is not None and previous_ms > last_ms
    )
    joins_from = reviews[0][2] if reviews and not fresh else None
    starts_at = _starts_at(anki.reviews, start, native)
    if not anki_newer or (anki.schedule.card_type == "new" and not anki.reviews):
        return MergedFace(reviews, events, None, joins_from, starts_at, seed, kinds)
    row = _anki_schedule(anki, scheduler, computed)
    unchanged = row == {k: history.schedule[k] for k in SCHEDULE_KEYS}
    return MergedFace(reviews, events, None if unchanged else row, joins_from, starts_at, seed, kinds)


def fsrs_history_start(entries: list[Review]) -> int | HistoryCut:
    """Where Anki's FSRS takes a card's history to begin, as its optimizer reads a card's log: the index of the
    first entry of the last run of learning steps, or a HistoryCut when there is none after the last reset to new.
    Answered since, the log was cut short or the card never relearnt, and Anki leaves it out; not answered, the card
    is new again from the reset. An empty log, or one of events only, begins with whatever comes next."""
    start: int | None = None
    answered = False
    for index in range(len(entries) - 1, -1, -1):
        kind, rating = entries[index].kind, entries[index].rating
        if kind == "preview":
            continue
        if rating is not None and kind == "learn":
            start = index
        elif start is not None:
            break
        elif kind == "reset":
            return HistoryCut(index, answered)
        answered = answered or rating is not None
    if start is not None:
        return start
    return HistoryCut(None, answered)


@dataclass(frozen=True)
class HistoryCut:
    """A log with no run of learning steps since its last reset: the reset's index (None: no reset), and whether
    the card was answered after it."""

    reset: int | None
    answered: bool


def _sm2_seed(anki: FaceImport, start: int | HistoryCut) -> Sm2Seed | None:
    """Where Anki's FSRS starts a card answered since its last reset without learning steps (``_seed_answer``), with
    the memory state SM-2's ease and interval then stand for. None for any other card."""
    found = _seed_answer(anki, start) if isinstance(start, HistoryCut) and start.answered else None
    if found is None:
        return None
    first, _later = found
    ease = first.factor / 1000 if first.factor else DEFAULT_EASE
    return Sm2Seed(_ms_stored(first.time_ms), ease, float(max(first.interval, 1)))


def _seed_answer(anki: FaceImport, cut: HistoryCut) -> tuple[Review, list[Review]] | None:
    """The answer of a log cut short that Anki's FSRS starts from, and the answers after it: the first answer since
    its last reset (since its beginning if it has none) that set an interval of a day or more; an Again that only
    began a relearning step before it is dropped, as Anki drops it. None if there is no such answer."""
    answers = [r for r in anki.reviews[(cut.reset if cut.reset is not None else -1) + 1:] if r.rating is not None]
    for index, answer in enumerate(answers):
        if answer.interval >= 1 or answer.interval <= -DAY_SECONDS:
            return answer, answers[index + 1:]
    return None


def _starts_at(entries: list[Review], start: int | HistoryCut, native: list[int]) -> str | None:
    """What ``face_history_starts`` is to hold for the face: None when its history begins at its first review."""
    if isinstance(start, HistoryCut):
        if start.answered:
            return LATER_THAN_ANY_TIME
        if start.reset is None:
            return None
        begins_ms = entries[start.reset].time_ms
    else:
        begins_ms = entries[start].time_ms
    first_ms = min([*native[:1], *(r.time_ms for r in entries[:1])], default=begins_ms)
    # Our own reviews come back from Anki with their times rounded: one of them beginning the log is the first.
    return _ms_stored(begins_ms) if begins_ms > first_ms + OWN_REVIEW_MS else None


def _ms_stored(time_ms: int) -> str:
    """Unix ms as stored text: ``to_stored``'s form. Made from digits looked up, not through a datetime, as there
    are two for every review."""
    day, ms_of_day = divmod(time_ms, DAY_MS)
    seconds, ms = divmod(ms_of_day, 1000)
    minutes, second = divmod(seconds, 60)
    return f"{_day_stored(day)}{CLOCK_MINUTES[minutes]}{TWO_DIGITS[second]}{MS_STORED[ms]}"


@cache
def _day_stored(day: int) -> str:
    """The date part of the stored text of a moment on this day (days since the Unix epoch)."""
    return datetime.fromtimestamp(day * 86400, UTC).date().isoformat() + "T"


def _is_own(time_ms: int, native: list[int]) -> bool:
    """Whether a revlog entry is one of our own reviews that went out in an export."""
    return any(0 <= time_ms - ms <= OWN_REVIEW_MS for ms in native)


def _anki_schedule(anki: FaceImport, scheduler: Scheduler, computed: tuple[float, float] | None) -> dict[str, Any]:
    """The schedule row that continues where Anki left the card: the memory state its Anki card keeps, else the one
    ``computed`` from its log."""
    schedule = anki.schedule
    state = CARD_TYPE_STATES.get(schedule.card_type, NEW)
    due = schedule.due
    if state == NEW or due is None:  # only new cards have no due date
        return dict.fromkeys(SCHEDULE_KEYS) | {"state": NEW}
    last_answer = next((r for r in reversed(anki.reviews) if r.rating is not None), None)
    last = last_answer.time if last_answer else schedule.last_review
    memory = (schedule.memory.stability, schedule.memory.difficulty) if schedule.memory else computed
    if last is None:
        last = due - timedelta(days=schedule.interval_days)
    if memory is None:
        # Neither a memory state nor an answer to compute one from (a due date set by hand): FSRS at its default
        # retention waits about the stability, so the interval is the best guess of it.
        memory = (float(max(schedule.interval_days, 1)), _replay_difficulty(scheduler, last))
    return {
        "state": int(state),
        "step": _step(state, schedule.steps_left, scheduler),
        "stability": memory[0],
        "difficulty": memory[1],
        "due": to_stored(due),
        "last_review": to_stored(last),
    }


def _step(state: int, steps_left: int, scheduler: Scheduler) -> int | None:
    """The step of ours a card in (re)learning goes on from: as many steps before the end of ours as Anki had left
    of its own (its last one, say, is our last one), so that a card about to graduate in Anki graduates here too."""
    if state not in (State.Learning, State.Relearning):
        return None
    steps = scheduler.learning_steps if state == State.Learning else scheduler.relearning_steps
    return max(0, len(steps) - steps_left) if steps_left > 0 else 0


def _replay_difficulty(scheduler: Scheduler, moment: datetime) -> float:
    """The difficulty FSRS gives a card first answered Good."""
    card, _log = scheduler.review_card(FsrsCard(card_id=0, due=moment), Rating.Good, moment)
    assert card.difficulty is not None  # set by every review
    return card.difficulty
