"""Each rule of a KP certificate's life refuses what it is for, and only that: one change from
a certificate ready for issue (or valid, or used) per case, and the answer it gets."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from kp_licensing.domain import certificate_guards as rules
from kp_licensing.domain.errors import Conflict, DomainError, Forbidden, RuleViolation
from schemas.certificate_case import (
    CertificateCaseState,
    CertificateCaseStatus,
    IssuedCertificate,
    Pause,
    Payment,
)
from schemas.common import Role
from tests.factories import actor, permit_start
from workflows.permit_export import certificate_start

TODAY = date(2026, 12, 7)  # a Monday
CHECKER = actor(Role.officer, 2)
VALIDATOR = actor(Role.officer, 3)


def ready() -> CertificateCaseState:
    """Paid, its export approved and valid, the file checked by CHECKER."""
    state = certificate_start(permit_start(1, "export", today=TODAY, certificate=True).state).state
    state.licence_status, state.permit_no = "approved", "EL-2026-00001-34"
    state.licence_valid_until = TODAY + timedelta(days=29)
    state.approved_by = CHECKER
    state.payment = Payment(
        amount=state.fee.amount,
        receipt="R-1",
        paid_at=datetime(2026, 12, 7, tzinfo=UTC),
        recorded_by=CHECKER,
    )
    return state


def valid() -> CertificateCaseState:
    state = ready()
    state.status = CertificateCaseStatus.valid
    state.certificate = IssuedCertificate(
        number="MO2026000001",
        sha256="0" * 64,
        issued_at=datetime(2026, 12, 7, tzinfo=UTC),
        expires_on=TODAY + timedelta(days=29),
        validated_by=VALIDATOR,
    )
    return state


def used() -> CertificateCaseState:
    state = valid()
    state.status, state.departed_on = CertificateCaseStatus.used, TODAY
    return state


def test_a_ready_certificate_passes_every_guard() -> None:
    rules.guard_issue(ready(), VALIDATOR, TODAY)
    rules.guard_void(valid(), VALIDATOR, replace=True, today=TODAY)
    rules.guard_confirmation(used(), TODAY, TODAY)
    unpaid = ready()
    unpaid.payment = None
    rules.guard_payment(unpaid, unpaid.fee.amount)


def _unpaid(state: CertificateCaseState) -> None:
    state.payment = None


def _unapproved(state: CertificateCaseState) -> None:
    state.licence_status = "under_review"


def _unnumbered(state: CertificateCaseState) -> None:
    state.permit_no = None


def _expired_licence(state: CertificateCaseState) -> None:
    state.licence_valid_until = TODAY - timedelta(days=1)


def _issued(state: CertificateCaseState) -> None:
    state.status = CertificateCaseStatus.valid


def _ended(state: CertificateCaseState) -> None:
    state.status = CertificateCaseStatus.not_issued


@pytest.mark.parametrize(
    ("change", "error", "code"),
    [
        (_unpaid, Conflict, "certificate.fee_unpaid"),
        (_unapproved, Conflict, "certificate.licence_not_approved"),
        (_unnumbered, Conflict, "certificate.licence_not_approved"),
        (_expired_licence, Conflict, "certificate.licence_expired"),
        (_issued, Conflict, "certificate.not_pending"),
        (_ended, Conflict, "certificate.final"),
    ],
)
def test_issue_refuses_each_missing_condition(
    change: Callable[[CertificateCaseState], None], error: type[DomainError], code: str
) -> None:
    state = ready()
    change(state)
    with pytest.raises(error) as refused:
        rules.guard_issue(state, VALIDATOR, TODAY)
    assert refused.value.message.code == code


def test_four_eyes_keeps_the_checker_from_validating_unless_switched_off() -> None:
    with pytest.raises(Forbidden) as refused:
        rules.guard_issue(ready(), CHECKER, TODAY)
    assert refused.value.message.code == "certificate.four_eyes"
    with pytest.raises(Forbidden):
        rules.guard_void(valid(), CHECKER, replace=True, today=TODAY)
    rules.guard_void(valid(), CHECKER, replace=False, today=TODAY)  # voiding alone: anyone
    relaxed = ready()
    relaxed.policy.four_eyes = False
    rules.guard_issue(relaxed, CHECKER, TODAY)


def test_the_fee_is_paid_once_and_exactly() -> None:
    with pytest.raises(Conflict) as twice:
        rules.guard_payment(ready(), ready().fee.amount)
    assert twice.value.message.code == "certificate.fee_already_paid"
    unpaid = ready()
    unpaid.payment = None
    with pytest.raises(RuleViolation) as wrong:
        rules.guard_payment(unpaid, Decimal("7.00"))
    assert wrong.value.message.code == "certificate.fee_amount"
    rules.guard_payment(unpaid, Decimal("70"))  # the same amount however it is written


def test_only_a_valid_certificate_is_voided_and_only_a_used_one_confirmed() -> None:
    for state, guard in (
        (ready(), lambda s: rules.guard_void(s, VALIDATOR, replace=False, today=TODAY)),
        (used(), lambda s: rules.guard_void(s, VALIDATOR, replace=False, today=TODAY)),
        (valid(), lambda s: rules.guard_confirmation(s, TODAY, TODAY)),
    ):
        with pytest.raises(Conflict):
            guard(state)


@pytest.mark.parametrize("received", [TODAY - timedelta(days=1), TODAY + timedelta(days=1)])
def test_a_confirmation_is_dated_between_departure_and_today(received: date) -> None:
    with pytest.raises(RuleViolation) as refused:
        rules.guard_confirmation(used(), received, TODAY)
    assert refused.value.message.code == "certificate.confirmation_date"


def test_expiry_is_60_days_at_most_and_never_after_the_licence() -> None:
    assert rules.expiry(TODAY, 60, TODAY + timedelta(days=90)) == TODAY + timedelta(days=60)
    assert rules.expiry(TODAY, 60, TODAY + timedelta(days=29)) == TODAY + timedelta(days=29)


def test_the_service_clock_counts_working_days_and_stops_while_information_is_owed() -> None:
    state = ready()
    state.service_started_on = TODAY  # Monday 7 December
    state.status = CertificateCaseStatus.pending
    state.policy.public_holidays = [date(2026, 12, 8)]  # Immaculate Conception, a Tuesday
    # 10 working days from Tuesday 8 (a holiday): 9, 10, 11, 14, 15, 16, 17, 18, 21, 22.
    assert rules.due_on(state) == date(2026, 12, 22)
    state.pauses = [Pause(start=date(2026, 12, 10), end=None)]
    assert rules.due_on(state) is None  # paused: nobody can say yet
    state.pauses = [Pause(start=date(2026, 12, 10), end=date(2026, 12, 14))]
    assert rules.due_on(state) == date(2026, 12, 24)  # Thursday 10 and Friday 11 not counted
    state.service_ended_on = TODAY
    assert rules.due_on(state) is None


def test_a_missing_confirmation_is_chased_then_escalated() -> None:
    state = used()
    assert rules.reminder_on(state) == TODAY + timedelta(days=30)
    assert rules.escalation_on(state) == TODAY + timedelta(days=60)
    assert rules.reminder_on(valid()) is None
