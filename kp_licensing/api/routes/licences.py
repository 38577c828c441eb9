"""Operating licences: apply, follow, decide, renew, suspend, end."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from kp_licensing.api import paging
from kp_licensing.api.deps import (
    LicenceNumber,
    MayAnswer,
    MayApply,
    MayChangeStanding,
    MayCheckLicence,
    MayDecide,
    MayRenew,
    MaySurrender,
    MayViewCases,
    MayWithdraw,
    ServicesDep,
    SessionDep,
    TemporalDep,
)
from kp_licensing.api.responses import attachment, json_response, signed_xml
from kp_licensing.services import cases, licence_documents
from kp_licensing.services import licences as service
from kp_licensing.services.cases import LICENCE, CaseAction
from kp_licensing.support.settings import public_url
from schemas.case import (
    AnswerBody,
    ReasonBody,
    RequestInformationBody,
)
from schemas.licence import (
    ApproveBody,
    CancelBody,
    LicenceApplicationBody,
    LicenceCheck,
    LicencePage,
    LicenceRecord,
    LicenceState,
    LicenceStatus,
    SuspendBody,
    Transition,
)

router = APIRouter(prefix="/licences", tags=["operating licences"])


@router.post("", status_code=201, response_model=LicenceState)
async def apply(
    application: LicenceApplicationBody,
    principal: MayApply,
    session: SessionDep,
    services: ServicesDep,
    client: TemporalDep,
) -> LicenceState:
    """Apply for an operating licence; every missing item is listed at once (422)."""
    return await service.apply(
        session=session,
        client=client,
        settings=services.settings,
        documents=services.documents,
        actor=principal.actor,
        application=application,
    )


@router.get("", response_model=LicencePage)
def search(
    principal: MayViewCases,
    session: SessionDep,
    services: ServicesDep,
    status: Annotated[list[LicenceStatus] | None, Query()] = None,
    operator_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    expiring_within_days: Annotated[int | None, Query(ge=0, le=3650)] = None,
    q: Annotated[str | None, Query(max_length=100)] = None,
    limit: paging.Limit = 50,
    offset: paging.Offset = 0,
    cursor: paging.Cursor = None,
    include_total: paging.IncludeTotal = True,
) -> Response:
    """Cases by status, operator, text, or licences in force expiring within N days, newest
    first; page by `cursor` (any depth, stable) or `offset`.

    Traders see only their own operator's cases, whatever ``operator_id`` says."""
    page = service.search(
        session,
        actor=principal.actor,
        operator_id=operator_id,
        status=status,
        expiring_within_days=expiring_within_days,
        text=q,
        limit=limit,
        offset=offset,
        cursor=cursor,
        count=include_total,
        secret=services.settings.jwt_secret,
    )
    return json_response(page)


@router.get("/by-number/{licence_no}", response_model=LicenceCheck)
def check_licence(
    licence_no: LicenceNumber, principal: MayCheckLicence, session: SessionDep
) -> LicenceCheck:
    """Is this operating licence in force today, and for what? (customs, officers, holder)"""
    return service.check_by_number(session, licence_no=licence_no, actor=principal.actor)


@router.get("/{case_no}", response_model=LicenceState)
def get_case(case_no: str, principal: MayViewCases, session: SessionDep) -> Response:
    """The whole case as of its latest transition, with its automated check results."""
    return json_response(cases.case_state(session, LICENCE, case_no=case_no, actor=principal.actor))


@router.get(
    "/{case_no}/document",
    response_class=Response,
    responses={200: {"content": {"application/xml": {}}, "description": "The signed licence."}},
)
def licence_document(
    case_no: str, principal: MayViewCases, session: SessionDep, services: ServicesDep
) -> Response:
    """The operating licence as a signed XML document (DSEDT's XML signature; verify it with
    the service's CA, or by number and hash at ``/verify/licences/{number}``). The same bytes
    on every download, until a renewal changes what it says."""
    number, signed = licence_documents.operating_licence(
        session, services.signer, case_no=case_no, actor=principal.actor
    )
    return signed_xml(signed.data, sha256=signed.sha256, stem=number)


@router.get(
    "/{case_no}/document/pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}, "description": "The printed licence."}},
)
def licence_pdf(
    case_no: str, principal: MayViewCases, session: SessionDep, services: ServicesDep
) -> Response:
    """The operating licence for printing: its content in English, Chinese and Portuguese, and a
    QR code that checks it (by number and the signed document's hash) and says whether it is
    still in force."""
    number, pdf = licence_documents.operating_licence_pdf(
        session,
        services.signer,
        case_no=case_no,
        actor=principal.actor,
        base_url=public_url(services.settings),
    )
    return attachment(pdf, media_type="application/pdf", filename=f"{number}.pdf")


@router.get("/{case_no}/history", response_model=list[Transition])
def history(case_no: str, principal: MayViewCases, session: SessionDep) -> list[Transition]:
    """Every transition: who, when, why, from which status to which."""
    return cases.history(session, LICENCE, case_no=case_no, actor=principal.actor)


@router.post("/{case_no}/request-information", response_model=LicenceRecord)
async def request_information(
    case_no: str,
    body: RequestInformationBody,
    principal: MayDecide,
    session: SessionDep,
    client: TemporalDep,
) -> LicenceRecord:
    """Ask the applicant for more; the application lapses if not answered by the deadline."""
    return await cases.take(
        session,
        client,
        LICENCE,
        CaseAction.request_information,
        actor=principal.actor,
        case_no=case_no,
        body=body,
    )


@router.post("/{case_no}/answer", response_model=LicenceRecord)
async def answer(
    case_no: str,
    body: AnswerBody,
    principal: MayAnswer,
    session: SessionDep,
    services: ServicesDep,
    client: TemporalDep,
) -> LicenceRecord:
    """Answer an information request, with any further documents; the case goes back to review."""
    record: LicenceRecord = await cases.answer(
        session,
        client,
        LICENCE,
        services.documents,
        actor=principal.actor,
        case_no=case_no,
        body=body,
    )
    return record


@router.post("/{case_no}/approve", response_model=LicenceRecord)
async def approve(
    case_no: str,
    body: ApproveBody,
    principal: MayDecide,
    session: SessionDep,
    client: TemporalDep,
) -> LicenceRecord:
    """Approve the application (a licence number is issued) or the pending renewal."""
    return await cases.take(
        session,
        client,
        LICENCE,
        CaseAction.approve,
        actor=principal.actor,
        case_no=case_no,
        body=body,
    )


@router.post("/{case_no}/reject", response_model=LicenceRecord)
async def reject(
    case_no: str,
    body: ReasonBody,
    principal: MayDecide,
    session: SessionDep,
    client: TemporalDep,
) -> LicenceRecord:
    """Reject the application, or the pending renewal (the licence then runs to its expiry)."""
    return await cases.take(
        session,
        client,
        LICENCE,
        CaseAction.reject,
        actor=principal.actor,
        case_no=case_no,
        body=body,
    )


@router.post("/{case_no}/renew", response_model=LicenceRecord)
async def renew(
    case_no: str,
    application: LicenceApplicationBody,
    principal: MayRenew,
    session: SessionDep,
    services: ServicesDep,
    client: TemporalDep,
) -> LicenceRecord:
    """Apply to renew an active licence; approved, it extends the same licence by its term."""
    return await service.renew(
        session=session,
        client=client,
        documents=services.documents,
        settings=services.settings,
        actor=principal.actor,
        case_no=case_no,
        application=application,
    )


@router.post("/{case_no}/withdraw", response_model=LicenceRecord)
async def withdraw(
    case_no: str,
    body: ReasonBody,
    principal: MayWithdraw,
    session: SessionDep,
    client: TemporalDep,
) -> LicenceRecord:
    """Withdraw a pending application or renewal."""
    return await cases.take(
        session,
        client,
        LICENCE,
        CaseAction.withdraw,
        actor=principal.actor,
        case_no=case_no,
        body=body,
    )


@router.post("/{case_no}/surrender", response_model=LicenceRecord)
async def surrender(
    case_no: str,
    body: ReasonBody,
    principal: MaySurrender,
    session: SessionDep,
    client: TemporalDep,
) -> LicenceRecord:
    """Give the licence up (the holder's own decision; final)."""
    return await cases.take(
        session,
        client,
        LICENCE,
        CaseAction.surrender,
        actor=principal.actor,
        case_no=case_no,
        body=body,
    )


@router.post("/{case_no}/suspend", response_model=LicenceRecord)
async def suspend(
    case_no: str,
    body: SuspendBody,
    principal: MayChangeStanding,
    session: SessionDep,
    client: TemporalDep,
) -> LicenceRecord:
    """Suspend an active licence, with a reason code and optionally the day it ends."""
    return await cases.take(
        session,
        client,
        LICENCE,
        CaseAction.suspend,
        actor=principal.actor,
        case_no=case_no,
        body=body,
    )


@router.post("/{case_no}/reinstate", response_model=LicenceRecord)
async def reinstate(
    case_no: str,
    body: ReasonBody,
    principal: MayChangeStanding,
    session: SessionDep,
    client: TemporalDep,
) -> LicenceRecord:
    """End a suspension now."""
    return await cases.take(
        session,
        client,
        LICENCE,
        CaseAction.reinstate,
        actor=principal.actor,
        case_no=case_no,
        body=body,
    )


@router.post("/{case_no}/cancel", response_model=LicenceRecord)
async def cancel(
    case_no: str,
    body: CancelBody,
    principal: MayChangeStanding,
    session: SessionDep,
    client: TemporalDep,
) -> LicenceRecord:
    """Cancel a licence in force (final)."""
    return await cases.take(
        session,
        client,
        LICENCE,
        CaseAction.cancel,
        actor=principal.actor,
        case_no=case_no,
        body=body,
    )
