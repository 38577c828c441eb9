"""The engines' connection settings, on the database the suite runs against."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from kp_licensing.store.db import make_engine, make_probe_engine
from kp_licensing.store.migrate import upgrade


def test_the_readiness_probe_keeps_the_urls_own_options(database_url: str) -> None:
    """The probe adds its statement timeout to what the URL asks of each connection (on
    PostgreSQL the suite's URL chooses a schema this way) instead of replacing it."""
    if not database_url.startswith("postgresql"):
        pytest.skip("connection options are PostgreSQL's")
    probe = make_probe_engine(database_url)
    try:
        with probe.connect() as conn:
            assert conn.execute(text("SHOW statement_timeout")).scalar() == "2s"
            path = conn.execute(text("SHOW search_path")).scalar()
            assert path is not None and path.startswith("kp_test_")
            assert conn.execute(text("SELECT count(*) FROM alembic_version")).scalar() == 1
    finally:
        probe.dispose()


def test_migrations_take_a_url_with_escapes(tmp_path: Path) -> None:
    """A "%" in a URL (a password's "%40", a query's "%3D", a folder's name) reaches the engine
    as it is: the migration tool's configuration would otherwise read it as an interpolation."""
    folder = tmp_path / "50%off"
    url = f"sqlite:///{folder / 'kp.db'}"
    upgrade(url)
    assert (folder / "kp.db").exists()
    with make_engine(url).connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM alembic_version")).scalar() == 1
