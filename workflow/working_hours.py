"""Working time: the hours of the company's working days, in its time zone (pure functions).

A reminder "after 4 working hours" counts only the time inside the working windows: an order
submitted on Friday at 17:00 with windows 08:00-18:00 Mon-Fri has waited one working hour on Friday
evening, and reaches four on Monday at 11:00.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

DAY_MINUTES = 24 * 60
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class WorkingCalendar:
    """Each working day's window [opens, closes) in minutes after local midnight (closes may be
    1440: the end of the day), on the weekdays in days (Monday 0 … Sunday 6), in zone tz."""

    tz: ZoneInfo = ZoneInfo("UTC")
    opens: int = 8 * 60
    closes: int = 18 * 60
    days: frozenset[int] = frozenset(range(5))

    def __post_init__(self) -> None:
        if not 0 <= self.opens < self.closes <= DAY_MINUTES:
            raise ValueError("a working day must open before it closes, within the day")
        if not self.days or not self.days <= set(range(7)):
            raise ValueError("at least one working day, numbered 0 (Monday) to 6 (Sunday)")

    def window(self, day: date) -> tuple[datetime, datetime] | None:
        """The working window of a local day, in UTC; None on a day off (or one a clock change
        leaves empty)."""
        if day.weekday() not in self.days:
            return None
        start = self._at(day, self.opens)
        end = self._at(day, self.closes)
        return (start, end) if start < end else None

    def _at(self, day: date, minutes: int) -> datetime:
        if minutes >= DAY_MINUTES:
            day, minutes = day + timedelta(days=1), minutes - DAY_MINUTES
        local = datetime.combine(day, time(minutes // 60, minutes % 60), tzinfo=self.tz)
        return local.astimezone(UTC)  # compare and subtract in UTC: aware local times subtract as wall time

    def windows(self, start: datetime) -> Iterator[tuple[datetime, datetime]]:
        """The working windows that end after start, in order (the first may begin before it)."""
        day = start.astimezone(self.tz).date() - timedelta(days=1)  # a window may close past midnight
        while True:
            w = self.window(day)
            if w is not None and w[1] > start:
                yield w
            day += timedelta(days=1)

    def is_working(self, at: datetime) -> bool:
        """Whether at falls inside a working window."""
        w = next(self.windows(at))
        return w[0] <= at < w[1]

    def today(self, now: datetime) -> date:
        """The company's date at now."""
        return now.astimezone(self.tz).date()

    def next_working_day(self, day: date) -> date:
        """The first working day after day."""
        day += timedelta(days=1)
        while day.weekday() not in self.days:
            day += timedelta(days=1)
        return day


def working_time(start: datetime, end: datetime, calendar: WorkingCalendar) -> timedelta:
    """The working time between start and end (zero when end is not after start)."""
    total = timedelta(0)
    if end <= start:
        return total
    for opens, closes in calendar.windows(start):
        if opens >= end:
            break
        total += min(closes, end) - max(opens, start)
    return total


def after_working_time(start: datetime, amount: timedelta, calendar: WorkingCalendar) -> datetime:
    """The first instant at which amount of working time has passed since start."""
    if amount <= timedelta(0):
        return start
    left = amount
    for opens, closes in calendar.windows(start):
        begin = max(opens, start)
        if begin + left <= closes:
            return begin + left
        left -= closes - begin
    raise AssertionError("unreachable: windows() never ends")
