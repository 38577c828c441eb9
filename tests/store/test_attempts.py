"""Failure counts: one more each time, from one again once the last is older than ``forget``."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from kp_licensing.store import attempts
from kp_licensing.store.db import SessionFactory


def test_failures_count_up_and_start_again_once_forgotten(sessions: SessionFactory) -> None:
    subject, hour = f"probe-{uuid.uuid4().hex[:8]}", timedelta(hours=1)
    start = datetime.now(UTC)
    with sessions() as session:
        counts = [
            attempts.add_failure(
                session, "test", subject, now=start + timedelta(minutes=m), forget=hour
            )
            for m in (0, 1, 2)
        ]
        later = attempts.add_failure(session, "test", subject, now=start + 2 * hour, forget=hour)
        session.commit()
    assert counts == [1, 2, 3] and later == 1
