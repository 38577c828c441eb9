"""Defence in depth at the HTTP edge: the security headers on every answer (a crash's too), the
documentation pages' own narrow policy, downloads named by what they are, bounded document ids
and token subjects that cannot reach the database."""

from __future__ import annotations

import base64
import hashlib
import re
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from fastapi import FastAPI

from kp_licensing.api.app import create_app
from kp_licensing.support.settings import Settings
from tests.api.client import PDF, Api, web
from tests.api.conftest import Staff

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
ALWAYS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
}


def assert_hardened(response: httpx.Response, *, cacheable: bool = False) -> None:
    what = f"{response.request.method} {response.request.url.path} -> {response.status_code}"
    for name, value in ALWAYS.items():
        assert response.headers.get(name) == value, (what, name, response.headers)
    policy = response.headers.get("content-security-policy", "")
    assert "frame-ancestors 'none'" in policy, (what, policy)
    if not cacheable:
        assert response.headers.get("cache-control") == "no-store", (what, response.headers)
    assert "strict-transport-security" not in response.headers, what  # development: plain HTTP


def _asgi(app: FastAPI) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    return httpx.AsyncClient(transport=transport, base_url="http://kp")


# ------------------------------------------------------------------------------- the headers


def test_every_kind_of_answer_carries_the_security_headers(
    service: str, trader: Api, staff: Staff
) -> None:
    api = service + "/api/v1"
    document = trader.upload("criminal_record")
    answers = [
        web.get(service + "/health/live"),
        web.get(service + "/openapi.json"),
        web.get(api + "/no-such-thing"),  # 404 of the framework
        web.get(api + "/me"),  # 401
        trader.request("GET", "/users"),  # 403
        trader.request("POST", "/licences", json={"name": 1}),  # 422
        trader.request("GET", "/me"),  # 200
        trader.request("GET", f"/documents/{document['id']}"),
        trader.request("GET", f"/documents/{document['id']}/content"),
        web.post(api + "/auth/token", data={"username": trader.username, "password": "wrong"}),
        web.post(
            api + "/auth/token",
            data={"username": trader.username, "password": "correct horse battery staple"},
        ),
        staff.customs.request("GET", "/licences"),  # an API key's answer
    ]
    for response in answers:
        assert_hardened(response)
    assert answers[-3].status_code == 401 and answers[-2].status_code == 200


async def test_a_crash_answers_with_the_security_headers_too(settings: Settings) -> None:
    """Starlette answers an unhandled error from its outermost layer; the headers are outside
    even that."""
    app = create_app(settings)

    async def crash() -> None:
        raise RuntimeError("a bug")

    app.add_api_route("/crash", crash, methods=["GET"])
    async with _asgi(app) as client:
        response = await client.get("/crash")
    assert response.status_code == 500
    assert_hardened(response)


async def test_production_adds_strict_transport_security() -> None:
    """Production is reached over HTTPS only (its TLS proxy): browsers are told to keep to it.
    The answer needs neither the database nor Temporal, so neither is there."""
    settings = Settings(
        environment="production",
        database_url="postgresql+psycopg://kp@127.0.0.1:9/kp",
        jwt_secret="a production secret of enough length and entropy 7f3a9c2e",
        audit_key="another production secret, for the audit trail 5b1d8e04",
        payload_keys="k1:" + base64.b64encode(bytes(range(32))).decode(),
        signing_key=Path("/etc/kp/dsedt.key"),
        signing_chain=Path("/etc/kp/dsedt.pem"),
        trust_store=Path("/etc/kp/roots.pem"),
        data_dir=tempfile.mkdtemp(),
        password_hash_memory_kib=19 * 1024,
        password_hash_time_cost=2,
    )
    async with _asgi(create_app(settings)) as client:
        response = await client.get("/health/live")
    assert response.status_code == 200
    assert response.headers["strict-transport-security"].startswith("max-age=31536000")


# ------------------------------------------------------------------ the documentation pages


def _sha256(script: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(script.encode()).digest()).decode() + "'"


@pytest.mark.parametrize("page", ["/docs", "/redoc", "/docs/oauth2-redirect"])
def test_a_documentation_page_allows_its_own_scripts_and_nothing_else(
    service: str, page: str
) -> None:
    response = web.get(service + page)
    assert response.status_code == 200
    policy = dict(
        (part.split()[0], part.split()[1:])
        for part in response.headers["content-security-policy"].split(";")
    )
    inline = re.findall(r"<script>(.*?)</script>", response.text, re.S)
    assert sorted(policy["script-src"]) == sorted(["'self'", *map(_sha256, inline)])
    assert policy["default-src"] == ["'self'"] and policy["connect-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert "'unsafe-eval'" not in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"


def test_documentation_assets_may_be_cached(service: str) -> None:
    response = web.get(service + "/docs-assets/swagger-ui.css")
    assert response.status_code == 200
    assert_hardened(response, cacheable=True)
    assert "no-store" not in response.headers.get("cache-control", "")


# ---------------------------------------------------------------------------- the downloads


@pytest.mark.parametrize(
    ("uploaded_as", "content", "content_type", "downloads_as"),
    [
        ("lease.hta", PDF, "application/pdf", "lease.pdf"),
        ("lease.pdf.exe", PDF, "application/octet-stream", "lease.pdf.pdf"),
        ("photo.svg", PNG, "image/png", "photo.png"),
        ("scan", JPEG, "image/jpeg", "scan.jpg"),
        (".htaccess", PDF, "application/pdf", "htaccess.pdf"),
    ],
)
def test_a_download_is_named_by_what_the_file_is(
    trader: Api, uploaded_as: str, content: bytes, content_type: str, downloads_as: str
) -> None:
    """The name a browser saves the file under ends in its detected type, so it never runs as
    a program; the name as uploaded is kept as metadata."""
    document = trader.upload("criminal_record", content, uploaded_as, content_type)
    response = trader.request("GET", f"/documents/{document['id']}/content")
    assert response.status_code == 200
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("attachment;"), disposition
    assert f'filename="{downloads_as}"' in disposition, disposition
    metadata = trader.ok("GET", f"/documents/{document['id']}")
    assert metadata["filename"] == uploaded_as.strip(".")


# ------------------------------------------------------------------------------- bounded ids


@pytest.mark.parametrize("where", ["licence", "answer"])
def test_oversized_document_ids_are_refused_without_being_echoed(
    trader: Api, staff: Staff, where: str
) -> None:
    huge = ["a" * 5_000] * 20  # 100 kB of ids, within the body limit: the old answer echoed them
    body: dict[str, Any]
    if where == "licence":
        path, body = "/licences", trader.application(document_ids=huge)
    else:
        case_no = trader.apply()["case_no"]
        staff.officer.ok(
            "POST",
            f"/licences/{case_no}/request-information",
            json={"message": "Send the lease.", "deadline_days": 10},
        )
        path, body = f"/licences/{case_no}/answer", {"message": "Here", "document_ids": huge}
    response = trader.request("POST", path, json=body)
    assert response.status_code == 422, response.text[:500]
    assert len(response.content) < 10_000, len(response.content)
    fields = {e["field"] for e in response.json()["errors"]}
    assert "body.document_ids.0" in fields, fields


def test_a_shipment_application_bounds_its_document_ids(trader: Api) -> None:
    response = trader.request("POST", "/permits", json={"document_ids": ["x" * 5_000] * 20})
    assert response.status_code == 422
    assert len(response.content) < 10_000, len(response.content)
    fields = {e["field"] for e in response.json()["errors"]}
    assert "body.document_ids.0" in fields, fields


# --------------------------------------------------------------------------- token subjects


@pytest.mark.parametrize("subject", ["99999999999999999999999", "9223372036854775808", "0", "-1"])
def test_a_signed_token_for_an_impossible_account_is_a_401(
    service: str, settings: Settings, subject: str
) -> None:
    token = jwt.encode(
        {"sub": subject, "role": "admin", "exp": datetime.now(UTC) + timedelta(minutes=5)},
        settings.jwt_secret,
        algorithm="HS256",
    )
    response = web.get(service + "/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401, response.text
    assert_hardened(response)
