"""The whole service over real HTTP: a Temporal dev server, a worker and the API (uvicorn) on
free ports, with the suite's database; plus logged-in users of every role."""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import Coroutine, Iterator
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from edi.pki import DevelopmentPki
from kp_licensing.run.devserver import TemporalDevServer, free_port, port_open
from kp_licensing.run.runner import run_worker, serve_api
from kp_licensing.store import people
from kp_licensing.store.db import SessionFactory
from kp_licensing.support.settings import Settings
from schemas.common import Role
from tests.api.client import Api, http


class BackgroundLoop:
    """An event loop in a thread, for the worker and the API while tests run synchronously."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def submit(self, coro: Coroutine[Any, Any, Any]) -> Future[Any]:
        return asyncio.run_coroutine_threadsafe(coro, self.loop)

    def event(self) -> asyncio.Event:
        async def make() -> asyncio.Event:
            return asyncio.Event()

        return self.submit(make()).result()

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


@pytest.fixture(scope="session")
def settings(database_url: str, data_dir: Path) -> Settings:
    DevelopmentPki(data_dir / "pki").init()  # DSEDT's key, for the documents the API signs
    return Settings(
        database_url=database_url,
        data_dir=data_dir,
        temporal_address=f"127.0.0.1:{free_port()}",
        task_queue=f"kp-api-test-{uuid.uuid4().hex[:6]}",
        api_port=free_port(),
        upload_max_bytes=64 * 1024,
        # The worlds of the access matrices upload a few hundred documents for one operator in
        # a minute; the limit itself is tested with an app of its own (test_upload_limits.py).
        upload_per_minute=10_000,
        mail_every_seconds=2,  # mail is checked for within seconds
    )


@pytest.fixture(scope="session")
def service(settings: Settings) -> Iterator[str]:
    """Base URL of the running service."""
    host, _, port = settings.temporal_address.rpartition(":")
    server = TemporalDevServer(host=host, port=int(port), log_file=settings.data_dir / "t.log")
    background = BackgroundLoop()
    background.submit(server.start()).result(90)
    stop = background.event()
    worker = background.submit(run_worker(settings, stop))
    api = background.submit(serve_api(settings, stop))
    for _ in range(200):
        if port_open(settings.api_host, settings.api_port):
            break
        if api.done():
            api.result()
        threading.Event().wait(0.05)
    yield f"http://{settings.api_host}:{settings.api_port}"
    background.loop.call_soon_threadsafe(stop.set)
    api.result(30)
    worker.result(30)
    server.stop()
    background.close()


@dataclass
class Staff:
    admin: Api
    officer: Api
    supervisor: Api
    customs: Api


def _staff_user(sessions: SessionFactory, role: Role) -> tuple[str, str]:
    username, password = f"{role.value}-{uuid.uuid4().hex[:6]}", "correct horse battery staple"
    with sessions() as session:
        people.create_user(
            session,
            username=username,
            full_name=f"Test {role.value}",
            role=role,
            password=password,
        )
    return username, password


@pytest.fixture(scope="session")
def staff(service: str, sessions: SessionFactory) -> Staff:
    admin = Api.login(service, *_staff_user(sessions, Role.admin))
    officer = Api.login(service, *_staff_user(sessions, Role.officer))
    supervisor = Api.login(service, *_staff_user(sessions, Role.supervisor))
    system = admin.ok(
        "POST",
        "/users",
        json={
            "username": f"customs-{uuid.uuid4().hex[:6]}",
            "full_name": "Customs EDI gateway",
            "role": "customs",
        },
    )
    key = admin.ok("POST", f"/users/{system['id']}/api-keys", json={"label": "EDI gateway"})
    customs = Api(http(service + "/api/v1", headers={"X-API-Key": key["key"]}))
    return Staff(admin=admin, officer=officer, supervisor=supervisor, customs=customs)


@pytest.fixture
def trader(service: str) -> Api:
    """A freshly registered operator's trader (each test gets its own company)."""
    return Api.register(service)


@pytest.fixture
def other_trader(service: str) -> Api:
    return Api.register(service)
