"""Failures behind the API (the process engine down, a process failing, a fault of the service)
answer in the one error shape the document declares, with what the client needs to act:
``Retry-After`` and the case for a 503, an incident reference for a 500.

The application runs in-process (no lifespan), on the suite's database, with a Temporal client
that points at a port nobody listens on.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from temporalio.client import (
    Client,
    WorkflowUpdateFailedError,
    WorkflowUpdateRPCTimeoutOrCancelledError,
)
from temporalio.exceptions import ApplicationError
from temporalio.service import RetryConfig, RPCError, RPCStatusCode

from kp_licensing.api.app import create_app
from kp_licensing.api.errors import ErrorBody, domain_response
from kp_licensing.domain.errors import Conflict, Unavailable
from kp_licensing.run.devserver import free_port
from kp_licensing.support.settings import Settings
from tests.api.client import Api
from tests.api.conftest import Staff
from tests.api.document import openapi_document
from tests.api.test_contract import Contract
from workflows.client import TemporalAccess

#: The operation whose declared responses a failure raised by a stand-in route is checked against.
STANDS_FOR = "/api/v1/licences/{case_no}/approve"


@pytest.fixture
async def offline(settings: Settings) -> AsyncIterator[FastAPI]:
    """The real application, its process engine unreachable (the SDK told not to retry)."""
    app = create_app(settings)
    app.state.services.temporal = await Client.connect(
        f"127.0.0.1:{free_port()}",
        namespace=settings.temporal_namespace,
        data_converter=TemporalAccess.of(settings).converter,
        lazy=True,
        retry_config=RetryConfig(max_retries=0, max_elapsed_time_millis=1000),
    )
    yield app


def _client(app: FastAPI, headers: dict[str, str] | None = None) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    return httpx.AsyncClient(transport=transport, base_url="http://kp", headers=headers)


@pytest.fixture(scope="module")
def contract() -> Contract:
    """The service's document (an app built with other settings declares the same)."""
    return Contract(openapi_document())


async def test_the_process_engine_down_is_a_503_to_retry(
    offline: FastAPI, service: str, staff: Staff, contract: Contract
) -> None:
    """A decision while Temporal does not answer: 503, Retry-After, and the case untouched."""
    trader = Api.register(service)
    case_no = trader.apply()["case_no"]
    headers = {"Authorization": staff.officer.http.headers["Authorization"]}
    async with _client(offline, headers) as client:
        response = await client.post(
            f"/api/v1/licences/{case_no}/reject", json={"reason": "Not fit and proper"}
        )
    contract.check(response, "POST", "/api/v1/licences/{case_no}/reject")
    assert response.status_code == 503, response.text
    body = response.json()
    assert body["code"] in ("unavailable", "pending"), body
    assert int(response.headers["retry-after"]) == body["retry_after_seconds"] > 0
    assert staff.officer.ok("GET", f"/licences/{case_no}")["status"] == "under_review"


def _raise(error: BaseException) -> Any:
    async def endpoint() -> None:
        raise error

    return endpoint


@pytest.mark.parametrize(
    ("error", "status", "code"),
    [
        pytest.param(RuntimeError("a bug"), 500, "internal_error", id="bug"),
        pytest.param(
            Unavailable("the worker did not answer", retry_after=7, case_no="OLA-2026-00001"),
            503,
            "unavailable",
            id="unavailable",
        ),
        pytest.param(WorkflowUpdateRPCTimeoutOrCancelledError(), 503, "pending", id="pending"),
        pytest.param(
            RPCError("connection refused", RPCStatusCode.UNAVAILABLE, b""),
            503,
            "unavailable",
            id="engine-down",
        ),
        pytest.param(
            WorkflowUpdateFailedError(ApplicationError("boom", type="KeyError")),
            502,
            "process_failed",
            id="process-failed",
        ),
        pytest.param(
            WorkflowUpdateFailedError(ApplicationError("case is closed", type="Conflict")),
            409,
            "conflict",
            id="refused-by-the-workflow",
        ),
    ],
)
async def test_every_failure_has_the_declared_shape(
    settings: Settings,
    contract: Contract,
    caplog: pytest.LogCaptureFixture,
    error: BaseException,
    status: int,
    code: str,
) -> None:
    """Each kind of failure, raised by a route, in the shape that an operation involving the
    process engine declares for its status."""
    app = create_app(settings)
    app.add_api_route("/fault", _raise(error), methods=["POST"])
    with caplog.at_level(logging.INFO, logger="kp_licensing.api.errors"):
        async with _client(app) as client:
            response = await client.post("/fault")
    contract.check(response, "POST", STANDS_FOR)
    assert response.status_code == status, response.text
    body = response.json()
    assert body["code"] == code
    if status == 503:
        assert int(response.headers["retry-after"]) == body["retry_after_seconds"]
    if isinstance(error, Unavailable):
        assert body["case_no"] == "OLA-2026-00001" and body["retry_after_seconds"] == 7
    if status == 500:
        assert "a bug" not in response.text, "the fault's own text is not for the client"
        assert body["incident"] in caplog.text and "RuntimeError: a bug" in caplog.text


@pytest.mark.parametrize(
    ("details", "expected"),
    [
        pytest.param(
            [{"field": "body.to", "message": "must follow the start"}],
            {
                "errors": [
                    {
                        "field": "body.to",
                        "message": "must follow the start",
                        "message_code": "verbatim",
                        "params": {"text": "must follow the start"},
                    }
                ]
            },
            id="fields",
        ),
        pytest.param(
            [
                {
                    "code": "document.criminal_record",
                    "outcome": "failed",
                    "message": {"code": "check.document.missing", "params": {"kind": "x"}},
                }
            ],
            {
                "errors": [
                    {
                        "field": None,
                        "code": "document.criminal_record",
                        "outcome": "failed",
                        "message": "missing document: x",
                        "message_code": "check.document.missing",
                        "params": {"kind": "x"},
                    }
                ]
            },
            id="check-results",
        ),
        pytest.param([3, 4], {"errors": None, "related": [3, 4]}, id="ids"),
        pytest.param(
            {"case_no": "OLA-2026-00001", "code": "ignored"},
            {"errors": None, "case_no": "OLA-2026-00001", "code": "conflict"},
            id="mapping",
        ),
    ],
)
def test_a_domain_errors_details_keep_the_shape(details: object, expected: dict[str, Any]) -> None:
    """Whatever ``details`` a domain error carries, the body stays an ``ErrorBody``."""
    response = domain_response(Conflict("taken", details=details))
    body = json.loads(response.body)
    assert {k: body[k] for k in expected} == expected
    ErrorBody.model_validate(body)
