"""The customs interface (``edi.md`` section 5): customs systems pull the declarations from the
outbox and acknowledge them, and send their responses to the inbox, from where they reach the
shipment's workflow.

A response is verified before anything is kept: a signed XML one against the trust store only,
signed by the customs office it names (its certificate carries the office's code as the
subject's serialNumber); an EDIFACT one (CUSRES or CONTRL, which carry no signature) is taken on
the strength of the customs account's own authentication. It is then kept, deduplicated on
(sender, message id), BEFORE its workflow is told: a request that dies, or a process engine
that is down, leaves it undelivered, and the sweep delivers it. The workflow applies each inbox
row once, so a delivery repeated after a crash changes nothing.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import UTC, datetime, timedelta

from anyio import to_thread
from cryptography.x509.oid import NameOID
from lxml import etree
from sqlmodel import Session

from edi import cusres, customs_xml, xmldsig
from edi.edifact import EdifactError
from kp_licensing.domain.errors import Conflict, NotFound, RuleViolation, Unavailable
from kp_licensing.services import cases
from kp_licensing.services.cases import PERMIT
from kp_licensing.services.temporal import ProcessEngine
from kp_licensing.store import customs as store
from kp_licensing.store import people
from kp_licensing.store.customs_models import CustomsInbox, CustomsOutbox
from kp_licensing.store.db import SessionFactory
from kp_licensing.support.settings import Settings
from schemas.common import Actor, Role
from schemas.customs import (
    CustomsExchange,
    CustomsMessage,
    CustomsMessagePage,
    CustomsReceipt,
    CustomsResponse,
    CustomsResponseRecord,
    MessageFunction,
    ReceivedResponse,
)
from schemas.shipment import PermitKind
from workflows.ids import permit_workflow_id
from workflows.permit import PermitWorkflow

log = logging.getLogger(__name__)

XML = "xml"
EDIFACT = "edifact"
#: The renderings a declaration is fetched in, and their content types.
CONTENT_TYPES = {XML: "application/xml", EDIFACT: "application/EDIFACT"}


def _message(row: CustomsOutbox) -> CustomsMessage:
    assert row.id is not None
    return CustomsMessage(
        cursor=row.id,
        message_id=row.message_id,
        case_no=row.case_no,
        permit_no=row.permit_no,
        kind=PermitKind(row.kind),
        function=MessageFunction(row.function),
        version=row.version,
        recipient=row.recipient,
        created_at=row.created_at,
        xml_sha256=row.xml_sha256,
        edifact_sha256=row.edifact_sha256,
        acknowledged_at=row.acknowledged_at,
        acknowledged_by=row.acknowledged_by,
        push_attempts=row.push_attempts,
        push_error=row.push_error,
    )


def outbox(session: Session, *, after: int, limit: int, unacknowledged: bool) -> CustomsMessagePage:
    """The declarations written after the cursor ``after``, oldest first."""
    rows = store.declarations_after(session, after, limit + 1, unacknowledged=unacknowledged)
    items = [_message(row) for row in rows[:limit]]
    more = len(rows) > limit
    return CustomsMessagePage(items=items, next_after=items[-1].cursor if more else None)


def _declaration(session: Session, message_id: str) -> CustomsOutbox:
    row = store.declaration(session, message_id)
    if row is None:
        raise NotFound("customs.no_message", message_id=message_id)
    return row


def fetch(session: Session, message_id: str, rendering: str) -> tuple[bytes, str, str]:
    """A declaration's exact bytes in one rendering, its content type and its SHA-256."""
    row = _declaration(session, message_id)
    if rendering == EDIFACT:
        return row.edifact, CONTENT_TYPES[EDIFACT], row.edifact_sha256
    return row.xml, CONTENT_TYPES[XML], row.xml_sha256


def acknowledge(session: Session, message_id: str, actor: Actor) -> CustomsMessage:
    """Customs has the declaration: the first acknowledgement is kept, a repeat changes
    nothing and answers the same."""
    _declaration(session, message_id)
    store.acknowledge(session, message_id, f"{actor.role.value}:{actor.username}")
    return _message(_declaration(session, message_id))


def _format_of(data: bytes, content_type: str) -> str:
    media = content_type.split(";")[0].strip().lower()
    if media in ("application/xml", "text/xml"):
        return XML
    if media in ("application/edifact", "text/plain"):
        return EDIFACT
    raise RuleViolation("customs.content_type", content_type=media or "none")


def read_response(
    data: bytes, content_type: str, *, settings: Settings
) -> tuple[str, CustomsResponse]:
    """Verify and parse a response; its format and model. Every refusal says why (422)."""
    if not data:
        raise RuleViolation("customs.empty")
    form = _format_of(data, content_type)
    signed_by = None
    try:
        if form == XML:
            verified = xmldsig.verify(data, trust_store=settings.trust_store_file())
            response = customs_xml.parse_response_element(verified.root)
            signed_by = xmldsig.named(verified.signer, NameOID.SERIAL_NUMBER)
        else:
            response = cusres.parse_response(data)
    except xmldsig.NotVerified as refused:
        raise RuleViolation("customs.signature_refused", reason=str(refused)) from None
    except (EdifactError, customs_xml.UnreadableMessage, etree.LxmlError) as refused:
        reason = str(refused).splitlines()[0][:300] if str(refused) else "unreadable"
        raise RuleViolation("customs.unreadable", reason=reason) from None
    if response.sender != settings.customs_office:
        raise RuleViolation(
            "customs.unknown_sender", sender=response.sender, office=settings.customs_office
        )
    if signed_by is not None and signed_by != response.sender:
        raise RuleViolation(
            "customs.wrong_signer", sender=response.sender, signer=signed_by or "none"
        )
    return form, response


def keep(
    session: Session, data: bytes, form: str, response: CustomsResponse, actor: Actor
) -> tuple[CustomsInbox, bool]:
    """Keep a response in the inbox, routed to the case its declaration belongs to: the row,
    and False if it was received before (the same bytes; other bytes under the same id are
    refused: a sender never reuses a message id)."""
    declaration = store.declaration(session, response.declaration_message_id)
    if declaration is None:
        raise RuleViolation(
            "customs.unknown_declaration", message_id=response.declaration_message_id
        )
    if response.permit_no is not None and response.permit_no != declaration.permit_no:
        raise RuleViolation(
            "customs.wrong_permit",
            message_id=response.declaration_message_id,
            permit_no=response.permit_no,
            declared=declaration.permit_no,
        )
    sha256 = hashlib.sha256(data).hexdigest()
    row, new = store.add_response(
        session,
        CustomsInbox(
            sender=response.sender,
            message_id=response.message_id,
            case_no=declaration.case_no,
            declaration_message_id=response.declaration_message_id,
            status=response.status.value,
            format=form,
            data=data,
            sha256=sha256,
            response=response.model_dump_json(),
            received_by=actor.user_id,
        ),
    )
    if not new and row.sha256 != sha256:
        raise Conflict("customs.message_id_reused", sender=row.sender, message_id=row.message_id)
    return row, new


async def receive(
    session: Session,
    engine: ProcessEngine | None,
    *,
    data: bytes,
    content_type: str,
    actor: Actor,
    settings: Settings,
) -> CustomsReceipt:
    """Verify, keep, then deliver a response. With the process engine unreachable it is kept
    and answered as not yet delivered (the sweep delivers it)."""
    form, response = await to_thread.run_sync(
        lambda: read_response(data, content_type, settings=settings)
    )
    row, new = await to_thread.run_sync(lambda: keep(session, data, form, response, actor))
    delivered = row.delivered_at is not None
    if not delivered and engine is not None:
        try:
            await deliver(session, engine, row, actor)
            delivered = True
        except Unavailable:
            log.warning("customs response %s kept, not yet delivered", row.id)
    assert row.id is not None
    return CustomsReceipt(
        inbox_id=row.id,
        sender=row.sender,
        message_id=row.message_id,
        case_no=row.case_no,
        status=response.status,
        received_at=row.received_at,
        duplicate=not new,
        delivered=delivered,
    )


async def deliver(session: Session, engine: ProcessEngine, row: CustomsInbox, actor: Actor) -> None:
    """Signal the shipment's workflow, then mark the row delivered (to a closed case too: a
    late response to a case customs released is kept, and changes nothing)."""
    assert row.id is not None
    received = ReceivedResponse(
        inbox_id=row.id,
        actor=actor,
        response=CustomsResponse.model_validate_json(row.response),
        received_at=row.received_at,
    )
    try:
        await engine.signal(
            permit_workflow_id(row.case_no),
            PermitWorkflow.customs_response,
            received,
            case_no=row.case_no,
        )
    except Conflict:  # the case is closed: the response is kept, there is nothing to move on
        log.info("customs response %s kept; case %s is closed", row.id, row.case_no)
    inbox_id = row.id
    await to_thread.run_sync(lambda: store.delivered(session, inbox_id))


async def deliver_undelivered(
    sessions: SessionFactory, engine: ProcessEngine, older: timedelta
) -> int:
    """Deliver every response kept for longer than ``older`` and never delivered (the sweep);
    the number delivered. The customs account that sent each is its actor, as when received."""
    before = datetime.now(UTC) - older
    with sessions() as session:
        rows = await to_thread.run_sync(lambda: store.undelivered(session, before=before))
        for row in rows:
            actor = await to_thread.run_sync(_sender_actor, session, row.received_by)
            await deliver(session, engine, row, actor)
            log.info("delivered customs response %s to %s", row.id, row.case_no)
    return len(rows)


def _sender_actor(session: Session, user_id: int) -> Actor:
    user = people.get_user(session, user_id)
    assert user is not None and user.id is not None  # received_by is a foreign key
    return Actor(user_id=user.id, username=user.username, role=Role(user.role))


def exchange(session: Session, *, case_no: str, actor: Actor) -> CustomsExchange:
    """What passed between the service and customs about a case its reader may see."""
    cases.find_case(session, PERMIT, case_no=case_no, actor=actor)
    return CustomsExchange(
        case_no=case_no,
        declarations=[_message(row) for row in store.declarations_of_case(session, case_no)],
        responses=[
            CustomsResponseRecord(
                inbox_id=row.id or 0,
                format=row.format,
                sha256=row.sha256,
                received_at=row.received_at,
                delivered_at=row.delivered_at,
                response=CustomsResponse.model_validate_json(row.response),
            )
            for row in store.responses_of_case(session, case_no)
        ],
    )
