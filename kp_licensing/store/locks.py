"""One submission at a time per operator, across API replicas.

"One open operating-licence case per operator" is checked before a case starts; two submissions
racing each other must not both pass the check. On PostgreSQL a transaction-independent
advisory lock covers every replica; SQLite (one API process by design) uses a lock in memory.
Both are *try* locks: a concurrent submission is told to retry rather than made to wait.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, text

from kp_licensing.domain.errors import Conflict

_NAMESPACE = 0x4B50  # "KP": keeps our advisory locks apart from anyone else's


class OperatorLocks:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._held: set[int] = set()
        self._mutex = threading.Lock()

    @contextmanager
    def hold(self, operator_id: int) -> Iterator[None]:
        busy = Conflict(
            "another submission for this operator is in progress; try again in a moment"
        )
        if self._engine.dialect.name == "postgresql":
            with self._engine.connect() as conn:
                got = conn.execute(
                    text("SELECT pg_try_advisory_lock(:ns, :id)"),
                    {"ns": _NAMESPACE, "id": operator_id},
                ).scalar_one()
                if not got:
                    raise busy
                try:
                    yield
                finally:
                    conn.execute(
                        text("SELECT pg_advisory_unlock(:ns, :id)"),
                        {"ns": _NAMESPACE, "id": operator_id},
                    )
                    conn.commit()
            return
        with self._mutex:
            if operator_id in self._held:
                raise busy
            self._held.add(operator_id)
        try:
            yield
        finally:
            with self._mutex:
                self._held.discard(operator_id)
