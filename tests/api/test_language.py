"""Person-facing text reaches the API as data and is said at the edge: every message in a body
carries its code, params and the sentence, every error its message code and params beside the
``detail``, and the response names its language."""

from __future__ import annotations

from typing import Any

import pytest

from kp_licensing.support.catalogue import render
from schemas.messages import Message
from tests.api.client import Api, http
from tests.api.conftest import Staff


def _said(message: dict[str, Any]) -> str:
    return render(Message(code=message["code"], params=message["params"]))


def test_a_refusal_that_crossed_the_process_engine_keeps_its_code_and_params(
    trader: Api, staff: Staff
) -> None:
    case = trader.apply()
    staff.officer.ok("POST", f"/licences/{case['case_no']}/reject", json={"reason": "no"})
    response = staff.officer.request(
        "POST", f"/licences/{case['case_no']}/approve", json={"activities": ["import"]}
    )
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "conflict"
    assert body["message_code"] == "case.final"
    assert body["params"]["case_no"] == case["case_no"]
    assert body["detail"] == render(Message(code=body["message_code"], params=body["params"]))
    assert response.headers["Content-Language"] == "en"
    assert "Accept-Language" in response.headers["Vary"]


def test_notices_and_checks_in_a_body_carry_code_params_and_text(trader: Api, staff: Staff) -> None:
    case = trader.apply()
    assert case["checks"], "an application is checked"
    for check in case["checks"]:
        message = check["message"]
        assert set(message) == {"code", "params", "text"}
        assert message["text"] == _said(message) != message["code"]
    record = staff.officer.ok(
        "POST",
        f"/licences/{case['case_no']}/request-information",
        json={"message": "Send the lease.", "deadline_days": 10},
    )
    notice = record["notice"]
    assert notice["code"].startswith("notice.")
    assert "Send the lease." in notice["text"]
    assert notice["text"] == _said(notice)


def test_a_field_error_says_its_code_and_params(service: str) -> None:
    with http(service + "/api/v1") as client:
        response = client.post("/auth/register", json={"username": "x"})
    assert response.status_code == 422
    body = response.json()
    assert body["message_code"] == "request.invalid_fields"
    missing = [e for e in body["errors"] if e["message_code"] == "field.missing"]
    assert missing and all(e["message"] == "is required" for e in missing)
    assert body["detail"].startswith(f"{len(body['errors'])} fields need correcting")


def test_a_request_for_a_language_without_a_catalogue_is_answered_in_english(
    service: str,
) -> None:
    with http(service, headers={"Accept-Language": "fr-FR, de;q=0.9"}) as client:
        response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.headers["Content-Language"] == "en"
    assert response.json()["message_code"] == "http.no_such_path"
    assert response.json()["detail"].startswith("there is no /api/v1/no-such-thing")


@pytest.mark.parametrize("header, language", [("pt-MO", "pt"), ("zh-Hant-MO, pt;q=0.5", "zh")])
def test_portuguese_and_chinese_are_answered_in_them(
    service: str, header: str, language: str
) -> None:
    with http(service, headers={"Accept-Language": header}) as client:
        response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.headers["Content-Language"] == language
    body = response.json()
    assert body["message_code"] == "http.no_such_path"
    assert "/api/v1/no-such-thing" in body["detail"]
    assert not body["detail"].startswith("there is no")  # not the English sentence


def test_the_openapi_document_shows_a_messages_text(service: str) -> None:
    with http(service) as client:
        schemas = client.get("/openapi.json").json()["components"]["schemas"]
    assert {"code", "params", "parts", "text"} <= set(schemas["Message"]["properties"])
    assert {"message_code", "params"} <= set(schemas["ErrorBody"]["properties"])
