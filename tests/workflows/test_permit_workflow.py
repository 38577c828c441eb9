"""PermitWorkflow under time skipping: validity runs out, transits must leave in time."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from kp_licensing.domain.clock import macao_date, start_of_macao_day
from kp_licensing.store import permits
from kp_licensing.store.db import SessionFactory
from schemas.common import Role
from schemas.permit import (
    ApprovePermit,
    PermitState,
    PermitStatus,
    PlaceHold,
    RecordArrival,
    ReleaseHold,
)
from schemas.shipment import Arrival
from tests.factories import actor, operator_row, permit_start
from tests.workflows.conftest import TASK_QUEUE
from tests.workflows.polling import eventually
from workflows.permit import PermitWorkflow, workflow_id

pytestmark = pytest.mark.usefixtures("worker")

OFFICER = actor(Role.officer, 2)


async def start(env: WorkflowEnvironment, sessions: SessionFactory, kind: str) -> WorkflowHandle:
    with sessions() as session:
        operator = operator_row(session)
    assert operator.id is not None
    started = permit_start(operator.id, kind, today=macao_date(await env.get_current_time()))
    handle = await env.client.start_workflow(
        PermitWorkflow.run, started, id=workflow_id(started.state.case_no), task_queue=TASK_QUEUE
    )
    await handle.execute_update(PermitWorkflow.recorded)
    return handle


def found(day: object, seals: list[str]) -> RecordArrival:
    return RecordArrival(
        actor=OFFICER,
        arrival=Arrival.model_validate(
            {
                "date": day,
                "carats": "10.50",
                "parcels": 1,
                "containers": ["C1"],
                "seals": seals,
                "seals_intact": True,
            }
        ),
    )


async def test_an_unused_licence_expires_after_its_30_days(
    env: WorkflowEnvironment, sessions: SessionFactory
) -> None:
    handle = await start(env, sessions, "import")
    approved = await handle.execute_update(PermitWorkflow.approve, ApprovePermit(actor=OFFICER))
    valid_until = approved.state.valid_until
    assert valid_until is not None and approved.state.issued_on is not None
    assert valid_until - approved.state.issued_on == timedelta(days=29)

    final = await handle.result()
    assert final.status == PermitStatus.expired
    with sessions() as session:
        expired = permits.events(session, final.case_no)[-1]
    assert expired.action == "expired"
    assert macao_date(expired.at) == valid_until + timedelta(days=1)


async def test_a_transit_that_does_not_leave_in_time_becomes_an_incident(
    env: WorkflowEnvironment, sessions: SessionFactory
) -> None:
    handle = await start(env, sessions, "transit")
    approved = await handle.execute_update(PermitWorkflow.approve, ApprovePermit(actor=OFFICER))
    today = macao_date(await env.get_current_time())
    entered = await handle.execute_update(PermitWorkflow.record_entry, found(today, ["S1"]))
    assert entered.state.status == PermitStatus.in_transit

    valid_until = approved.state.valid_until
    assert valid_until is not None
    await env.sleep(
        start_of_macao_day(valid_until + timedelta(days=1))
        - await env.get_current_time()
        + timedelta(minutes=1)
    )
    for _ in range(200):
        state = await handle.query(PermitWorkflow.state)
        if state.status == PermitStatus.discrepancy:
            break
        await env.sleep(timedelta(seconds=1))
    assert state.status == PermitStatus.discrepancy
    assert state.incident is not None and "had not left Macao" in state.incident


async def test_holds_stack_and_release_in_any_order(
    env: WorkflowEnvironment, sessions: SessionFactory
) -> None:
    handle = await start(env, sessions, "transit")
    system = actor(Role.admin, 0)
    await handle.signal(PermitWorkflow.hold, PlaceHold(actor=system, code="a", reason="A"))
    await handle.signal(PermitWorkflow.hold, PlaceHold(actor=system, code="b", reason="B"))
    await handle.signal(PermitWorkflow.hold, PlaceHold(actor=system, code="a", reason="again"))
    await handle.signal(PermitWorkflow.release, ReleaseHold(actor=system, code="a", reason="-"))
    state = await when(handle, lambda s: [h.code for h in s.holds] == ["b"])
    assert state.status == PermitStatus.on_hold
    await handle.signal(PermitWorkflow.release, ReleaseHold(actor=system, code="b", reason="-"))
    state = await when(handle, lambda s: not s.holds)
    assert state.status == PermitStatus.under_review


async def when(handle: WorkflowHandle, condition: Callable[[PermitState], bool]) -> PermitState:
    """The state once ``condition`` holds (signals are handled one at a time, under the lock)."""
    seen: list[PermitState] = []

    async def reached() -> bool:
        seen[:] = [await handle.query(PermitWorkflow.state)]
        return condition(seen[0])

    await eventually(reached)
    return seen[0]
