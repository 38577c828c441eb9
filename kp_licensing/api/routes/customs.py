"""The customs interface: customs systems pull declarations and acknowledge them, and send
their responses; staff and the licence's holder read what passed about a case."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request, Response

from kp_licensing.api.deps import (
    MayExchangeWithCustoms,
    MayViewCases,
    ServicesDep,
    SessionDep,
)
from kp_licensing.services import customs
from schemas.customs import CustomsExchange, CustomsMessage, CustomsMessagePage, CustomsReceipt

router = APIRouter(tags=["customs"])

MessageId = Annotated[
    str,
    Path(
        pattern=r"^[0-9A-Z]{1,14}$",
        description="The message id (up to 14 capital letters and digits).",
        examples=["DQ4M7ZK2X5A3BC"],
    ),
]
#: The request body of a response, as the OpenAPI document states it (the route reads the
#: bytes itself: a signature covers them exactly as sent).
RESPONSE_BODY = {
    "requestBody": {
        "required": True,
        "description": "A customs response: signed XML (customs-response-1.xsd, enveloped "
        "XMLDSig by the customs office's certificate), or a UN/EDIFACT CUSRES or CONTRL "
        "interchange (D.96B).",
        "content": {
            "application/xml": {"schema": {"type": "string", "format": "binary"}},
            "application/EDIFACT": {"schema": {"type": "string", "format": "binary"}},
        },
    }
}


@router.get("/customs/messages", response_model=CustomsMessagePage)
def messages(
    principal: MayExchangeWithCustoms,
    session: SessionDep,
    after: Annotated[
        int, Query(ge=0, le=2**31 - 1, description="The cursor of the last message seen.")
    ] = 0,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    unacknowledged: Annotated[
        bool, Query(description="Only declarations not yet acknowledged.")
    ] = False,
) -> CustomsMessagePage:
    """Declarations in the order they were written, after a cursor."""
    return customs.outbox(session, after=after, limit=limit, unacknowledged=unacknowledged)


@router.get(
    "/customs/messages/{message_id}",
    response_class=Response,
    responses={
        200: {
            "description": "The declaration exactly as signed (XML) or rendered (CUSDEC), with "
            "its SHA-256 in `X-Content-SHA256`.",
            "content": {
                "application/xml": {"schema": {"type": "string"}},
                "application/EDIFACT": {"schema": {"type": "string"}},
            },
        }
    },
)
def message(
    message_id: MessageId,
    principal: MayExchangeWithCustoms,
    session: SessionDep,
    format: Annotated[
        Literal["xml", "edifact"],
        Query(description="xml: the signed XML; edifact: the CUSDEC interchange."),
    ] = "xml",
) -> Response:
    data, content_type, sha256 = customs.fetch(session, message_id, format)
    return Response(
        data,
        media_type=content_type,
        headers={"X-Content-SHA256": sha256, "X-Message-Id": message_id},
    )


@router.post("/customs/messages/{message_id}/acknowledgement", response_model=CustomsMessage)
def acknowledge(
    message_id: MessageId, principal: MayExchangeWithCustoms, session: SessionDep
) -> CustomsMessage:
    """Customs has the declaration; a repeat changes nothing."""
    return customs.acknowledge(session, message_id, principal.actor)


@router.post(
    "/customs/responses",
    status_code=202,
    response_model=CustomsReceipt,
    openapi_extra=RESPONSE_BODY,
)
async def respond(
    request: Request, principal: MayExchangeWithCustoms, session: SessionDep, services: ServicesDep
) -> CustomsReceipt:
    """A response to a declaration: verified, kept (a repeat is recognised), and handed to its
    shipment's case (or, with the process engine unavailable, handed over as soon as it is)."""
    data = await request.body()
    engine = services.engine() if services.temporal is not None else None
    return await customs.receive(
        session,
        engine,
        data=data,
        content_type=request.headers.get("content-type", ""),
        actor=principal.actor,
        settings=services.settings,
    )


@router.get("/permits/{case_no}/customs", response_model=CustomsExchange)
def case_exchange(case_no: str, principal: MayViewCases, session: SessionDep) -> CustomsExchange:
    """The declarations sent to customs about this case, and customs' responses."""
    return customs.exchange(session, case_no=case_no, actor=principal.actor)
