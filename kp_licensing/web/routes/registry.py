"""The bureau's lists: the Participant registry (which countries may trade, under whom, from
when) and the foreign certificates listed as forged or invalid, with the forms that add to
them and withdraw a listing. The same services as the API's ``/participants`` and
``/invalid-certificates`` (a listing holds the open cases that use it)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any, TypeVar

from anyio import to_thread
from fastapi import APIRouter, Depends, Path
from pydantic import BaseModel, ValidationError
from sqlmodel import Session
from starlette.datastructures import FormData
from starlette.responses import Response

from kp_licensing.api.deps import SessionDep
from kp_licensing.api.permissions import Action, refusal
from kp_licensing.domain.errors import DomainError
from kp_licensing.services import holds, registry
from kp_licensing.web.forms import nested
from kp_licensing.web.routes.cases import Failed
from kp_licensing.web.visit import FormErrors, Visit, may, new_idempotency_key, values
from schemas.messages import say
from schemas.participants import (
    EndEntryBody,
    InvalidCertificateBody,
    InvalidityKind,
    ParticipantStatus,
    RegistryEntryBody,
)

router = APIRouter(include_in_schema=False)

Reader = Annotated[Visit, Depends(may(Action.view_registry))]
ListingId = Annotated[int, Path(ge=1, le=2**31 - 1)]
EntryId = Annotated[int, Path(ge=1, le=2**31 - 1)]
PAGE = "/officer/registry"
M = TypeVar("M", bound=BaseModel)


@router.get(PAGE)
def registry_page(visit: Reader, session: SessionDep) -> Response:
    return _page(visit, session)


def _page(visit: Visit, session: Session, failed: Failed | None = None) -> Response:
    return visit.page(
        "officer/registry.html",
        status=422 if failed else 200,
        entries=registry.list_entries(session, country=None, participant=None, on=None),
        listings=registry.list_invalid(session, issuing_country=None, include_withdrawn=True),
        statuses=[s.value for s in ParticipantStatus],
        kinds=[k.value for k in InvalidityKind],
        manager=visit.may(Action.manage_registry),
        failed=failed,
        idempotency_key=new_idempotency_key(),
    )


def _manager(visit: Visit) -> None:
    assert visit.user is not None
    if not visit.may(Action.manage_registry):
        raise refusal(visit.user.role, Action.manage_registry)


async def _change(
    visit: Visit,
    session: Session,
    name: str,
    model: type[M],
    change: Callable[[M, FormData], Awaitable[object]],
) -> Response:
    """A manager's form: its body checked against ``model`` and given to ``change`` (with the
    form, for its idempotency key); a refusal is said next to form ``name``, what was typed
    kept."""
    _manager(visit)
    form = await visit.form()
    posted = nested(form)
    try:
        await change(model.model_validate(posted.data), form)
    except (ValidationError, DomainError) as error:
        return _page(visit, session, _failed(name, error, posted, form))
    return visit.redirect(PAGE)


@router.post(f"{PAGE}/participants")
async def add_entry(visit: Reader, session: SessionDep) -> Response:
    by = visit.principal.origin

    async def add(body: RegistryEntryBody, _: FormData) -> object:
        return await to_thread.run_sync(lambda: registry.add_entry(session, by=by, entry=body))

    return await _change(visit, session, "participant", RegistryEntryBody, add)


@router.post(f"{PAGE}/participants/{{entry_id}}/end")
async def end_entry(entry_id: EntryId, visit: Reader, session: SessionDep) -> Response:
    """An officer ends an entry from a day on (once; the end it had is kept)."""
    by = visit.principal.origin

    async def end(body: EndEntryBody, _: FormData) -> object:
        return await to_thread.run_sync(
            lambda: registry.end_entry(session, by=by, entry_id=entry_id, end=body)
        )

    return await _change(visit, session, f"end-{entry_id}", EndEntryBody, end)


@router.post(f"{PAGE}/invalid")
async def mark_invalid(visit: Reader, session: SessionDep) -> Response:
    async def mark(body: InvalidCertificateBody, form: FormData) -> object:
        engine = visit.engine(str(form.get("idempotency_key") or ""))
        return await holds.mark_invalid(session, engine, by=visit.principal.origin, listing=body)

    return await _change(visit, session, "invalid", InvalidCertificateBody, mark)


@router.post(f"{PAGE}/invalid/{{listing_id}}/withdraw")
async def withdraw(listing_id: ListingId, visit: Reader, session: SessionDep) -> Response:
    _manager(visit)
    form = await visit.form()
    reason = str(form.get("reason") or "").strip()
    try:
        if not reason:
            raise FormErrors(fields={"reason": say("field.missing")})
        engine = visit.engine(str(form.get("idempotency_key") or ""))
        await holds.withdraw_invalid(
            session, engine, by=visit.principal.origin, listing_id=listing_id, reason=reason
        )
    except (DomainError, FormErrors) as error:
        errors = error if isinstance(error, FormErrors) else FormErrors.of(error)
        failed = Failed(form=f"withdraw-{listing_id}", errors=errors, typed=values(form))
        return _page(visit, session, failed)
    return visit.redirect(PAGE)


def _failed(name: str, error: Exception, posted: Any, form: Any) -> Failed:
    assert isinstance(error, ValidationError | DomainError)
    return Failed(form=name, errors=FormErrors.of(error, posted), typed=values(form))
