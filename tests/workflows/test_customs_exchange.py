"""PermitWorkflow and customs: each licence declared when usable, taken back when not; every
response path (received, accepted, rejected, held, released, discrepancy), duplicates and
reordering included."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from itertools import count
from typing import Any

import pytest
from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from edi import cusdec, customs_xml, xmldsig
from edi.pki import DevelopmentPki
from kp_licensing.domain.clock import macao_date
from kp_licensing.store import customs as outbox
from kp_licensing.store import notifications, permits
from kp_licensing.store.db import SessionFactory
from kp_licensing.support.catalogue import render
from schemas.common import Actor, Role
from schemas.customs import (
    CustomsResponse,
    CustomsStatus,
    Found,
    MessageFunction,
    ReceivedResponse,
    ResponseError,
    Stage,
)
from schemas.messages import say
from schemas.permit import ApprovePermit, PermitState, PermitStatus, PlaceHold, ReleaseHold, Resolve
from tests.factories import actor, licence_row, operator_row, permit_start, unique
from tests.workflows.conftest import TASK_QUEUE
from tests.workflows.polling import eventually
from workflows.permit import PermitWorkflow, workflow_id

pytestmark = pytest.mark.usefixtures("worker")

OFFICER = actor(Role.officer, 2)
CUSTOMS = actor(Role.customs, 9)
INBOX = count(1_000_000)


class Shipment:
    """One shipment case, and customs' side of it."""

    def __init__(
        self,
        env: WorkflowEnvironment,
        sessions: SessionFactory,
        handle: WorkflowHandle[Any, Any],
        case_no: str,
    ) -> None:
        self.env, self.sessions, self.handle, self.case_no = env, sessions, handle, case_no

    async def state(self) -> PermitState:
        return await self.handle.query(PermitWorkflow.state)

    async def approve(self) -> PermitState:
        await self.handle.execute_update(PermitWorkflow.approve, ApprovePermit(actor=OFFICER))
        return await self.declared(1)

    async def declared(self, version: int) -> PermitState:
        """The case once it has recorded its declaration ``version``."""

        async def done() -> bool:
            return (await self.state()).customs.version >= version

        await eventually(done)
        return await self.state()

    def declarations(self) -> list[Any]:
        with self.sessions() as session:
            return outbox.declarations_of_case(session, self.case_no)

    async def tell(
        self,
        status: CustomsStatus,
        *,
        inbox_id: int | None = None,
        by: Actor = CUSTOMS,
        **changes: Any,
    ) -> int:
        """Deliver a response as the API does (``inbox_id``: the same row delivered again)."""
        state = await self.state()
        inbox_id = inbox_id if inbox_id is not None else next(INBOX)
        response = CustomsResponse.model_validate(
            {
                "message_id": f"R{inbox_id}",
                "sender": "MOCUSTOMS",
                "issued_at": await self.env.get_current_time(),
                "declaration_message_id": state.customs.message_id or "D0",
                "permit_no": state.permit_no,
                "status": status,
                **changes,
            }
        )
        await self.handle.signal(
            PermitWorkflow.customs_response,
            ReceivedResponse(
                inbox_id=inbox_id, actor=by, response=response, received_at=datetime.now(UTC)
            ),
        )
        return inbox_id

    async def settled(self, seq: int) -> PermitState:
        """The case once it has recorded transition ``seq``."""

        async def done() -> bool:
            return (await self.state()).seq >= seq

        await eventually(done)
        return await self.state()

    def actions(self) -> list[str]:
        with self.sessions() as session:
            return [e.action for e in permits.events(session, self.case_no)]


async def shipment(
    env: WorkflowEnvironment, sessions: SessionFactory, kind: str, **changes: object
) -> Shipment:
    licence_no = unique("OL-")
    with sessions() as session:
        operator = operator_row(session)
        assert operator.id is not None
        licence_row(session, operator.id, licence_no)
    today = macao_date(await env.get_current_time())
    if kind in ("import", "transit"):
        changes.setdefault("foreign_certificate", foreign_certificate(today))
    started = permit_start(operator.id, kind, today=today, licence_no=licence_no, **changes)
    handle = await env.client.start_workflow(
        PermitWorkflow.run, started, id=workflow_id(started.state.case_no), task_queue=TASK_QUEUE
    )
    await handle.execute_update(PermitWorkflow.recorded)
    return Shipment(env, sessions, handle, started.state.case_no)


def foreign_certificate(today: date) -> dict[str, object]:
    return {
        "number": unique("AE"),
        "issuing_country": "AE",
        "issuing_authority": "UAE KP Office",
        "issued_on": str(today - timedelta(days=5)),
        "expires_on": str(today + timedelta(days=50)),
        "exporter": {"name": "Emirates Rough", "address": "Dubai", "country": "AE"},
        "importer": {"name": "Antwerp Rough", "address": "Antwerp", "country": "BE"},
        "origin": "BW",
        "carats": "10.50",
        "value_usd": "5000",
        "parcels": 1,
        "hs_codes": ["7102.31"],
        "scan_document_id": "scan",
    }


async def test_an_approved_import_is_declared_signed_in_both_renderings(
    env: WorkflowEnvironment, sessions: SessionFactory, pki: DevelopmentPki
) -> None:
    case = await shipment(env, sessions, "import")
    state = await case.approve()
    [row] = case.declarations()
    assert (row.version, row.function, row.message_id) == (1, "9", state.customs.message_id)
    verified = xmldsig.verify(row.xml, trust_store=pki.ca)
    declared = customs_xml.parse_declaration(row.xml)
    assert verified.root.get("Id") and declared.permit_no == state.permit_no
    assert cusdec.parse(row.edifact) == declared
    assert case.actions()[-2:] == ["approved", "declared_to_customs"]


async def test_an_import_released_after_its_news_is_cleared_once(
    env: WorkflowEnvironment, sessions: SessionFactory
) -> None:
    case = await shipment(env, sessions, "import")
    state = await case.approve()
    await case.tell(CustomsStatus.received)
    await case.tell(CustomsStatus.accepted)
    released = await case.tell(CustomsStatus.released)
    final = await case.handle.result()
    assert final.status == PermitStatus.cleared and final.customs.status is CustomsStatus.released
    assert final.arrival is not None and final.arrival.carats == Decimal("10.50")
    assert case.actions()[-4:] == [
        "declared_to_customs",
        "customs_received",
        "customs_accepted",
        "arrived",
    ]
    assert final.seq == state.seq + 3
    with sessions() as session:
        assert permits.confirmation(session, case.case_no) is not None
    assert released in final.customs.applied


async def test_a_release_before_its_acceptance_still_releases_and_a_repeat_changes_nothing(
    env: WorkflowEnvironment, sessions: SessionFactory
) -> None:
    case = await shipment(env, sessions, "transit")
    state = await case.approve()
    entry = await case.tell(CustomsStatus.released, stage=Stage.entry)
    entered = await case.settled(state.seq + 1)
    assert entered.status == PermitStatus.in_transit
    await case.tell(CustomsStatus.released, inbox_id=entry, stage=Stage.entry)  # redelivered
    await case.tell(CustomsStatus.released, stage=Stage.entry)  # sent twice by customs
    await case.tell(CustomsStatus.accepted)  # late news: never undoes the release
    later = await case.settled(state.seq + 2)
    assert later.status == PermitStatus.in_transit
    assert later.customs.status is CustomsStatus.released
    assert case.actions()[-2:] == ["entered", "customs_accepted"]
    await case.tell(CustomsStatus.released, stage=Stage.exit)
    final = await case.handle.result()
    assert final.status == PermitStatus.completed and final.exit is not None


async def test_an_exit_released_before_its_entry_enters_then_leaves(
    env: WorkflowEnvironment, sessions: SessionFactory
) -> None:
    case = await shipment(env, sessions, "transit")
    await case.approve()
    await case.tell(CustomsStatus.released, stage=Stage.exit)
    final = await case.handle.result()
    assert final.status == PermitStatus.completed
    assert case.actions()[-2:] == ["entered", "left"]


async def test_a_rejection_tells_the_trader_its_coded_errors(
    env: WorkflowEnvironment, sessions: SessionFactory
) -> None:
    case = await shipment(env, sessions, "import")
    state = await case.approve()
    errors = [ResponseError(code="12", text="seal number unknown"), ResponseError(code="E7")]
    await case.tell(CustomsStatus.rejected, errors=errors)
    rejected = await case.settled(state.seq + 1)
    assert rejected.status == PermitStatus.approved
    assert rejected.customs.errors == errors
    with sessions() as session:
        event = permits.events(session, case.case_no)[-1]
        [notice] = [
            n
            for n in notifications.for_operator(session, rejected.operator_id)
            if n.code == "notice.permit.customs_rejected"
        ]
        said = render(notifications.message_of(notice))
    assert event.action == "customs_rejected"
    assert "12 (seal number unknown)" in said and "E7" in said and state.permit_no in said


async def test_a_discrepancy_waits_for_an_officer_who_accepts_it_as_found(
    env: WorkflowEnvironment, sessions: SessionFactory
) -> None:
    case = await shipment(env, sessions, "import")
    state = await case.approve()
    found = Found(
        carats=Decimal("9.1"), parcels=1, containers=["C1"], seals=["S1"], seals_intact=True
    )
    await case.tell(CustomsStatus.held)
    await case.tell(CustomsStatus.discrepancy, found=found)
    held = await case.settled(state.seq + 2)
    assert held.status == PermitStatus.discrepancy
    assert held.incident is not None and "9.1" in render(held.incident)
    assert case.actions()[-2:] == ["customs_held", "customs_discrepancy"]
    resolved = await case.handle.execute_update(
        PermitWorkflow.resolve, Resolve(actor=OFFICER, accept=True, reason="weighed again: 9.1 ct")
    )
    assert resolved.state.status == PermitStatus.cleared


async def test_a_release_outside_the_licence_is_put_before_an_officer(
    env: WorkflowEnvironment, sessions: SessionFactory
) -> None:
    case = await shipment(env, sessions, "import")
    state = await case.approve()
    assert state.valid_until is not None
    await case.tell(CustomsStatus.released, crossed_on=state.valid_until + timedelta(days=3))
    after = await case.settled(state.seq + 1)
    assert after.status == PermitStatus.discrepancy
    assert case.actions()[-1] == "customs_discrepancy"


async def test_responses_from_anyone_but_customs_are_ignored(
    env: WorkflowEnvironment, sessions: SessionFactory
) -> None:
    case = await shipment(env, sessions, "import")
    state = await case.approve()
    await case.tell(CustomsStatus.released, by=OFFICER)
    await case.tell(CustomsStatus.received)
    after = await case.settled(state.seq + 1)
    assert after.status == PermitStatus.approved
    assert case.actions()[-1] == "customs_received"


async def test_a_hold_takes_the_declaration_back_and_its_release_declares_it_again(
    env: WorkflowEnvironment, sessions: SessionFactory
) -> None:
    case = await shipment(env, sessions, "import")
    await case.approve()
    reason = say("verbatim", text="licence suspended")
    await case.handle.signal(PermitWorkflow.hold, PlaceHold(actor=OFFICER, code="x", reason=reason))
    held = await case.declared(2)
    assert held.status == PermitStatus.on_hold and held.customs.cancelled
    await case.tell(CustomsStatus.released)  # customs should not: recorded, nothing changes
    await case.handle.signal(
        PermitWorkflow.release, ReleaseHold(actor=OFFICER, code="x", reason=reason)
    )
    again = await case.declared(3)
    assert again.status == PermitStatus.approved and not again.customs.cancelled
    assert [(r.version, r.function) for r in case.declarations()] == [
        (1, MessageFunction.original.value),
        (2, MessageFunction.cancellation.value),
        (3, MessageFunction.replacement.value),
    ]
    assert "customs_out_of_turn" in case.actions()


async def test_an_unused_licence_that_expires_is_taken_back(
    env: WorkflowEnvironment, sessions: SessionFactory
) -> None:
    case = await shipment(env, sessions, "import")
    await case.approve()
    final = await case.handle.result()
    assert final.status == PermitStatus.expired
    assert final.customs.version == 2 and final.customs.cancelled
    assert case.actions()[-2:] == ["expired", "declared_to_customs"]
