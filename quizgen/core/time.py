"""Time, in one place: now, the text every time is stored as, and the learner's calendar day.

Times are timezone-aware UTC inside quizgen. The database keeps them as ISO text in UTC with microseconds, so
SQLite compares them correctly as strings: that only holds if every stored time is written by ``to_stored``. Days
(the new-card limit, forecasts, the stats history) are the learner's local days, from the process's time zone.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

# When Anki's day begins, by default ("Next day starts at"): Anki counts the days FSRS sees from it, and a review in
# the small hours belongs to the day before.
ANKI_ROLLOVER = timedelta(hours=4)


def now() -> datetime:
    """The current instant, in UTC."""
    return datetime.now(UTC)


def utc(moment: datetime) -> datetime:
    """The same instant in UTC; a naive time is a bug upstream (fsrs, too, insists on aware UTC)."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime: quizgen works in timezone-aware UTC")
    return moment.astimezone(UTC)


def to_stored(moment: datetime) -> str:
    """The text a time is stored as: sortable, so SQL can compare stored times as strings."""
    return utc(moment).isoformat(timespec="microseconds")


def from_stored(text: str) -> datetime:
    """A stored time (or any ISO time with an offset) as an aware UTC datetime."""
    return utc(datetime.fromisoformat(text))


def local_day(moment: datetime) -> date:
    """The learner's calendar day at ``moment``: days (the new-card limit, forecasts, history) are theirs, not UTC's."""
    return moment.astimezone().date()


def day_start(day: date) -> datetime:
    """When the learner's ``day`` begins, in UTC, with that day's own offset (a DST change may fall in between)."""
    return datetime.combine(day, time()).astimezone().astimezone(UTC)


def anki_day(moment: datetime) -> date:
    """The learner's day at ``moment`` as Anki counts days, from its rollover hour."""
    return local_day(moment - ANKI_ROLLOVER)


def anki_day_start(day: date) -> datetime:
    """When the learner's ``day`` begins as Anki counts days, in UTC."""
    return day_start(day) + ANKI_ROLLOVER
