"""A trader's shipment application: an import (with the foreign KP certificate and its scan),
an export (drawing on the certificates its stock was imported under, the carats left on each
shown beside, and applying for Macao's KP certificate with it) or a transit; its lines,
parcels, containers and seals, and its documents. Posted to ``services.permits.apply``, as the
API's ``POST /permits``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import ValidationError
from starlette.responses import Response

from kp_licensing.api.deps import SessionDep
from kp_licensing.api.permissions import Action
from kp_licensing.domain.clock import macao_date
from kp_licensing.domain.errors import DomainError
from kp_licensing.services import permits
from kp_licensing.web.forms import nested, ticked
from kp_licensing.web.uploads import upload_documents
from kp_licensing.web.visit import (
    FormErrors,
    Visit,
    may,
    new_idempotency_key,
    opened_before,
    values,
)
from schemas.permit import PermitApplicationBody
from schemas.shipment import ExportDeclarationsBody, PermitKind

router = APIRouter(include_in_schema=False)

Trader = Annotated[Visit, Depends(may(Action.apply))]

#: The rows each list offers (more come with the page's script, or after a refused try).
LINE_ROWS = 3
DRAW_ROWS = 3
#: Fields typed as one text but lists in the application: containers and seals, a foreign
#: certificate's HS codes and provenance (separated by commas, spaces or new lines).
SPLIT = ("containers", "seals")
SPLIT_IN_CERTIFICATE = ("hs_codes", "provenance")
#: The scan of an import's foreign certificate, uploaded with the form.
SCAN = "foreign_certificate"


@router.get("/trader/shipments/new")
def shipment_form(
    visit: Trader, session: SessionDep, kind: PermitKind = PermitKind.export
) -> Response:
    today = macao_date(datetime.now(UTC))
    typed: dict[str, Any] = {"kind": kind.value, "expected_date": str(today + timedelta(days=3))}
    return _page(visit, session, kind, typed=typed, errors=None, kept={})


def _page(
    visit: Visit,
    session: Any,
    kind: PermitKind,
    *,
    typed: dict[str, Any],
    errors: FormErrors | None,
    kept: dict[str, Any],
    status: int = 200,
) -> Response:
    stock = (
        permits.stock(session, actor=visit.principal.actor, operator_id=None)
        if kind == PermitKind.export
        else []
    )
    rows = _rows(typed)
    return visit.page(
        "trader/shipment_form.html",
        status=status,
        kind=kind.value,
        values=typed,
        errors=errors,
        kept=kept,
        stock=stock,
        line_rows=max(LINE_ROWS, rows.get("lines", 0)),
        draw_rows=max(DRAW_ROWS, rows.get("source_certificates", 0)),
        kinds=_document_kinds(visit),
        declarations=list(ExportDeclarationsBody.model_fields),
        idempotency_key=new_idempotency_key(),
    )


def _rows(typed: dict[str, Any]) -> dict[str, int]:
    """How many rows of each list a refused try posted (so none of them is lost)."""
    found: dict[str, int] = {}
    for key in typed:
        parts = key.split(".")
        if len(parts) > 2 and parts[1].isdigit() and len(parts[1]) <= 2:
            found[parts[0]] = max(found.get(parts[0], 0), int(parts[1]) + 1)
    return found


def _document_kinds(visit: Visit) -> list[str]:
    return list(visit.settings.permit_required_documents)


@router.post("/trader/shipments/new")
async def apply_for_shipment(visit: Trader, session: SessionDep) -> Response:
    form = await visit.form()
    typed = values(form)
    given = typed.get("kind")
    kinds_known = {k.value for k in PermitKind}
    kind = (
        PermitKind(given) if isinstance(given, str) and given in kinds_known else PermitKind.export
    )
    earlier = await opened_before(visit, session, typed)
    if earlier is not None:
        return visit.redirect(f"/shipments/{earlier}")
    kinds = _document_kinds(visit) + ([SCAN] if kind == PermitKind.import_ else [])
    kept, errors = await upload_documents(visit, session, form, kinds)
    posted = nested(form)
    data = posted.data
    for name in SPLIT:
        posted.split(name)
    certificate = data.get("foreign_certificate")
    if kind == PermitKind.import_ and isinstance(certificate, dict):
        for name in SPLIT_IN_CERTIFICATE:
            posted.split(f"foreign_certificate.{name}")
        if SCAN in kept:
            certificate["scan_document_id"] = kept[SCAN].id
    else:
        data.pop("foreign_certificate", None)
    if kind == PermitKind.export:
        ticked(data, "declarations", ExportDeclarationsBody.model_fields)
    else:
        data.pop("declarations", None)
        data.pop("source_certificates", None)
    data["document_ids"] = [ref.id for k, ref in kept.items() if k != SCAN]
    try:
        application = PermitApplicationBody.model_validate(data)
        if errors:
            raise errors
        state = await permits.apply(
            session=session,
            client=visit.engine(str(typed.get("idempotency_key", ""))),
            settings=visit.settings,
            documents=visit.services.documents,
            actor=visit.principal.actor,
            application=application,
        )
    except (ValidationError, DomainError, FormErrors) as error:
        found = FormErrors() if isinstance(error, FormErrors) else FormErrors.of(error, posted)
        found.merge(errors)
        return _page(visit, session, kind, typed=typed, errors=found, kept=dict(kept), status=422)
    return visit.redirect(f"/shipments/{state.case_no}")
