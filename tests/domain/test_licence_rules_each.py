"""Each operating-licence rule of ``domain.licences`` on its own: one missing item fails exactly
its completeness check, each guard allows exactly the statuses it names, and each change of a
licence's standing holds or releases the holder's shipments as rule 1 says."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from kp_licensing.domain import licences as rules
from kp_licensing.domain.errors import Conflict, RuleViolation
from schemas.case import InformationRequest
from schemas.common import SYSTEM_ACTOR, CheckOutcome
from schemas.licence import Declarations, LicenceState, LicenceStatus, PendingRenewal
from tests.factories import REQUIRED_DOCUMENTS, application, document_refs, licence_start

DECLARED = {name: True for name in rules.DECLARATIONS}

ITEMS: list[tuple[str, dict[str, Any], list[str]]] = [
    ("activities", {"activities": []}, REQUIRED_DOCUMENTS),
    ("administrators", {"administrators": []}, REQUIRED_DOCUMENTS),
    *[
        (
            f"declaration.{name}",
            {"declarations": Declarations(**{**DECLARED, name: False})},
            REQUIRED_DOCUMENTS,
        )
        for name in rules.DECLARATIONS
    ],
    *[
        (f"document.{kind}", {}, [k for k in REQUIRED_DOCUMENTS if k != kind])
        for kind in REQUIRED_DOCUMENTS
    ],
]


@pytest.mark.parametrize(("code", "changes", "provided"), ITEMS, ids=[i[0] for i in ITEMS])
def test_one_missing_item_fails_exactly_its_check(
    code: str, changes: dict[str, Any], provided: list[str]
) -> None:
    checks = rules.completeness_checks(
        application(**changes), document_refs(provided), REQUIRED_DOCUMENTS
    )
    failed = [c for c in checks if c.outcome == CheckOutcome.failed]
    assert [c.code for c in failed] == [code]
    said = failed[0].message.code
    assert said.startswith("check.") and said.endswith(".missing"), said
    if code.startswith("declaration."):  # each declaration is said in its own words
        assert said == f"check.licence_{code}.missing"
    with pytest.raises(RuleViolation) as refused:
        rules.require_complete(checks)
    assert refused.value.message.code == "application.incomplete"
    assert refused.value.details == [failed[0].model_dump(mode="json")]


def state(status: LicenceStatus, **changes: Any) -> LicenceState:
    s = licence_start(1).state
    s.status = status
    for name, value in changes.items():
        setattr(s, name, value)
    return s


def renewal(status: str = "under_review") -> PendingRenewal:
    return PendingRenewal.model_validate(
        {
            "application": application().model_dump(mode="json"),
            "documents": [],
            "submitted_at": datetime.now(UTC).isoformat(),
            "status": status,
        }
    )


OPEN = [s for s in LicenceStatus if not s.is_final]


def allowed_statuses(guard: Any) -> set[LicenceStatus]:
    allowed = set()
    for status in LicenceStatus:
        try:
            guard(state(status))
        except (Conflict, RuleViolation):
            continue
        allowed.add(status)
    return allowed


def test_each_guard_allows_exactly_its_statuses() -> None:
    today = date.today()
    assert allowed_statuses(rules.guard_request_information) == {LicenceStatus.under_review}
    assert allowed_statuses(rules.guard_decide) == {LicenceStatus.under_review}
    assert allowed_statuses(rules.guard_withdraw) == {
        LicenceStatus.under_review,
        LicenceStatus.info_requested,
    }
    assert allowed_statuses(rules.guard_renew) == {LicenceStatus.active}
    assert allowed_statuses(lambda s: rules.guard_suspend(s, "tax_debt", None, today)) == {
        LicenceStatus.active
    }
    assert allowed_statuses(rules.guard_reinstate) == {LicenceStatus.suspended}
    assert allowed_statuses(lambda s: rules.guard_end(s, "surrendered")) == {
        LicenceStatus.active,
        LicenceStatus.suspended,
    }
    assert allowed_statuses(lambda s: rules.guard_cancel(s, "tax_debt")) == {
        LicenceStatus.active,
        LicenceStatus.suspended,
    }


def test_a_pending_renewal_is_what_an_officer_decides_and_a_trader_withdraws() -> None:
    active = state(LicenceStatus.active, renewal=renewal())
    assert rules.guard_decide(active) == "renewal"
    assert rules.guard_withdraw(active) == "renewal"
    with pytest.raises(Conflict, match=r"^licence\.renewal_pending "):
        rules.guard_renew(active)
    waiting = state(LicenceStatus.active, renewal=renewal("info_requested"))
    with pytest.raises(Conflict, match=r"^licence\.awaiting_answer "):
        rules.guard_decide(waiting)


def test_an_answer_needs_an_open_request_before_its_deadline() -> None:
    now = datetime.now(UTC)
    request = InformationRequest(
        message="Send the lease.",
        requested_by=SYSTEM_ACTOR,
        requested_at=now,
        deadline=now + timedelta(days=1),
    )
    asked = state(LicenceStatus.info_requested, info_request=request)
    rules.guard_answer(asked, now)
    with pytest.raises(Conflict, match=r"^licence\.answer_deadline_passed "):
        rules.guard_answer(asked, now + timedelta(days=1))
    with pytest.raises(Conflict, match=r"^licence\.no_information_request "):
        rules.guard_answer(state(LicenceStatus.under_review), now)


def test_an_ending_names_what_could_not_end() -> None:
    under_review = state(LicenceStatus.under_review)
    with pytest.raises(Conflict) as surrender:
        rules.guard_end(under_review, "surrendered")
    assert surrender.value.message.code == "licence.surrender_not_in_force"
    assert surrender.value.message.params == {
        "case_no": under_review.case_no,
        "status": "under_review",
    }
    with pytest.raises(Conflict, match=r"^licence\.cancel_not_in_force "):
        rules.guard_cancel(under_review, "tax_debt")


def test_a_cancellation_needs_a_known_reason() -> None:
    with pytest.raises(RuleViolation, match=r"^licence\.unknown_reason_code "):
        rules.guard_cancel(state(LicenceStatus.active), "whim")


HOLDS: list[tuple[LicenceStatus | None, LicenceStatus, tuple[str, bool] | None]] = [
    (LicenceStatus.active, LicenceStatus.suspended, ("licence_suspended", True)),
    (LicenceStatus.suspended, LicenceStatus.active, ("licence_suspended", False)),
    (LicenceStatus.active, LicenceStatus.cancelled, ("licence_ended", True)),
    (LicenceStatus.suspended, LicenceStatus.cancelled, ("licence_ended", True)),
    (LicenceStatus.active, LicenceStatus.expired, ("licence_ended", True)),
    (LicenceStatus.active, LicenceStatus.surrendered, ("licence_ended", True)),
    (LicenceStatus.under_review, LicenceStatus.active, None),
    (LicenceStatus.under_review, LicenceStatus.rejected, None),
    (None, LicenceStatus.under_review, None),
    (LicenceStatus.active, LicenceStatus.active, None),
]


@pytest.mark.parametrize(("before", "after", "expected"), HOLDS)
def test_a_change_of_standing_holds_or_releases_the_holders_shipments(
    before: LicenceStatus | None, after: LicenceStatus, expected: tuple[str, bool] | None
) -> None:
    assert rules.shipment_hold(before, after) == expected
