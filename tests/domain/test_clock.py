"""Macao dates and day boundaries."""

from __future__ import annotations

from datetime import UTC, date, datetime

from kp_licensing.domain.clock import add_years, macao_date, start_of_macao_day


def test_macao_day_starts_at_16_utc_the_day_before() -> None:
    assert start_of_macao_day(date(2028, 11, 22)) == datetime(2028, 11, 21, 16, tzinfo=UTC)
    assert macao_date(datetime(2028, 11, 21, 16, tzinfo=UTC)) == date(2028, 11, 22)
    assert macao_date(datetime(2028, 11, 21, 15, 59, 59, tzinfo=UTC)) == date(2028, 11, 21)


def test_add_years_keeps_the_day_and_folds_29_february() -> None:
    assert add_years(date(2026, 11, 22), 2) == date(2028, 11, 22)
    assert add_years(date(2028, 2, 29), 2) == date(2030, 2, 28)
    assert add_years(date(2028, 2, 29), 4) == date(2032, 2, 29)
