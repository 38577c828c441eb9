"""LicenceWorkflow under time skipping: years pass in seconds, and the database shows it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment

from kp_licensing.domain.clock import add_years, macao_date, start_of_macao_day
from kp_licensing.domain.numbering import is_valid_licence_number
from kp_licensing.store import licences
from kp_licensing.store.db import SessionFactory
from kp_licensing.store.models import Notification
from schemas.case import AnswerInformation, Reason, RequestInformation
from schemas.common import Role
from schemas.licence import Approve, Cancel, LicenceStart, LicenceStatus, Renew, Suspend
from schemas.messages import Message
from tests.factories import actor, application, document_refs, licence_start, operator_row
from tests.workflows.conftest import TASK_QUEUE
from tests.workflows.polling import eventually
from workflows.licence import LicenceWorkflow, workflow_id

pytestmark = pytest.mark.usefixtures("worker")

OFFICER = actor(Role.officer, 2)
SUPERVISOR = actor(Role.supervisor, 3)


async def start(
    env: WorkflowEnvironment, sessions: SessionFactory
) -> tuple[WorkflowHandle, LicenceStart]:
    with sessions() as session:
        operator = operator_row(session)
    assert operator.id is not None
    started = licence_start(operator.id)
    handle = await env.client.start_workflow(
        LicenceWorkflow.run,
        started,
        id=workflow_id(started.state.case_no),
        task_queue=TASK_QUEUE,
    )
    await handle.execute_update(LicenceWorkflow.recorded)
    return handle, started


def actions(sessions: SessionFactory, case_no: str) -> list[str]:
    with sessions() as session:
        return [e.action for e in licences.events(session, case_no)]


def notices(sessions: SessionFactory, case_no: str, kind: str) -> list[Notification]:
    with sessions() as session:
        stmt = select(Notification).where(
            Notification.case_no == case_no, Notification.kind == kind
        )
        return list(session.exec(stmt).all())


async def test_two_years_pass_reminders_fire_and_the_licence_expires(
    env: WorkflowEnvironment, sessions: SessionFactory
) -> None:
    handle, started = await start(env, sessions)
    case_no = started.state.case_no
    approved = await handle.execute_update(LicenceWorkflow.approve, Approve(actor=OFFICER))
    state = approved.state
    assert state.status == LicenceStatus.active
    assert state.licence_no and is_valid_licence_number(state.licence_no)
    assert state.issued_on is not None and state.expires_on == add_years(state.issued_on, 2)
    expires = state.expires_on

    # Just before the 60-day mark, nothing has been sent.
    await env.sleep(start_of_macao_day(expires - timedelta(days=61)) - await env.get_current_time())
    assert notices(sessions, case_no, "renewal_reminder") == []

    await env.sleep(timedelta(days=2))
    await eventually(lambda: len(notices(sessions, case_no, "renewal_reminder")) == 1)
    first = notices(sessions, case_no, "renewal_reminder")[0]
    assert first.code == "notice.licence.renewal_reminder"
    assert first.params == {
        "licence_no": state.licence_no,
        "expires_on": expires.isoformat(),
        "days_left": "60",
    }
    assert macao_date(first.created_at) == expires - timedelta(days=60)

    await env.sleep(timedelta(days=30))
    await eventually(lambda: len(notices(sessions, case_no, "renewal_reminder")) == 2)

    final = await handle.result()
    assert final.status == LicenceStatus.expired
    with sessions() as session:
        row = licences.get(session, case_no)
        assert row is not None and row.status == "expired"
        expired_event = licences.events(session, case_no)[-1]
    assert expired_event.action == "expired"
    assert macao_date(expired_event.at) == expires  # "expired on the day"
    assert expired_event.at - start_of_macao_day(expires) < timedelta(seconds=1)
    assert actions(sessions, case_no) == [
        "submitted",
        "approved",
        "renewal_reminder",
        "renewal_reminder",
        "expired",
    ]


async def test_an_unanswered_information_request_lapses_the_application(
    env: WorkflowEnvironment, sessions: SessionFactory
) -> None:
    handle, started = await start(env, sessions)
    asked = await handle.execute_update(
        LicenceWorkflow.request_information,
        RequestInformation(actor=OFFICER, message="Send the 2025 tax clearance."),
    )
    assert asked.state.status == LicenceStatus.info_requested
    assert asked.state.info_request is not None
    deadline = asked.state.info_request.deadline
    # Due by the end of the 30th Macao day after the request.
    assert deadline == start_of_macao_day(macao_date(asked.transition.at) + timedelta(days=31))

    final = await handle.result()
    assert final.status == LicenceStatus.lapsed
    with sessions() as session:
        last = licences.events(session, started.state.case_no)[-1]
    assert (last.action, last.to_status) == ("lapsed", "lapsed")
    assert timedelta(0) <= last.at - deadline < timedelta(seconds=1)
    assert last.actor_username == "system"


async def test_an_answered_request_goes_back_to_review(
    env: WorkflowEnvironment, sessions: SessionFactory
) -> None:
    handle, started = await start(env, sessions)
    trader = started.submitted_by
    assert trader is not None
    await handle.execute_update(
        LicenceWorkflow.request_information,
        RequestInformation(actor=OFFICER, message="Which floor?", deadline_days=5),
    )
    extra = document_refs(["establishment_proof"])
    answered = await handle.execute_update(
        LicenceWorkflow.answer_information,
        AnswerInformation(actor=trader, message="12th floor, lease attached", documents=extra),
    )
    assert answered.state.status == LicenceStatus.under_review
    assert answered.state.info_request is None
    assert extra[0] in answered.state.documents
    # The deadline passing after the answer changes nothing.
    await env.sleep(timedelta(days=6))
    state = await handle.query(LicenceWorkflow.state)
    assert state.status == LicenceStatus.under_review
    rejected = await handle.execute_update(
        LicenceWorkflow.reject, Reason(actor=OFFICER, reason="Premises are residential.")
    )
    assert rejected.state.status == LicenceStatus.rejected
    assert (await handle.result()).status == LicenceStatus.rejected


async def test_renewal_extends_the_same_licence(
    env: WorkflowEnvironment, sessions: SessionFactory
) -> None:
    handle, started = await start(env, sessions)
    trader = started.submitted_by
    assert trader is not None
    approved = await handle.execute_update(LicenceWorkflow.approve, Approve(actor=OFFICER))
    number, expires = approved.state.licence_no, approved.state.expires_on
    assert expires is not None

    await env.sleep(start_of_macao_day(expires - timedelta(days=45)) - await env.get_current_time())
    await eventually(lambda: len(notices(sessions, started.state.case_no, "renewal_reminder")) == 1)
    renewal_application = application(
        business_registration_no=started.state.application.business_registration_no,
        activities=["import", "export", "transit"],
    )
    await handle.execute_update(
        LicenceWorkflow.renew,
        Renew(actor=trader, application=renewal_application, documents=document_refs()),
    )
    # A pending renewal silences the 30-day reminder.
    renewed = await handle.execute_update(
        LicenceWorkflow.approve, Approve(actor=OFFICER, activities=["import", "transit"])
    )
    assert renewed.transition.action == "renewed"
    assert renewed.state.licence_no == number
    assert renewed.state.expires_on == add_years(expires, 2)
    assert renewed.state.activities == ["import", "transit"]
    assert renewed.state.status == LicenceStatus.active

    final = await handle.result()
    assert final.status == LicenceStatus.expired
    assert final.expires_on == add_years(expires, 2)
    assert actions(sessions, started.state.case_no) == [
        "submitted",
        "approved",
        "renewal_reminder",
        "renewal_submitted",
        "renewed",
        "renewal_reminder",
        "renewal_reminder",
        "expired",
    ]


async def test_a_suspension_with_an_end_date_ends_by_itself_and_cancel_is_final(
    env: WorkflowEnvironment, sessions: SessionFactory
) -> None:
    handle, _ = await start(env, sessions)
    await handle.execute_update(LicenceWorkflow.approve, Approve(actor=OFFICER))
    today = macao_date(await env.get_current_time())
    until = today + timedelta(days=10)
    suspended = await handle.execute_update(
        LicenceWorkflow.suspend,
        Suspend(
            actor=SUPERVISOR, reason_code="tax_debt", reason="Tax debt notified by DSF", until=until
        ),
    )
    assert suspended.state.status == LicenceStatus.suspended
    await env.sleep(start_of_macao_day(until) - await env.get_current_time() + timedelta(hours=1))

    async def active() -> bool:
        return (await handle.query(LicenceWorkflow.state)).status == LicenceStatus.active

    await eventually(active)
    cancelled = await handle.execute_update(
        LicenceWorkflow.cancel,
        Cancel(actor=SUPERVISOR, reason_code="order_of_trade", reason="Traded without licence"),
    )
    assert cancelled.state.status == LicenceStatus.cancelled
    assert (await handle.result()).status == LicenceStatus.cancelled


async def test_an_impossible_transition_is_refused_before_it_reaches_history(
    env: WorkflowEnvironment, sessions: SessionFactory
) -> None:
    handle, started = await start(env, sessions)
    await handle.execute_update(LicenceWorkflow.approve, Approve(actor=OFFICER))
    before = actions(sessions, started.state.case_no)
    history_before = len((await handle.fetch_history()).events)

    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await handle.execute_update(LicenceWorkflow.approve, Approve(actor=OFFICER))
    cause = refused.value.cause
    assert isinstance(cause, ApplicationError) and cause.type == "Conflict"
    said = Message.model_validate(cause.details[0])
    assert (said.code, said.params) == (
        "licence.nothing_under_review",
        {"case_no": started.state.case_no},
    )

    with pytest.raises(WorkflowUpdateFailedError) as bad_code:
        await handle.execute_update(
            LicenceWorkflow.suspend,
            Suspend(actor=SUPERVISOR, reason_code="whim", reason="because"),
        )
    assert isinstance(bad_code.value.cause, ApplicationError)
    assert bad_code.value.cause.type == "RuleViolation"

    assert actions(sessions, started.state.case_no) == before
    history_after = (await handle.fetch_history()).events
    assert not any(
        e.HasField("workflow_execution_update_accepted_event_attributes")
        for e in history_after[history_before:]
    )
