"""Completeness checks and transition guards of the operating licence."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from kp_licensing.domain import licences as rules
from kp_licensing.domain.errors import Conflict, RuleViolation
from schemas.common import CheckOutcome
from schemas.licence import Declarations, LicenceStatus
from schemas.messages import say
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
    details = refused.value.details
    assert isinstance(details, list)
    codes = {c["code"] for c in details}
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
    assert refused.value.message.code == "application.incomplete"
    missing = [c["message"] for c in details if c["code"] == "document.criminal_record"]
    assert missing == [{"code": "check.document.missing", "params": {"kind": "criminal_record"}}]


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
        with pytest.raises(Conflict, match=r"^case\.final "):
            guard(state)


def test_decisions_need_an_application_under_review() -> None:
    assert rules.guard_decide(_state(LicenceStatus.under_review)) == "initial"
    with pytest.raises(Conflict, match=r"^licence\.awaiting_answer "):
        rules.guard_decide(_state(LicenceStatus.info_requested))
    with pytest.raises(Conflict, match=r"^licence\.nothing_under_review "):
        rules.guard_decide(_state(LicenceStatus.active))


def test_only_applied_activities_can_be_approved() -> None:
    state = _state(LicenceStatus.under_review)
    with pytest.raises(RuleViolation) as refused:
        rules.guard_decide(state, ["transit"])
    assert refused.value.message.code == "licence.activities_not_applied_for"
    assert refused.value.message.params == {"activities": "transit"}
    with pytest.raises(RuleViolation, match=r"^licence\.no_activity_approved$"):
        rules.guard_decide(state, [])


def test_suspension_rules() -> None:
    today = date(2027, 1, 10)
    active = _state(LicenceStatus.active)
    rules.guard_suspend(active, "tax_debt", None, today)
    with pytest.raises(RuleViolation) as unknown:
        rules.guard_suspend(active, "whim", None, today)
    assert unknown.value.message.code == "licence.unknown_reason_code"
    assert unknown.value.message.params["reason_code"] == "whim"
    assert "tax_debt" in unknown.value.message.params["codes"].split(", ")
    with pytest.raises(RuleViolation) as too_soon:
        rules.guard_suspend(active, "tax_debt", today, today)
    assert too_soon.value.message == say("licence.suspension_ends_too_soon", today=today)
    active.expires_on = date(2028, 12, 31)
    rules.guard_suspend(active, "tax_debt", active.expires_on, today)
    with pytest.raises(RuleViolation) as too_late:
        rules.guard_suspend(active, "tax_debt", date(2029, 1, 1), today)
    assert too_late.value.message == say(
        "licence.suspension_outlives_licence", expires_on=active.expires_on
    )
    with pytest.raises(Conflict, match=r"^licence\.suspend_not_active "):
        rules.guard_suspend(_state(LicenceStatus.suspended), "tax_debt", None, today)
