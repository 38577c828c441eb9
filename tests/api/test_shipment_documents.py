"""Shipment licences and import confirmations as documents: signed XML that xmlsec1 accepts
with the service's CA (a tampered copy refused by it and by the service), the same bytes on
every download, a PDF with every field whose QR code verifies it, and verification by licence
number and hash for anyone."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path
from typing import Any

import pymupdf
import pytest
import zxingcpp
from PIL import Image

from edi import shipment_documents
from kp_licensing.store.db import SessionFactory
from kp_licensing.support.settings import Settings
from tests.api.client import http
from tests.api.conftest import Staff
from tests.api.test_access_matrix_permits import PermitWorld
from tests.edi.conftest import xmlsec1_verify

LICENCE_ROOT = f"{shipment_documents.LICENCE_FORMAT.namespace}:ShipmentLicence"
CONFIRMATION_ROOT = f"{shipment_documents.CONFIRMATION_FORMAT.namespace}:ImportConfirmation"


@pytest.fixture(scope="module")
def world(service: str, staff: Staff, sessions: SessionFactory, settings: Settings) -> PermitWorld:
    return PermitWorld(service, staff, sessions, settings)


def _verify(service: str, number: str, **params: str) -> dict[str, Any]:
    response = http(service + "/api/v1").get(f"/verify/licences/{number}", params=params)
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


def _checked(settings: Settings, data: bytes, root: str, tmp_path: Path) -> int:
    path = tmp_path / "document.xml"
    path.write_bytes(data)
    return xmlsec1_verify(path, trusted=settings.pki_dir / "ca.pem", root=root).returncode


def _pdf(data: bytes) -> tuple[str, str]:
    """A PDF's text and the link its QR code says."""
    page = pymupdf.open(stream=data, filetype="pdf")[0]
    image = Image.open(io.BytesIO(page.get_pixmap(dpi=150).tobytes("png")))
    [link] = [barcode.text for barcode in zxingcpp.read_barcodes(image)]
    return page.get_text(), link


def test_an_import_licence_is_a_signed_document_anyone_checks_by_number_and_hash(
    world: PermitWorld, service: str, settings: Settings, tmp_path: Path
) -> None:
    case = world.cleared
    trader = world.trader_a
    response = trader.request("GET", f"/permits/{case.case_no}/document")
    assert response.status_code == 200, response.text
    data, digest = response.content, response.headers["x-document-sha256"]
    assert digest == hashlib.sha256(data).hexdigest()
    number = world.licence_no(case.case_no)
    assert f'filename="{number}.xml"' in response.headers["content-disposition"]
    assert _checked(settings, data, LICENCE_ROOT, tmp_path) == 0
    tampered = data.replace(b"612.50", b"712.50", 1)
    assert tampered != data and _checked(settings, tampered, LICENCE_ROOT, tmp_path) != 0
    said = shipment_documents.parse_licence(data)
    assert (said.kind.value, said.licence_no, said.parcels) == ("import", number, 3)
    assert [c.number for c in said.certificates] == [case.certificate["number"]]
    again = world.staff.officer.request("GET", f"/permits/{case.case_no}/document")
    assert again.content == data  # signed once, handed out as signed

    answer = _verify(service, number, sha256=digest)
    assert answer["genuine"] is True and answer["hash_matches"] is True
    assert answer["status"] == "cleared" and answer["activities"] == ["import"]
    assert answer["holder"]
    bare = _verify(service, number)
    assert bare["holder"] is None and bare["status"] == "cleared"
    wrong = _verify(service, number, sha256=hashlib.sha256(tampered).hexdigest())
    assert wrong["genuine"] is False and wrong["hash_matches"] is False

    pdf = trader.request("GET", f"/permits/{case.case_no}/document/pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    text, link = _pdf(pdf.content)
    for value in (
        number,
        "Import licence for rough diamonds",
        "毛坯鑽石進口准照",
        "Licença de importação de diamantes em bruto",
        case.certificate["number"],
        "S-100, S-101",
        "612.50 ct",
    ):
        assert value in text, value
    assert link.endswith(f"/verify/licences/{number}?sha256={digest}")
    assert http("").get(link).json()["hash_matches"] is True


def test_the_import_confirmation_is_a_signed_document_its_qr_code_checks(
    world: PermitWorld, service: str, settings: Settings, tmp_path: Path
) -> None:
    case = world.cleared
    response = world.trader_a.request(
        "GET", f"/permits/{case.case_no}/import-confirmation/document"
    )
    assert response.status_code == 200, response.text
    data, digest = response.content, response.headers["x-document-sha256"]
    assert _checked(settings, data, CONFIRMATION_ROOT, tmp_path) == 0
    said = shipment_documents.parse_confirmation(data)
    assert said.certificate_number == case.certificate["number"]
    assert said.permit_no == world.licence_no(case.case_no)
    pdf = world.trader_a.request("GET", f"/permits/{case.case_no}/import-confirmation/document/pdf")
    text, link = _pdf(pdf.content)
    for value in ("Confirmation of import under the Kimberley Process", "金伯利進程進口確認書"):
        assert value in text, value
    assert case.certificate["number"] in text
    answer = http("").get(link).json()
    assert answer["genuine"] is True and answer["hash_matches"] is True
    assert answer["number"] == said.permit_no and digest in link


def test_documents_exist_only_once_there_is_something_to_say(world: PermitWorld) -> None:
    """A licence under review has no document yet; a licence not cleared, no confirmation;
    another operator's trader finds neither."""
    review = world.new_permit("under_review", "transit")
    early = world.trader_a.request("GET", f"/permits/{review.case_no}/document")
    assert early.status_code == 409 and early.json()["message_code"] == "permit.no_document_yet"
    approved = world.shared("approved", "import")
    none = world.trader_a.request(
        "GET", f"/permits/{approved.case_no}/import-confirmation/document"
    )
    assert none.status_code == 409 and none.json()["message_code"] == "permit.no_confirmation"
    other = world.trader_b.request("GET", f"/permits/{world.cleared.case_no}/document")
    assert other.status_code == 404
