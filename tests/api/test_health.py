"""Health probes: liveness does no I/O, readiness asks the database on a connection of its own
(never the request pool, never the event loop), both answer while requests queue."""

from __future__ import annotations

import socket
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import anyio.to_thread
from fastapi.testclient import TestClient
from sqlalchemy import QueuePool, text

from kp_licensing.api.app import create_app
from kp_licensing.run.devserver import free_port
from kp_licensing.store.db import make_engine
from kp_licensing.support.settings import Settings
from tests.api.client import web
from tests.api.conftest import Staff


def test_probes_answer_while_forty_requests_are_in_flight(service: str, staff: Staff) -> None:
    token = staff.officer.http.headers["Authorization"]

    def busy(i: int) -> int:
        path = "/api/v1/licences" if i % 2 else "/api/v1/permits"
        return web.get(
            service + path, headers={"Authorization": token}, params={"limit": 100}, timeout=60
        ).status_code

    def probe(path: str) -> int:
        return web.get(service + path, timeout=5).status_code

    with ThreadPoolExecutor(max_workers=48) as pool:
        load = [pool.submit(busy, i) for i in range(40)]
        probes = [pool.submit(probe, p) for p in ["/health/live", "/health/ready", "/health"] * 3]
        assert [p.result() for p in probes] == [200] * 9
        assert {f.result() for f in load} == {200}


def test_readiness_has_its_own_connection_when_the_request_pool_is_exhausted(
    database_url: str, data_dir: Path
) -> None:
    settings = Settings(
        database_url=database_url,
        data_dir=data_dir,
        temporal_address=f"127.0.0.1:{free_port()}",  # no Temporal: the API must start anyway
        task_queue=f"kp-health-{uuid.uuid4().hex[:6]}",
        db_pool_size=1,  # one pooled connection, no overflow
        db_pool_timeout=30,
    )
    app = create_app(settings)
    with TestClient(app) as client, app.state.services.sessions() as session:
        session.execute(text("SELECT 1"))  # holds the pool's only connection
        assert client.get("/health/live").json() == {"status": "alive"}
        ready = client.get("/health/ready")
        assert ready.status_code == 503  # Temporal is not there
        assert ready.json()["database"] == "ok"
        assert ready.json()["temporal"].startswith("unavailable")

        async def thread_limit() -> float:
            return anyio.to_thread.current_default_thread_limiter().total_tokens

        assert client.portal is not None
        assert client.portal.call(thread_limit) == 1  # sized with the pool


def test_readiness_names_a_database_that_does_not_answer(data_dir: Path) -> None:
    with socket.socket() as silent:  # accepts connections, never speaks: a hung database
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        settings = Settings(
            database_url=f"postgresql+psycopg://kp@127.0.0.1:{silent.getsockname()[1]}/kp",
            data_dir=data_dir,
            temporal_address=f"127.0.0.1:{free_port()}",
        )
        with TestClient(create_app(settings)) as client:
            assert client.get("/health/live").status_code == 200
            ready = client.get("/health/ready")
            assert ready.status_code == 503
            assert ready.json()["database"].startswith("unavailable")


def test_the_request_pool_is_sized_by_the_settings_and_never_waits_30_s(database_url: str) -> None:
    engine = make_engine(database_url, pool_size=4, pool_timeout=5)
    try:
        pool = engine.pool
        assert isinstance(pool, QueuePool)
        assert (pool.size(), pool.timeout()) == (4, 5)
    finally:
        engine.dispose()
