"""Counts of recent failed attempts per (scope, subject): read, add one, forget."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, case, delete, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from kp_licensing.store.models import FailedAttempts


def _row(scope: str, subject: str) -> ColumnElement[bool]:
    return (col(FailedAttempts.scope) == scope) & (col(FailedAttempts.subject) == subject)


def blocked_until(session: Session, scope: str, subject: str, now: datetime) -> datetime | None:
    """Until when attempts of ``subject`` are refused, if they are now."""
    row = session.get(FailedAttempts, (scope, subject))
    if row is None or row.blocked_until is None or row.blocked_until <= now:
        return None
    return row.blocked_until


def add_failure(
    session: Session, scope: str, subject: str, *, now: datetime, forget: timedelta
) -> int:
    """Count one more failure (starting again from one when the last was longer than ``forget``
    ago) and return the count. One statement increments, so concurrent failures all count."""
    recent = col(FailedAttempts.last_failure_at) >= now - forget
    counted = session.execute(
        update(FailedAttempts)
        .where(_row(scope, subject))
        .values(
            failures=case((recent, col(FailedAttempts.failures) + 1), else_=1),
            last_failure_at=now,
        )
    )
    if not counted.rowcount:  # type: ignore[attr-defined]
        try:
            with session.begin_nested():
                session.add(
                    FailedAttempts(scope=scope, subject=subject, failures=1, last_failure_at=now)
                )
        except IntegrityError:  # another request's first failure just went in: count on it
            return add_failure(session, scope, subject, now=now, forget=forget)
    row = session.get(FailedAttempts, (scope, subject), populate_existing=True)
    assert row is not None
    return row.failures


def block(session: Session, scope: str, subject: str, until: datetime) -> None:
    session.execute(update(FailedAttempts).where(_row(scope, subject)).values(blocked_until=until))


def forget(session: Session, scope: str, subject: str) -> None:
    session.execute(delete(FailedAttempts).where(_row(scope, subject)))


def purge(session: Session, before: datetime) -> int:
    """Delete the counts whose last failure and any wait are both older than ``before``:
    every rule has forgotten them (``services.throttle``), and guesses from many addresses
    must not grow the table without end. Commits; how many went."""
    gone = session.execute(
        delete(FailedAttempts).where(
            col(FailedAttempts.last_failure_at) < before,
            (col(FailedAttempts.blocked_until).is_(None))
            | (col(FailedAttempts.blocked_until) < before),
        )
    )
    session.commit()
    return int(gone.rowcount)  # type: ignore[attr-defined]
