"""What a quiz asks, and what it forecasts at the end: the policy of each mode, apart from the terminal.

Review asks the faces due now, then new faces up to what is left of today's new-card allowance, none of a card
already studied today. Practice asks every face of the filter, shuffled; an exam a random sample of cards. After
the session the learner sees what falls due tomorrow and within a week (overdue faces included).

The planning functions are pure: they take what the store holds as plain data, the time and a ``random.Random``, and
return a ``Plan``. ``open_plan`` and ``forecast`` are the thin readers the quiz calls: they read the store for them.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from quizgen.core.cards import Deck
from quizgen.core.store import Store
from quizgen.core.time import day_start, local_day
from quizgen.study.schedule import FaceScheduler, deck_parameters, setting_value
from quizgen.study.session import EXAM, PRACTICE, REVIEW, Entry

DEFAULT_EXAM_SIZE = 20


@dataclass
class QuizOptions:
    deck: str | None = None
    mode: str = REVIEW
    count: int | None = None
    kinds: list[str] | None = None
    section: str | None = None
    seed: int | None = None
    new_limit: int | None = None


@dataclass(frozen=True)
class Plan:
    """The faces a session asks, in order, and the figures its first screen shows.

    ``due``, ``new`` and ``unseen`` (faces never studied that match the filter) count in review mode only;
    ``next_due`` is read only when a review has nothing to ask, to say when to come back. ``scheduler`` is set in
    review mode, the only one that reschedules.
    """

    deck: Deck
    mode: str
    queue: list[Entry]
    due: int = 0
    new: int = 0
    unseen: int = 0
    next_due: datetime | None = None
    scheduler: FaceScheduler | None = None


@dataclass(frozen=True)
class Forecast:
    tomorrow: int
    week: int


# Pure planning ---------------------------------------------------------------------------------------------------


def today_began(now: datetime) -> datetime:
    """When the learner's day began: answers since then are today's (the new-card allowance, cards studied)."""
    return day_start(local_day(now))


def new_allowance(daily_limit: int, started_today: int) -> int:
    """New faces that may still be introduced today."""
    return max(0, daily_limit - started_today)


def spread_siblings(entries: list[Entry]) -> list[Entry]:
    """Keep the first face of each card in place and move its other faces behind, so one never gives away another."""
    first: list[Entry] = []
    later: list[Entry] = []
    seen: set[int] = set()
    for entry in entries:
        (later if entry.card_pk in seen else first).append(entry)
        seen.add(entry.card_pk)
    return first + (spread_siblings(later) if later else [])


def review_queue(
    due: list[Entry], new: list[Entry], new_limit: int, limit: int | None = None, studied: set[int] | None = None
) -> list[Entry]:
    """Faces due now (most overdue first), then new faces up to ``new_limit``, at most one per card, and none of a
    card ``studied`` today (its sibling face would give the answer away)."""
    due = spread_siblings([Entry(*e) for e in due])
    taken = {e.card_pk for e in due} | (studied or set())
    fresh: list[Entry] = []
    for entry in (Entry(*e) for e in new):
        if len(fresh) >= new_limit:
            break
        if entry.card_pk not in taken:
            fresh.append(entry)
            taken.add(entry.card_pk)
    queue = due + fresh
    return queue[:limit] if limit is not None else queue


def practice_queue(entries: list[Entry], rng: random.Random, limit: int | None = None) -> list[Entry]:
    """Every face of the filter, shuffled."""
    shuffled = [Entry(*e) for e in entries]
    rng.shuffle(shuffled)
    shuffled = spread_siblings(shuffled)
    return shuffled[:limit] if limit is not None else shuffled


def exam_queue(entries: list[Entry], rng: random.Random, size: int = DEFAULT_EXAM_SIZE) -> list[Entry]:
    """``size`` distinct cards drawn at random, each asked by one of its faces, also drawn."""
    faces: dict[int, list[Entry]] = {}
    for entry in (Entry(*e) for e in entries):
        faces.setdefault(entry.card_pk, []).append(entry)
    drawn = rng.sample(sorted(faces), min(size, len(faces)))
    return [rng.choice(faces[pk]) for pk in drawn]


def review_plan(
    deck: Deck,
    due: list[Entry],
    new: list[Entry],
    daily_limit: int,
    started_today: int,
    studied_today: set[int],
    retention: float,
    count: int | None = None,
    parameters: list[float] | None = None,
) -> Plan:
    """A review: ``due`` and ``new`` are the filter's faces due now and never studied, in the store's order;
    ``started_today`` the faces first studied today and ``studied_today`` the cards answered today; ``parameters``
    the deck's FSRS parameters (None: FSRS's defaults)."""
    queue = review_queue(due, new, new_allowance(daily_limit, started_today), count, studied_today)
    due_count = min(len(due), len(queue))
    return Plan(
        deck, REVIEW, queue, due=due_count, new=len(queue) - due_count, unseen=len(new),
        scheduler=FaceScheduler(retention, parameters),
    )


def practice_plan(deck: Deck, faces: list[Entry], rng: random.Random, count: int | None = None) -> Plan:
    return Plan(deck, PRACTICE, practice_queue(faces, rng, count))


def exam_plan(deck: Deck, faces: list[Entry], rng: random.Random, count: int | None = None) -> Plan:
    return Plan(deck, EXAM, exam_queue(faces, rng, count or DEFAULT_EXAM_SIZE))


def forecast_windows(ended: datetime) -> tuple[tuple[datetime, datetime], tuple[datetime, datetime]]:
    """The spans counted after a session ended at ``ended``, each (after, until]: the learner's tomorrow, and
    everything up to a week ahead, so overdue faces the session did not reach count too."""
    day = local_day(ended)
    tomorrow = (day_start(day + timedelta(days=1)), day_start(day + timedelta(days=2)))
    ever = datetime.min.replace(tzinfo=UTC)
    return tomorrow, (ever, ended + timedelta(days=7))


# Reading the store -----------------------------------------------------------------------------------------------


def open_plan(store: Store, options: QuizOptions, now: datetime, rng: random.Random) -> Plan:
    """Read what the mode needs from the store and plan the session; ``rng`` draws practice and exam queues."""
    deck = store.resolve_deck(options.deck)
    kinds, section = options.kinds, options.section
    if options.mode == PRACTICE:
        return practice_plan(deck, _entries(store.all_faces(deck.slug, kinds, section)), rng, options.count)
    if options.mode == EXAM:
        return exam_plan(deck, _entries(store.all_faces(deck.slug, kinds, section)), rng, options.count)
    daily_limit = options.new_limit
    if daily_limit is None:
        daily_limit = setting_value(store.get_config, "new-limit")
    since = today_began(now)
    plan = review_plan(
        deck,
        _entries(store.due_faces(deck.slug, now, kinds, section)),
        _entries(store.new_faces(deck.slug, kinds, section)),
        daily_limit,
        store.new_faces_started(deck.slug, since),
        store.cards_studied_since(deck.slug, since),
        setting_value(store.get_config, "retention"),
        options.count,
        deck_parameters(store.get_config, deck.slug),
    )
    if not plan.queue:
        plan = replace(plan, next_due=store.next_due(deck.slug, kinds, section))
    return plan


def forecast(store: Store, deck: str, ended: datetime) -> Forecast:
    """What falls due after a session of ``deck`` that ended at ``ended``."""
    tomorrow, week = forecast_windows(ended)
    return Forecast(store.count_due_between(deck, *tomorrow), store.count_due_between(deck, *week))


def _entries(faces: list[tuple[int, int]]) -> list[Entry]:
    return [Entry(*face) for face in faces]
