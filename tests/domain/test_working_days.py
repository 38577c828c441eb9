"""The service-standard clock: working days across weekends and Macao's public holidays, stopped
while the applicant owes information."""

from __future__ import annotations

from datetime import date

from kp_licensing.domain.working_days import Pause, ServiceClock, working_days_after

#: Macao's public holidays around Christmas 2026 (a setting in the service).
HOLIDAYS = frozenset(
    {date(2026, 12, 20), date(2026, 12, 21), date(2026, 12, 24), date(2026, 12, 25)}
)
FRIDAY = date(2026, 12, 4)


def clock(*pauses: Pause, holidays: frozenset[date] = frozenset()) -> ServiceClock:
    return ServiceClock(started_on=FRIDAY, standard=10, holidays=holidays, pauses=pauses)


def test_ten_working_days_skip_weekends() -> None:
    assert clock().due_on() == date(2026, 12, 18)  # two weeks: Monday 7 to Friday 18
    assert working_days_after(FRIDAY, 10, frozenset()) == date(2026, 12, 18)


def test_holidays_push_the_due_date() -> None:
    late = ServiceClock(started_on=date(2026, 12, 11), standard=10, holidays=HOLIDAYS)
    # 14-18 (5), 22, 23 (7; 21 a holiday), 28, 29, 30 (10; 24, 25 holidays)
    assert late.due_on() == date(2026, 12, 30)


def test_a_pause_stops_the_clock_and_moves_the_due_date() -> None:
    asked, answered = date(2026, 12, 9), date(2026, 12, 14)  # Wednesday to the next Monday
    waiting = clock(Pause(asked))
    assert waiting.due_on() is None  # stopped: nobody can say yet
    assert waiting.elapsed(date(2026, 12, 30)) == 2  # Monday 7 and Tuesday 8 only
    resumed = clock(Pause(asked, answered))
    # 7, 8 counted; 9-11 paused; from 14: 14, 15, 16, 17, 18, 21, 22, 23 -> the tenth is 23
    assert resumed.due_on() == date(2026, 12, 23)


def test_late_is_past_the_standard() -> None:
    running = clock()
    assert not running.is_late(date(2026, 12, 18))  # the tenth day is still in time
    assert running.is_late(date(2026, 12, 21))
    assert not running.is_late(date(2026, 12, 19))  # a Saturday counts nothing
