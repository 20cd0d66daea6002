"""Scheduling by FSRS: a thin layer between rows of our ``schedule`` table and ``fsrs.Card``.

All the arithmetic is ``fsrs.Scheduler``'s. What this module adds: our table's state 0 ("new", never reviewed, no
due date) which fsrs has no name for, and every state's name; UTC-aware times in and out; previews of all four
ratings at once, so the interval shown to the learner is exactly the one stored; and the user's settings (desired
retention, daily new cards) kept in the database's ``config`` table.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from fsrs import Card as FsrsCard
from fsrs import Rating, Scheduler, State
from fsrs.scheduler import DEFAULT_PARAMETERS, LOWER_BOUNDS_PARAMETERS, UPPER_BOUNDS_PARAMETERS

from quizgen.core.display import one_line
from quizgen.core.errors import QuizgenError
from quizgen.core.time import anki_days_since, from_stored, to_stored, utc

# The schedule table's states are fsrs's, plus this one: a face never reviewed, with no due date.
NEW = 0
STATE_NAMES: dict[int, str] = {
    NEW: "new", State.Learning: "learning", State.Review: "review", State.Relearning: "relearning",
}

# The states of a face still being learnt, due again within minutes or hours.
LEARNING_STATES = (State.Learning, State.Relearning)

RATING_NAMES = {Rating.Again: "Again", Rating.Hard: "Hard", Rating.Good: "Good", Rating.Easy: "Easy"}

Row = dict[str, Any]


class SettingError(QuizgenError):
    pass


def to_fsrs(row: Row, card_id: int, now: datetime) -> FsrsCard:
    """Our row as an fsrs card; a new face becomes fsrs's fresh Learning card, due now."""
    if row["state"] == NEW:
        return FsrsCard(card_id=card_id, state=State.Learning, step=0, due=utc(now))
    return FsrsCard(
        card_id=card_id,
        state=State(row["state"]),
        step=row["step"],
        stability=row["stability"],
        difficulty=row["difficulty"],
        due=from_stored(row["due"]),
        last_review=from_stored(row["last_review"]) if row["last_review"] else None,
    )


def from_fsrs(card: FsrsCard) -> Row:
    return {
        "state": int(card.state),
        "step": card.step,
        "stability": card.stability,
        "difficulty": card.difficulty,
        "due": to_stored(card.due),
        "last_review": to_stored(card.last_review) if card.last_review else None,
    }


class FaceScheduler:
    """One ``fsrs.Scheduler`` for a session, speaking in schedule rows.

    Args:
        retention: desired retention, the probability of recall FSRS aims for when a card falls due.
        parameters: the 21 FSRS-6 parameters (``quizgen optimize`` fits them); None for FSRS's defaults.
        fuzz: let fsrs spread intervals a little so cards learnt together do not stay together; off in tests.
    """

    def __init__(self, retention: float = 0.9, parameters: Sequence[float] | None = None, fuzz: bool = True):
        if parameters is None:
            self.scheduler = Scheduler(desired_retention=retention, enable_fuzzing=fuzz)
        else:
            self.scheduler = Scheduler(parameters=tuple(parameters), desired_retention=retention, enable_fuzzing=fuzz)

    def review(self, row: Row, rating: Rating, now: datetime) -> Row:
        card = to_fsrs(row, 0, now)
        if card.last_review is not None:
            # py-fsrs counts the days since the last review in whole 24 hours, Anki's FSRS in its days from 4 am
            # (``quizgen optimize`` fits on those, and exports and imports share memory states with Anki). py-fsrs is
            # given a last review as many whole days back as Anki counts; it then sets this answer's real time.
            card.last_review = utc(now) - timedelta(days=anki_days_since(card.last_review, now))
        card, _log = self.scheduler.review_card(card, Rating(rating), utc(now))
        return from_fsrs(card)

    def preview(self, row: Row, now: datetime, face: tuple[int, int]) -> dict[Rating, Row]:
        """The row after each possible rating of ``face`` (its card pk and face number). fsrs's fuzz is drawn the
        same on every preview of the face in this state, so the waits shown before a rating are the ones the rating
        then gives; faces still differ, so cards learnt together still spread out."""
        if not self.scheduler.enable_fuzzing:
            return _passing_in_order({rating: self.review(row, rating, now) for rating in Rating}, now)
        # fsrs draws its fuzz from the random module's own generator: seeded for the face, then put back.
        saved = random.getstate()
        try:
            rows = {}
            for rating in Rating:
                random.seed(repr((*face, row.get("last_review"))))
                rows[rating] = self.review(row, rating, now)
            return _passing_in_order(rows, now)
        finally:
            random.setstate(saved)

    def recall(self, stability: float, last_review: datetime, now: datetime) -> float:
        """Retrievability from the only two things it depends on, by fsrs's own forgetting curve (whole days since
        the review, as ``Scheduler.get_card_retrievability`` counts them) without building a card for each of the
        100k faces ``stats`` sums it over."""
        elapsed_days = max(0, (now - last_review).days)
        decay = -self.scheduler.parameters[20]
        factor: float = 0.9 ** (1 / decay) - 1
        return float((1 + factor * elapsed_days / stability) ** decay)


def _passing_in_order(rows: dict[Rating, Row], now: datetime) -> dict[Rating, Row]:
    """The rows, the wait of each of Hard, Good and Easy that leads to review made a day longer than the wait of the
    rating below it that does too, where it is not already, as Anki orders them (py-fsrs works each out alone, and
    Good and Easy may both graduate a card to a wait of one day). The memory states stay FSRS's."""
    below: int | None = None
    for rating in (Rating.Hard, Rating.Good, Rating.Easy):
        row = rows[rating]
        if row["state"] != State.Review:
            continue
        days = round((from_stored(row["due"]) - utc(now)) / timedelta(days=1))
        if below is not None and days <= below:
            days = below + 1
            rows[rating] = {**row, "due": to_stored(utc(now) + timedelta(days=days))}
        below = days
    return rows


def applied_at(row: Row, worked_out_at: datetime, moment: datetime) -> Row:
    """A row worked out for an answer at ``worked_out_at``, for the answer given at ``moment`` instead: the same
    memory state and the same wait, counted from ``moment``, as Anki applies the waits it showed to an answer given
    later."""
    shift = utc(moment) - utc(worked_out_at)
    if not shift:
        return row
    return {
        **row,
        "due": to_stored(from_stored(row["due"]) + shift) if row["due"] else None,
        "last_review": to_stored(moment) if row["last_review"] else None,
    }


def due_at(row: Row) -> datetime | None:
    due = row.get("due")
    return from_stored(due) if due else None


def describe_interval(delta: timedelta, short: bool = False) -> str:
    """A learner's phrase for a wait: "10 minutes", "1 hour", "4 days", "3 months", "1.5 years" (or "10 min"...)."""
    seconds = max(delta.total_seconds(), 0)
    minutes = round(seconds / 60)
    if minutes < 60:
        return _amount(max(minutes, 1), "min" if short else "minute", short)
    hours = round(seconds / 3600)
    if hours < 24:
        return _amount(hours, "h" if short else "hour", short)
    days = round(seconds / 86400)
    if days < 60:
        return _amount(days, "day", False)
    if days < 365:
        # To a tenth, as years are and as Anki shows them: 98 and 104 days are 3.2 and 3.4 months, not both 3.
        return _amount(round(days / 30.4, 1), "mo" if short else "month", short)
    return _amount(round(days / 365, 1), "yr" if short else "year", short)


def _amount(count: float, unit: str, short: bool) -> str:
    return f"{count:g} {unit}" + ("" if short or count == 1 else "s")


# Settings --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Setting:
    key: str
    default: str
    help: str
    parse: Callable[[str], Any]


class OutOfRange(SettingError):
    """A whole number outside its setting's range; ``bound`` is the end of the range it lies beyond."""

    def __init__(self, message: str, bound: int):
        super().__init__(message)
        self.bound = bound


# Anki's own limits: at most 9999 new cards a day, and a learn-ahead limit of at most a day.
MAX_NEW_LIMIT = 9999
MAX_LEARN_AHEAD = 1440


def _retention(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise SettingError(f"retention must be a number between 0.70 and 0.99, not '{one_line(text)}'") from None
    if not 0.70 <= value <= 0.99:
        raise SettingError(f"retention must be between 0.70 and 0.99 (got {one_line(text)}); 0.9 is a good default")
    return value


def _whole_number(key: str, text: str, number: str, high: int, unit: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise SettingError(f"{key} must be {number}, not '{one_line(text)}'") from None
    if value < 0:
        raise OutOfRange(f"{key} cannot be negative: it takes 0 to {high} {unit}", 0)
    if value > high:
        raise OutOfRange(f"{key} must be from 0 to {high} {unit} (got {value})", high)
    return value


def _new_limit(text: str) -> int:
    return _whole_number("new-limit", text, "a whole number", MAX_NEW_LIMIT, "new cards a day")


def _learn_ahead(text: str) -> int:
    return _whole_number("learn-ahead", text, "a whole number of minutes", MAX_LEARN_AHEAD, "minutes")


SETTINGS: dict[str, Setting] = {
    s.key: s
    for s in [
        Setting("retention", "0.9", "desired retention: the chance of recall FSRS aims for at each review", _retention),
        Setting("new-limit", "20", "new cards introduced per day in review mode", _new_limit),
        Setting(
            "learn-ahead", "20",
            "minutes ahead a card still being learnt is asked when nothing else is left, rather than ending",
            _learn_ahead,
        ),
    ]
}


def setting_value(get: Callable[[str], str | None], key: str) -> Any:
    """A setting's parsed value, from ``get`` (e.g. ``Store.get_config``) or its default."""
    spec = SETTINGS.get(key)
    if spec is None:
        raise _unknown(key)
    stored = get(key)
    if stored is None:
        return spec.parse(spec.default)
    try:
        return spec.parse(stored)
    except OutOfRange as ex:
        # Put there by hand, or by a version that had no upper bound: the quiz runs at the bound instead.
        return ex.bound


PARAMETERS_KEY = "parameters"
PARAMETER_COUNT = len(DEFAULT_PARAMETERS)


class ParameterError(QuizgenError):
    pass


def default_parameters() -> list[float]:
    return list(DEFAULT_PARAMETERS)


def check_parameters(values: Sequence[float]) -> list[float]:
    """The parameters as a list, or a ParameterError naming the first that FSRS would refuse."""
    if len(values) != PARAMETER_COUNT:
        raise ParameterError(f"FSRS takes {PARAMETER_COUNT} parameters, got {len(values)}")
    for index, (value, low, high) in enumerate(zip(values, LOWER_BOUNDS_PARAMETERS, UPPER_BOUNDS_PARAMETERS,
                                                   strict=True)):
        if not (math.isfinite(value) and low <= value <= high):
            raise ParameterError(f"parameter w[{index}] = {value:g} is outside FSRS's bounds {low:g}..{high:g}")
    return [float(v) for v in values]


def own_parameters(get: Callable[[str], str | None], decks: Sequence[str]) -> dict[str, list[float]]:
    """The decks among ``decks`` (slugs) that have FSRS parameters of their own, with those parameters."""
    return {slug: _stored(stored, slug) for slug in decks if (stored := get(parameters_key(slug))) is not None}


def means_default(text: str) -> bool:
    """Whether what was typed for the parameters is the word "default"."""
    return text.strip().lower() == "default"


def parse_parameters(text: str) -> list[float]:
    """Parameters from what a user types or the database holds: numbers separated by commas or spaces, with or
    without brackets; "default" gives FSRS's defaults."""
    if means_default(text):
        return default_parameters()
    words = text.replace("[", " ").replace("]", " ").replace(",", " ").split()
    try:
        values = [float(word) for word in words]
    except ValueError:
        raise ParameterError(f"parameters must be {PARAMETER_COUNT} numbers, not '{one_line(text)}'") from None
    return check_parameters(values)


def _stored(text: str, deck: str | None) -> list[float]:
    """Parameters as the database holds them (for ``deck``, or for every deck with None): a value edited by hand
    that is not a set of parameters is named, with how to set it again."""
    try:
        return parse_parameters(text)
    except ParameterError as error:
        whose, option = (f" of deck '{one_line(deck)}'", f" --deck {one_line(deck)}") if deck else ("", "")
        raise ParameterError(
            f"the FSRS parameters{whose} stored in the database are not valid ({error}); "
            f"'quizgen config parameters{option} default' sets them again"
        ) from None


def parameters_key(deck: str | None) -> str:
    """Where a deck's fitted parameters are kept in ``config``; with ``deck`` None, those of every deck without."""
    return f"{PARAMETERS_KEY}:{deck}" if deck else PARAMETERS_KEY


def deck_parameters(get: Callable[[str], str | None], deck: str | None) -> list[float]:
    """The FSRS parameters a deck is scheduled with: its own, else those set for all decks, else FSRS's defaults."""
    for owner in ([deck] if deck else []) + [None]:
        stored = get(parameters_key(owner))
        if stored is not None:
            return _stored(stored, owner)
    return default_parameters()


def check_setting(key: str, text: str) -> str:
    """The canonical text to store for ``key``, or a SettingError saying what is wrong."""
    spec = SETTINGS.get(key)
    if spec is None:
        raise _unknown(key)
    return str(spec.parse(text))


def _unknown(key: str) -> SettingError:
    return SettingError(f"unknown setting '{one_line(key)}' (settings: {', '.join([*SETTINGS, PARAMETERS_KEY])})")
