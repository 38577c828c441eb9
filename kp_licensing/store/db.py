"""Engines and sessions for SQLite (embedded default) and PostgreSQL (production, CI)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, NullPool, event, make_url
from sqlmodel import Session, create_engine

from kp_licensing.support.private import private_file

SessionFactory = Callable[[], Session]

#: Connections a process keeps (and the API's thread limit: see ``make_engine``).
DEFAULT_POOL_SIZE = 20
#: How long a request waits for a pooled connection before failing instead of hanging.
DEFAULT_POOL_TIMEOUT = 10.0
#: The readiness probe's bound on connecting and on its one statement, in seconds.
PROBE_TIMEOUT = 2


def make_engine(
    url: str, *, pool_size: int = DEFAULT_POOL_SIZE, pool_timeout: float = DEFAULT_POOL_TIMEOUT
) -> Engine:
    """An engine tuned for the backend, whose pool is sized with the threads that use it.

    The API runs synchronous handlers on at most ``pool_size`` threads (it sets AnyIO's thread
    limit to the same number at start-up), so those threads alone can never exhaust the pool;
    half as many again in overflow covers asynchronous handlers that keep a session open across
    an await on Temporal. ``pool_timeout`` turns a wait that would otherwise last 30 s into an
    error. Same ceiling as before (30 connections per process at the default of 20).

    SQLite also gets WAL and a busy timeout, because the API and the worker write to the same
    file from different threads and processes."""
    pool = {"pool_size": pool_size, "max_overflow": pool_size // 2, "pool_timeout": pool_timeout}
    if url.startswith("sqlite"):
        if url.split("///", 1)[-1] in ("", ":memory:", "sqlite://"):
            return _sqlite(url, busy_timeout=30)  # one connection per thread: nothing to size
        return _sqlite(url, busy_timeout=30, **pool)
    return create_engine(url, pool_pre_ping=True, **pool)


def make_probe_engine(url: str) -> Engine:
    """An engine for the readiness probe only: no pool (a fresh connection per probe, so it
    never waits behind requests for a pooled one), a short connect timeout and, on PostgreSQL,
    a short statement timeout, so a sick database answers "unavailable" within seconds."""
    if url.startswith("sqlite"):
        return _sqlite(url, busy_timeout=PROBE_TIMEOUT, poolclass=NullPool)
    given = make_url(url).query.get("options", ())  # the URL's own (a search_path...) still hold
    options = [given] if isinstance(given, str) else list(given)
    options.append(f"-c statement_timeout={PROBE_TIMEOUT * 1000}")
    return create_engine(
        url,
        poolclass=NullPool,
        connect_args={"connect_timeout": PROBE_TIMEOUT, "options": " ".join(options)},
    )


def _sqlite(url: str, *, busy_timeout: float, **options: Any) -> Engine:
    path = url.split("///", 1)[-1]
    if path and path != ":memory:":
        private_file(Path(path))
    engine = create_engine(
        url, connect_args={"check_same_thread": False, "timeout": busy_timeout}, **options
    )

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection, _record):  # type: ignore[no-untyped-def]
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000)}")
        cursor.close()

    return engine


def session_factory(engine: Engine) -> SessionFactory:
    """Sessions that keep loaded objects usable after commit (they are returned to callers)."""

    def make() -> Session:
        return Session(engine, expire_on_commit=False)

    return make
