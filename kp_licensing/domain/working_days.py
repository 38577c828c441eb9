"""Working days in Macao (Monday to Friday, not a public holiday: ``KP_PUBLIC_HOLIDAYS``), and
the service-standard clock that counts them: DSEDT issues a KP certificate within 10 working
days of a complete file, and the clock stops while the applicant owes information."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

ONE_DAY = timedelta(days=1)


def is_working_day(day: date, holidays: frozenset[date]) -> bool:
    return day.weekday() < 5 and day not in holidays


def working_days_after(start: date, days: int, holidays: frozenset[date]) -> date:
    """The ``days``-th working day (Monday to Friday, not a holiday) after ``start``."""
    day = start
    while days > 0:
        day += ONE_DAY
        if is_working_day(day, holidays):
            days -= 1
    return day


@dataclass(frozen=True)
class Pause:
    """Days the clock does not count: from ``start`` (included) to ``end`` (excluded), or on
    while ``end`` is None (the applicant still owes the information asked for)."""

    start: date
    end: date | None = None

    def covers(self, day: date) -> bool:
        return self.start <= day and (self.end is None or day < self.end)


@dataclass(frozen=True)
class ServiceClock:
    """``standard`` working days from the day after ``started_on`` (the day the file was
    complete), not counting the days of its pauses."""

    started_on: date
    standard: int
    holidays: frozenset[date]
    pauses: tuple[Pause, ...] = ()

    def _counts(self, day: date) -> bool:
        return is_working_day(day, self.holidays) and not any(p.covers(day) for p in self.pauses)

    def elapsed(self, today: date) -> int:
        """Working days counted from the start to ``today`` (included)."""
        return sum(1 for day in _days(self.started_on + ONE_DAY, today) if self._counts(day))

    def due_on(self) -> date | None:
        """The last day within the standard; None while a pause is on (the clock has stopped,
        so nobody can say yet)."""
        if any(p.end is None for p in self.pauses):
            return None
        day, left = self.started_on, self.standard
        while left > 0:
            day += ONE_DAY
            if self._counts(day):
                left -= 1
        return day

    def is_late(self, today: date) -> bool:
        """Past the standard on ``today``: more working days counted than it allows."""
        return self.elapsed(today) > self.standard


def _days(first: date, last: date) -> Iterable[date]:
    day = first
    while day <= last:
        yield day
        day += ONE_DAY
