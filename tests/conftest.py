"""Fixtures shared by the whole suite: a real database (SQLite, or PostgreSQL when
``KP_DATABASE_URL`` says so), migrated from empty with the project's own migrations."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from kp_licensing.store.db import SessionFactory, make_engine, session_factory
from kp_licensing.store.migrate import upgrade
from kp_licensing.support import security
from kp_licensing.support.settings import Settings

# Password hashes at a test cost (Argon2id, 64 KiB, one pass: well under a millisecond instead
# of about 25 ms): the suite registers and signs in hundreds of users. Set in the environment,
# so every Settings the tests build, and every process they start (the crash test's API, the
# CLI), hashes at this cost too; tests that are about the cost configure it themselves.
os.environ.setdefault("KP_PASSWORD_HASH_MEMORY_KIB", "64")
os.environ.setdefault("KP_PASSWORD_HASH_TIME_COST", "1")
security.configure_from(Settings())


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("KP_DATABASE_URL") or ""
    if url.startswith("postgresql"):
        engine = make_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'kp-licensing.db'}"
    upgrade(url)
    return url


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def sessions(engine: Engine) -> SessionFactory:
    return session_factory(engine)


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("data")
