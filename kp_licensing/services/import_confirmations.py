"""Import confirmations (KPCS; domain.md 1): the list officers work from, and the record of
each one's sending.

The confirmation itself is written by ``PermitWorkflow``'s activity when an import is cleared
and never changes; an officer then records when and how it was sent, once, in the register of
sendings (``confirmation_dispatches``), which only this module writes.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import Session

from kp_licensing.domain import clearance
from kp_licensing.domain.clock import macao_date
from kp_licensing.domain.errors import Conflict, NotFound
from kp_licensing.domain.working_days import working_days_after
from kp_licensing.store import permits
from kp_licensing.store.permit_models import ConfirmationDispatch
from kp_licensing.support.settings import Settings
from schemas.common import Actor
from schemas.import_confirmation import (
    ConfirmationMethod,
    ConfirmationPublic,
    ConfirmationSent,
    ConfirmationSentBody,
    ImportConfirmation,
)


def _public(found: permits.Confirmation, settings: Settings, now: datetime) -> ConfirmationPublic:
    row, sent = found
    due_on = working_days_after(
        macao_date(row.created_at),
        settings.confirmation_due_working_days,
        frozenset(settings.public_holidays),
    )
    return ConfirmationPublic(
        case_no=row.case_no,
        created_at=row.created_at,
        due_on=due_on,
        overdue=sent is None and macao_date(now) > due_on,
        sent_at=sent.sent_at if sent else None,
        sent=_sent(sent) if sent else None,
        confirmation=ImportConfirmation.model_validate(row.payload),
    )


def _sent(sent: ConfirmationDispatch) -> ConfirmationSent:
    return ConfirmationSent(
        sent_at=sent.sent_at,
        method=ConfirmationMethod(sent.method),
        reference=sent.reference,
        recorded_by=sent.recorded_by,
        recorded_at=sent.recorded_at,
    )


def listing(session: Session, *, settings: Settings, unsent: bool) -> list[ConfirmationPublic]:
    """Confirmations oldest first (only those not yet sent, if asked), overdue ones flagged."""
    now = datetime.now(UTC)
    return [_public(f, settings, now) for f in permits.confirmations(session, unsent_only=unsent)]


def of_case(session: Session, *, settings: Settings, case_no: str) -> ConfirmationPublic | None:
    """A cleared import's confirmation (due, overdue, sent), for the officers' case page."""
    found = permits.confirmation(session, case_no)
    return _public(found, settings, datetime.now(UTC)) if found is not None else None


def record_sent(
    session: Session, *, settings: Settings, case_no: str, body: ConfirmationSentBody, actor: Actor
) -> ConfirmationPublic:
    """Record the sending once. The same recording again (same method and reference, and the
    same time or none) answers as the first did; a different one is a 409 naming the first."""
    found = permits.confirmation(session, case_no)
    if found is None:
        raise NotFound("confirmation.not_found", case_no=case_no)
    row, sent = found
    now = datetime.now(UTC)
    if sent is None:
        sent_at = body.sent_at or now
        clearance.check_sent_at(sent_at, produced_at=row.created_at, now=now)
        sent = permits.record_dispatch(
            session,
            ConfirmationDispatch(
                case_no=case_no,
                sent_at=sent_at,
                method=body.method.value,
                reference=body.reference,
                recorded_by_user_id=actor.user_id,
                recorded_by=actor.username,
            ),
        )
    same = (sent.method, sent.reference) == (body.method.value, body.reference) and (
        body.sent_at is None or body.sent_at == sent.sent_at
    )
    if not same:
        first = {
            "case_no": case_no,
            "sent_at": f"{sent.sent_at:%Y-%m-%d %H:%M}",
            "method": sent.method,
            "recorded_by": sent.recorded_by,
        }
        if sent.reference:
            raise Conflict(
                "confirmation.already_sent_with_reference", reference=sent.reference, **first
            )
        raise Conflict("confirmation.already_sent", **first)
    return _public((row, sent), settings, now)
