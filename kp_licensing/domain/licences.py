"""Operating-licence rules: completeness of an application and which transitions are possible.

The workflow's update validators call the guards here before anything is written to history; the
API calls :func:`completeness_checks` before a case is even started, so an incomplete application
is told everything that is missing at once and leaves nothing behind.
"""

from __future__ import annotations

from datetime import date, datetime

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

DECLARATION_TEXT = {
    "start_of_activity_declared": "start of activity declared to the Financial Services Bureau",
    "not_bankrupt": "not bankrupt or insolvent",
    "no_tax_debt": "no tax debt in Macao",
    "fit_and_proper": "fit and proper (no act against the order of the trade, no disqualifying "
    "conviction)",
}


def completeness_checks(
    application: LicenceApplication, documents: list[DocumentRef], required_documents: list[str]
) -> list[CheckResult]:
    """Every completeness check, passed or failed, in the order a person would read them."""
    checks: list[CheckResult] = []

    def check(code: str, ok: bool, passed: str, failed: str) -> None:
        outcome = CheckOutcome.passed if ok else CheckOutcome.failed
        checks.append(CheckResult(code=code, outcome=outcome, message=passed if ok else failed))

    check(
        "activities",
        bool(application.activities),
        "activities applied for: " + ", ".join(a.value for a in application.activities),
        "name at least one activity (import, export, transit, purchase, sale, transport)",
    )
    check(
        "administrators",
        bool(application.administrators),
        f"{len(application.administrators)} administrator(s) named",
        "name every member of the administrative body (at least one), with ID document numbers",
    )
    for field, text in DECLARATION_TEXT.items():
        check(
            f"declaration.{field}",
            getattr(application.declarations, field),
            f"declared: {text}",
            f"the declaration '{text}' must be confirmed",
        )
    present = {d.kind for d in documents}
    for kind in required_documents:
        check(
            f"document.{kind}",
            kind in present,
            f"document provided: {kind}",
            f"missing document: {kind}",
        )
    return checks


def require_complete(checks: list[CheckResult]) -> None:
    """Refuse an application with any failed check, listing every one of them."""
    refuse_failed(checks, verdict="is incomplete")


# Guards: each raises Conflict (impossible now) or RuleViolation (bad content), else returns.


def _not_final(state: LicenceState) -> None:
    if state.status.is_final:
        raise Conflict(f"case {state.case_no} is {state.status.value}; it can no longer change")


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
        raise Conflict(
            f"case {state.case_no} is waiting for the applicant's answer to an information "
            "request; it can be decided once answered"
        )
    raise Conflict(f"case {state.case_no} has no application under review")


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
            raise RuleViolation(f"activities not applied for cannot be approved: {extra}")
        if not activities:
            raise RuleViolation("approve at least one activity, or reject the application")
    return review


def guard_answer(state: LicenceState, now: datetime) -> None:
    _not_final(state)
    if state.info_request is None:
        raise Conflict(f"case {state.case_no} has no open information request to answer")
    if now >= state.info_request.deadline:
        raise Conflict(
            f"the deadline to answer ({state.info_request.deadline.isoformat()}) has passed"
        )


def guard_withdraw(state: LicenceState) -> str:
    _not_final(state)
    if state.status in (LicenceStatus.under_review, LicenceStatus.info_requested):
        return "initial"
    if state.renewal is not None:
        return "renewal"
    raise Conflict(f"case {state.case_no} has no pending application to withdraw")


def guard_renew(state: LicenceState) -> None:
    _not_final(state)
    if state.status != LicenceStatus.active:
        raise Conflict(
            f"only an active licence can be renewed; case {state.case_no} is {state.status.value}"
        )
    if state.renewal is not None:
        raise Conflict(f"a renewal of case {state.case_no} is already pending")


def guard_suspend(state: LicenceState, reason_code: str, until: date | None, today: date) -> None:
    _not_final(state)
    if state.status != LicenceStatus.active:
        raise Conflict(
            f"only an active licence can be suspended; case {state.case_no} is {state.status.value}"
        )
    _known_reason(state, reason_code)
    if until is not None and until <= today:
        raise RuleViolation(f"a suspension must end after today ({today.isoformat()})")
    if until is not None and state.expires_on is not None and until > state.expires_on:
        # A suspension cannot outlive the licence: it would "end" on a licence already expired.
        raise RuleViolation(
            f"a suspension must end by the licence's expiry ({state.expires_on.isoformat()}); "
            "leave 'until' out to suspend until reinstated"
        )


def guard_reinstate(state: LicenceState) -> None:
    _not_final(state)
    if state.status != LicenceStatus.suspended:
        raise Conflict(
            f"only a suspended licence can be reinstated; case {state.case_no} is "
            f"{state.status.value}"
        )


def guard_end(state: LicenceState, what: str) -> None:
    """For cancel and surrender: only a licence in force (active or suspended) can end so."""
    _not_final(state)
    if not state.status.is_licensed:
        raise Conflict(
            f"only an active or suspended licence can be {what}; case {state.case_no} is "
            f"{state.status.value}"
        )


def guard_cancel(state: LicenceState, reason_code: str) -> None:
    guard_end(state, "cancelled")
    _known_reason(state, reason_code)


def _known_reason(state: LicenceState, reason_code: str) -> None:
    codes = state.policy.suspension_reason_codes
    if reason_code not in codes:
        raise RuleViolation(f"unknown reason code {reason_code!r}; use one of {codes}")


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
