"""What the rules say is data (a code and params); the catalogue turns it into the English
sentences the rules used to write themselves."""

from __future__ import annotations

from datetime import date

import pytest

from kp_licensing.domain import licences
from kp_licensing.domain.checks import refuse_failed
from kp_licensing.domain.errors import Conflict, RuleViolation
from kp_licensing.domain.passwords import PasswordPolicy
from kp_licensing.domain.registration import registration_no_problem
from kp_licensing.support.catalogue import render, sentences
from schemas.common import CheckOutcome, CheckResult
from schemas.licence import Declarations, LicenceStatus
from schemas.messages import Message, say
from tests.factories import REQUIRED_DOCUMENTS, application, document_refs, licence_start


def test_a_rule_error_renders_to_its_english_sentence() -> None:
    state = licence_start(1).state
    state.status = LicenceStatus.expired
    with pytest.raises(Conflict) as refused:
        licences.guard_renew(state)
    assert refused.value.message == say("case.final", case_no=state.case_no, status="expired")
    assert str(refused.value) == f"case.final case_no={state.case_no}, status=expired"
    assert render(refused.value.message) == (
        f"case {state.case_no} is expired; it can no longer change"
    )


def test_a_rule_error_with_a_list_renders_it_comma_separated() -> None:
    state = licence_start(1).state
    state.status = LicenceStatus.active
    with pytest.raises(RuleViolation) as refused:
        licences.guard_suspend(state, "whim", None, date(2027, 1, 10))
    codes = ", ".join(state.policy.suspension_reason_codes)
    assert render(refused.value.message) == f"unknown reason code 'whim'; use one of {codes}"


def test_a_check_message_renders_to_its_english_sentence() -> None:
    incomplete = application(
        declarations=Declarations(
            start_of_activity_declared=True,
            not_bankrupt=False,
            no_tax_debt=True,
            fit_and_proper=True,
        )
    )
    checks = licences.completeness_checks(incomplete, document_refs([]), REQUIRED_DOCUMENTS[:1])
    said = {c.code: render(c.message) for c in checks}
    assert said["declaration.not_bankrupt"] == (
        "the declaration 'not bankrupt or insolvent' must be confirmed"
    )
    assert said["declaration.fit_and_proper"] == (
        "declared: fit and proper (no act against the order of the trade, no disqualifying "
        "conviction)"
    )
    assert said[f"document.{REQUIRED_DOCUMENTS[0]}"] == f"missing document: {REQUIRED_DOCUMENTS[0]}"
    assert said["activities"] == "activities applied for: " + ", ".join(
        a.value for a in incomplete.activities
    )
    assert said["administrators"] == f"{len(incomplete.administrators)} administrator(s) named"


def test_every_licence_check_has_an_english_sentence() -> None:
    english = sentences("en")
    nothing = application(
        activities=[],
        administrators=[],
        declarations=Declarations(
            start_of_activity_declared=False,
            not_bankrupt=False,
            no_tax_debt=False,
            fit_and_proper=False,
        ),
    )
    for app, documents in ((application(), REQUIRED_DOCUMENTS), (nothing, [])):
        for check in licences.completeness_checks(
            app, document_refs(documents), REQUIRED_DOCUMENTS
        ):
            assert check.message.code in english, check
            assert "{" not in render(check.message), check


INCOMPLETE = "the application is incomplete"
REFUSED = "the application cannot be accepted"


@pytest.mark.parametrize(
    ("options", "code", "sentence"),
    [
        (
            {"code": "application.incomplete"},
            "application.incomplete",
            "the application is incomplete",
        ),
        (
            {"code": "application.refused"},
            "application.refused",
            "the application cannot be accepted",
        ),
    ],
)
def test_a_refusal_lists_every_failed_check_as_a_detail(
    options: dict[str, str], code: str, sentence: str
) -> None:
    checks = [
        CheckResult(code="a", outcome=CheckOutcome.passed, message=say("check.origin.stated")),
        CheckResult(code="b", outcome=CheckOutcome.failed, message=say("check.licence.none")),
        CheckResult(
            code="c",
            outcome=CheckOutcome.failed,
            message=say("check.document.missing", kind="invoice"),
        ),
    ]
    with pytest.raises(RuleViolation) as refused:
        refuse_failed(checks, **options)  # type: ignore[arg-type]
    assert refused.value.message == say(code)
    assert render(refused.value.message) == sentence
    details = refused.value.details
    assert isinstance(details, list) and [d["code"] for d in details] == ["b", "c"]
    # As the API says it: the refusal's sentence, then each failed check's.
    listed = "; ".join(render(Message.model_validate(d["message"])) for d in details)
    assert f"{sentence}: {listed}" == (
        f"{sentence}: the operator holds no operating licence; missing document: invoice"
    )
    refuse_failed(checks[:1], **options)  # type: ignore[arg-type]  # nothing failed


def test_a_password_is_refused_naming_every_problem() -> None:
    policy = PasswordPolicy(min_length=12)
    assert policy.problems("correct horse battery", username="ana") == []
    with pytest.raises(RuleViolation) as refused:
        policy.check("ana\tana", username="ana", field="body.new_password")
    assert render(refused.value.message) == "the password (body.new_password) is not acceptable"
    details = refused.value.details
    assert isinstance(details, list)
    assert [d["field"] for d in details] == ["body.new_password"] * 3
    assert [render(Message.model_validate(d["message"])) for d in details] == [
        "use at least 12 characters",
        "leave out control characters (tabs, line breaks and the like)",
        "do not use the user name in the password",
    ]
    problems = PasswordPolicy(min_length=1, max_length=4).problems("     ", username="")
    assert [p.code for p in problems] == ["password.too_long", "password.blank"]
    assert render(problems[0]) == "use at most 4 characters"


def test_a_registration_number_too_short_says_how_long_it_must_be() -> None:
    assert registration_no_problem("SO-12345") is None
    problem = registration_no_problem(" s-1 ")
    assert problem is not None
    assert render(problem) == (
        "a business registration number needs at least 3 letters or digits (spaces and "
        "punctuation do not count)"
    )
