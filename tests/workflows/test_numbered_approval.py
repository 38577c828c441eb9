"""An approval allocates its number and projects itself in one idempotent local activity: run
twice (a retry, or a worker that died before its workflow task completed), it hands out one
number and writes one event, and the update answers in one workflow task."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlmodel import func, select
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer

from kp_licensing.domain.clock import add_years, macao_date
from kp_licensing.domain.numbering import is_valid_licence_number
from kp_licensing.store import licences, permits
from kp_licensing.store.db import SessionFactory
from kp_licensing.store.models import Notification, NumberAllocation, Sequence
from schemas.common import Role
from schemas.licence import Approve, LicenceRecord, LicenceState, LicenceStatus, Transition
from schemas.permit import ApprovePermit, PermitRecord, PermitStatus, PermitTransition
from tests.factories import actor, licence_start, operator_row, permit_start
from tests.workflows.conftest import REPLAY_CONVERTER, TASK_QUEUE
from workflows import licence, permit
from workflows.licence import LicenceWorkflow
from workflows.licence_activities import LicenceActivities
from workflows.permit import PermitWorkflow
from workflows.permit_activities import PermitActivities
from workflows.worker import WORKFLOWS

pytestmark = pytest.mark.usefixtures("worker")

OFFICER = actor(Role.officer, 2)


def allocations(sessions: SessionFactory, key: str) -> list[str]:
    with sessions() as session:
        stmt = select(NumberAllocation.number).where(NumberAllocation.key == key)
        return list(session.exec(stmt).all())


def counter(sessions: SessionFactory, name: str) -> int:
    with sessions() as session:
        row = session.get(Sequence, name)
        return row.value if row else 0


def notices(sessions: SessionFactory, case_no: str) -> int:
    with sessions() as session:
        stmt = select(func.count()).where(Notification.case_no == case_no)
        return int(session.exec(stmt).one())


def approval(state: Any, transition_model: Any, record_model: Any, to_status: Any) -> Any:
    """The record a workflow sends to ``record_numbered`` for its second transition."""
    today = macao_date(datetime.now(UTC))
    state = state.model_copy(deep=True, update={"seq": 2, "status": to_status, "issued_on": today})
    if isinstance(state, LicenceState):
        state.expires_on = add_years(today, 2)
    transition = transition_model(
        seq=2,
        at=datetime.now(UTC),
        actor=OFFICER,
        action="approved",
        from_status=state.status,
        to_status=to_status,
    )
    return record_model(state=state, transition=transition)


def test_a_licence_approval_run_twice_allocates_one_number_and_writes_one_event(
    sessions: SessionFactory,
) -> None:
    activities = LicenceActivities(sessions)
    with sessions() as session:
        operator = operator_row(session)
    assert operator.id is not None
    state = licence_start(operator.id).state
    submitted = approval(state, Transition, LicenceRecord, LicenceStatus.under_review)
    submitted.state.seq = submitted.transition.seq = 1
    submitted.transition.action = "submitted"
    assert activities.record(submitted)
    record = approval(state, Transition, LicenceRecord, LicenceStatus.active)
    name = f"licence-{record.transition.at.year}"
    before = counter(sessions, name)

    first = activities.record_numbered(record.model_copy(deep=True))
    second = activities.record_numbered(record.model_copy(deep=True))  # a retry

    assert first == second and is_valid_licence_number(first)
    assert allocations(sessions, f"licence-{state.case_no}/2") == [first]
    assert counter(sessions, name) == before + 1
    with sessions() as session:
        row = licences.get(session, state.case_no)
        assert row is not None and row.licence_no == first and row.status == "active"
        events = licences.events(session, state.case_no)
        assert [(e.seq, e.action) for e in events] == [(1, "submitted"), (2, "approved")]
        assert row.state["licence_no"] == first
    assert notices(sessions, state.case_no) == 1  # the approval's, once


def test_a_permit_approval_run_twice_allocates_one_number_and_writes_one_event(
    sessions: SessionFactory, env: WorkflowEnvironment
) -> None:
    activities = PermitActivities(sessions)
    with sessions() as session:
        operator = operator_row(session)
    assert operator.id is not None
    state = permit_start(operator.id, "import", today=macao_date(datetime.now(UTC))).state
    submitted = approval(state, PermitTransition, PermitRecord, PermitStatus.under_review)
    submitted.state.seq = submitted.transition.seq = 1
    submitted.transition.action = "submitted"
    assert activities.record(submitted)
    record = approval(state, PermitTransition, PermitRecord, PermitStatus.approved)

    first = activities.record_numbered(record.model_copy(deep=True))
    second = activities.record_numbered(record.model_copy(deep=True))

    assert first == second
    assert allocations(sessions, f"permit-{state.case_no}/2") == [first]
    with sessions() as session:
        row = permits.get(session, state.case_no)
        assert row is not None and row.permit_no == first and row.status == "approved"
        events = permits.events(session, state.case_no)
    assert [e.seq for e in events] == [1, 2]
    assert events[1].details["permit_no"] == first
    assert notices(sessions, state.case_no) == 1


async def _history_types(handle: WorkflowHandle) -> list[EventType.ValueType]:
    return [event.event_type for event in (await handle.fetch_history()).events]


async def test_a_worker_that_died_after_writing_leaves_one_number_and_one_event(
    env: WorkflowEnvironment, sessions: SessionFactory
) -> None:
    """The approval's local activity already ran (its worker died before the workflow task
    completed, so history has no marker): the next run of it finds the number and the
    projection, and the update answers with that same number."""
    with sessions() as session:
        operator = operator_row(session)
    assert operator.id is not None
    started = licence_start(operator.id)
    case_no = started.state.case_no
    handle = await env.client.start_workflow(
        LicenceWorkflow.run, started, id=licence.workflow_id(case_no), task_queue=TASK_QUEUE
    )
    await handle.execute_update(LicenceWorkflow.recorded)
    crashed = approval(started.state, Transition, LicenceRecord, LicenceStatus.active)
    number = LicenceActivities(sessions).record_numbered(crashed)

    approved = await handle.execute_update(LicenceWorkflow.approve, Approve(actor=OFFICER))

    assert approved.state.licence_no == number
    assert approved.notice is not None and approved.notice.code == "notice.licence.approved"
    assert approved.notice.params["licence_no"] == number
    assert allocations(sessions, f"licence-{case_no}/2") == [number]
    with sessions() as session:
        assert [e.action for e in licences.events(session, case_no)] == ["submitted", "approved"]
    assert (await handle.query(LicenceWorkflow.state)).licence_no == number


@pytest.mark.parametrize("kind", ["licence", "permit"])
async def test_an_approval_is_numbered_projected_and_answered_in_one_workflow_task(
    env: WorkflowEnvironment, sessions: SessionFactory, kind: str
) -> None:
    with sessions() as session:
        operator = operator_row(session)
    assert operator.id is not None
    if kind == "licence":
        started: Any = licence_start(operator.id)
        workflow: Any = LicenceWorkflow
        command: Any
        workflow_id, command = licence.workflow_id, Approve(actor=OFFICER)
    else:
        today = macao_date(await env.get_current_time())
        started = permit_start(operator.id, "import", today=today)
        workflow = PermitWorkflow
        workflow_id, command = permit.workflow_id, ApprovePermit(actor=OFFICER)
    case_no = started.state.case_no
    handle = await env.client.start_workflow(
        workflow.run, started, id=workflow_id(case_no), task_queue=TASK_QUEUE
    )
    await handle.execute_update(workflow.recorded)
    before = len(await _history_types(handle))

    approved = await handle.execute_update(workflow.approve, command)

    number = approved.state.licence_no if kind == "licence" else approved.state.permit_no
    assert number and approved.notice is not None
    if kind == "licence":
        assert approved.notice.code == "notice.licence.approved"
        assert approved.notice.params["licence_no"] == number
    else:
        assert approved.notice.code == "notice.permit.import_approved"
        assert approved.notice.params["permit_no"] == number
    assert allocations(sessions, f"{workflow_id(case_no)}/2") == [number]
    with sessions() as session:
        store: Any = licences if kind == "licence" else permits
        row = store.get(session, case_no)
        # Projected with its number (a permit's declaration to customs may have followed).
        assert (
            row.seq >= 2 and row.state["permit_no" if kind == "permit" else "licence_no"] == number
        )
        assert [(e.seq, e.action) for e in store.events(session, case_no)][1] == (2, "approved")
    types = (await _history_types(handle))[before:]
    # What the approval took, up to its answer (a permit's declaration to customs follows it).
    types = types[: types.index(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED) + 1]
    assert EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED not in types
    assert types.count(EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED) == 1
    assert types.count(EventType.EVENT_TYPE_MARKER_RECORDED) == 1  # one local activity
    # and the new shape replays (the stored histories of the old one: test_replay)
    replayer = Replayer(workflows=WORKFLOWS, data_converter=REPLAY_CONVERTER)
    replay = await replayer.replay_workflow(await handle.fetch_history())
    assert replay.replay_failure is None
