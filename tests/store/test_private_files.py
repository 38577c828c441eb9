"""The service's own data is readable by its user only: the SQLite file (and its journals), the
data folder and the documents folder are created owner-only."""

from __future__ import annotations

import stat
from collections.abc import AsyncIterator
from pathlib import Path

from sqlalchemy import text

from kp_licensing.store.db import make_engine, session_factory
from kp_licensing.store.documents import DocumentStore
from kp_licensing.store.migrate import upgrade
from tests.api.client import PDF


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


async def _chunks() -> AsyncIterator[bytes]:
    yield PDF


async def test_the_database_and_documents_are_created_owner_only(tmp_path: Path) -> None:
    data = tmp_path / "var"
    url = f"sqlite:///{data / 'kp.db'}"
    upgrade(url)
    engine = make_engine(url)
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
        journals = [p for p in data.iterdir() if p.name.startswith("kp.db-")]
        assert journals, list(data.iterdir())  # WAL and shared memory, while connected
        for path in [data / "kp.db", *journals]:
            assert _mode(path) == 0o600, (path, oct(_mode(path)))
    assert _mode(data) == 0o700
    store = DocumentStore(data / "documents", max_bytes=1 << 20, allowed_types=["application/pdf"])
    with session_factory(engine)() as session:
        session.execute(
            text(
                "INSERT INTO operators (name, kind, business_registration_no, created_at) "
                "VALUES ('Op', 'company', 'BR1', CURRENT_TIMESTAMP)"
            )
        )
        session.execute(
            text(
                "INSERT INTO users (username, full_name, role, operator_id, is_active, created_at)"
                " VALUES ('u', 'U', 'trader', 1, 1, CURRENT_TIMESTAMP)"
            )
        )
        session.commit()
        document = await store.save(
            session,
            chunks=_chunks(),
            operator_id=1,
            uploaded_by=1,
            kind="criminal_record",
            filename="a.pdf",
            declared_type="application/pdf",
        )
    stored = store.path_of(document.sha256)
    for folder in (data / "documents", stored.parent):
        assert _mode(folder) == 0o700, (folder, oct(_mode(folder)))
    assert _mode(stored) == 0o440  # read-only, for the owner's group too (as before)
    engine.dispose()
