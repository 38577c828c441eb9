"""Completeness checks and transition guards of the operating licence."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from kp_licensing.domain import licences as rules
from kp_licensing.domain.errors import Conflict, RuleViolation
from schemas.common import CheckOutcome
from schemas.licence import Declarations, LicenceStatus
from tests.factories import REQUIRED_DOCUMENTS, application, document_refs, licence_start


def test_a_complete_application_passes_every_check() -> None:
    checks = rules.completeness_checks(application(), document_refs(), REQUIRED_DOCUMENTS)
    assert checks and all(c.outcome == CheckOutcome.passed for c in checks)
    rules.require_complete(checks)


def test_every_missing_item_is_named_at_once() -> None:
    incomplete = application(
        administrators=[],
        activities=[],
        declarations=Declarations(
            start_of_activity_declared=True,
            not_bankrupt=False,
            no_tax_debt=True,
            fit_and_proper=False,
        ),
    )
    checks = rules.completeness_checks(
        incomplete, document_refs(["business_registration"]), REQUIRED_DOCUMENTS
    )
    with pytest.raises(RuleViolation) as refused:
        rules.require_complete(checks)
    codes = {c["code"] for c in refused.value.details}  # type: ignore[union-attr]
    assert codes == {
        "activities",
        "administrators",
        "declaration.not_bankrupt",
        "declaration.fit_and_proper",
        "document.tax_start_of_activity",
        "document.administrator_identity",
        "document.criminal_record",
        "document.establishment_proof",
    }
    assert "missing document: criminal_record" in refused.value.message


def _state(status: LicenceStatus):  # type: ignore[no-untyped-def]
    state = licence_start(1).state
    state.status = status
    return state


@pytest.mark.parametrize("status", sorted(s for s in LicenceStatus if s.is_final))
def test_nothing_changes_a_final_case(status: LicenceStatus) -> None:
    state = _state(status)
    for guard in (
        rules.guard_request_information,
        rules.guard_decide,
        lambda s: rules.guard_answer(s, datetime.now(UTC)),
        rules.guard_withdraw,
        rules.guard_renew,
        rules.guard_reinstate,
    ):
        with pytest.raises(Conflict, match="can no longer change"):
            guard(state)


def test_decisions_need_an_application_under_review() -> None:
    assert rules.guard_decide(_state(LicenceStatus.under_review)) == "initial"
    with pytest.raises(Conflict, match="waiting for the applicant"):
        rules.guard_decide(_state(LicenceStatus.info_requested))
    with pytest.raises(Conflict, match="no application under review"):
        rules.guard_decide(_state(LicenceStatus.active))


def test_only_applied_activities_can_be_approved() -> None:
    state = _state(LicenceStatus.under_review)
    with pytest.raises(RuleViolation, match="not applied for"):
        rules.guard_decide(state, ["transit"])
    with pytest.raises(RuleViolation, match="at least one"):
        rules.guard_decide(state, [])


def test_suspension_rules() -> None:
    today = date(2027, 1, 10)
    active = _state(LicenceStatus.active)
    rules.guard_suspend(active, "tax_debt", None, today)
    with pytest.raises(RuleViolation, match="unknown reason code"):
        rules.guard_suspend(active, "whim", None, today)
    with pytest.raises(RuleViolation, match="after today"):
        rules.guard_suspend(active, "tax_debt", today, today)
    active.expires_on = date(2028, 12, 31)
    rules.guard_suspend(active, "tax_debt", active.expires_on, today)
    with pytest.raises(RuleViolation, match="by the licence's expiry"):
        rules.guard_suspend(active, "tax_debt", date(2029, 1, 1), today)
    with pytest.raises(Conflict, match="only an active licence"):
        rules.guard_suspend(_state(LicenceStatus.suspended), "tax_debt", None, today)
