"""A trader's pages: the dashboard of its operating licence and cases, and the operating
licence's application and renewal form. Each form posts to the same service function as the
API, its documents uploaded on the way (``uploads.py``)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import ValidationError
from starlette.responses import Response

from kp_licensing.api.deps import SessionDep
from kp_licensing.api.permissions import Action
from kp_licensing.domain.clock import macao_date
from kp_licensing.domain.errors import DomainError
from kp_licensing.services import accounts, cases, licences, notifications, permits
from kp_licensing.web.forms import flat, nested, ticked
from kp_licensing.web.uploads import upload_documents
from kp_licensing.web.visit import (
    FormErrors,
    Visit,
    may,
    new_idempotency_key,
    opened_before,
    values,
)
from schemas.licence import DeclarationsBody, LicenceApplicationBody, LicenceStatus
from schemas.messages import say

router = APIRouter(include_in_schema=False)

#: A signed-in trader (the permission table's ``apply``: traders only).
Trader = Annotated[Visit, Depends(may(Action.apply))]

IN_FORCE = (LicenceStatus.active, LicenceStatus.suspended)
#: How many of its shipment cases the dashboard lists at once.
SHIPMENTS_SHOWN = 25


@router.get("/trader")
def dashboard(visit: Trader, session: SessionDep, cursor: str | None = None) -> Response:
    actor = visit.principal.actor
    settings = visit.settings
    operator = accounts.operator(session, visit.principal.operator_id)
    licence_cases = licences.search(
        session,
        actor=actor,
        operator_id=None,
        status=None,
        expiring_within_days=None,
        text=None,
        limit=10,
        offset=0,
        cursor=None,
        count=False,
        secret=settings.jwt_secret,
    ).items
    current = next((c for c in licence_cases if c.status in IN_FORCE), None) or next(
        iter(licence_cases), None
    )
    today = macao_date(datetime.now(UTC))
    renewal_due = (
        current is not None
        and current.status == LicenceStatus.active
        and current.renewal_status is None
        and current.expires_on is not None
        and (current.expires_on - today).days <= max(settings.renewal_reminder_days)
    )
    shipments = permits.search(
        session,
        actor=actor,
        operator_id=None,
        kind=None,
        status=None,
        text=None,
        limit=SHIPMENTS_SHOWN,
        offset=0,
        cursor=(cursor or None) and cursor[:512],
        count=False,
        secret=settings.jwt_secret,
    )
    unread = notifications.of_operator(session, visit.principal.operator_id, unread=True)
    return visit.page(
        "trader/dashboard.html",
        operator=operator,
        licence=current,
        licence_cases=licence_cases,
        renewal_due=renewal_due,
        shipments=shipments,
        unread=unread,
    )


#: What the applicant declares by ticking each box (domain.md 2.1).
DECLARATIONS = {
    "start_of_activity_declared": say("portal.declaration.start_of_activity_declared"),
    "not_bankrupt": say("portal.declaration.not_bankrupt"),
    "no_tax_debt": say("portal.declaration.no_tax_debt"),
    "fit_and_proper": say("portal.declaration.fit_and_proper"),
}

#: The boxes of the licence form that are lists even with one ticked.
LICENCE_LISTS = frozenset({"activities"})


@router.get("/trader/licence/apply")
def licence_form(visit: Trader, session: SessionDep, renew: str | None = None) -> Response:
    operator = accounts.operator(session, visit.principal.operator_id)
    typed: dict[str, object] = {
        "applicant_kind": operator.kind,
        "name": operator.name,
        "business_registration_no": operator.business_registration_no,
    }
    if renew:  # a renewal opens with what was applied for last time (its documents anew)
        state = cases.case_state(
            session, cases.LICENCE, case_no=renew[:32], actor=visit.principal.actor
        )
        last = state.application.model_dump(mode="json", exclude={"document_ids", "declarations"})
        typed = flat(last)
        renew = state.case_no
    return _licence_page(visit, typed=typed, errors=None, kept={}, renew=renew)


def _licence_page(
    visit: Visit,
    *,
    typed: dict[str, object],
    errors: FormErrors | None,
    kept: dict[str, object],
    renew: str | None,
    status: int = 200,
) -> Response:
    return visit.page(
        "trader/licence_form.html",
        status=status,
        values=typed,
        errors=errors,
        kept=kept,
        renew=renew,
        kinds=visit.settings.licence_required_documents,
        declarations=list(DeclarationsBody.model_fields),
        declaration_texts=DECLARATIONS,
        idempotency_key=new_idempotency_key(),
    )


@router.post("/trader/licence/apply")
async def apply_for_licence(visit: Trader, session: SessionDep) -> Response:
    form = await visit.form()
    typed = values(form)
    renew = typed.get("renew") if isinstance(typed.get("renew"), str) else None
    earlier = await opened_before(visit, session, typed)
    if earlier is not None and not renew:
        return visit.redirect(f"/licences/{earlier}")
    kinds = visit.settings.licence_required_documents
    kept, errors = await upload_documents(visit, session, form, kinds)
    posted = nested(form, lists=LICENCE_LISTS)
    data = {k: v for k, v in posted.data.items() if k != "renew"}
    ticked(data, "declarations", DeclarationsBody.model_fields)
    data["document_ids"] = [ref.id for ref in kept.values()]
    try:
        application = LicenceApplicationBody.model_validate(data)
        if errors:  # a file refused: say so with the rest, apply for nothing
            raise errors
        actor = visit.principal.actor
        engine = visit.engine(str(typed.get("idempotency_key", "")))
        if renew:
            record = await licences.renew(
                session=session,
                client=engine,
                documents=visit.services.documents,
                settings=visit.settings,
                actor=actor,
                case_no=str(renew)[:32],
                application=application,
            )
            case_no = record.state.case_no
        else:
            state = await licences.apply(
                session=session,
                client=engine,
                settings=visit.settings,
                documents=visit.services.documents,
                actor=actor,
                application=application,
            )
            case_no = state.case_no
    except (ValidationError, DomainError, FormErrors) as error:
        found = FormErrors() if isinstance(error, FormErrors) else FormErrors.of(error, posted)
        found.merge(errors)
        return _licence_page(
            visit, typed=typed, errors=found, kept=dict(kept), renew=renew, status=422
        )
    return visit.redirect(f"/licences/{case_no}")
