"""The certificate's PDF: one page, every Annex I item in the three languages, the number and
the document's hash, and a QR code that decodes to the verification link (rendered and decoded
here, as a phone would)."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

import pymupdf
import zxingcpp
from PIL import Image

from edi import certificate_pdf
from schemas.certificate import STATEMENT, TITLE, Validation
from schemas.shipment import Party, ShipmentLine
from tests.edi.test_kp_certificate import certificate

SHA256 = "3f" * 32
BASE = "https://kp.dsedt.gov.mo"


def _open(pdf: bytes) -> Any:
    document = pymupdf.open(stream=pdf, filetype="pdf")
    assert document.page_count == 1  # a certificate of the usual size is one page
    return document[0]


def test_every_item_is_printed_in_the_three_languages() -> None:
    issued = certificate(
        exporter=Party(name="澳門原石貿易有限公司", address="澳門南灣大馬路409號", country="MO"),
        validation=Validation(officer="陳大文", validated_at=certificate().issued_at),
    )
    text = _open(certificate_pdf.render(issued, sha256=SHA256, base_url=BASE)).get_text()
    for title in (TITLE.en, TITLE.zh, TITLE.pt):
        assert title in text, title
    assert STATEMENT.zh in text and "Kimberley Process Certification Scheme" in text
    for names in certificate_pdf.LABELS.values():
        if names is certificate_pdf.LABELS["replaces"]:
            continue
        assert names.en in text and names.zh in text and names.pt in text, names
    for value in (
        "MO2026000017",  # 3
        "2026-12-04 15:30",  # 4
        "2027-02-02",  # 5
        "DSEDT",  # 6
        "澳門原石貿易有限公司",  # 7
        "Antwerp Rough NV",
        "***",  # 2
        "BW, ZA",
        "BE",
        "200.625 ct",  # 8
        "US$ 90,000.50",  # 9
        "7102.10, 7102.31",  # 11
        "EXP-2026-00031-07",
        "陳大文",  # 12
        SHA256,
    ):
        assert value in text, value


def test_the_qr_code_decodes_to_the_verification_link() -> None:
    page = _open(certificate_pdf.render(certificate(), sha256=SHA256, base_url=BASE + "/"))
    image = Image.open(io.BytesIO(page.get_pixmap(dpi=150).tobytes("png")))
    decoded = [barcode.text for barcode in zxingcpp.read_barcodes(image)]
    assert decoded == [f"{BASE}/api/v1/verify/certificates/MO2026000017?sha256={SHA256}"]


def test_a_replacement_says_what_it_replaces() -> None:
    text = _open(
        certificate_pdf.render(certificate(replaces="MO2026000009"), sha256=SHA256, base_url=BASE)
    ).get_text()
    assert "Replaces certificate" in text and "MO2026000009" in text


def test_the_largest_certificate_the_schema_allows_loses_nothing() -> None:
    long_address = "Avenida da Praia Grande " + "409, 12/F, Edifício Comercial, " * 15
    issued = certificate(
        exporter=Party(
            name="Lotus Rough Diamonds Limitada", address=long_address[:500], country="MO"
        ),
        importer=Party(name="Antwerp Rough NV", address=long_address[:500], country="BE"),
        lines=[
            ShipmentLine(
                hs_code="7102.10",
                carats=Decimal(f"{n + 1}.25"),
                value_usd=Decimal("100"),
                origin="BW",
            )
            for n in range(20)
        ],
    )
    pdf = certificate_pdf.render(issued, sha256=SHA256, base_url=BASE)
    document = pymupdf.open(stream=pdf, filetype="pdf")
    text = "".join(page.get_text() for page in document)
    for value in ("EXP-2026-00031-07", "陳大文", "20. HS 7102.10", SHA256):
        assert value in text, value
    last = document[document.page_count - 1]
    image = Image.open(io.BytesIO(last.get_pixmap(dpi=150).tobytes("png")))
    assert [b.text for b in zxingcpp.read_barcodes(image)] == [
        f"{BASE}/api/v1/verify/certificates/MO2026000017?sha256={SHA256}"
    ]
