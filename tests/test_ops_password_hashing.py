"""Argon2 memory is bounded: OWASP parameters (19 MiB a run) and at most
KP_PASSWORD_HASH_CONCURRENCY runs at once per process, whatever the number of callers."""

from __future__ import annotations

import asyncio
import inspect
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import pytest
from argon2 import PasswordHasher

from kp_licensing.api.routes import auth, users
from kp_licensing.support import security
from kp_licensing.support.settings import Settings

T = TypeVar("T")


class Gate:
    """Wraps the real hasher: counts the runs inside it and holds each until released, so the
    test sees how many run at once without relying on timing."""

    def __init__(self, real: PasswordHasher) -> None:
        self.real = real
        self.inside = 0
        self.peak = 0
        self.count = threading.Lock()
        self.release = threading.Event()

    def verify(self, password_hash: str, password: str) -> bool:
        return self._held(lambda: self.real.verify(password_hash, password))

    def hash(self, password: str) -> str:
        return self._held(lambda: self.real.hash(password))

    def _held(self, work: Callable[[], T]) -> T:
        with self.count:
            self.inside += 1
            self.peak = max(self.peak, self.inside)
        self.release.wait(60)
        with self.count:
            self.inside -= 1
        return work()


@pytest.fixture
def gate(monkeypatch: pytest.MonkeyPatch) -> Iterator[Gate]:
    gate = Gate(security._hasher)
    monkeypatch.setattr(security, "_hasher", gate)
    limit = security.slots.limit
    yield gate
    gate.release.set()
    security.slots.resize(limit)


@pytest.mark.parametrize("limit", [1, 2, 3])
def test_concurrent_hashing_never_exceeds_the_configured_limit(gate: Gate, limit: int) -> None:
    security.slots.resize(limit)
    callers = 8
    with ThreadPoolExecutor(max_workers=callers) as pool:
        hashes = [pool.submit(security.hash_password, f"password number {i}") for i in range(8)]
        for _ in range(6000):  # until every caller is either hashing or queued for a slot
            if security.slots.running == limit and security.slots.waiting == callers - limit:
                break
            threading.Event().wait(0.01)
        assert (security.slots.running, security.slots.waiting) == (limit, callers - limit)
        assert gate.inside == limit
        gate.release.set()
        results = [h.result(60) for h in hashes]
    assert gate.peak == limit
    assert security.slots.running == security.slots.waiting == 0
    assert all(security.verify_password(f"password number {i}", h) for i, h in enumerate(results))


@pytest.fixture
def owasp_cost() -> Iterator[None]:
    """The service's default hashing cost for one test (the suite runs at a cheap one)."""
    defaults = Settings.model_fields
    assert defaults["password_hash_memory_kib"].default == 19 * 1024
    assert defaults["password_hash_time_cost"].default == 2
    security.configure(concurrency=2, parameters=security.PARAMETERS)
    yield
    security.configure_from(Settings())


def test_hashes_use_owasp_parameters_and_older_ones_still_verify(owasp_cost: None) -> None:
    fresh = security.hash_password("correct horse battery staple")
    assert fresh.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert not security.needs_rehash(fresh)
    legacy = PasswordHasher().hash("correct horse battery staple")  # 64 MiB, t=3, p=4
    assert security.verify_password("correct horse battery staple", legacy)
    assert not security.verify_password("wrong horse battery staple", legacy)
    assert security.needs_rehash(legacy)


async def test_login_waits_for_a_hashing_thread_without_blocking_the_event_loop(
    gate: Gate,
) -> None:
    gate.release.set()
    stored = security.hash_password("correct horse battery staple")
    gate.release.clear()
    security.slots.resize(1)
    first = asyncio.ensure_future(security.verify_password_async("wrong", stored))
    second = asyncio.ensure_future(
        security.verify_password_async("correct horse battery staple", stored)
    )
    for _ in range(6000):  # this loop keeps turning while the hashing thread is held
        await asyncio.sleep(0.01)
        if gate.inside == 1 and security.slots.waiting == 1:
            break
    assert (gate.inside, security.slots.waiting) == (1, 1)
    assert not first.done() and not second.done()
    gate.release.set()
    assert (await first, await second) == (False, True)
    assert gate.peak == 1


def test_only_the_async_login_route_hashes_without_a_request_thread() -> None:
    """Login is the burst to expect, so it awaits the hashing threads; the rarer routes that
    hash (registration, new accounts) are plain ``def``: they wait on a request thread, never
    on the event loop."""
    assert inspect.iscoroutinefunction(auth.login)
    for route in (auth.register, users.create_user, users.add_colleague):
        assert not inspect.iscoroutinefunction(route), route.__name__
