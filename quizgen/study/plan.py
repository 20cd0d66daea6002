"""What a quiz asks, and what it forecasts at the end: the policy of each mode, apart from the terminal.

Review asks the faces due now, then new faces up to what is left of each deck's new-card allowance for today, none
of a card already studied today; faces still being learnt that fall due within the learn-ahead limit are kept for
the session, to be asked when due or when nothing else is left. Practice asks every face of the filter, shuffled;
an exam a random sample of cards. A session may span several decks (all of them when none is named). After the
session the learner sees what falls due tomorrow and within a week (overdue faces included).

The planning functions are pure: they take what the store holds as plain data, the time and a ``random.Random``, and
return a ``Plan``. ``open_plan`` and ``forecast`` are the thin readers the quiz calls: they read the store for them.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

from quizgen.core.cards import Deck
from quizgen.core.store import Store
from quizgen.core.time import day_start, from_stored, local_day
from quizgen.study.schedule import FaceScheduler, deck_parameters, setting_value
from quizgen.study.session import EXAM, PRACTICE, REVIEW, Entry, Item, NotAsked

DEFAULT_EXAM_SIZE = 20


@dataclass
class QuizOptions:
    decks: list[str] = field(default_factory=list)
    mode: str = REVIEW
    count: int | None = None
    kinds: list[str] | None = None
    section: str | None = None
    seed: int | None = None
    new_limit: int | None = None


@dataclass(frozen=True)
class Plan:
    """The faces a session asks, in order, and the figures its first screen shows.

    ``due``, ``new`` and ``unseen`` (faces never studied that match the filter) count in review mode only; of the
    unseen faces left out, ``over_limit`` wait for a deck's daily new-card limit and ``siblings`` are held back
    because another face of their card is studied first (a cloze's other blank, a glossary card's reverse).
    ``learning`` are faces still being learnt that fall due within ``learn_ahead``, with their due times.
    ``next_due`` is read only when a review has nothing to ask, to say when to come back. ``scheduler`` is set in
    review mode, the only one that reschedules.
    """

    decks: list[Deck]
    mode: str
    queue: list[Entry]
    due: int = 0
    new: int = 0
    unseen: int = 0
    over_limit: int = 0
    siblings: int = 0
    learning: list[tuple[Entry, datetime]] = field(default_factory=list)
    learn_ahead: timedelta = timedelta(0)
    next_due: datetime | None = None
    scheduler: FaceScheduler | None = None
    # Decks scheduled with parameters of their own; the others use ``scheduler``.
    deck_schedulers: dict[str, FaceScheduler] = field(default_factory=dict)
    # Review mode: the new faces each deck may have first studied in a day, which quizzes running together share.
    new_limit: int | None = None

    @property
    def empty(self) -> bool:
        return not self.queue and not self.learning


@dataclass(frozen=True)
class DeckNew:
    """One deck's faces never studied, in the store's order, and how many of its faces were first studied today
    (each deck has its own new-card allowance)."""

    new: list[Entry]
    started_today: int


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


def bury_until(now: datetime) -> datetime:
    """When a card buried at ``now`` may be asked again: the start of the learner's next day."""
    return day_start(local_day(now) + timedelta(days=1))


def pick_new(
    new: list[Entry], allowance: int, taken: set[int], answered: dict[int, set[int]] | None = None
) -> tuple[list[Entry], int, int]:
    """New faces up to ``allowance``, at most one per card, none of a card in ``taken`` (which grows with what is
    picked) and none of a card with another face in ``answered`` (faces answered today, by card: a face made new
    again since is not its own sibling); and, of the faces left, how many are siblings held back and how many wait
    for the allowance."""
    answered = answered or {}
    fresh: list[Entry] = []
    waiting: set[int] = set()
    siblings = over = 0
    for entry in (Entry(*e) for e in new):
        if entry.card_pk in taken or entry.card_pk in waiting or answered.get(entry.card_pk, set()) - {entry.face}:
            siblings += 1
        elif len(fresh) >= allowance:
            over += 1
            waiting.add(entry.card_pk)
        else:
            fresh.append(entry)
            taken.add(entry.card_pk)
    return fresh, siblings, over


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
    decks: list[Deck],
    due: list[Entry],
    new: list[DeckNew],
    daily_limit: int,
    answered_today: set[Entry],
    retention: float,
    count: int | None = None,
    learning: list[tuple[Entry, datetime]] | None = None,
    learn_ahead: timedelta = timedelta(0),
    parameters: dict[str, list[float]] | None = None,
) -> Plan:
    """A review of ``decks``: ``due`` are their faces due now, most overdue first; ``new`` each deck's faces never
    studied, each within its own allowance of ``daily_limit``; ``answered_today`` the faces answered today;
    ``learning`` the faces in (re)learning falling due within ``learn_ahead``, soonest first; ``parameters`` each
    deck's FSRS parameters (a deck left out, or None: FSRS's defaults)."""
    due = spread_siblings([Entry(*e) for e in due])
    taken = {e.card_pk for e in due}
    answered: dict[int, set[int]] = {}
    for pk, face in answered_today:
        answered.setdefault(pk, set()).add(face)
    fresh: list[Entry] = []
    siblings = over = 0
    for deck_new in new:
        picked, held, waiting = pick_new(deck_new.new, new_allowance(daily_limit, deck_new.started_today), taken,
                                         answered)
        fresh += picked
        siblings += held
        over += waiting
    queue = due + fresh
    queue = queue[:count] if count is not None else queue
    due_count = min(len(due), len(queue))
    return Plan(
        decks, REVIEW, queue, due=due_count, new=len(queue) - due_count,
        unseen=sum(len(deck_new.new) for deck_new in new), over_limit=over, siblings=siblings,
        learning=list(learning or []), learn_ahead=learn_ahead, scheduler=FaceScheduler(retention),
        deck_schedulers={slug: FaceScheduler(retention, deck) for slug, deck in (parameters or {}).items()},
        new_limit=daily_limit,
    )


def practice_plan(decks: list[Deck], faces: list[Entry], rng: random.Random, count: int | None = None) -> Plan:
    return Plan(decks, PRACTICE, practice_queue(faces, rng, count))


def exam_plan(decks: list[Deck], faces: list[Entry], rng: random.Random, count: int | None = None) -> Plan:
    return Plan(decks, EXAM, exam_queue(faces, rng, count or DEFAULT_EXAM_SIZE))


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
    decks = store.resolve_decks(options.decks)
    slugs = [deck.slug for deck in decks]
    kinds, section = options.kinds, options.section
    if options.mode == PRACTICE:
        return practice_plan(decks, _entries(store.all_faces(slugs, kinds, section, now)), rng, options.count)
    if options.mode == EXAM:
        return exam_plan(decks, _entries(store.all_faces(slugs, kinds, section, now)), rng, options.count)
    daily_limit = options.new_limit
    if daily_limit is None:
        daily_limit = setting_value(store.get_config, "new-limit")
    learn_ahead = timedelta(minutes=setting_value(store.get_config, "learn-ahead"))
    since = today_began(now)
    plan = review_plan(
        decks,
        _entries(store.due_faces(slugs, now, kinds, section)),
        [DeckNew(_entries(store.new_faces(slug, kinds, section, now)), store.new_faces_started(slug, since))
         for slug in slugs],
        daily_limit,
        {Entry(*face) for slug in slugs for face in store.faces_answered_since(slug, since)},
        setting_value(store.get_config, "retention"),
        options.count,
        [(Entry(pk, face), from_stored(due))
         for pk, face, due in store.learning_faces(slugs, now, now + learn_ahead, kinds, section)],
        learn_ahead,
        {slug: deck_parameters(store.get_config, slug) for slug in slugs},
    )
    if plan.empty:
        plan = replace(plan, next_due=store.next_due(slugs, kinds, section))
    return plan


def face_fetcher(store: Store, new_limit: int | None, clock: Callable[[], datetime]) -> Callable[[Entry], Item]:
    """What a session asks the store for each face it is about to show: the card and the face's schedule as stored
    now. ``UnknownCard`` when another quiz running beside it has suspended or buried the card since the plan (as
    once it is retired), ``NotAsked`` when, the face being new, one has used up the day's ``new_limit`` of its deck."""

    def fetch(entry: Entry) -> Item:
        now = clock()
        card, schedule = store.quiz_face(entry.card_pk, entry.face, askable_at=now)
        item = Item(entry.card_pk, entry.face, card, schedule)
        if new_limit is not None and item.is_new and store.new_faces_started(card.deck, today_began(now)) >= new_limit:
            raise NotAsked
        return item

    return fetch


def forecast(store: Store, decks: list[str], ended: datetime) -> Forecast:
    """What falls due after a session of ``decks`` that ended at ``ended``."""
    tomorrow, week = forecast_windows(ended)
    return Forecast(store.count_due_between(decks, *tomorrow), store.count_due_between(decks, *week))


def _entries(faces: list[tuple[int, int]]) -> list[Entry]:
    return [Entry(*face) for face in faces]
