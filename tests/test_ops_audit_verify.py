"""``kp-licensing audit verify`` finds an audit entry altered, removed or reordered directly in
the database, and entries cut off the end; the service's own connections cannot change an
entry at all (triggers), so each tampering first drops them, as someone owning the database
could. Each case runs on a trail of its own, on the suite's kind of database."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError

from kp_licensing.services import audit
from kp_licensing.store.db import make_engine, session_factory
from kp_licensing.support.settings import Settings
from tests.conftest import migrated_database
from tests.test_ops_cli import run

pytestmark = pytest.mark.processes

ENTRIES = 6


@pytest.fixture
def trail(tmp_path: Path) -> Iterator[tuple[str, Engine]]:
    """A database holding a trail of ``ENTRIES`` entries written by the service's own code."""
    name = f"kp_audit_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}_{uuid.uuid4().hex[:6]}"
    with migrated_database(name, tmp_path) as url:
        engine = make_engine(url)
        sessions = session_factory(engine)
        for n in range(ENTRIES):
            by = audit.Origin(actor=None, address=f"203.0.113.{n}")
            audit.write(sessions, by, "sign_in", target=f"user:{n}", actor_name=f"u{n}")
        yield url, engine
        engine.dispose()


def _verify(url: str) -> tuple[int, str]:
    done = run(["audit", "verify"], {"KP_DATABASE_URL": url, "KP_AUDIT_KEY": Settings().audit_key})
    return done.returncode, done.stdout + done.stderr


def _without_triggers(conn: Connection) -> None:
    if conn.dialect.name == "postgresql":
        conn.execute(text("DROP TRIGGER audit_append_only ON audit_entries"))
        conn.execute(text("DROP TRIGGER audit_no_truncate ON audit_entries"))
    else:
        conn.execute(text("DROP TRIGGER audit_no_update"))
        conn.execute(text("DROP TRIGGER audit_no_delete"))


def _alter(conn: Connection) -> None:
    conn.execute(text("UPDATE audit_entries SET actor = 'nobody' WHERE seq = 3"))


def _remove(conn: Connection) -> None:
    conn.execute(text("DELETE FROM audit_entries WHERE seq = 3"))


def _reorder(conn: Connection) -> None:
    conn.execute(text("UPDATE audit_entries SET seq = -1 WHERE seq = 3"))
    conn.execute(text("UPDATE audit_entries SET seq = 3 WHERE seq = 4"))
    conn.execute(text("UPDATE audit_entries SET seq = 4 WHERE seq = -1"))


def _cut_the_end(conn: Connection) -> None:
    conn.execute(text(f"DELETE FROM audit_entries WHERE seq = {ENTRIES}"))


@pytest.mark.parametrize(
    ("tamper", "said"),
    [
        (_alter, "audit entry 3 does not match its seal"),
        (_remove, "audit entries 3 to 3 are missing"),
        (_reorder, "audit entry 3 does not match its seal"),
        (_cut_the_end, f"the chain ends at {ENTRIES - 1}"),
    ],
    ids=["altered", "removed", "reordered", "cut"],
)
def test_verify_reports_each_tampering(
    trail: tuple[str, Engine], tamper: Callable[[Connection], None], said: str
) -> None:
    url, engine = trail
    status, output = _verify(url)
    assert status == 0, output
    assert f"audit trail intact: {ENTRIES} entries" in output
    with engine.begin() as conn:
        _without_triggers(conn)
        tamper(conn)
    status, output = _verify(url)
    assert status == 1, output
    assert said in output
    assert "NOT intact" in output


def test_the_service_cannot_change_or_delete_an_entry(trail: tuple[str, Engine]) -> None:
    _, engine = trail
    statements = [
        "UPDATE audit_entries SET actor = 'nobody' WHERE seq = 2",
        "DELETE FROM audit_entries WHERE seq = 2",
    ]
    if engine.dialect.name == "postgresql":  # (SQLite has no TRUNCATE)
        statements.append("TRUNCATE audit_entries")
    for statement in statements:
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
            conn.execute(text(statement))


def test_another_key_finds_every_entry_unsealed(trail: tuple[str, Engine]) -> None:
    url, _ = trail
    done = run(["audit", "verify"], {"KP_DATABASE_URL": url, "KP_AUDIT_KEY": "x" * 40})
    assert done.returncode == 1
    assert done.stderr.count("does not match its seal") == ENTRIES
