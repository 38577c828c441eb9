"""Macao time: dates shown to people and day boundaries (expiry "on the day") are Macao dates.

Macao has kept UTC+08:00 without daylight saving since 1979, so a fixed offset is exact and,
unlike a tz database lookup, safe inside the deterministic workflow sandbox.
"""

from datetime import UTC, date, datetime, time, timedelta, timezone

MACAO = timezone(timedelta(hours=8), "Asia/Macau")


def macao_date(moment: datetime) -> date:
    """The Macao calendar date of an aware instant."""
    return moment.astimezone(MACAO).date()


def start_of_macao_day(day: date) -> datetime:
    """The UTC instant at which a Macao calendar day begins."""
    return datetime.combine(day, time(0, 0), tzinfo=MACAO).astimezone(UTC)


def add_years(day: date, years: int) -> date:
    """The same calendar day ``years`` later; 29 February falls back to 28 February."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)
