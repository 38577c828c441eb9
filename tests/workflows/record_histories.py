"""Record workflow histories for the replay test: ``python -m tests.workflows.record_histories``.

``python -m tests.workflows.record_histories <scenario>...`` records only those (a new
scenario, without touching the histories already kept). Run it whole when a workflow changes
*on purpose* in a way old histories need not survive (they are
the stored record of what production has run). Every scenario drives a case through the paths
that matter for determinism (timers, updates, activities) on the time-skipping server.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from temporalio.client import WorkflowHandle
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from edi.pki import DSEDT, DevelopmentPki, load_signer
from kp_licensing.domain.clock import macao_date, start_of_macao_day
from kp_licensing.store.db import make_engine, session_factory
from kp_licensing.store.migrate import upgrade
from kp_licensing.store.permit_models import StockCertificate
from kp_licensing.support.binaries import temporal_test_server
from schemas.case import AnswerInformation, Reason, RequestInformation
from schemas.certificate_case import IssueCertificate, RecordConfirmation, RecordPayment
from schemas.common import SYSTEM_ACTOR, Role
from schemas.customs import CustomsResponse, CustomsStatus, ReceivedResponse
from schemas.licence import Approve, Renew, Suspend
from schemas.permit import (
    ApprovePermit,
    PermitStatus,
    PlaceHold,
    RecordCrossing,
    RecordDeparture,
    ReleaseHold,
)
from schemas.shipment import Arrival
from tests.factories import (
    actor,
    document_refs,
    licence_row,
    licence_start,
    operator_row,
    permit_start,
    unique,
)
from workflows.certificate import CertificateWorkflow
from workflows.ids import certificate_workflow_id
from workflows.licence import LicenceWorkflow, workflow_id
from workflows.permit import PermitWorkflow
from workflows.permit import workflow_id as permit_id
from workflows.worker import build_worker

HISTORIES = Path(__file__).with_name("histories")
QUEUE = "record-histories"
OFFICER = actor(Role.officer, 2)
SUPERVISOR = actor(Role.supervisor, 3)
CUSTOMS = actor(Role.customs, 4)
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


async def export_certificate_used(env: WorkflowEnvironment, handle: WorkflowHandle) -> None:
    """An export with its certificate: approved, paid, issued by a second officer, used at
    departure, confirmed; both histories are kept (the export's and its certificate's)."""
    state = await handle.query(PermitWorkflow.state)
    certificate = env.client.get_workflow_handle(certificate_workflow_id(state.case_no))
    await handle.execute_update(PermitWorkflow.approve, ApprovePermit(actor=OFFICER))
    await certificate.execute_update(
        CertificateWorkflow.record_payment,
        RecordPayment(actor=OFFICER, amount=state.policy.certificate.fee_mop, receipt="R-1"),
    )
    await certificate.execute_update(CertificateWorkflow.issue, IssueCertificate(actor=SUPERVISOR))
    while not (await handle.query(PermitWorkflow.state)).certificate_no:
        await asyncio.sleep(0.05)
    today = macao_date(await env.get_current_time())
    await handle.execute_update(
        PermitWorkflow.record_departure, RecordDeparture(actor=OFFICER, departed_on=today)
    )
    await handle.result()
    while (await certificate.query(CertificateWorkflow.state)).status.value != "used":
        await asyncio.sleep(0.05)
    await certificate.execute_update(
        CertificateWorkflow.record_confirmation,
        RecordConfirmation(
            actor=OFFICER, received_on=today, documents=document_refs(["import_confirmation"])
        ),
    )
    await certificate.result()
    history = await certificate.fetch_history()
    (HISTORIES / "certificate_issued_used_confirmed.json").write_text(history.to_json())


async def import_released_by_customs(env: WorkflowEnvironment, handle: WorkflowHandle) -> None:
    """Approved, declared to customs, then customs' news: received (twice, the same inbox row),
    accepted, released (cleared)."""
    await handle.execute_update(PermitWorkflow.approve, ApprovePermit(actor=OFFICER))
    while not (state := await handle.query(PermitWorkflow.state)).customs.message_id:
        await asyncio.sleep(0.05)
    for inbox_id, status in ((1, "received"), (1, "received"), (2, "accepted"), (3, "released")):
        response = CustomsResponse(
            message_id=f"R{inbox_id}",
            sender="MOCUSTOMS",
            issued_at=await env.get_current_time(),
            declaration_message_id=state.customs.message_id,
            permit_no=state.permit_no,
            status=CustomsStatus(status),
        )
        received = ReceivedResponse(
            inbox_id=inbox_id, actor=CUSTOMS, response=response, received_at=response.issued_at
        )
        await handle.signal(PermitWorkflow.customs_response, received)
    await handle.result()


SCENARIOS: dict[str, Scenario] = {
    "licence_expires_after_reminders": expires_after_reminders,
    "licence_lapses": lapses,
    "licence_renewed_suspended_surrendered": renewed_suspended_surrendered,
    "permit_transit_held_entered_left": transit_held_entered_left,
    "permit_import_expires_unused": import_expires_unused,
    "permit_export_certificate_used": export_certificate_used,
    "permit_import_released_by_customs": import_released_by_customs,
}


async def record(env: WorkflowEnvironment, url: str, names: list[str]) -> None:
    sessions = session_factory(make_engine(url))
    for name, scenario in SCENARIOS.items():
        if names and name not in names:
            continue
        with sessions() as session:
            operator = operator_row(session)
            assert operator.id is not None
            licence_no = unique("OL-R-")
            licence_row(session, operator.id, licence_no)
            stock = unique("AE").upper()
            session.add(
                StockCertificate(
                    operator_id=operator.id,
                    issuing_country="AE",
                    number=stock,
                    import_case_no=unique("IMP-"),
                    carats=Decimal(100),
                    imported_on=date(2026, 1, 5),
                )
            )
            session.commit()
        if name.startswith("permit"):
            today = macao_date(await env.get_current_time())
            kind = next(k for k in ("transit", "export", "import") if k in name)
            extra: dict[str, object] = {}
            if kind == "export":
                draw = {"issuing_country": "AE", "number": stock, "carats": "10.50"}
                extra = {"certificate": True, "source_certificates": [draw]}
            permit = permit_start(operator.id, kind, today=today, licence_no=licence_no, **extra)
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


async def main(names: list[str]) -> None:
    """Record the scenarios named (all of them if none: only when old histories may go)."""
    with tempfile.TemporaryDirectory() as tmp:
        pki = DevelopmentPki(Path(tmp) / "pki")
        pki.init()
        url = f"sqlite:///{tmp}/record.db"
        upgrade(url)
        async with await WorkflowEnvironment.start_time_skipping(
            # In clear: the stored histories are test data, replayed by a converter that reads
            # plaintext; an encrypted payload is bound to its workflow's id, which the
            # Replayer's converter is not told (it would read it as null).
            data_converter=pydantic_data_converter,
            test_server_existing_path=str(temporal_test_server()),
        ) as env:
            with ThreadPoolExecutor(4) as executor:
                worker = build_worker(
                    env.client,
                    task_queue=QUEUE,
                    sessions=session_factory(make_engine(url)),
                    executor=executor,
                    signer=load_signer(pki.key(DSEDT), pki.chain(DSEDT)),
                )
                async with worker:
                    await record(env, url, names)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:]))
