"""PermitWorkflow under time skipping: validity runs out, transits must leave in time."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date, timedelta

import pytest
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment

from kp_licensing.domain.clock import macao_date, start_of_macao_day
from kp_licensing.store import permits
from kp_licensing.store.db import SessionFactory
from kp_licensing.support.catalogue import render
from schemas.common import SYSTEM_ACTOR, Role
from schemas.messages import Message
from schemas.permit import (
    ApprovePermit,
    PermitState,
    PermitStatus,
    PlaceHold,
    RecordCrossing,
    ReleaseHold,
)
from schemas.shipment import Arrival
from tests.factories import actor, operator_row, permit_start
from tests.workflows.conftest import TASK_QUEUE
from tests.workflows.polling import eventually
from workflows.permit import PermitWorkflow, workflow_id

pytestmark = pytest.mark.usefixtures("worker")

OFFICER = actor(Role.officer, 2)


async def start(
    env: WorkflowEnvironment, sessions: SessionFactory, kind: str, **changes: object
) -> WorkflowHandle:
    with sessions() as session:
        operator = operator_row(session)
    assert operator.id is not None
    today = macao_date(await env.get_current_time())
    started = permit_start(operator.id, kind, today=today, **changes)
    handle = await env.client.start_workflow(
        PermitWorkflow.run, started, id=workflow_id(started.state.case_no), task_queue=TASK_QUEUE
    )
    await handle.execute_update(PermitWorkflow.recorded)
    return handle


def found(day: object, seals: list[str]) -> RecordCrossing:
    return RecordCrossing(
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
        [expired] = [e for e in permits.events(session, final.case_no) if e.action == "expired"]
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
    assert state.incident is not None and "had not left Macao" in render(state.incident)


async def test_holds_stack_and_release_in_any_order(
    env: WorkflowEnvironment, sessions: SessionFactory
) -> None:
    handle = await start(env, sessions, "transit")
    system = SYSTEM_ACTOR
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


def foreign_certificate(today: date, expires_in_days: int) -> dict[str, object]:
    return {
        "number": f"AE-{uuid.uuid4().int % 10**9:09d}",
        "issuing_country": "AE",
        "issuing_authority": "UAE KP Office",
        "issued_on": (today - timedelta(days=2)).isoformat(),
        "expires_on": (today + timedelta(days=expires_in_days)).isoformat(),
        "exporter": {"name": "Emirates Rough", "address": "Dubai", "country": "AE"},
        "importer": {"name": "Lotus", "address": "Macao", "country": "MO"},
        "origin": "BW",
        "carats": "10.50",
        "value_usd": "5000",
        "parcels": 1,
        "hs_codes": ["7102.31"],
        "scan_document_id": "scan",
    }


async def test_an_import_arriving_after_its_certificate_expired_goes_to_an_officer(
    env: WorkflowEnvironment, sessions: SessionFactory
) -> None:
    """The certificate was valid on the expected date; the shipment came a week late, after
    it expired: not cleared, but a discrepancy naming the expiry (rule 7 at the real arrival)."""
    today = macao_date(await env.get_current_time())
    certificate = foreign_certificate(today, expires_in_days=5)
    handle = await start(env, sessions, "import", foreign_certificate=certificate)
    await handle.execute_update(PermitWorkflow.approve, ApprovePermit(actor=OFFICER))
    await env.sleep(timedelta(days=7))
    arrived_on = macao_date(await env.get_current_time())
    found_late = await handle.execute_update(
        PermitWorkflow.record_arrival, found(arrived_on, ["S1"])
    )
    assert found_late.state.status == PermitStatus.discrepancy
    presented = found_late.state.application.foreign_certificate
    assert presented is not None
    number = presented.number
    assert number == str(certificate["number"]).replace("-", "")  # kept in canonical form
    assert found_late.state.incident is not None
    assert render(found_late.state.incident) == (
        f"certificate {number} expired on {certificate['expires_on']}, before the arrival on "
        f"{arrived_on}"
    )


async def test_an_arrival_dated_outside_the_licence_or_in_the_future_is_refused(
    env: WorkflowEnvironment, sessions: SessionFactory
) -> None:
    handle = await start(env, sessions, "transit")
    approved = await handle.execute_update(PermitWorkflow.approve, ApprovePermit(actor=OFFICER))
    today = macao_date(await env.get_current_time())
    for day in (date(2020, 1, 1), today + timedelta(days=1)):
        with pytest.raises(WorkflowUpdateFailedError) as refused:
            await handle.execute_update(PermitWorkflow.record_entry, found(day, ["S1"]))
        cause = refused.value.cause
        assert isinstance(cause, ApplicationError) and cause.type == "RuleViolation"
        said = Message.model_validate(cause.details[0])
        assert said.code == "permit.entry_date_outside"
        assert (said.params["first"], said.params["last"]) == (
            str(approved.state.issued_on),
            str(today),
        )
    assert (await handle.query(PermitWorkflow.state)).status == PermitStatus.approved
