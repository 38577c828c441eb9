"""CertificateWorkflow, the child of an export's PermitWorkflow, under time skipping: the fee
before issue, four-eyes, issue by the activity (numbered, signed, stored), departure, the
confirmation's reminder and escalation, expiry with the licence, void and replace, and an
export that ends before its certificate is issued."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlmodel import select
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment

from edi.signer import KeySigner
from kp_licensing.domain import certificate_guards as rules
from kp_licensing.domain.clock import macao_date, start_of_macao_day
from kp_licensing.store import certificate_cases, certificates
from kp_licensing.store.db import SessionFactory
from kp_licensing.store.models import User
from kp_licensing.store.permit_models import StockCertificate, StockDraw
from kp_licensing.support.binaries import temporal_test_server
from schemas.case import AnswerInformation, Reason, RequestInformation
from schemas.certificate_case import (
    CertificateCaseState,
    CertificateCaseStatus,
    IssueCertificate,
    IssuedCertificate,
    PaymentNotice,
    RecordConfirmation,
    RecordPayment,
    VoidCertificate,
)
from schemas.common import SYSTEM_ACTOR, Role
from schemas.permit import ApprovePermit, PermitStatus, RecordDeparture
from tests.factories import actor, document_refs, licence_row, operator_row, permit_start, unique
from tests.workflows.conftest import CONVERTER, TASK_QUEUE
from tests.workflows.polling import eventually
from workflows.certificate import CertificateWorkflow
from workflows.ids import certificate_workflow_id
from workflows.permit import PermitWorkflow, workflow_id
from workflows.permit_export import certificate_start
from workflows.worker import build_worker


@pytest.fixture
async def env(sessions: SessionFactory, dsedt: KeySigner) -> AsyncIterator[WorkflowEnvironment]:
    """A time-skipping server and worker of each test's own: once a parent and its child have
    signalled each other, the test server stops skipping time for good (sdk-java#1618), which
    would stall every later test of the session that sleeps."""
    async with (
        await WorkflowEnvironment.start_time_skipping(
            data_converter=CONVERTER,
            test_server_existing_path=str(temporal_test_server()),
        ) as fresh,
    ):
        with ThreadPoolExecutor(max_workers=4) as executor:
            async with build_worker(
                fresh.client,
                task_queue=TASK_QUEUE,
                sessions=sessions,
                executor=executor,
                signer=dsedt,
            ):
                yield fresh


CHECKER = actor(Role.officer, 2)
VALIDATOR = actor(Role.officer, 3)
TRADER_ID = 7


class Export:
    """An export case and its certificate's process."""

    def __init__(
        self, env: WorkflowEnvironment, permit: WorkflowHandle[Any, Any], case_no: str
    ) -> None:
        self.env = env
        self.permit = permit
        self.case_no = case_no
        self.certificate = env.client.get_workflow_handle_for(
            CertificateWorkflow.run, certificate_workflow_id(case_no)
        )

    async def state(self) -> CertificateCaseState:
        return await self.certificate.query(CertificateWorkflow.state)  # type: ignore[no-any-return]

    async def when(self, condition: Callable[[CertificateCaseState], bool]) -> CertificateCaseState:
        seen: list[CertificateCaseState] = []

        async def reached() -> bool:
            try:
                seen[:] = [await self.state()]
            except Exception:  # not started yet
                return False
            return condition(seen[0])

        await eventually(reached)
        return seen[0]

    async def approve(self) -> None:
        await self.permit.execute_update(PermitWorkflow.approve, ApprovePermit(actor=CHECKER))
        await self.when(lambda s: s.licence_status == "approved")

    async def pay(self) -> None:
        fee = (await self.state()).fee.amount
        await self.certificate.execute_update(
            CertificateWorkflow.record_payment,
            RecordPayment(actor=CHECKER, amount=fee, receipt="R-1"),
        )

    async def close(self) -> None:
        """A supervisor cancels the export: both processes end (a valid certificate is void
        with its export)."""
        await self.permit.execute_update(
            PermitWorkflow.cancel, Reason(actor=actor(Role.supervisor, 4), reason="test over")
        )
        await self.permit.result()
        assert (await self.certificate.result()).status.is_final

    async def issue(self) -> Any:
        return await self.certificate.execute_update(
            CertificateWorkflow.issue, IssueCertificate(actor=VALIDATOR)
        )


async def export(
    env: WorkflowEnvironment, sessions: SessionFactory, *, validity_days: int | None = None
) -> Export:
    with sessions() as session:
        operator = operator_row(session)
        assert operator.id is not None
        licence_no = unique("OL-T-")
        licence_row(session, operator.id, licence_no)
        stock = unique("AE")
        session.add(
            StockCertificate(
                operator_id=operator.id,
                issuing_country="AE",
                number=stock.upper(),
                import_case_no=unique("IMP-"),
                carats=Decimal("100"),
                imported_on=date(2026, 1, 5),
            )
        )
        session.commit()
    today = macao_date(await env.get_current_time())
    started = permit_start(
        operator.id,
        "export",
        today=today,
        licence_no=licence_no,
        certificate=True,
        source_certificates=[{"issuing_country": "AE", "number": stock, "carats": "10.50"}],
    )
    if validity_days is not None:
        started.state.policy.validity_days = validity_days
    case_no = started.state.case_no
    handle = await env.client.start_workflow(
        PermitWorkflow.run, started, id=workflow_id(case_no), task_queue=TASK_QUEUE
    )
    await handle.execute_update(PermitWorkflow.recorded)
    made = Export(env, handle, case_no)
    await made.when(lambda s: s.seq >= 1)
    return made


def refused(error: pytest.ExceptionInfo[WorkflowUpdateFailedError]) -> tuple[str, str]:
    cause = error.value.cause
    assert isinstance(cause, ApplicationError)
    return cause.type or "", cause.details[0]["code"]


async def test_a_certificate_is_invoiced_paid_validated_by_another_officer_and_issued(
    env: WorkflowEnvironment, sessions: SessionFactory
) -> None:
    made = await export(env, sessions)
    state = await made.state()
    assert state.status is CertificateCaseStatus.pending
    assert state.fee.amount == Decimal("70.00") and state.fee.reference == f"KPF-{made.case_no}"
    with sessions() as session:
        row = certificate_cases.get(session, made.case_no)
        assert row is not None and row.due_on is not None and not row.fee_paid
    cert = made.certificate

    with pytest.raises(WorkflowUpdateFailedError) as unpaid:
        await made.issue()
    assert refused(unpaid) == ("Conflict", "certificate.fee_unpaid")
    with pytest.raises(WorkflowUpdateFailedError) as wrong:
        await cert.execute_update(
            CertificateWorkflow.record_payment,
            RecordPayment(actor=CHECKER, amount=Decimal("7.00"), receipt="R-0"),
        )
    assert refused(wrong) == ("RuleViolation", "certificate.fee_amount")
    notice = PaymentNotice(
        actor=SYSTEM_ACTOR,
        invoice=f"KPF-{made.case_no}",
        amount=Decimal(70),
        receipt="BANK-1",
        paid_at=await env.get_current_time(),
    )
    await cert.signal(CertificateWorkflow.payment_notice, notice)
    await cert.signal(CertificateWorkflow.payment_notice, notice)  # a repeat changes nothing
    paid = await made.when(lambda s: s.payment is not None)
    with pytest.raises(WorkflowUpdateFailedError) as twice:
        await made.pay()
    assert refused(twice) == ("Conflict", "certificate.fee_already_paid")
    with pytest.raises(WorkflowUpdateFailedError) as early:
        await made.issue()
    assert refused(early) == ("Conflict", "certificate.licence_not_approved")
    await made.approve()
    seq = (await made.state()).seq
    assert seq == paid.seq + 1  # the refused issue recorded nothing; the approval one step

    with pytest.raises(WorkflowUpdateFailedError) as same_officer:
        await cert.execute_update(CertificateWorkflow.issue, IssueCertificate(actor=CHECKER))
    assert refused(same_officer) == ("Forbidden", "certificate.four_eyes")
    assert (await made.state()).seq == seq

    with sessions() as session:  # the validator as a person: item 12 names them
        person = User(username=unique("officer"), full_name="Ho Ka Lok", role="officer")
        session.add(person)
        session.commit()
        validator = actor(Role.officer, person.id or 0)
    issued = await cert.execute_update(CertificateWorkflow.issue, IssueCertificate(actor=validator))
    number = issued.state.certificate.number
    assert issued.state.status is CertificateCaseStatus.valid
    assert number.startswith("MO")
    approved = await made.permit.query(PermitWorkflow.state)
    assert issued.state.certificate.expires_on == approved.valid_until  # never after its licence
    with sessions() as session:
        stored = certificates.get(session, number)
        assert stored is not None and stored.status == "valid" and stored.case_no == made.case_no
        assert stored.validated_by == "Ho Ka Lok"  # never the login name
        row = certificate_cases.get(session, made.case_no)
        assert row is not None and row.certificate_no == number and row.due_on is None

    async def told() -> bool:
        return (await made.permit.query(PermitWorkflow.state)).certificate_no == number

    await eventually(told)
    await made.close()
    with sessions() as session:
        assert certificates.get(session, number).status == "voided"  # type: ignore[union-attr]


async def test_departure_uses_both_and_a_missing_confirmation_is_chased(
    env: WorkflowEnvironment, sessions: SessionFactory
) -> None:
    made = await export(env, sessions)
    await made.approve()
    await made.pay()
    today = macao_date(await env.get_current_time())
    with pytest.raises(WorkflowUpdateFailedError) as without:
        await made.permit.execute_update(
            PermitWorkflow.record_departure, RecordDeparture(actor=CHECKER, departed_on=today)
        )
    assert refused(without) == ("Conflict", "permit.no_valid_certificate")
    issued = await made.issue()
    number = issued.state.certificate.number

    async def told() -> bool:
        return (await made.permit.query(PermitWorkflow.state)).certificate_status == "valid"

    await eventually(told)
    with pytest.raises(WorkflowUpdateFailedError) as future:
        await made.permit.execute_update(
            PermitWorkflow.record_departure,
            RecordDeparture(actor=CHECKER, departed_on=today + timedelta(days=1)),
        )
    assert refused(future) == ("RuleViolation", "permit.departure_date_outside")
    used = await made.permit.execute_update(
        PermitWorkflow.record_departure, RecordDeparture(actor=CHECKER, departed_on=today)
    )
    assert used.state.status is PermitStatus.used
    assert (await made.permit.result()).status is PermitStatus.used
    state = await made.when(lambda s: s.status is CertificateCaseStatus.used)
    assert state.departed_on == today
    with sessions() as session:
        assert certificates.get(session, number).status == "used"  # type: ignore[union-attr]
        draws = draws_of(session, made.case_no)
        assert draws and not any(d.released for d in draws)  # consumed for good

    await made.certificate.execute_update(
        CertificateWorkflow.record_confirmation,
        RecordConfirmation(
            actor=CHECKER, received_on=today, documents=document_refs(["import_confirmation"])
        ),
    )
    assert (await made.certificate.result()).status is CertificateCaseStatus.confirmed


async def test_a_missing_confirmation_is_chased_by_a_reminder_then_an_officer(
    env: WorkflowEnvironment, sessions: SessionFactory
) -> None:
    """The certificate's own clocks after departure, on a process of its own: the test server
    does not skip time while a parent and its child signal each other (sdk-java#1618)."""
    with sessions() as session:
        operator = operator_row(session)
    assert operator.id is not None
    today = macao_date(await env.get_current_time())
    permit = permit_start(operator.id, "export", today=today, certificate=True).state
    start = certificate_start(permit)
    state = start.state
    state.status, state.licence_status, state.seq = CertificateCaseStatus.used, "used", 1
    state.departed_on = today
    state.certificate = IssuedCertificate(
        number=unique("MO"),
        sha256="0" * 64,
        issued_at=await env.get_current_time(),
        expires_on=today + timedelta(days=20),
        validated_by=VALIDATOR,
    )
    handle = await env.client.start_workflow(
        CertificateWorkflow.run,
        start,
        id=certificate_workflow_id(state.case_no),
        task_queue=TASK_QUEUE,
    )
    made = Export(env, env.client.get_workflow_handle(workflow_id(state.case_no)), state.case_no)
    assert made.certificate.id == handle.id
    reminder = rules.reminder_on(state)
    assert reminder == today + timedelta(days=30)
    await sleep_until(env, start_of_macao_day(reminder) + timedelta(minutes=1))
    reminded = await made.when(lambda s: s.reminded_at is not None)
    assert reminded.escalated_at is None and reminded.confirmation_overdue
    with sessions() as session:
        row = certificate_cases.get(session, made.case_no)
        assert row is not None and row.confirmation_due_on == reminder
        overdue, _ = certificate_cases.worklist(
            session, today=reminder + timedelta(days=1), confirmation_overdue=True, limit=500
        )
        assert made.case_no in {r.case_no for r in overdue}
    escalation = rules.escalation_on(state)
    assert escalation is not None
    await sleep_until(env, start_of_macao_day(escalation) + timedelta(minutes=1))
    escalated = await made.when(lambda s: s.escalated_at is not None)
    assert escalated.status is CertificateCaseStatus.used

    now = macao_date(await env.get_current_time())
    confirmed = await made.certificate.execute_update(
        CertificateWorkflow.record_confirmation,
        RecordConfirmation(
            actor=CHECKER, received_on=now, documents=document_refs(["import_confirmation"])
        ),
    )
    assert confirmed.state.status is CertificateCaseStatus.confirmed
    assert not confirmed.state.confirmation_overdue
    assert (await made.certificate.result()).status is CertificateCaseStatus.confirmed


async def test_an_unused_certificate_expires_with_its_licence_and_gives_the_carats_back(
    env: WorkflowEnvironment, sessions: SessionFactory
) -> None:
    made = await export(env, sessions)
    await made.approve()
    await made.pay()
    issued = await made.issue()
    certificate = issued.state.certificate
    assert (await made.permit.result()).status is PermitStatus.expired
    assert (await made.certificate.result()).status is CertificateCaseStatus.expired
    with sessions() as session:
        assert certificates.get(session, certificate.number).status == "expired"  # type: ignore[union-attr]
        assert all(d.released for d in draws_of(session, made.case_no))


async def test_a_certificate_expires_60_days_after_issue_and_its_export_with_it(
    env: WorkflowEnvironment, sessions: SessionFactory
) -> None:
    """With an export licence valid longer than a certificate may be (a setting), the
    certificate's own 60 days end first: it expires, and tells its export, which expires and
    gives its carats back."""
    made = await export(env, sessions, validity_days=90)
    await made.approve()
    await made.pay()
    issued = await made.issue()
    certificate = issued.state.certificate
    issued_on = macao_date(certificate.issued_at)
    assert certificate.expires_on == issued_on + timedelta(days=60)
    final = await made.permit.result()  # (time skips while a client-started workflow is awaited)
    assert final.status is PermitStatus.expired and final.valid_until > certificate.expires_on
    assert (await made.certificate.result()).status is CertificateCaseStatus.expired
    with sessions() as session:
        events = certificate_cases.events(session, made.case_no)
        assert macao_date(events[-1].at) == certificate.expires_on + timedelta(days=1)
        assert certificates.get(session, certificate.number).status == "expired"  # type: ignore[union-attr]
        assert all(d.released for d in draws_of(session, made.case_no))


async def test_void_and_replace_links_the_two_and_never_edits_the_first(
    env: WorkflowEnvironment, sessions: SessionFactory
) -> None:
    made = await export(env, sessions)
    await made.approve()
    await made.pay()
    first = (await made.issue()).state.certificate
    with sessions() as session:
        document = certificates.get(session, first.number).document  # type: ignore[union-attr]
    replaced = await made.certificate.execute_update(
        CertificateWorkflow.void,
        VoidCertificate(actor=VALIDATOR, reason="importer's address misspelt", replace=True),
    )
    second = replaced.state.certificate
    assert second.number != first.number and second.replaces == first.number
    assert replaced.state.voided[0].replaced_by == second.number
    with sessions() as session:
        old = certificates.get(session, first.number)
        assert old is not None and old.status == "voided" and old.document == document
        assert certificates.replacement_of(session, first.number) == second.number

    async def told() -> bool:
        return (await made.permit.query(PermitWorkflow.state)).certificate_no == second.number

    await eventually(told)
    voided = await made.certificate.execute_update(
        CertificateWorkflow.void, VoidCertificate(actor=VALIDATOR, reason="sale off", replace=False)
    )
    assert voided.state.status is CertificateCaseStatus.voided
    with pytest.raises(WorkflowUpdateFailedError) as after:
        await made.permit.execute_update(
            PermitWorkflow.record_departure,
            RecordDeparture(actor=CHECKER, departed_on=macao_date(await env.get_current_time())),
        )
    assert refused(after) == ("Conflict", "permit.no_valid_certificate")
    await made.close()


async def test_the_service_clock_stops_while_information_is_owed_and_an_ended_export_issues_nothing(
    env: WorkflowEnvironment, sessions: SessionFactory
) -> None:
    made = await export(env, sessions)
    await made.permit.execute_update(
        PermitWorkflow.request_information, RequestInformation(actor=CHECKER, message="invoice?")
    )
    paused = await made.when(lambda s: bool(s.pauses) and s.pauses[-1].end is None)
    with sessions() as session:
        row = certificate_cases.get(session, made.case_no)
        assert row is not None and row.due_on is None  # nobody can say while it is paused
    trader = actor(Role.trader, TRADER_ID, paused.operator_id)
    await made.permit.execute_update(
        PermitWorkflow.answer_information, AnswerInformation(actor=trader, message="attached")
    )
    resumed = await made.when(lambda s: bool(s.pauses) and s.pauses[-1].end is not None)
    due = rules.due_on(resumed)
    assert due is not None and resumed.pauses[-1].start == macao_date(paused.updated_at)
    with sessions() as session:
        row = certificate_cases.get(session, made.case_no)
        assert row is not None and row.due_on == due

    await made.permit.execute_update(
        PermitWorkflow.reject, Reason(actor=CHECKER, reason="not in order")
    )
    assert (await made.certificate.result()).status is CertificateCaseStatus.not_issued


async def sleep_until(env: WorkflowEnvironment, moment: Any) -> None:
    await env.sleep(moment - await env.get_current_time())


def draws_of(session: Any, case_no: str) -> list[StockDraw]:
    return list(session.exec(select(StockDraw).where(StockDraw.case_no == case_no)).all())
