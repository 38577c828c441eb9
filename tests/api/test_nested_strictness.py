"""A misspelt or unknown field is refused at every depth of an application, not only at the
top: inside a party, a line, a foreign certificate, a draw, an administrator, the declarations
(422 naming each); and the scan of a foreign certificate is named by a document id."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.client import Api
from tests.api.test_permits import certificate, holder, shipment

__all__ = ["holder"]  # the fixture, shared with test_permits


def fields(response: Any) -> set[str]:
    assert response.status_code == 422, response.text
    return {e["field"] for e in response.json()["errors"]}


@pytest.mark.parametrize(
    ("path", "where"),
    [
        (("counterparty",), "body.counterparty.nickname"),
        (("lines", 0), "body.lines.0.nickname"),
        (("foreign_certificate",), "body.foreign_certificate.nickname"),
        (("foreign_certificate", "exporter"), "body.foreign_certificate.exporter.nickname"),
    ],
)
def test_an_unknown_field_inside_a_shipment_application_is_refused(
    holder: Api, path: tuple[Any, ...], where: str
) -> None:
    body = {**shipment(holder, "import"), "foreign_certificate": certificate(holder)}
    part: Any = body
    for step in path:
        part = part[step]
    part["nickname"] = "x"
    assert where in fields(holder.request("POST", "/permits", json=body))


def test_a_foreign_certificates_scan_is_a_document_id(holder: Api) -> None:
    body = {**shipment(holder, "import"), "foreign_certificate": certificate(holder)}
    body["foreign_certificate"]["scan_document_id"] = "x" * 500
    said = fields(holder.request("POST", "/permits", json=body))
    assert "body.foreign_certificate.scan_document_id" in said


def test_an_unknown_field_inside_a_draw_is_refused(holder: Api) -> None:
    body = shipment(holder, "export")
    body["source_certificates"] = [
        {"issuing_country": "AE", "number": "AE1", "carats": "1.00", "nickname": "x"}
    ]
    said = fields(holder.request("POST", "/permits", json=body))
    assert "body.source_certificates.0.nickname" in said


def test_an_unknown_field_inside_a_licence_application_is_refused(trader: Api) -> None:
    body = trader.application()
    body["administrators"][0]["nickname"] = "x"
    body["declarations"]["nickname"] = "x"
    said = fields(trader.request("POST", "/licences", json=body))
    assert {"body.administrators.0.nickname", "body.declarations.nickname"} <= said
