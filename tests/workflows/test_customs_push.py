"""Declarations pushed to a customs endpoint: retried until customs takes one (a 2xx), each
failure counted on the outbox row with its reason; the exact signed bytes, with their id and
hash, are what arrives."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from temporalio.testing import WorkflowEnvironment

from edi.signer import KeySigner
from kp_licensing.domain.clock import macao_date
from kp_licensing.run.devserver import free_port
from kp_licensing.store import customs as outbox
from kp_licensing.store.db import SessionFactory
from schemas.common import Role
from schemas.permit import ApprovePermit
from tests.factories import actor, licence_row, operator_row, permit_start, unique
from tests.workflows.polling import eventually
from tests.workflows.test_customs_exchange import foreign_certificate
from workflows.customs_activities import CustomsLink
from workflows.permit import PermitWorkflow, workflow_id
from workflows.worker import build_worker


class Customs(ThreadingHTTPServer):
    """A customs endpoint that refuses its first ``refusals`` deliveries, then takes them."""

    def __init__(self, refusals: int) -> None:
        super().__init__(("127.0.0.1", free_port()), Handler)
        self.refusals = refusals
        self.received: list[tuple[dict[str, str], bytes]] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/declarations"


class Handler(BaseHTTPRequestHandler):
    server: Customs

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.received.append((dict(self.headers), body))
        refused = len(self.server.received) <= self.server.refusals
        self.send_response(503 if refused else 202)
        self.end_headers()
        self.wfile.write(b"busy" if refused else b"")

    def log_message(self, *args: Any) -> None:
        """Quiet: the test reads what arrived."""


@pytest.fixture
def customs() -> Iterator[Customs]:
    server = Customs(refusals=2)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


async def test_a_declaration_is_pushed_until_customs_takes_it(
    env: WorkflowEnvironment, sessions: SessionFactory, dsedt: KeySigner, customs: Customs
) -> None:
    queue = unique("push-")
    link = CustomsLink(
        sender="DSEDT", office="MOCUSTOMS", push_url=customs.url, push_token="s3cret"
    )
    licence_no = unique("OL-")
    with sessions() as session:
        operator = operator_row(session)
        assert operator.id is not None
        licence_row(session, operator.id, licence_no)
    today = macao_date(await env.get_current_time())
    started = permit_start(
        operator.id,
        "import",
        today=today,
        licence_no=licence_no,
        foreign_certificate=foreign_certificate(today),
    )
    with ThreadPoolExecutor(max_workers=4) as executor:
        async with build_worker(
            env.client,
            task_queue=queue,
            sessions=sessions,
            executor=executor,
            signer=dsedt,
            customs_link=link,
        ):
            handle = await env.client.start_workflow(
                PermitWorkflow.run, started, id=workflow_id(started.state.case_no), task_queue=queue
            )
            await handle.execute_update(PermitWorkflow.recorded)
            await handle.execute_update(
                PermitWorkflow.approve, ApprovePermit(actor=actor(Role.officer, 2))
            )

            def taken() -> bool:
                with sessions() as session:
                    rows = outbox.declarations_of_case(session, started.state.case_no)
                return bool(rows) and rows[0].acknowledged_at is not None

            await env.sleep(timedelta(minutes=1))  # the retries' backoff, skipped
            await eventually(taken, seconds=60)
            # Its licence's timers would run on this worker's queue, which nothing polls once
            # the test is over: the shared server would then stop skipping time for the others.
            await handle.terminate("test over")
    with sessions() as session:
        [row] = outbox.declarations_of_case(session, started.state.case_no)
    assert (row.acknowledged_by, row.push_attempts) == ("push", 2)
    assert row.push_error is not None and "503" in row.push_error
    assert len(customs.received) == 3
    headers, body = customs.received[-1]
    assert body == row.xml and hashlib.sha256(body).hexdigest() == headers["X-Content-SHA256"]
    assert headers["X-Message-Id"] == row.message_id
    assert headers["Authorization"] == "Bearer s3cret"
    assert headers["Content-Type"] == "application/xml"
