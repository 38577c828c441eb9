"""A thin HTTP client for tests: a logged-in user, and builders of valid requests."""

from __future__ import annotations

import ssl
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx

from tests.factories import REQUIRED_DOCUMENTS

TLS = ssl.create_default_context()
"""The one TLS context of every client the tests make. The suite speaks plain HTTP, but httpx
builds a context, loading the whole CA bundle (about 20 ms), for each client it makes, including
the one behind each ``httpx.get``: some 3,000 times a run, a tenth of the suite's time."""


def http(base_url: str = "", **kwargs: Any) -> httpx.Client:
    """A client that opens a connection per request: a pooled connection left idle while other
    tests run can be closed by the server just as a request goes out on it (a reset)."""
    limits = httpx.Limits(max_keepalive_connections=0)
    return httpx.Client(base_url=base_url, timeout=60, limits=limits, verify=TLS, **kwargs)


web = http()
"""An anonymous client for whole URLs (thread-safe; a request's own ``timeout`` overrides)."""


PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


@dataclass
class Api:
    http: httpx.Client
    operator_id: int | None = None
    registration_no: str | None = None
    username: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def login(cls, base: str, username: str, password: str) -> Api:
        client = http(base + "/api/v1")
        response = client.post("/auth/token", data={"username": username, "password": password})
        assert response.status_code == 200, response.text
        client.headers["Authorization"] = f"Bearer {response.json()['access_token']}"
        return cls(http=client, username=username)

    @classmethod
    def register(cls, base: str) -> Api:
        tag = uuid.uuid4().hex[:8]
        body = {
            "operator_name": f"Lotus {tag} Limitada",
            "operator_kind": "company",
            "business_registration_no": f"BR{tag.upper()}",  # canonical: as the service shows it
            "username": f"trader-{tag}",
            "full_name": "Chan Tai Man",
            "password": "correct horse battery staple",
        }
        response = web.post(base + "/api/v1/auth/register", json=body)
        assert response.status_code == 201, response.text
        api = cls.login(base, body["username"], body["password"])
        api.operator_id = response.json()["operator_id"]
        api.registration_no = body["business_registration_no"]
        return api

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        return self.http.request(method, path, **kwargs)

    def ok(self, method: str, path: str, **kwargs: Any) -> Any:
        """The JSON of a 2xx answer (the test fails with the body otherwise)."""
        response = self.request(method, path, **kwargs)
        assert response.is_success, f"{method} {path}: {response.status_code} {response.text}"
        return response.json() if response.content else None

    def upload(
        self,
        kind: str,
        content: bytes = PDF,
        name: str = "doc.pdf",
        content_type: str = "application/pdf",
    ) -> dict[str, Any]:
        return self.ok(
            "POST", "/documents", files={"file": (name, content, content_type)}, data={"kind": kind}
        )

    def application(self, **changes: Any) -> dict[str, Any]:
        """A complete application for this trader's operator, its documents uploaded."""
        body: dict[str, Any] = {
            "applicant_kind": "company",
            "name": "Lotus Rough Diamonds Limitada",
            "business_registration_no": self.registration_no,
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
        }
        if "document_ids" not in changes:
            body["document_ids"] = [self.upload(k)["id"] for k in REQUIRED_DOCUMENTS]
        body.update(changes)
        return body

    def apply(self, **changes: Any) -> dict[str, Any]:
        return self.ok("POST", "/licences", json=self.application(**changes))
