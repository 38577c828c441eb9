"""Operating-licence rules: completeness of an application and which transitions are possible.

The workflow's update validators call the guards here before anything is written to history; the
API calls :func:`completeness_checks` before a case is even started, so an incomplete application
is told everything that is missing at once and leaves nothing behind.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from kp_licensing.domain.checks import refuse_failed
from kp_licensing.domain.errors import Conflict, RuleViolation
from schemas.common import CheckOutcome, CheckResult, DocumentRef
from schemas.licence import (
    Activity,
    LicenceApplication,
    LicenceState,
    LicenceStatus,
    RenewalStatus,
)
from schemas.messages import Message, say

#: The applicant's declarations (domain.md 1.2): what the check says when each is made, and
#: when it is not.
DECLARATIONS: dict[str, tuple[Message, Message]] = {
    "start_of_activity_declared": (
        say("check.licence_declaration.start_of_activity_declared.given"),
        say("check.licence_declaration.start_of_activity_declared.missing"),
    ),
    "not_bankrupt": (
        say("check.licence_declaration.not_bankrupt.given"),
        say("check.licence_declaration.not_bankrupt.missing"),
    ),
    "no_tax_debt": (
        say("check.licence_declaration.no_tax_debt.given"),
        say("check.licence_declaration.no_tax_debt.missing"),
    ),
    "fit_and_proper": (
        say("check.licence_declaration.fit_and_proper.given"),
        say("check.licence_declaration.fit_and_proper.missing"),
    ),
}


def completeness_checks(
    application: LicenceApplication, documents: list[DocumentRef], required_documents: list[str]
) -> list[CheckResult]:
    """Every completeness check, passed or failed, in the order a person would read them."""
    checks: list[CheckResult] = []

    def check(code: str, ok: bool, passed: Message, failed: Message) -> None:
        outcome = CheckOutcome.passed if ok else CheckOutcome.failed
        checks.append(CheckResult(code=code, outcome=outcome, message=passed if ok else failed))

    check(
        "activities",
        bool(application.activities),
        say("check.activities.given", activities=application.activities),
        say("check.activities.missing"),
    )
    check(
        "administrators",
        bool(application.administrators),
        say("check.administrators.named", count=len(application.administrators)),
        say("check.administrators.missing"),
    )
    for field, (declared, undeclared) in DECLARATIONS.items():
        check(
            f"declaration.{field}",
            getattr(application.declarations, field),
            declared,
            undeclared,
        )
    present = {d.kind for d in documents}
    for kind in required_documents:
        check(
            f"document.{kind}",
            kind in present,
            say("check.document.provided", kind=kind),
            say("check.document.missing", kind=kind),
        )
    return checks


def require_complete(checks: list[CheckResult]) -> None:
    """Refuse an application with any failed check, listing every one of them."""
    refuse_failed(checks, code="application.incomplete")


# Guards: each raises Conflict (impossible now) or RuleViolation (bad content), else returns.


def _not_final(state: LicenceState) -> None:
    if state.status.is_final:
        raise Conflict("case.final", case_no=state.case_no, status=state.status)


def _pending_review(state: LicenceState) -> str:
    """Which review an officer would be deciding: 'initial' or 'renewal'."""
    _not_final(state)
    if state.status == LicenceStatus.under_review:
        return "initial"
    if state.renewal is not None and state.renewal.status == RenewalStatus.under_review:
        return "renewal"
    if state.status == LicenceStatus.info_requested or (
        state.renewal is not None and state.renewal.status == RenewalStatus.info_requested
    ):
        raise Conflict("licence.awaiting_answer", case_no=state.case_no)
    raise Conflict("licence.nothing_under_review", case_no=state.case_no)


def guard_request_information(state: LicenceState) -> str:
    return _pending_review(state)


def guard_decide(state: LicenceState, activities: list[Activity] | None = None) -> str:
    """For approve and reject: which review is decided; approved activities must be applied for."""
    review = _pending_review(state)
    if activities is not None:
        applied = (
            state.renewal.application.activities
            if review == "renewal" and state.renewal
            else state.application.activities
        )
        extra = sorted(str(a) for a in set(activities) - set(applied))
        if extra:
            raise RuleViolation("licence.activities_not_applied_for", activities=extra)
        if not activities:
            raise RuleViolation("licence.no_activity_approved")
    return review


def guard_answer(state: LicenceState, now: datetime) -> None:
    _not_final(state)
    if state.info_request is None:
        raise Conflict("licence.no_information_request", case_no=state.case_no)
    if now >= state.info_request.deadline:
        raise Conflict("licence.answer_deadline_passed", deadline=state.info_request.deadline)


def guard_withdraw(state: LicenceState) -> str:
    _not_final(state)
    if state.status in (LicenceStatus.under_review, LicenceStatus.info_requested):
        return "initial"
    if state.renewal is not None:
        return "renewal"
    raise Conflict("licence.nothing_to_withdraw", case_no=state.case_no)


def guard_renew(state: LicenceState) -> None:
    _not_final(state)
    if state.status != LicenceStatus.active:
        raise Conflict("licence.renew_not_active", case_no=state.case_no, status=state.status)
    if state.renewal is not None:
        raise Conflict("licence.renewal_pending", case_no=state.case_no)


def guard_suspend(state: LicenceState, reason_code: str, until: date | None, today: date) -> None:
    _not_final(state)
    if state.status != LicenceStatus.active:
        raise Conflict("licence.suspend_not_active", case_no=state.case_no, status=state.status)
    _known_reason(state, reason_code)
    if until is not None and until <= today:
        raise RuleViolation("licence.suspension_ends_too_soon", today=today)
    if until is not None and state.expires_on is not None and until > state.expires_on:
        # A suspension cannot outlive the licence: it would "end" on a licence already expired.
        raise RuleViolation("licence.suspension_outlives_licence", expires_on=state.expires_on)


def guard_reinstate(state: LicenceState) -> None:
    _not_final(state)
    if state.status != LicenceStatus.suspended:
        raise Conflict(
            "licence.reinstate_not_suspended", case_no=state.case_no, status=state.status
        )


def guard_end(state: LicenceState, what: Literal["cancelled", "surrendered"]) -> None:
    """For cancel and surrender: only a licence in force (active or suspended) can end so."""
    _not_final(state)
    if state.status.is_licensed:
        return
    if what == "surrendered":
        raise Conflict("licence.surrender_not_in_force", case_no=state.case_no, status=state.status)
    raise Conflict("licence.cancel_not_in_force", case_no=state.case_no, status=state.status)


def guard_cancel(state: LicenceState, reason_code: str) -> None:
    guard_end(state, "cancelled")
    _known_reason(state, reason_code)


def _known_reason(state: LicenceState, reason_code: str) -> None:
    codes = state.policy.suspension_reason_codes
    if reason_code not in codes:
        raise RuleViolation("licence.unknown_reason_code", reason_code=reason_code, codes=codes)


def shipment_hold(before: LicenceStatus | None, after: LicenceStatus) -> tuple[str, bool] | None:
    """Rule 1 (no shipment moves on without an active operating licence), as (hold code, hold or
    release) for a licence transition: a suspension holds the holder's open shipment cases and
    its end releases them; a licence that ends holds them for good (an officer then decides)."""
    if before == after:
        return None
    if after == LicenceStatus.suspended:
        return "licence_suspended", True
    if before == LicenceStatus.suspended and after == LicenceStatus.active:
        return "licence_suspended", False
    if after.is_final and before is not None and before.is_licensed:
        return "licence_ended", True
    return None
