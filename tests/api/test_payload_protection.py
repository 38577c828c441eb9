"""Defence behind the API: someone who reaches Temporal directly (as anyone inside the network
could) without the payload key can neither forge a decision the worker accepts nor read the
personal data in a history; with the key, a decision by an actor whose role may not take it is
still refused by the workflow itself. Staff read histories through the codec endpoint."""

from __future__ import annotations

import base64
import dataclasses
from typing import Any

import httpx
import pytest
from google.protobuf.json_format import MessageToJson
from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.common import RawValue
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.exceptions import ApplicationError

from kp_licensing.api.app import create_app
from kp_licensing.support.payloads import data_converter
from kp_licensing.support.settings import Settings
from schemas.case import AnswerInformation
from schemas.common import Actor, Role
from schemas.licence import Approve, Suspend
from tests.api.client import Api
from tests.api.conftest import Staff
from workflows.client import connect
from workflows.ids import licence_workflow_id
from workflows.licence import LicenceWorkflow

#: What the application holds that must not be readable in Temporal (tests/api/client.py).
PERSONAL = ["Chan Tai Man", "1234567(8)", "T1234567"]
OFFICER = Actor(user_id=2, username="officer", role=Role.officer)


async def _without_key(settings: Settings) -> Client:
    """A client as an intruder has it: the right address, the service's models, not the key."""
    return await Client.connect(
        settings.temporal_address,
        namespace=settings.temporal_namespace,
        data_converter=pydantic_data_converter,
    )


async def _with_another_key(settings: Settings) -> Client:
    keyring = dataclasses.replace(settings.keyring(), keys={"dev-only-1": b"x" * 32})
    return await Client.connect(
        settings.temporal_address,
        namespace=settings.temporal_namespace,
        data_converter=data_converter(keyring),
    )


@pytest.fixture
def case(trader: Api) -> dict[str, Any]:
    return trader.apply()


@pytest.mark.parametrize("intruder", [_without_key, _with_another_key], ids=["plain", "wrong-key"])
async def test_a_decision_sent_without_the_key_is_refused(
    settings: Settings, trader: Api, case: dict[str, Any], intruder: Any
) -> None:
    client = await intruder(settings)
    handle = client.get_workflow_handle(licence_workflow_id(case["case_no"]))
    with pytest.raises(WorkflowUpdateFailedError):
        await handle.execute_update(LicenceWorkflow.approve, Approve(actor=OFFICER))
    after = trader.ok("GET", f"/licences/{case['case_no']}")
    assert after["status"] == "under_review" and after["licence_no"] is None
    history = trader.ok("GET", f"/licences/{case['case_no']}/history")
    assert [t["action"] for t in history] == ["submitted"]


async def test_with_the_key_an_actor_who_may_not_decide_is_refused(
    settings: Settings, trader: Api, other_trader: Api, case: dict[str, Any], staff: Staff
) -> None:
    client = await connect(settings)  # the service's own converter and key
    handle = client.get_workflow_handle(licence_workflow_id(case["case_no"]))
    me = trader.ok("GET", "/me")
    as_trader = Actor(
        user_id=me["id"], username=me["username"], role=Role.trader, operator_id=me["operator_id"]
    )
    outsider = other_trader.ok("GET", "/me")
    as_outsider = Actor(
        user_id=outsider["id"],
        username=outsider["username"],
        role=Role.trader,
        operator_id=outsider["operator_id"],
    )
    refusals = [
        (LicenceWorkflow.approve, Approve(actor=as_trader)),
        (LicenceWorkflow.approve, Approve(actor=Actor(user_id=1, username="a", role=Role.admin))),
        (LicenceWorkflow.suspend, Suspend(actor=OFFICER, reason_code="other", reason="x")),
        (LicenceWorkflow.answer_information, AnswerInformation(actor=as_outsider, message="x")),
    ]
    for update, command in refusals:
        with pytest.raises(WorkflowUpdateFailedError) as refused:
            await handle.execute_update(update, command)
        cause = refused.value.cause
        assert isinstance(cause, ApplicationError) and cause.type == "Forbidden", cause
    assert trader.ok("GET", f"/licences/{case['case_no']}")["status"] == "under_review"
    # Through the API the same refusal is a 403 (the API is the first gate, and says so).
    assert (
        trader.request("POST", f"/licences/{case['case_no']}/approve", json={}).status_code == 403
    )


async def test_a_stored_history_holds_no_personal_data_in_clear(
    settings: Settings, case: dict[str, Any]
) -> None:
    client = await _without_key(settings)
    handle = client.get_workflow_handle(licence_workflow_id(case["case_no"]))
    history = await handle.fetch_history()
    raw = b"".join(event.SerializeToString() for event in history.events)
    text = "".join(MessageToJson(event) for event in history.events)
    for secret in PERSONAL:
        assert secret.encode() not in raw and secret not in text, secret
        assert base64.b64encode(secret.encode()).decode()[:8] not in text
    # The same history read with the key does hold them: the test looks where they would be.
    own = (await connect(settings)).get_workflow_handle(handle.id)
    state = await own.query(LicenceWorkflow.state)
    assert state.application.administrators[0].name == PERSONAL[0]


async def test_staff_read_payloads_through_the_codec_endpoint(
    settings: Settings, case: dict[str, Any], staff: Staff, trader: Api
) -> None:
    client = await _without_key(settings)
    history = await client.get_workflow_handle(licence_workflow_id(case["case_no"])).fetch_history()
    started = history.events[0].workflow_execution_started_event_attributes
    payloads = [
        {
            "metadata": {k: base64.b64encode(v).decode() for k, v in p.metadata.items()},
            "data": base64.b64encode(p.data).decode(),
        }
        for p in started.input.payloads
    ]
    decoded = staff.officer.ok("POST", "/codec/decode", json={"payloads": payloads})["payloads"]
    clear = b"".join(base64.b64decode(p["data"]) for p in decoded)
    assert all(secret.encode() in clear for secret in PERSONAL)
    for reader in (trader, staff.admin, staff.customs):
        refused = reader.request("POST", "/codec/decode", json={"payloads": payloads})
        assert refused.status_code == 403, refused.text
    bad = staff.officer.request("POST", "/codec/decode", json={"payloads": [{"data": "%%%"}]})
    assert bad.status_code == 422 and "base64" in bad.json()["detail"]


UI = "https://temporal-ui.kp.test"


def _preflight(origin: str) -> dict[str, str]:
    return {
        "Origin": origin,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,content-type,x-namespace",
    }


async def test_only_the_configured_web_ui_may_call_the_codec_endpoint_cross_origin(
    settings: Settings,
) -> None:
    app = create_app(settings.model_copy(update={"codec_cors_origins": [UI]}))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://kp") as client:
        allowed = await client.options("/api/v1/codec/decode", headers=_preflight(UI))
        assert allowed.status_code == 200, allowed.text
        assert allowed.headers["access-control-allow-origin"] == UI
        other = await client.options(
            "/api/v1/codec/decode", headers=_preflight("https://evil.example")
        )
        assert other.status_code == 400
        assert "access-control-allow-origin" not in other.headers
        elsewhere = await client.options("/api/v1/licences", headers=_preflight(UI))
        assert "access-control-allow-origin" not in elsewhere.headers


async def test_a_decision_copied_from_one_cases_history_is_refused_in_another(
    settings: Settings, trader: Api, other_trader: Api, staff: Staff
) -> None:
    """Someone who reads a history without the key copies an encrypted command (an officer's
    request for information) and sends it, as it is, to another case: refused (the ciphertext
    is bound to its workflow)."""
    first, second = trader.apply()["case_no"], other_trader.apply()["case_no"]
    staff.officer.ok(
        "POST", f"/licences/{first}/request-information", json={"message": "Send the lease"}
    )
    intruder = await _without_key(settings)
    history = await intruder.get_workflow_handle(licence_workflow_id(first)).fetch_history()
    accepted = [
        e.workflow_execution_update_accepted_event_attributes.accepted_request
        for e in history.events
        if e.HasField("workflow_execution_update_accepted_event_attributes")
    ]
    copied = next(
        r.input.args.payloads[0] for r in accepted if r.input.name == "request_information"
    )
    assert copied.metadata["encoding"] == b"binary/encrypted"
    target = intruder.get_workflow_handle(licence_workflow_id(second))
    with pytest.raises(WorkflowUpdateFailedError):
        await target.execute_update("request_information", RawValue(copied))
    assert other_trader.ok("GET", f"/licences/{second}")["status"] == "under_review"


async def test_a_decision_copied_from_a_history_is_refused_in_its_own_case_too(
    settings: Settings, trader: Api, staff: Staff
) -> None:
    """The officer's request for information is answered; the copied request, sent again to the
    same case under a new update, is refused (it was made for another update), and under its
    own update Temporal answers with the first result and changes nothing."""
    case_no = trader.apply()["case_no"]
    staff.officer.ok(
        "POST", f"/licences/{case_no}/request-information", json={"message": "Send the lease"}
    )
    trader.ok(
        "POST", f"/licences/{case_no}/answer", json={"message": "Attached", "document_ids": []}
    )
    intruder = await _without_key(settings)
    handle = intruder.get_workflow_handle(licence_workflow_id(case_no))
    history = await handle.fetch_history()
    [request] = [
        e.workflow_execution_update_accepted_event_attributes.accepted_request
        for e in history.events
        if e.HasField("workflow_execution_update_accepted_event_attributes")
        and e.workflow_execution_update_accepted_event_attributes.accepted_request.input.name
        == "request_information"
    ]
    copied = request.input.args.payloads[0]
    # Refused; the intruder cannot even read why (the failure's details are encrypted too).
    with pytest.raises((WorkflowUpdateFailedError, KeyError)):
        await handle.execute_update("request_information", RawValue(copied))
    first = await handle.execute_update(
        "request_information", RawValue(copied), id=request.meta.update_id, result_type=RawValue
    )
    assert first.payload.metadata["encoding"] == b"binary/encrypted"  # the first answer, again
    after = trader.ok("GET", f"/licences/{case_no}/history")
    assert [t["action"] for t in after].count("information_requested") == 1
    assert trader.ok("GET", f"/licences/{case_no}")["status"] == "under_review"
