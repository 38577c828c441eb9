"""A licence lives for years: its workflow continues as new when Temporal suggests it, and
nothing of the case (state, transition numbering, timers) is lost on the way."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from temporalio.client import Client

from kp_licensing.run.devserver import TemporalDevServer, free_port
from kp_licensing.run.reconnect import connect_until_up
from kp_licensing.store import licences
from kp_licensing.store.db import SessionFactory
from kp_licensing.support.settings import Settings
from schemas.case import Reason
from schemas.common import Role
from schemas.licence import Approve, LicenceStatus, Suspend
from tests.factories import actor, licence_start, operator_row
from workflows.client import TemporalAccess
from workflows.licence import LicenceWorkflow, workflow_id
from workflows.worker import build_worker

QUEUE = "continue-as-new"


@pytest.fixture(scope="module")
async def client(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Client]:
    """A dev server that suggests continue-as-new after 60 events instead of thousands."""
    server = TemporalDevServer(
        port=free_port(),
        log_file=tmp_path_factory.mktemp("can") / "temporal.log",
        dynamic_config={"limit.historyCount.suggestContinueAsNew": "60"},
    )
    await server.start()
    try:
        # The port opens before the frontend is healthy: connect as the service does, retrying.
        access = TemporalAccess.of(Settings(temporal_address=server.address))
        client = await connect_until_up(access, stop=asyncio.Event(), who="test")
        assert client is not None
        yield client
    finally:
        server.stop()


async def test_the_case_survives_continue_as_new(client: Client, sessions: SessionFactory) -> None:
    with sessions() as session:
        operator = operator_row(session)
    assert operator.id is not None
    started = licence_start(operator.id)
    supervisor = actor(Role.supervisor, 3)
    with ThreadPoolExecutor(4) as executor:
        async with build_worker(client, task_queue=QUEUE, sessions=sessions, executor=executor):
            handle = await client.start_workflow(
                LicenceWorkflow.run,
                started,
                id=workflow_id(started.state.case_no),
                task_queue=QUEUE,
            )
            await handle.execute_update(LicenceWorkflow.recorded)
            approved = await handle.execute_update(
                LicenceWorkflow.approve, Approve(actor=actor(Role.officer, 2))
            )
            for _ in range(8):
                await handle.execute_update(
                    LicenceWorkflow.suspend,
                    Suspend(actor=supervisor, reason_code="other", reason="audit"),
                )
                await handle.execute_update(
                    LicenceWorkflow.reinstate, Reason(actor=supervisor, reason="audit done")
                )
            description = await handle.describe()
            first_run = client.get_workflow_handle(handle.id, run_id=handle.result_run_id)
            first = await first_run.describe()
            state = await handle.query(LicenceWorkflow.state)

    assert description.run_id != handle.result_run_id, "the workflow never continued as new"
    assert first.status is not None and first.status.name == "CONTINUED_AS_NEW"
    assert state.status == LicenceStatus.active
    assert state.licence_no == approved.state.licence_no
    assert state.expires_on == approved.state.expires_on
    assert state.seq == 2 + 16
    with sessions() as session:
        seqs = [e.seq for e in licences.events(session, started.state.case_no)]
    assert seqs == list(range(1, 19))
