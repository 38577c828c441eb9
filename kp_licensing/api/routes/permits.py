"""Import, export and transit licences: apply, follow, decide, and record what customs found."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response

from kp_licensing.api import paging
from kp_licensing.api.deps import (
    MayAnswer,
    MayApply,
    MayChangeStanding,
    MayDecide,
    MayViewCases,
    MayWithdraw,
    Principal,
    ServicesDep,
    SessionDep,
    TemporalDep,
    require,
)
from kp_licensing.api.permissions import Action
from kp_licensing.api.responses import json_response
from kp_licensing.services import (
    cases,
    import_confirmations,
    signed_applications,
)
from kp_licensing.services import permits as service
from kp_licensing.services.cases import PERMIT, CaseAction
from schemas.case import (
    AnswerBody,
    ReasonBody,
    RequestInformationBody,
)
from schemas.import_confirmation import ConfirmationPublic, ConfirmationSentBody
from schemas.permit import (
    ApprovePermitBody,
    PermitApplicationBody,
    PermitCheck,
    PermitPage,
    PermitRecord,
    PermitState,
    PermitStatus,
    PermitTransition,
    ResolveBody,
    StockBalance,
)
from schemas.shipment import ArrivalBody, PermitKind

router = APIRouter(prefix="/permits", tags=["shipment licences"])

MayCheckShipmentLicence = Annotated[Principal, Depends(require(Action.check_shipment_licence))]


@router.post("", status_code=201, response_model=PermitState)
async def apply(
    application: PermitApplicationBody,
    principal: MayApply,
    session: SessionDep,
    services: ServicesDep,
    client: TemporalDep,
) -> PermitState:
    """Apply for a shipment licence; failed checks refuse it (422) with every reason at once,
    flagged ones (value plausibility) go to the officer."""
    return await service.apply(
        session=session,
        client=client,
        settings=services.settings,
        documents=services.documents,
        actor=principal.actor,
        application=application,
    )


#: The request body of a signed application, as the OpenAPI document states it (the route
#: reads the bytes itself: the signature covers them exactly as sent).
SIGNED_APPLICATION_BODY = {
    "requestBody": {
        "required": True,
        "description": "The application as XML (shipment-application-1.xsd) with an enveloped "
        "XML signature by a representative of the operator (a qualified certificate naming "
        "the operator's business registration number as its subject's serialNumber).",
        "content": {"application/xml": {"schema": {"type": "string", "format": "binary"}}},
    }
}


@router.post(
    "/signed", status_code=201, response_model=PermitState, openapi_extra=SIGNED_APPLICATION_BODY
)
async def apply_signed(
    request: Request,
    principal: MayApply,
    session: SessionDep,
    services: ServicesDep,
    client: TemporalDep,
) -> PermitState:
    """Apply for a shipment licence with a document signed by the operator's representative:
    the signature is verified, then the application inside is judged as `POST /permits` judges
    one; the signed document is kept with the case (`GET /permits/{case_no}/signed-application`)."""
    return await signed_applications.apply(
        await request.body(),
        session=session,
        client=client,
        settings=services.settings,
        documents=services.documents,
        actor=principal.actor,
    )


@router.get("", response_model=PermitPage)
def search(
    principal: MayViewCases,
    session: SessionDep,
    services: ServicesDep,
    kind: PermitKind | None = None,
    status: Annotated[list[PermitStatus] | None, Query()] = None,
    operator_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    q: Annotated[
        str | None,
        Query(
            max_length=100,
            pattern=r"^[^\x00-\x1f\x7f]*$",  # no control characters (PostgreSQL refuses NUL)
            description="Text in the case number, licence number, foreign certificate number "
            "or holder's name (any case; a certificate number however it is punctuated).",
        ),
    ] = None,
    flagged: Annotated[
        bool | None,
        Query(description="Only cases a check flagged for the officer's attention (or not)."),
    ] = None,
    limit: paging.Limit = 50,
    offset: paging.Offset = 0,
    cursor: paging.Cursor = None,
    include_total: paging.IncludeTotal = True,
) -> Response:
    """Cases by kind, status, operator, text and flags (traders see only their own), newest first;
    page by `cursor` (any depth, stable) or `offset`."""
    page = service.search(
        session,
        actor=principal.actor,
        operator_id=operator_id,
        kind=kind,
        status=status,
        text=q,
        flagged=flagged,
        limit=limit,
        offset=offset,
        cursor=cursor,
        count=include_total,
        secret=services.settings.jwt_secret,
    )
    return json_response(page)


@router.get("/import-confirmations", response_model=list[ConfirmationPublic])
def list_import_confirmations(
    principal: MayDecide, session: SessionDep, services: ServicesDep, unsent: bool = False
) -> list[ConfirmationPublic]:
    """Confirmations of receipt owed to exporting authorities, oldest first (``unsent``: only
    those not yet recorded as sent); ``overdue`` marks unsent ones past their due day."""
    return import_confirmations.listing(session, settings=services.settings, unsent=unsent)


@router.get("/stock", response_model=list[StockBalance])
def stock(
    principal: MayViewCases,
    session: SessionDep,
    operator_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
) -> list[StockBalance]:
    """The carats an operator may still export, per foreign certificate it imported under
    (what each has left after the exports that drew on it). Traders see their own; officers
    name the operator."""
    return service.stock(session, actor=principal.actor, operator_id=operator_id)


@router.get("/by-number/{licence_no}", response_model=PermitCheck)
def check_licence(
    licence_no: Annotated[str, Path(max_length=32, pattern=r"^[A-Za-z0-9][A-Za-z0-9-]*$")],
    principal: MayCheckShipmentLicence,
    session: SessionDep,
) -> PermitCheck:
    """Is this import, export or transit licence in force today, and for what shipment?
    (customs, officers, the holder)"""
    return service.check_by_number(session, licence_no=licence_no, actor=principal.actor)


@router.get("/{case_no}", response_model=PermitState)
def get_case(case_no: str, principal: MayViewCases, session: SessionDep) -> Response:
    """The whole case as of its latest transition, with its check results."""
    return json_response(cases.case_state(session, PERMIT, case_no=case_no, actor=principal.actor))


@router.get("/{case_no}/history", response_model=list[PermitTransition])
def history(case_no: str, principal: MayViewCases, session: SessionDep) -> list[Any]:
    return cases.history(session, PERMIT, case_no=case_no, actor=principal.actor)


@router.post("/{case_no}/request-information", response_model=PermitRecord)
async def request_information(
    case_no: str,
    body: RequestInformationBody,
    principal: MayDecide,
    session: SessionDep,
    client: TemporalDep,
) -> PermitRecord:
    return await cases.take(
        session,
        client,
        PERMIT,
        CaseAction.request_information,
        actor=principal.actor,
        case_no=case_no,
        body=body,
    )


@router.post("/{case_no}/answer", response_model=PermitRecord)
async def answer(
    case_no: str,
    body: AnswerBody,
    principal: MayAnswer,
    session: SessionDep,
    services: ServicesDep,
    client: TemporalDep,
) -> PermitRecord:
    record: PermitRecord = await cases.answer(
        session,
        client,
        PERMIT,
        services.documents,
        actor=principal.actor,
        case_no=case_no,
        body=body,
    )
    return record


@router.post("/{case_no}/approve", response_model=PermitRecord)
async def approve(
    case_no: str,
    body: ApprovePermitBody,
    principal: MayDecide,
    session: SessionDep,
    client: TemporalDep,
) -> PermitRecord:
    """Issue the licence: a number, valid 30 days (never past the operating licence)."""
    return await cases.take(
        session,
        client,
        PERMIT,
        CaseAction.approve,
        actor=principal.actor,
        case_no=case_no,
        body=body,
    )


@router.post("/{case_no}/reject", response_model=PermitRecord)
async def reject(
    case_no: str, body: ReasonBody, principal: MayDecide, session: SessionDep, client: TemporalDep
) -> PermitRecord:
    return await cases.take(
        session,
        client,
        PERMIT,
        CaseAction.reject,
        actor=principal.actor,
        case_no=case_no,
        body=body,
    )


@router.post("/{case_no}/withdraw", response_model=PermitRecord)
async def withdraw(
    case_no: str,
    body: ReasonBody,
    principal: MayWithdraw,
    session: SessionDep,
    client: TemporalDep,
) -> PermitRecord:
    return await cases.take(
        session,
        client,
        PERMIT,
        CaseAction.withdraw,
        actor=principal.actor,
        case_no=case_no,
        body=body,
    )


@router.post("/{case_no}/cancel", response_model=PermitRecord)
async def cancel(
    case_no: str,
    body: ReasonBody,
    principal: MayChangeStanding,
    session: SessionDep,
    client: TemporalDep,
) -> PermitRecord:
    """A supervisor cancels the case or licence, whatever its state (final)."""
    return await cases.take(
        session,
        client,
        PERMIT,
        CaseAction.cancel,
        actor=principal.actor,
        case_no=case_no,
        body=body,
    )


@router.post("/{case_no}/arrival", response_model=PermitRecord)
async def arrival(
    case_no: str, body: ArrivalBody, principal: MayDecide, session: SessionDep, client: TemporalDep
) -> PermitRecord:
    """Import: what arrived (with customs). As licensed, the import is cleared and the
    confirmation for the exporting authority is produced; otherwise a discrepancy opens."""
    return await cases.take(
        session,
        client,
        PERMIT,
        CaseAction.record_arrival,
        actor=principal.actor,
        case_no=case_no,
        body=body,
    )


@router.post("/{case_no}/entry", response_model=PermitRecord)
async def entry(
    case_no: str, body: ArrivalBody, principal: MayDecide, session: SessionDep, client: TemporalDep
) -> PermitRecord:
    """Transit: the shipment entered Macao; its seals and containers are recorded."""
    return await cases.take(
        session,
        client,
        PERMIT,
        CaseAction.record_entry,
        actor=principal.actor,
        case_no=case_no,
        body=body,
    )


@router.post("/{case_no}/exit", response_model=PermitRecord)
async def exit_(
    case_no: str, body: ArrivalBody, principal: MayDecide, session: SessionDep, client: TemporalDep
) -> PermitRecord:
    """Transit: the shipment left; the same seals, intact, or a discrepancy opens."""
    return await cases.take(
        session,
        client,
        PERMIT,
        CaseAction.record_exit,
        actor=principal.actor,
        case_no=case_no,
        body=body,
    )


@router.post("/{case_no}/import-confirmation/sent", response_model=ConfirmationPublic)
def confirmation_sent(
    case_no: str,
    body: ConfirmationSentBody,
    principal: MayDecide,
    session: SessionDep,
    services: ServicesDep,
) -> ConfirmationPublic:
    """Record when and how the import confirmation of a cleared import was sent (once; the
    same recording again is answered as the first was)."""
    return import_confirmations.record_sent(
        session, settings=services.settings, case_no=case_no, body=body, actor=principal.actor
    )


@router.post("/{case_no}/resolve", response_model=PermitRecord)
async def resolve(
    case_no: str,
    body: ResolveBody,
    principal: MayDecide,
    session: SessionDep,
    client: TemporalDep,
) -> PermitRecord:
    """Decide a discrepancy: accept the shipment as found, or refuse it (cancelled)."""
    return await cases.take(
        session,
        client,
        PERMIT,
        CaseAction.resolve,
        actor=principal.actor,
        case_no=case_no,
        body=body,
    )
