"""Crash recovery: the worker, the Temporal dev server and the API run as separate processes,
and each is killed with SIGKILL once, and restarted, while applications are submitted and
approved at concurrency 10. Clients retry as the API asks (503 and Retry-After, or a dropped
connection). At the end every case is active, no operator has two cases, licence numbers are
unique, and the SQL projection equals each workflow's own state."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlmodel import col, select

from edi.pki import DevelopmentPki
from kp_licensing.run.devserver import TemporalDevServer, free_port, port_open
from kp_licensing.store import people
from kp_licensing.store.db import SessionFactory, make_engine, session_factory
from kp_licensing.store.models import Licence, Submission
from kp_licensing.support.settings import Settings
from schemas.common import Role
from schemas.licence import LicenceState
from tests.api.client import Api, web
from tests.conftest import migrated_database
from workflows.client import connect
from workflows.licence import LicenceWorkflow, workflow_id

pytestmark = pytest.mark.processes

CLI = str(Path(sys.executable).parent / "kp-licensing")
OPERATORS = 40
CONCURRENCY = 10
PASSWORD = "correct horse battery staple"


class Part:
    """One of the service's processes, which the test can kill and start again."""

    def __init__(self, name: str, command: list[str], env: dict[str, str], log: Path) -> None:
        self.name, self.command, self.env, self.log = name, command, env, log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            self.command,
            env=self.env,
            stdout=self.log.open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def kill(self) -> None:
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()


def wait_until(check: Callable[[], bool], what: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.1)


def answered(url: str) -> bool:
    try:
        return web.get(url, timeout=2).status_code < 500
    except httpx.HTTPError:
        return False


class Stack:
    #: Sessions on the stack's own database (set by the fixture).
    sessions: SessionFactory

    def __init__(self, tmp: Path, database_url: str) -> None:
        self.api_port, temporal_port = free_port(), free_port()
        self.temporal_address = f"127.0.0.1:{temporal_port}"
        self.base = f"http://127.0.0.1:{self.api_port}"
        self.task_queue = f"crash-{uuid.uuid4().hex[:6]}"
        # DSEDT's key for the worker's declarations, customs' for the simulator (as make run)
        self.pki = DevelopmentPki(tmp / "var" / "pki")
        self.pki.init()
        env = {
            **os.environ,
            "KP_DATABASE_URL": database_url,
            "KP_DATA_DIR": str(tmp / "var"),
            "KP_API_PORT": str(self.api_port),
            "KP_TEMPORAL_ADDRESS": self.temporal_address,
            "KP_TASK_QUEUE": self.task_queue,
            "KP_WORKFLOW_WAIT_SECONDS": "5",
            "KP_SUBMISSION_SWEEP_SECONDS": "5",
        }
        self.temporal = Part(
            "temporal",
            TemporalDevServer(port=temporal_port, db_file=tmp / "temporal.db").command(),
            env,
            tmp / "temporal.log",
        )
        self.worker = Part("worker", [CLI, "worker"], env, tmp / "worker.log")
        self.api = Part("api", [CLI, "api"], env, tmp / "api.log")

    def start_temporal(self) -> None:
        self.temporal.start()
        wait_until(
            lambda: port_open("127.0.0.1", int(self.temporal_address.split(":")[1])), "Temporal"
        )

    def start_api(self) -> None:
        self.api.start()
        wait_until(lambda: answered(self.base + "/health"), "the API")

    def parts(self) -> list[Part]:
        return [self.api, self.worker, self.temporal]


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Stack]:
    """The service as separate processes, on a database of its own: another service of this
    test process (the suite's) must not see its cases (its sweep would start their workflows
    on its own Temporal server)."""
    name = f"kp_crash_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
    with migrated_database(name, tmp_path) as url:
        stack = Stack(tmp_path, url)
        engine = make_engine(url)
        stack.sessions = session_factory(engine)
        stack.start_temporal()
        stack.worker.start()
        stack.start_api()
        try:
            yield stack
        finally:
            for part in stack.parts():
                part.stop()
            engine.dispose()


def until_answered(send: Callable[[], httpx.Response]) -> httpx.Response:
    """Send a request until the service answers it for good: a 503 is retried after its
    Retry-After (capped), a dropped connection (the API killed) after a pause."""
    for _ in range(600):
        try:
            response = send()
        except httpx.HTTPError:
            time.sleep(0.3)
            continue
        if response.status_code != 503:
            return response
        time.sleep(min(float(response.headers.get("Retry-After", "1")), 1.0))
    pytest.fail("the service never answered")


def apply_and_approve(trader: Api, officer: Api, body: dict[str, Any], use_keys: bool) -> str:
    """One operator's licence, applied for and approved through every crash: with
    Idempotency-Keys, or (half the operators) relying on the identical-repeat rule."""
    key = {"Idempotency-Key": f"apply-{uuid.uuid4()}"} if use_keys else {}
    applied = until_answered(lambda: trader.request("POST", "/licences", json=body, headers=key))
    assert applied.status_code == 201, applied.text
    case_no: str = applied.json()["case_no"]
    key = {"Idempotency-Key": f"approve-{uuid.uuid4()}"} if use_keys else {}
    approved = until_answered(
        lambda: officer.request("POST", f"/licences/{case_no}/approve", json={}, headers=key)
    )
    if approved.status_code == 409 and not use_keys:
        # The first attempt was applied before its answer was lost: look, do not assume.
        state = until_answered(lambda: officer.request("GET", f"/licences/{case_no}"))
        assert state.json()["status"] == "active", approved.text
    else:
        assert approved.status_code == 200, approved.text
    return case_no


def chaos(
    stack: Stack,
    progress: Callable[[], int],
    kills: list[tuple[str, int]],
    errors: list[BaseException],
) -> None:
    """Kill each part once, with SIGKILL, as cases progress; start it again."""
    try:
        for part, after in ((stack.worker, 2), (stack.temporal, 6), (stack.api, 10)):
            wait_until(lambda after=after: progress() >= after, f"{after} cases", 300)
            kills.append((part.name, progress()))
            part.kill()
            time.sleep(1.5)
            if part is stack.temporal:
                stack.start_temporal()
            elif part is stack.api:
                stack.start_api()
            else:
                part.start()
    except BaseException as error:
        errors.append(error)


def officer_of(stack: Stack, sessions: SessionFactory) -> Api:
    """An officer of the stack's service, logged in, patient with a restarting API."""
    username = f"officer-{uuid.uuid4().hex[:6]}"
    with sessions() as session:
        people.create_user(
            session,
            username=username,
            full_name="Crash Officer",
            role=Role.officer,
            password=PASSWORD,
        )
    officer = Api.login(stack.base, username, PASSWORD)
    officer.http.timeout = httpx.Timeout(30)
    return officer


@pytest.mark.slow
def test_cases_survive_killing_each_process_once(stack: Stack) -> None:
    sessions = stack.sessions
    officer = officer_of(stack, sessions)
    traders = [Api.register(stack.base) for _ in range(OPERATORS)]
    bodies = [t.application() for t in traders]  # documents uploaded before the crashes

    done: list[str] = []
    errors: list[BaseException] = []
    kills: list[tuple[str, int]] = []
    killer = threading.Thread(target=chaos, args=(stack, lambda: len(done), kills, errors))
    killer.start()

    def one(i: int) -> str:
        case_no = apply_and_approve(traders[i], officer, bodies[i], use_keys=i % 2 == 0)
        done.append(case_no)
        return case_no

    with ThreadPoolExecutor(CONCURRENCY) as pool:
        cases = list(pool.map(one, range(OPERATORS)))
    killer.join(300)
    assert not errors, errors
    # Each process died while cases were still in flight.
    assert [name for name, _ in kills] == ["worker", "temporal", "api"]
    assert all(finished < OPERATORS for _, finished in kills), kills

    with sessions() as session:
        rows = {
            r.case_no: r
            for r in session.exec(select(Licence).where(col(Licence.case_no).in_(cases))).all()
        }
        operators = [t.operator_id or 0 for t in traders]
        opened = session.exec(
            select(Submission.operator_id).where(col(Submission.operator_id).in_(operators))
        ).all()
        all_cases = session.exec(
            select(Licence.operator_id).where(col(Licence.operator_id).in_(operators))
        ).all()
    assert sorted(opened) == sorted(operators), "an operator has two submissions"
    assert sorted(all_cases) == sorted(operators), "an operator has two cases"
    assert {r.status for r in rows.values()} == {"active"}
    numbers = [r.licence_no for r in rows.values()]
    assert len(set(numbers)) == OPERATORS and None not in numbers

    async def workflow_states() -> dict[str, Any]:
        client = await connect(Settings(temporal_address=stack.temporal_address))
        return {
            case_no: (
                await client.get_workflow_handle(workflow_id(case_no)).query(LicenceWorkflow.state)
            ).model_dump(mode="json")
            for case_no in cases
        }

    states = asyncio.run(workflow_states())
    for case_no, row in rows.items():
        assert LicenceState.model_validate(row.state).model_dump(mode="json") == states[case_no]
