"""The rules of a KP certificate's life (domain.md rules 5, 12, 13, 14): what must hold before
it is paid for, validated and issued, voided, and confirmed; and the dates its clocks keep.
Run by ``CertificateWorkflow``'s validators and again inside its handlers."""

from __future__ import annotations

from datetime import date, timedelta

from kp_licensing.domain.errors import Conflict, Forbidden, RuleViolation
from kp_licensing.domain.working_days import Pause, ServiceClock
from schemas.certificate_case import CertificateCaseState, CertificateCaseStatus
from schemas.common import Actor
from schemas.messages import say

#: The export licence's statuses in which a certificate may be issued for it.
LICENCE_READY = "approved"


def guard_not_final(state: CertificateCaseState) -> None:
    if state.status.is_final:
        raise Conflict("certificate.final", case_no=state.case_no, status=state.status)


def guard_payment(state: CertificateCaseState, amount: object) -> None:
    """The fee is paid once, before issue, and exactly as invoiced."""
    guard_not_final(state)
    if state.payment is not None:
        raise Conflict("certificate.fee_already_paid", case_no=state.case_no)
    if state.status is not CertificateCaseStatus.pending:
        raise Conflict("certificate.not_pending", case_no=state.case_no, status=state.status)
    if amount != state.fee.amount:
        raise RuleViolation(
            "certificate.fee_amount",
            details=[{"field": "amount", "message": _say_fee(state)}],
            amount=amount,
            fee=state.fee.amount,
            reference=state.fee.reference,
        )


def _say_fee(state: CertificateCaseState) -> dict[str, object]:
    return say("certificate.fee_is", fee=state.fee.amount).model_dump(mode="json")


def _licence_usable(state: CertificateCaseState, today: date) -> None:
    """The export licence is approved (numbered, with its last day) and still valid."""
    approved = state.permit_no is not None and state.licence_valid_until is not None
    if state.licence_status != LICENCE_READY or not approved:
        raise Conflict(
            "certificate.licence_not_approved", case_no=state.case_no, status=state.licence_status
        )
    if state.licence_valid_until is not None and state.licence_valid_until < today:
        raise Conflict(
            "certificate.licence_expired",
            permit_no=state.permit_no,
            valid_until=state.licence_valid_until,
        )


def _four_eyes(state: CertificateCaseState, actor: Actor) -> None:
    """Where configured, who checked the file (approved the export) does not also validate."""
    checked = state.approved_by
    if state.policy.four_eyes and checked is not None and checked.user_id == actor.user_id:
        raise Forbidden("certificate.four_eyes", role=actor.role.value, case_no=state.case_no)


def _unpaid(state: CertificateCaseState) -> Conflict:
    return Conflict("certificate.fee_unpaid", case_no=state.case_no, reference=state.fee.reference)


def guard_issue_ahead(state: CertificateCaseState) -> None:
    """What an issue needs of the certificate itself, not of its export's news (a validator
    may run before news delivered just ahead of it is handled): pending and paid (rule 12)."""
    guard_not_final(state)
    if state.status is not CertificateCaseStatus.pending:
        raise Conflict("certificate.not_pending", case_no=state.case_no, status=state.status)
    if state.payment is None:
        raise _unpaid(state)


def guard_issue(state: CertificateCaseState, actor: Actor, today: date) -> None:
    """Validate and issue: pending and paid, the export licence approved and valid, and
    another officer than the file's checker where four-eyes is on."""
    guard_issue_ahead(state)
    _licence_usable(state, today)
    _four_eyes(state, actor)


def guard_void_ahead(state: CertificateCaseState) -> None:
    """Only a valid certificate (not used, not expired) is voided."""
    guard_not_final(state)
    if state.status is not CertificateCaseStatus.valid:
        raise Conflict("certificate.not_valid", case_no=state.case_no, status=state.status)


def guard_void(state: CertificateCaseState, actor: Actor, *, replace: bool, today: date) -> None:
    """Void, and a replacement issued as any certificate is."""
    guard_void_ahead(state)
    if replace:
        _licence_usable(state, today)
        _four_eyes(state, actor)


def guard_confirmation(state: CertificateCaseState, received_on: date, today: date) -> None:
    """The destination's confirmation comes after the departure and not after today."""
    guard_not_final(state)
    if state.status is not CertificateCaseStatus.used:
        raise Conflict("certificate.not_used", case_no=state.case_no, status=state.status)
    first = state.departed_on or today
    if not first <= received_on <= today:
        raise RuleViolation(
            "certificate.confirmation_date",
            details=[
                {
                    "field": "received_on",
                    "message": say("range.dates", first=first, last=today).model_dump(mode="json"),
                }
            ],
            on=received_on,
            first=first,
            last=today,
        )


def expiry(issued_on: date, validity_days: int, licence_valid_until: date) -> date:
    """Item 5: at most ``validity_days`` (60) after issue, and never after the export licence
    it travels with (a certificate cannot be used once its licence has expired)."""
    return min(issued_on + timedelta(days=validity_days), licence_valid_until)


def service_clock(state: CertificateCaseState) -> ServiceClock:
    """The service standard (10 working days from the complete file, paused while the
    applicant owes information)."""
    return ServiceClock(
        started_on=state.service_started_on,
        standard=state.policy.service_days,
        holidays=frozenset(state.policy.public_holidays),
        pauses=tuple(Pause(p.start, p.end) for p in state.pauses),
    )


def due_on(state: CertificateCaseState) -> date | None:
    """The last day to issue within the standard; None once issued or while paused."""
    if state.service_ended_on is not None or state.status is not CertificateCaseStatus.pending:
        return None
    return service_clock(state).due_on()


def reminder_on(state: CertificateCaseState) -> date | None:
    """When the trader is reminded that the destination's confirmation is missing."""
    if state.departed_on is None:
        return None
    return state.departed_on + timedelta(days=state.policy.confirmation_reminder_days)


def escalation_on(state: CertificateCaseState) -> date | None:
    """When a missing confirmation goes to an officer (a second period after the reminder)."""
    reminder = reminder_on(state)
    if reminder is None:
        return None
    return reminder + timedelta(days=state.policy.confirmation_escalation_days)
