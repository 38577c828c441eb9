"""Fixtures shared by the whole suite: a real database (SQLite, or PostgreSQL when
``KP_DATABASE_URL`` says so), migrated from empty with the project's own migrations.

The suite runs in parallel (pytest-xdist, one process per core: ``make test``). Each process
has its own everything: its SQLite file, or its own schema in the PostgreSQL database; its own
Temporal dev server, worker and API on free ports (``tests/api/conftest.py``)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Engine, make_url, text

from edi.pki import DSEDT, DevelopmentPki, load_signer
from edi.signer import KeySigner
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


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests that start processes of their own (seconds each, mostly waiting) go first: handed
    out last, one of them would keep a parallel run waiting on it alone at the end."""
    items.sort(key=lambda item: item.get_closest_marker("processes") is None)


@contextmanager
def migrated_database(name: str, folder: Path) -> Iterator[str]:
    """A migrated, empty database called ``name``: on PostgreSQL (``KP_DATABASE_URL``) a schema
    of its own, chosen through the connection's ``search_path`` so every process a test starts
    sees the same tables, dropped at the end; on SQLite a file of its own in ``folder``."""
    url = os.environ.get("KP_DATABASE_URL") or ""
    if not url.startswith("postgresql"):
        url = f"sqlite:///{folder / f'{name}.db'}"
        upgrade(url)
        yield url
        return
    admin = make_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {name} CASCADE"))
        conn.execute(text(f"CREATE SCHEMA {name}"))
    own = make_url(url).update_query_dict({"options": f"-csearch_path={name}"})
    url = own.render_as_string(hide_password=False)
    upgrade(url)
    yield url
    with admin.begin() as conn:
        conn.execute(text("SET LOCAL lock_timeout = '5s'"))
        conn.execute(text(f"DROP SCHEMA {name} CASCADE"))
    admin.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The database of this test process (``kp_test_<worker>``)."""
    name = f"kp_test_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
    with migrated_database(name, tmp_path_factory.mktemp("db")) as url:
        yield url


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


#: A development PKI made once per test process, with the service's own code.
@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> DevelopmentPki:
    made = DevelopmentPki(tmp_path_factory.mktemp("pki"))
    assert made.init()
    return made


@pytest.fixture(scope="session")
def dsedt(pki: DevelopmentPki) -> KeySigner:
    return load_signer(pki.key(DSEDT), pki.chain(DSEDT))
