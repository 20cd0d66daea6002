"""Time, in one place: now, the text every time is stored as, and the learner's calendar day.

Times are timezone-aware UTC inside quizgen. The database keeps them as ISO text in UTC with microseconds, so
SQLite compares them correctly as strings: that only holds if every stored time is written by ``to_stored``. Days
(the new-card limit, forecasts, the stats history) are the learner's local days, from the process's time zone.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone
from operator import itemgetter
from typing import cast

# When Anki's day begins, by default ("Next day starts at"): Anki counts the days FSRS sees from it, and a review in
# the small hours belongs to the day before.
ANKI_ROLLOVER_HOUR = 4
ANKI_ROLLOVER = timedelta(hours=ANKI_ROLLOVER_HOUR)
DAY_SECONDS = 86_400
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# The hour of a stored time ("2025-01-06T12"), which the fixed form of stored times puts first.
STORED_HOUR = itemgetter(slice(0, 13))


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


def unix_seconds(moment: datetime) -> int:
    """An instant in whole Unix seconds, rounded down (as Anki takes a revlog id's seconds)."""
    return (utc(moment) - EPOCH) // timedelta(seconds=1)


def anki_next_day_at(moment: datetime) -> int:
    """When Anki's next day begins after ``moment`` (its ``next_day_at``), in Unix seconds: the learner's rollover
    hour today, or tomorrow once that has passed, on the clock as it is at ``moment`` (as Anki takes the offset from
    UTC in force now, the night before clocks change too)."""
    local = moment.astimezone()
    clock = timezone(local.utcoffset() or timedelta(0))
    rollover = datetime.combine(local.date(), time(ANKI_ROLLOVER_HOUR), tzinfo=clock)
    if rollover <= local:
        rollover += timedelta(days=1)
    return unix_seconds(rollover)


def anki_days_ago(next_day_at: int, seconds: int) -> int:
    """How many of Anki's days before its next rollover ``next_day_at`` the moment of ``seconds`` (Unix) was: whole
    days of 86,400 seconds back from there, however the clocks changed in between, a moment falling on the boundary
    itself counted in the day before; 0 for any moment after the last rollover."""
    return max(next_day_at - seconds, 0) // DAY_SECONDS


def anki_days_since(moment: datetime, now: datetime) -> int:
    """The days Anki's FSRS counts from ``moment`` to an answer at ``now``: 0 within Anki's day, 1 from the day
    before (however few hours ago), and so on."""
    return anki_days_ago(anki_next_day_at(now), unix_seconds(moment))


class AnkiDaysAgo(dict[str, int | None]):
    """``anki_days_ago`` of stored times, as Anki's FSRS counts the days of a card's log. All the times of an hour
    are on one day unless a day begins within it, so each hour is worked out once (this dict holds it; None for an
    hour a day begins in) and only the times of those few hours one by one."""

    def __init__(self, next_day_at: int) -> None:
        super().__init__()
        self.next_day_at = next_day_at

    def __missing__(self, hour: str) -> int | None:
        start = unix_seconds(from_stored(f"{hour}:00:00+00:00"))
        first, last = self.of_seconds(start), self.of_seconds(start + 3599)
        self[hour] = days = first if first == last else None
        return days

    def of_seconds(self, seconds: int) -> int:
        return anki_days_ago(self.next_day_at, seconds)

    def of_times(self, times: list[str]) -> list[int]:
        days = list(map(self.__getitem__, map(STORED_HOUR, times)))
        if None in days:
            return [self.of_seconds(unix_seconds(from_stored(t))) if d is None else d
                    for d, t in zip(days, times, strict=True)]
        return cast(list[int], days)  # no None in it
