"""A case on one page, for its trader and for the bureau: the application, its documents, the
automated checks, the history, what customs was told and answered, the KP certificate, the
documents to download; and the forms of every action the visitor may take on it now, each
posted to the same service call as the API's route (``services.cases``).

A refused action shows the page again with the reason next to the form that was sent, and
what was typed in it kept."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any

from anyio import to_thread
from fastapi import APIRouter, Depends, Path
from pydantic import BaseModel, ValidationError
from sqlmodel import Session
from starlette.responses import Response

from kp_licensing.api.deps import SessionDep
from kp_licensing.api.permissions import Action, refusal
from kp_licensing.domain.clock import macao_date
from kp_licensing.domain.errors import DomainError, NotFound
from kp_licensing.services import cases, customs, import_confirmations
from kp_licensing.services.cases import CERTIFICATE, LICENCE, PERMIT, CaseAction, CaseProcess
from kp_licensing.web.forms import nested
from kp_licensing.web.uploads import upload_documents
from kp_licensing.web.visit import FormErrors, Visit, may, new_idempotency_key, values
from schemas.case import AnswerBody, ReasonBody, RequestInformationBody
from schemas.certificate_case import IssueCertificateBody, RecordPaymentBody, VoidCertificateBody
from schemas.common import Role
from schemas.import_confirmation import ConfirmationMethod, ConfirmationSentBody
from schemas.licence import ApproveBody, CancelBody, SuspendBody
from schemas.permit import ApprovePermitBody, RecordDepartureBody, ResolveBody
from schemas.shipment import ArrivalBody, PermitKind

router = APIRouter(include_in_schema=False)

Viewer = Annotated[Visit, Depends(may(Action.view_cases))]
CaseNo = Annotated[str, Path(min_length=1, max_length=32)]
ActionName = Annotated[str, Path(min_length=1, max_length=32)]


@dataclass(frozen=True)
class PageAction:
    """An action's form on a case page: the process it acts on, what it sends, who may."""

    process: CaseProcess
    action: CaseAction
    body: type[BaseModel]
    permission: Action
    #: Fields that are lists even with one value (ticked boxes).
    lists: frozenset[str] = frozenset()
    #: Fields typed as one text that are lists in the body (containers, seals).
    split: frozenset[str] = frozenset()


LICENCE_ACTIONS = {
    "request-information": PageAction(
        LICENCE, CaseAction.request_information, RequestInformationBody, Action.decide
    ),
    "approve": PageAction(
        LICENCE, CaseAction.approve, ApproveBody, Action.decide, frozenset({"activities"})
    ),
    "reject": PageAction(LICENCE, CaseAction.reject, ReasonBody, Action.decide),
    "withdraw": PageAction(LICENCE, CaseAction.withdraw, ReasonBody, Action.withdraw),
    "suspend": PageAction(LICENCE, CaseAction.suspend, SuspendBody, Action.change_standing),
    "reinstate": PageAction(LICENCE, CaseAction.reinstate, ReasonBody, Action.change_standing),
    "cancel": PageAction(LICENCE, CaseAction.cancel, CancelBody, Action.change_standing),
}
CROSSING_LISTS = frozenset({"containers", "seals"})
SHIPMENT_ACTIONS = {
    "request-information": PageAction(
        PERMIT, CaseAction.request_information, RequestInformationBody, Action.decide
    ),
    "approve": PageAction(PERMIT, CaseAction.approve, ApprovePermitBody, Action.decide),
    "reject": PageAction(PERMIT, CaseAction.reject, ReasonBody, Action.decide),
    "withdraw": PageAction(PERMIT, CaseAction.withdraw, ReasonBody, Action.withdraw),
    "cancel": PageAction(PERMIT, CaseAction.cancel, ReasonBody, Action.change_standing),
    "resolve": PageAction(PERMIT, CaseAction.resolve, ResolveBody, Action.decide),
    "departure": PageAction(
        PERMIT, CaseAction.record_departure, RecordDepartureBody, Action.decide
    ),
    # What was found at the border, recorded by an officer when customs' message did not come
    # (or before a customs system is connected): the same updates customs' responses send.
    "arrival": PageAction(
        PERMIT, CaseAction.record_arrival, ArrivalBody, Action.decide, split=CROSSING_LISTS
    ),
    "entry": PageAction(
        PERMIT, CaseAction.record_entry, ArrivalBody, Action.decide, split=CROSSING_LISTS
    ),
    "exit": PageAction(
        PERMIT, CaseAction.record_exit, ArrivalBody, Action.decide, split=CROSSING_LISTS
    ),
    "certificate-payment": PageAction(
        CERTIFICATE, CaseAction.record_payment, RecordPaymentBody, Action.decide
    ),
    "certificate-issue": PageAction(
        CERTIFICATE, CaseAction.issue_certificate, IssueCertificateBody, Action.decide
    ),
    "certificate-void": PageAction(
        CERTIFICATE, CaseAction.void_certificate, VoidCertificateBody, Action.decide
    ),
}
#: The kinds of document an answer to an information request may carry.
ANSWER_KINDS = ("answer",)


@dataclass
class Failed:
    """The form that was refused: its name, the problems, and what was typed in it."""

    form: str
    errors: FormErrors
    typed: dict[str, Any]


def _booleans(model: type[BaseModel], data: dict[str, Any]) -> None:
    """A model's yes/no fields from ticked boxes (a box is posted only when ticked)."""
    for name, info in model.model_fields.items():
        if info.annotation is bool:
            data[name] = data.get(name) == "true"


@router.get("/cases/{case_no}")
def any_case(case_no: CaseNo, visit: Viewer, session: SessionDep) -> Response:
    """A case by its number alone (the link a mail or a notification carries): its page."""
    actor = visit.principal.actor
    for process, prefix in ((LICENCE, "/licences"), (PERMIT, "/shipments")):
        try:
            cases.find_case(session, process, case_no=case_no, actor=actor)
        except NotFound:
            continue
        return visit.redirect(f"{prefix}/{case_no}")
    raise NotFound("portal.no_such_case", case_no=case_no)


@router.get("/licences/{case_no}")
def licence_case(case_no: CaseNo, visit: Viewer, session: SessionDep) -> Response:
    return _licence_page(visit, session, case_no)


def _licence_page(
    visit: Visit, session: Session, case_no: str, failed: Failed | None = None
) -> Response:
    actor = visit.principal.actor
    state = cases.case_state(session, LICENCE, case_no=case_no, actor=actor)
    return visit.page(
        "case_licence.html",
        status=422 if failed else 200,
        case=state,
        history=cases.history(session, LICENCE, case_no=case_no, actor=actor),
        failed=failed,
        staff=visit.user is not None and visit.user.role != Role.trader,
        idempotency_key=new_idempotency_key(),
        reason_codes=visit.settings.suspension_reason_codes,
    )


@router.get("/shipments/{case_no}")
def shipment_case(case_no: CaseNo, visit: Viewer, session: SessionDep) -> Response:
    return _shipment_page(visit, session, case_no)


def _shipment_page(
    visit: Visit, session: Session, case_no: str, failed: Failed | None = None
) -> Response:
    actor = visit.principal.actor
    state = cases.case_state(session, PERMIT, case_no=case_no, actor=actor)
    certificate = certificate_history = None
    if state.policy.certificate is not None:
        try:
            certificate = cases.case_state(session, CERTIFICATE, case_no=case_no, actor=actor)
            certificate_history = cases.history(session, CERTIFICATE, case_no=case_no, actor=actor)
        except NotFound:
            pass  # an export's certificate case is recorded a moment after the export's
    return visit.page(
        "case_shipment.html",
        status=422 if failed else 200,
        case=state,
        history=cases.history(session, PERMIT, case_no=case_no, actor=actor),
        certificate=certificate,
        certificate_history=certificate_history,
        exchange=customs.exchange(session, case_no=case_no, actor=actor),
        confirmation=(
            import_confirmations.of_case(session, settings=visit.settings, case_no=case_no)
            if state.kind == PermitKind.import_ and visit.may(Action.decide)
            else None
        ),
        methods=[m.value for m in ConfirmationMethod],
        today=macao_date(datetime.now(UTC)),
        failed=failed,
        staff=visit.user is not None and visit.user.role != Role.trader,
        idempotency_key=new_idempotency_key(),
    )


@router.post("/licences/{case_no}/{name}")
async def act_on_licence(
    case_no: CaseNo, name: ActionName, visit: Viewer, session: SessionDep
) -> Response:
    if name == "answer":
        return await _answer(visit, session, LICENCE, case_no, _licence_page, "/licences")
    return await _act(visit, session, LICENCE_ACTIONS, case_no, name, _licence_page, "/licences")


@router.post("/shipments/{case_no}/{name}")
async def act_on_shipment(
    case_no: CaseNo, name: ActionName, visit: Viewer, session: SessionDep
) -> Response:
    if name == "answer":
        return await _answer(visit, session, PERMIT, case_no, _shipment_page, "/shipments")
    if name == "confirmation-sent":
        return await _confirmation_sent(visit, session, case_no)
    return await _act(visit, session, SHIPMENT_ACTIONS, case_no, name, _shipment_page, "/shipments")


async def _act(
    visit: Visit,
    session: Session,
    table: dict[str, PageAction],
    case_no: str,
    name: str,
    page: Any,
    prefix: str,
) -> Response:
    spec = table.get(name)
    if spec is None:
        raise NotFound("portal.no_such_action", action=name[:32])
    assert visit.user is not None
    if not visit.may(spec.permission):
        raise refusal(visit.user.role, spec.permission)
    form = await visit.form()
    posted = nested(form, lists=spec.lists)
    for listed in spec.split:
        posted.split(listed)
    _booleans(spec.body, posted.data)
    try:
        body = spec.body.model_validate(posted.data)
        engine = visit.engine(str(form.get("idempotency_key") or ""))
        await cases.take(
            session,
            engine,
            spec.process,
            spec.action,
            actor=visit.principal.actor,
            case_no=case_no,
            body=body,
        )
    except (ValidationError, DomainError) as error:
        failed = Failed(form=name, errors=FormErrors.of(error, posted), typed=values(form))
        return page(visit, session, case_no, failed)  # type: ignore[no-any-return]
    return visit.redirect(f"{prefix}/{case_no}")


async def _confirmation_sent(visit: Visit, session: Session, case_no: str) -> Response:
    """An officer records how Macao's import confirmation went to the exporting authority."""
    assert visit.user is not None
    if not visit.may(Action.decide):
        raise refusal(visit.user.role, Action.decide)
    form = await visit.form()
    posted = nested(form)
    try:
        body = ConfirmationSentBody.model_validate(posted.data)
        actor = visit.principal.actor
        await to_thread.run_sync(
            lambda: import_confirmations.record_sent(
                session, settings=visit.settings, case_no=case_no, body=body, actor=actor
            )
        )
    except (ValidationError, DomainError) as error:
        failed = Failed(
            form="confirmation-sent", errors=FormErrors.of(error, posted), typed=values(form)
        )
        return _shipment_page(visit, session, case_no, failed)
    return visit.redirect(f"/shipments/{case_no}")


async def _answer(
    visit: Visit, session: Session, process: CaseProcess, case_no: str, page: Any, prefix: str
) -> Response:
    """A trader answers an information request, with the documents asked for."""
    assert visit.user is not None
    if not visit.may(Action.answer):
        raise refusal(visit.user.role, Action.answer)
    form = await visit.form()
    posted = nested(form)
    kept, errors = await upload_documents(visit, session, form, ANSWER_KINDS)
    data = {**posted.data, "document_ids": [ref.id for ref in kept.values()]}
    try:
        body = AnswerBody.model_validate(data)
        if errors:
            raise errors
        engine = visit.engine(str(form.get("idempotency_key") or ""))
        await cases.answer(
            session,
            engine,
            process,
            visit.services.documents,
            actor=visit.principal.actor,
            case_no=case_no,
            body=body,
        )
    except (ValidationError, DomainError, FormErrors) as error:
        found = FormErrors() if isinstance(error, FormErrors) else FormErrors.of(error, posted)
        found.merge(errors)
        failed = Failed(form="answer", errors=found, typed=values(form))
        return page(visit, session, case_no, failed)  # type: ignore[no-any-return]
    return visit.redirect(f"{prefix}/{case_no}")
