"""Counts of recent failed attempts per (scope, subject): read, add one, forget."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from kp_licensing.store.models import FailedAttempts


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
    fresh = FailedAttempts.last_failure_at >= now - forget  # type: ignore[operator]
    stale = FailedAttempts.last_failure_at < now - forget  # type: ignore[operator]
    key = (col(FailedAttempts.scope) == scope) & (col(FailedAttempts.subject) == subject)
    for condition, failures in ((fresh, FailedAttempts.failures + 1), (stale, 1)):
        done = session.execute(
            update(FailedAttempts)
            .where(key & condition)
            .values(failures=failures, last_failure_at=now)
        )
        if done.rowcount:  # type: ignore[attr-defined]
            break
    else:
        try:
            with session.begin_nested():
                session.add(
                    FailedAttempts(scope=scope, subject=subject, failures=1, last_failure_at=now)
                )
        except IntegrityError:  # another request's first failure just went in: count on it
            return add_failure(session, scope, subject, now=now, forget=forget)
    session.flush()
    row = session.get(FailedAttempts, (scope, subject), populate_existing=True)
    assert row is not None
    return row.failures


def block(session: Session, scope: str, subject: str, until: datetime) -> None:
    session.execute(
        update(FailedAttempts)
        .where((col(FailedAttempts.scope) == scope) & (col(FailedAttempts.subject) == subject))
        .values(blocked_until=until)
    )


def forget(session: Session, scope: str, subject: str) -> None:
    session.execute(
        delete(FailedAttempts).where(
            (col(FailedAttempts.scope) == scope) & (col(FailedAttempts.subject) == subject)
        )
    )
