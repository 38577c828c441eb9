"""The load generator's pieces: operators registered over HTTP, and cases run in lanes."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from kp_licensing.support import security
from kp_licensing.support.settings import Settings

PASSWORD = "bench-password-not-secret"

#: The smallest well-formed PDF (the upload check sniffs the ``%PDF`` header).
TINY_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


class Trader:
    __slots__ = ("application", "headers")

    def __init__(self, headers: dict[str, str], application: dict[str, Any]) -> None:
        self.headers = headers
        self.application = application


def expect(response: httpx.Response, status: int) -> Any:
    if response.status_code != status:
        request = response.request
        raise RuntimeError(
            f"{request.method} {request.url.path}: {response.status_code} {response.text[:300]}"
        )
    return response.json()


async def bounded(count: int, concurrency: int, case: Callable[[int], Awaitable[None]]) -> float:
    """Run ``case(0..count-1)`` with at most ``concurrency`` in flight; the wall time taken."""
    indices = iter(range(count))

    async def lane() -> None:
        for i in indices:  # one iterator shared by the lanes: each index is taken once
            await case(i)

    started = time.perf_counter()
    await asyncio.gather(*(lane() for _ in range(min(concurrency, count))))
    return time.perf_counter() - started


async def login(http: httpx.AsyncClient, username: str) -> dict[str, str]:
    token = expect(
        await http.post("/auth/token", data={"username": username, "password": PASSWORD}), 200
    )
    return {"Authorization": f"Bearer {token['access_token']}"}


async def register_trader(http: httpx.AsyncClient, settings: Settings, name: str) -> Trader:
    """An operator registered over HTTP, with a bearer token and its required documents."""
    registration_no = f"BR-{name}"
    registered = expect(
        await http.post(
            "/auth/register",
            json={
                "operator_name": f"Bench Diamonds {name} Limitada",
                "operator_kind": "company",
                "business_registration_no": registration_no,
                "username": f"trader-{name}",
                "full_name": "Chan Tai Man",
                "password": PASSWORD,
            },
        ),
        201,
    )
    # The token /auth/token would return, minted with the service's own function and secret:
    # a login is one more Argon2 verification (~0.3 s of CPU here) and is not what is measured.
    token, _ = security.issue_token(
        user_id=registered["user"]["id"],
        role=registered["user"]["role"],
        secret=settings.jwt_secret,
        minutes=settings.token_minutes,
    )
    headers = {"Authorization": f"Bearer {token}"}
    document_ids = []
    for kind in settings.licence_required_documents:
        document = expect(
            await http.post(
                "/documents",
                files={"file": (f"{kind}.pdf", TINY_PDF, "application/pdf")},
                data={"kind": kind},
                headers=headers,
            ),
            201,
        )
        document_ids.append(document["id"])
    application = {
        "applicant_kind": "company",
        "name": f"Bench Diamonds {name} Limitada",
        "business_registration_no": registration_no,
        "taxpayer_no": "T1234567",
        "establishment_address": "Avenida da Praia Grande 409, 12/F, Macao",
        "administrators": [{"name": "Chan Tai Man", "id_document_number": "1234567(8)"}],
        "activities": ["import", "export"],
        "declarations": {
            "start_of_activity_declared": True,
            "not_bankrupt": True,
            "no_tax_debt": True,
            "fit_and_proper": True,
        },
        "document_ids": document_ids,
    }
    return Trader(headers, application)
