"""Record workflow histories for the replay test: ``python -m tests.workflows.record_histories``.

Run it when a workflow changes *on purpose* in a way old histories need not survive (they are
the stored record of what production has run). Every scenario drives a case through the paths
that matter for determinism (timers, updates, activities) on the time-skipping server.
"""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from kp_licensing.domain.clock import macao_date, start_of_macao_day
from kp_licensing.store.db import make_engine, session_factory
from kp_licensing.store.migrate import upgrade
from kp_licensing.support.binaries import temporal_test_server
from schemas.case import AnswerInformation, Reason, RequestInformation
from schemas.common import SYSTEM_ACTOR, Role
from schemas.licence import Approve, Renew, Suspend
from schemas.permit import ApprovePermit, PermitStatus, PlaceHold, RecordCrossing, ReleaseHold
from schemas.shipment import Arrival
from tests.factories import actor, document_refs, licence_start, operator_row, permit_start
from tests.workflows.conftest import CONVERTER
from workflows.licence import LicenceWorkflow, workflow_id
from workflows.permit import PermitWorkflow
from workflows.permit import workflow_id as permit_id
from workflows.worker import build_worker

HISTORIES = Path(__file__).with_name("histories")
QUEUE = "record-histories"
OFFICER = actor(Role.officer, 2)
SUPERVISOR = actor(Role.supervisor, 3)
Scenario = Callable[[WorkflowEnvironment, WorkflowHandle], Awaitable[None]]


async def expires_after_reminders(env: WorkflowEnvironment, handle: WorkflowHandle) -> None:
    await handle.execute_update(LicenceWorkflow.approve, Approve(actor=OFFICER))
    await handle.result()


async def lapses(env: WorkflowEnvironment, handle: WorkflowHandle) -> None:
    await handle.execute_update(
        LicenceWorkflow.request_information, RequestInformation(actor=OFFICER, message="Lease?")
    )
    await handle.result()


async def renewed_suspended_surrendered(env: WorkflowEnvironment, handle: WorkflowHandle) -> None:
    trader = actor(Role.trader, 7)
    await handle.execute_update(
        LicenceWorkflow.request_information, RequestInformation(actor=OFFICER, message="Lease?")
    )
    await handle.execute_update(
        LicenceWorkflow.answer_information,
        AnswerInformation(actor=trader, message="Here", documents=document_refs(["lease"])),
    )
    approved = await handle.execute_update(LicenceWorkflow.approve, Approve(actor=OFFICER))
    expires = approved.state.expires_on
    await env.sleep(start_of_macao_day(expires - timedelta(days=40)) - await env.get_current_time())
    state = await handle.query(LicenceWorkflow.state)
    await handle.execute_update(
        LicenceWorkflow.renew,
        Renew(actor=trader, application=state.application, documents=document_refs()),
    )
    await handle.execute_update(LicenceWorkflow.approve, Approve(actor=OFFICER))
    until = expires + timedelta(days=5)
    await handle.execute_update(
        LicenceWorkflow.suspend,
        Suspend(actor=SUPERVISOR, reason_code="tax_debt", reason="DSF", until=until),
    )
    await env.sleep(timedelta(days=10))
    await handle.execute_update(LicenceWorkflow.surrender, Reason(actor=trader, reason="Closing"))
    await handle.result()


async def transit_held_entered_left(env: WorkflowEnvironment, handle: WorkflowHandle) -> None:
    system = SYSTEM_ACTOR
    await handle.signal(PermitWorkflow.hold, PlaceHold(actor=system, code="x", reason="audit"))
    await handle.signal(PermitWorkflow.release, ReleaseHold(actor=system, code="x", reason="ok"))
    while (await handle.query(PermitWorkflow.state)).status != PermitStatus.under_review:
        await asyncio.sleep(0.05)
    await handle.execute_update(PermitWorkflow.approve, ApprovePermit(actor=OFFICER))
    state = await handle.query(PermitWorkflow.state)
    arrival = Arrival(
        date=state.issued_on,
        carats=state.application.carats,
        parcels=1,
        containers=["C1"],
        seals=["S1"],
        seals_intact=True,
    )
    await handle.execute_update(
        PermitWorkflow.record_entry, RecordCrossing(actor=OFFICER, arrival=arrival)
    )
    await handle.execute_update(
        PermitWorkflow.record_exit, RecordCrossing(actor=OFFICER, arrival=arrival)
    )
    await handle.result()


async def import_expires_unused(env: WorkflowEnvironment, handle: WorkflowHandle) -> None:
    await handle.execute_update(PermitWorkflow.approve, ApprovePermit(actor=OFFICER))
    await handle.result()


SCENARIOS: dict[str, Scenario] = {
    "licence_expires_after_reminders": expires_after_reminders,
    "licence_lapses": lapses,
    "licence_renewed_suspended_surrendered": renewed_suspended_surrendered,
    "permit_transit_held_entered_left": transit_held_entered_left,
    "permit_import_expires_unused": import_expires_unused,
}


async def record(env: WorkflowEnvironment, url: str) -> None:
    sessions = session_factory(make_engine(url))
    for name, scenario in SCENARIOS.items():
        with sessions() as session:
            operator = operator_row(session)
        assert operator.id is not None
        if name.startswith("permit"):
            today = macao_date(await env.get_current_time())
            kind = "transit" if "transit" in name else "import"
            permit = permit_start(operator.id, kind, today=today)
            handle = await env.client.start_workflow(
                PermitWorkflow.run, permit, id=permit_id(permit.state.case_no), task_queue=QUEUE
            )
            await handle.execute_update(PermitWorkflow.recorded)
        else:
            started = licence_start(operator.id)
            handle = await env.client.start_workflow(
                LicenceWorkflow.run,
                started,
                id=workflow_id(started.state.case_no),
                task_queue=QUEUE,
            )
            await handle.execute_update(LicenceWorkflow.recorded)
        await scenario(env, handle)
        history = await handle.fetch_history()
        (HISTORIES / f"{name}.json").write_text(history.to_json())
        print(f"recorded {name}: {len(history.events)} events")


async def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/record.db"
        upgrade(url)
        async with await WorkflowEnvironment.start_time_skipping(
            data_converter=CONVERTER,
            test_server_existing_path=str(temporal_test_server()),
        ) as env:
            with ThreadPoolExecutor(4) as executor:
                worker = build_worker(
                    env.client,
                    task_queue=QUEUE,
                    sessions=session_factory(make_engine(url)),
                    executor=executor,
                )
                async with worker:
                    await record(env, url)


if __name__ == "__main__":
    asyncio.run(main())
