"""Submissions survive what fails between the request and the workflow: a worker that is down,
a retried request, concurrent requests, an API process that dies before the start.

A second API runs beside the suite's service, on the same database and Temporal server, but on
a task queue no worker polls until a test starts one: so "the worker is down" is real, and
every wait must end at the API's deadline with a 503 naming the case.
"""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlmodel import col, func, select

from kp_licensing.run.devserver import free_port, port_open
from kp_licensing.run.runner import run_worker, serve_api
from kp_licensing.services import submissions
from kp_licensing.services.cases import LICENCE
from kp_licensing.services.temporal import ProcessEngine
from kp_licensing.store import submissions as store_submissions
from kp_licensing.store.db import SessionFactory
from kp_licensing.store.models import Licence, LicenceClaim, Submission
from kp_licensing.store.permit_models import Permit
from kp_licensing.support.settings import Settings
from tests.api.client import Api, http, web
from tests.api.conftest import BackgroundLoop, Staff
from tests.api.test_holds import imports_of_a_series
from tests.api.test_permits import certificate, shipment, wait_for
from tests.factories import licence_start, operator_row, stored_documents
from workflows.client import connect

WAIT = 2.0  # the second API's deadline on every wait for a workflow, in seconds


class Stack:
    """The second API, and a worker for its task queue that a test starts and stops."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.loop = BackgroundLoop()
        self.api_stop = self.loop.event()
        self.api = self.loop.submit(serve_api(settings, self.api_stop))
        while not port_open(settings.api_host, settings.api_port):
            if self.api.done():
                self.api.result()
            threading_wait(0.05)
        self.base = f"http://{settings.api_host}:{settings.api_port}"

    @contextmanager
    def worker(self) -> Iterator[None]:
        stop = self.loop.event()
        running = self.loop.submit(run_worker(self.settings, stop))
        try:
            yield
        finally:
            self.loop.loop.call_soon_threadsafe(stop.set)
            running.result(30)

    def close(self) -> None:
        self.loop.loop.call_soon_threadsafe(self.api_stop.set)
        self.api.result(30)
        self.loop.close()


def threading_wait(seconds: float) -> None:
    threading.Event().wait(seconds)


@pytest.fixture(scope="module")
def stack(settings: Settings, service: str) -> Iterator[Stack]:
    own = settings.model_copy(
        update={
            "api_port": free_port(),
            "task_queue": f"kp-no-worker-{uuid.uuid4().hex[:6]}",
            "workflow_wait_seconds": WAIT,
            "submission_sweep_seconds": 3600,
        }
    )
    stack = Stack(own)
    yield stack
    stack.close()


def on(stack: Stack, api: Api) -> Api:
    """The same logged-in user, talking to the second API (a wait there is bounded by WAIT: a
    request still unanswered at ten times that is a hang, and fails the test)."""
    client = http(stack.base + "/api/v1", headers=dict(api.http.headers))
    client.timeout = httpx.Timeout(WAIT * 10)
    return Api(http=client, operator_id=api.operator_id, registration_no=api.registration_no)


def licence_cases(sessions: SessionFactory, operator_id: int | None) -> list[str]:
    with sessions() as session:
        return list(
            session.exec(
                select(Submission.case_no).where(
                    Submission.operator_id == operator_id, Submission.kind == "licence"
                )
            ).all()
        )


def test_with_the_worker_down_an_application_is_recorded_at_once_and_decided_once_it_runs(
    stack: Stack, trader: Api, staff: Staff, sessions: SessionFactory
) -> None:
    """A case is recorded with its submission: no worker is needed to accept it, list it, or
    answer a repeat; only the decision waits for one."""
    mine = on(stack, trader)
    body = trader.application()

    first = mine.request("POST", "/licences", json=body)
    assert first.status_code == 201, first.text
    case_no = first.json()["case_no"]
    assert first.json()["status"] == "under_review"
    listed = mine.ok("GET", "/licences")["items"]
    assert [c["case_no"] for c in listed] == [case_no]

    # The same application again: the same case, not a second one and not a 409.
    again = mine.request("POST", "/licences", json=body)
    assert again.status_code == 201, again.text
    assert again.json() == first.json()

    # Another application meanwhile: refused, naming the case the operator already has.
    other = mine.request("POST", "/licences", json={**body, "name": "Another Name Limitada"})
    assert other.status_code == 409, other.text
    assert case_no in other.json()["detail"]

    officer = on(stack, staff.officer)
    waiting = officer.request("POST", f"/licences/{case_no}/approve", json={})
    assert waiting.status_code == 503, waiting.text
    assert waiting.json()["case_no"] == case_no
    assert waiting.headers["Retry-After"].isdigit()

    with stack.worker():
        # The approval sent while the worker was down is applied once it runs; a repeat
        # without a key is then refused as what it is, a second approval.
        for _ in range(100):
            if mine.ok("GET", f"/licences/{case_no}")["status"] == "active":
                break
            threading_wait(0.1)
        assert mine.ok("GET", f"/licences/{case_no}")["status"] == "active"
        twice = officer.request("POST", f"/licences/{case_no}/approve", json={})
        assert twice.status_code == 409, twice.text

    assert licence_cases(sessions, trader.operator_id) == [case_no]
    with sessions() as session:
        rows = session.exec(select(Licence).where(Licence.operator_id == trader.operator_id)).all()
        assert [(r.case_no, r.status) for r in rows] == [(case_no, "active")]
    history = officer.ok("GET", f"/licences/{case_no}/history")
    assert [t["action"] for t in history] == ["submitted", "approved"]


def test_with_the_worker_down_a_decision_answers_503_within_the_deadline(
    stack: Stack, trader: Api, staff: Staff
) -> None:
    with stack.worker():
        case_no = on(stack, trader).apply()["case_no"]
    officer = on(stack, staff.officer)
    key = {"Idempotency-Key": f"approve-{uuid.uuid4()}"}
    response = officer.request("POST", f"/licences/{case_no}/approve", json={}, headers=key)
    assert response.status_code == 503, response.text
    assert response.json()["case_no"] == case_no
    assert int(response.headers["Retry-After"]) > 0
    # The approval was sent, not lost; repeated with its key once a worker runs, it answers
    # with the one approval made, and is not applied twice.
    with stack.worker():
        # As a client is told to: repeat with the same key until the answer is not a 503 (a
        # worker just started may take longer than the 2 s deadline to catch up).
        for _ in range(10):
            repeat = officer.request("POST", f"/licences/{case_no}/approve", json={}, headers=key)
            if repeat.status_code != 503:
                break
        assert repeat.status_code == 200, repeat.text
        assert repeat.json()["state"]["status"] == "active"
        again = officer.request("POST", f"/licences/{case_no}/approve", json={}, headers=key)
        assert again.json()["transition"] == repeat.json()["transition"]
        # Without the key, a second approval is what it is: impossible now.
        twice = officer.request("POST", f"/licences/{case_no}/approve", json={})
        assert twice.status_code == 409, twice.text
    history = officer.ok("GET", f"/licences/{case_no}/history")
    assert [t["action"] for t in history] == ["submitted", "approved"]


def test_concurrent_applications_of_one_operator_open_one_case(
    trader: Api, sessions: SessionFactory
) -> None:
    bodies = [trader.application(name=f"Lotus {i} Limitada") for i in range(6)]
    bodies += [bodies[0]] * 2  # and two exact repeats of the first
    with ThreadPoolExecutor(len(bodies)) as pool:
        answers = list(pool.map(lambda b: trader.request("POST", "/licences", json=b), bodies))
    created = {a.json()["case_no"] for a in answers if a.status_code == 201}
    assert len(created) == 1, [a.text for a in answers]
    assert all(a.status_code in (201, 409) for a in answers), [a.text for a in answers]
    assert licence_cases(sessions, trader.operator_id) == list(created)


def test_an_application_after_the_case_ended_takes_the_claim_over(
    trader: Api, sessions: SessionFactory
) -> None:
    first = trader.apply()["case_no"]
    trader.ok("POST", f"/licences/{first}/withdraw", json={"reason": "Wrong company name."})
    second = trader.apply(name="Lotus Corrected Limitada")["case_no"]
    assert second != first
    with sessions() as session:
        assert session.get(LicenceClaim, trader.operator_id).case_no == second  # type: ignore[union-attr]


def test_an_idempotency_key_gets_the_same_shipment_case_and_cannot_be_reused(
    holder: Api, sessions: SessionFactory
) -> None:
    key = f"import-{uuid.uuid4()}"
    body = shipment(holder, "import", foreign_certificate=certificate(holder))
    headers = {"Idempotency-Key": key}
    first = holder.request("POST", "/permits", json=body, headers=headers)
    assert first.status_code == 201, first.text
    again = holder.request("POST", "/permits", json=body, headers=headers)
    assert again.status_code == 201, again.text
    assert again.json()["case_no"] == first.json()["case_no"]

    # Repeated after the case has ended, the key still gets the case, as it ended.
    case_no = first.json()["case_no"]
    holder.ok("POST", f"/permits/{case_no}/withdraw", json={"reason": "Shipment postponed."})
    late = holder.request("POST", "/permits", json=body, headers=headers)
    assert late.status_code == 201, late.text
    assert (late.json()["case_no"], late.json()["status"]) == (case_no, "withdrawn")

    changed = holder.request("POST", "/permits", json={**body, "parcels": 4}, headers=headers)
    assert changed.status_code == 422, changed.text
    assert first.json()["case_no"] in changed.json()["detail"]

    bad = holder.request("POST", "/permits", json=body, headers={"Idempotency-Key": "x y"})
    assert bad.status_code == 422, bad.text
    with sessions() as session:
        count = session.exec(
            select(func.count()).where(col(Permit.operator_id) == holder.operator_id)
        ).one()
    assert count == 1


def test_a_repeated_shipment_application_without_a_key_gets_the_undecided_case(
    holder: Api,
) -> None:
    body = shipment(holder, "import", foreign_certificate=certificate(holder))
    first = holder.ok("POST", "/permits", json=body)["case_no"]
    assert holder.ok("POST", "/permits", json=body)["case_no"] == first


@pytest.fixture
def holder(trader: Api, staff: Staff) -> Api:
    case_no = trader.apply(activities=["import", "export", "transit"])["case_no"]
    staff.officer.ok("POST", f"/licences/{case_no}/approve", json={})
    return trader


def unstarted_submission(sessions: SessionFactory) -> str:
    """What an API process that died between its commit and the start leaves behind: a
    licence case committed (and listed) whose workflow was never started; its case number."""
    with sessions() as session:
        start = licence_start(operator_row(session).id or 0)
        stored_documents(session, start.state.operator_id, start.state.documents)
        submissions.record(
            session,
            process=LICENCE,
            state=start.state,
            actor=start.submitted_by,
            print_=uuid.uuid4().hex * 2,
            idempotency_key=None,
        )
        session.commit()
    return start.state.case_no


async def test_the_sweep_starts_a_submission_whose_request_died_before_the_start(
    settings: Settings, service: str, sessions: SessionFactory
) -> None:
    case_no = unstarted_submission(sessions)
    client = await connect(settings)
    engine = ProcessEngine(
        client=client, task_queue=settings.task_queue, wait=timedelta(seconds=10)
    )
    assert await submissions.start_unstarted(sessions, engine, timedelta(0)) >= 1
    for _ in range(200):
        with sessions() as session:
            if session.get(Licence, case_no) is not None:
                break
        await asyncio.sleep(0.05)
    with sessions() as session:
        assert session.get(Licence, case_no) is not None, "the swept case was never recorded"
        assert session.get(Submission, case_no).started_at is not None  # type: ignore[union-attr]
    # A second sweep finds nothing left to start.
    assert case_no not in [
        s.case_no for s in store_submissions.unstarted(sessions(), before=datetime.now(UTC))
    ]


def test_a_repeated_registration_gets_the_same_operator(service: str) -> None:
    """A client that lost the answer to its registration and sends it again is given the
    operator it registered; the same business with another password or user is a 409."""
    tag = uuid.uuid4().hex[:8]
    body = {
        "operator_name": f"Repeat {tag} Limitada",
        "operator_kind": "company",
        "business_registration_no": f"RP{tag}",
        "username": f"repeat-{tag}",
        "full_name": "Chan Tai Man",
        "password": "correct horse battery staple",
    }
    url = f"{service}/api/v1/auth/register"
    first = web.post(url, json=body, timeout=60)
    assert first.status_code == 201, first.text
    again = web.post(url, json=body, timeout=60)
    assert again.status_code == 201, again.text
    assert again.json() == first.json()
    for changes in ({"password": "another horse battery staple"}, {"username": f"other-{tag}"}):
        other = web.post(url, json={**body, **changes}, timeout=60)
        assert other.status_code == 409, other.text


def test_listing_holds_sent_while_no_worker_runs_complete_once_one_does(
    stack: Stack, holder: Api, staff: Staff
) -> None:
    """The holds of a listing are a workflow of their own: with its worker down the listing
    is made and the request answers 503 naming it; the holds follow when a worker runs, and a
    repeat of the request then answers with the listing."""
    cases, listing = imports_of_a_series(holder, 2)
    officer = on(stack, staff.officer)
    first = officer.request("POST", "/invalid-certificates", json=listing)
    assert first.status_code == 503, first.text
    assert "invalid-certificate listing" in first.json()["detail"]
    assert first.headers["Retry-After"].isdigit()
    for case_no in cases:
        assert holder.ok("GET", f"/permits/{case_no}")["status"] == "under_review"

    with stack.worker():
        for case_no in cases:
            wait_for(holder, case_no, "on_hold")
        again = officer.request("POST", "/invalid-certificates", json=listing)
        assert again.status_code == 201, again.text
    listed = staff.officer.ok("GET", "/invalid-certificates", params={"issuing_country": "AE"})
    assert again.json()["id"] in [entry["id"] for entry in listed]


def test_an_action_on_a_case_never_started_starts_it_instead_of_calling_it_closed(
    service: str, sessions: SessionFactory, staff: Staff
) -> None:
    """A submission committed but never started (its request died, or met Temporal down) is in
    the lists before the sweep comes; an officer acting on it then starts its workflow and is
    answered, not told that the case is closed."""
    case_no = unstarted_submission(sessions)
    asked = staff.officer.request(
        "POST", f"/licences/{case_no}/request-information", json={"message": "Send the lease."}
    )
    assert asked.status_code == 200, asked.text
    assert asked.json()["state"]["status"] == "info_requested"
    with sessions() as session:
        assert session.get(Submission, case_no).started_at is not None  # type: ignore[union-attr]
