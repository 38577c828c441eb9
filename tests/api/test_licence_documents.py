"""A trader downloads its operating licence as a signed XML document that xmlsec1 accepts
with the service's CA, the same bytes every time; anyone checks a licence number, and a
document's hash, without signing in."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path
from typing import Any

import pymupdf
import zxingcpp
from PIL import Image

from edi import licence_document
from kp_licensing.support.settings import Settings
from tests.api.client import Api, http
from tests.api.conftest import Staff
from tests.edi.conftest import xmlsec1_verify

ROOT = f"{licence_document.FORMAT.namespace}:OperatingLicence"


def _verify(service: str, number: str, **params: str) -> dict[str, Any]:
    response = http(service + "/api/v1").get(f"/verify/licences/{number}", params=params)
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


def test_an_approved_licence_downloads_as_a_signed_document(
    service: str, settings: Settings, trader: Api, staff: Staff, tmp_path: Path
) -> None:
    case_no = trader.apply()["case_no"]
    early = trader.request("GET", f"/licences/{case_no}/document")
    assert early.status_code == 409 and "no licence to download yet" in early.json()["detail"]
    licence_no = staff.officer.ok("POST", f"/licences/{case_no}/approve", json={})["state"][
        "licence_no"
    ]
    first = trader.request("GET", f"/licences/{case_no}/document")
    assert first.status_code == 200, first.text
    assert first.headers["x-document-sha256"] == hashlib.sha256(first.content).hexdigest()
    assert f'filename="{licence_no}.xml"' in first.headers["content-disposition"]
    path = tmp_path / "licence.xml"
    path.write_bytes(first.content)
    done = xmlsec1_verify(path, trusted=settings.pki_dir / "ca.pem", root=ROOT)
    assert done.returncode == 0, done.stderr
    assert licence_no.encode() in first.content and b"Lotus Rough Diamonds" in first.content
    again = staff.officer.request("GET", f"/licences/{case_no}/document")
    assert again.content == first.content  # signed once, handed out as signed

    digest = first.headers["x-document-sha256"]
    answer = _verify(service, licence_no, sha256=digest)
    assert answer["genuine"] is True and answer["hash_matches"] is True
    assert answer["status"] == "active" and answer["holder"] == "Lotus Rough Diamonds Limitada"
    assert set(answer["activities"]) == {"import", "export"}
    bare = _verify(service, licence_no)
    assert bare["status"] == "active" and bare["holder"] is None and bare["activities"] == []
    altered = _verify(service, licence_no, sha256="1" * 64)
    assert altered["genuine"] is False and "altered" in altered["verdict"]["text"]


def test_an_unknown_licence_number_is_not_genuine(service: str) -> None:
    answer = _verify(service, "OL-1999-0001-00")
    assert answer["genuine"] is False and answer["status"] is None
    assert "no licence numbered" in answer["verdict"]["text"]


def test_the_printed_licence_is_its_signed_document_and_its_qr_code_checks_it(
    service: str, trader: Api, staff: Staff
) -> None:
    case_no = trader.apply()["case_no"]
    licence_no = staff.officer.ok("POST", f"/licences/{case_no}/approve", json={})["state"][
        "licence_no"
    ]
    response = trader.request("GET", f"/licences/{case_no}/document/pdf")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    page = pymupdf.open(stream=response.content, filetype="pdf")[0]
    text = page.get_text()
    for value in (
        licence_no,
        "Operating licence for rough diamonds",
        "毛坯鑽石經營准照",
        "Licença de operação de diamantes em bruto",
        "Lotus Rough Diamonds Limitada",
        "import / 進口 / importação",
    ):
        assert value in text, value
    image = Image.open(io.BytesIO(page.get_pixmap(dpi=150).tobytes("png")))
    [link] = [barcode.text for barcode in zxingcpp.read_barcodes(image)]
    answer = http("").get(link).json()  # what a phone gets from the QR code
    assert answer["genuine"] is True and answer["hash_matches"] is True
    assert answer["status"] == "active" and answer["holder"] == "Lotus Rough Diamonds Limitada"
