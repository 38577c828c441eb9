"""Anyone verifies a Macao KP certificate by its number, and the hash its QR code carries,
without signing in: genuine or not, its status, what it prints; guesses are throttled."""

from __future__ import annotations

import io
import random
import string
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pymupdf
import zxingcpp
from PIL import Image
from sqlalchemy import update
from sqlmodel import Session

from edi.signer import KeySigner
from kp_licensing.api.app import create_app
from kp_licensing.services import certificates
from kp_licensing.store.certificate_models import KpCertificateRow
from kp_licensing.store.db import SessionFactory
from kp_licensing.support.settings import Settings
from tests.api.client import http
from tests.factories import operator_row
from tests.store.test_certificate_numbers import content
from workflows import certificate_activities


def _issue(
    sessions: SessionFactory, signer: KeySigner, now: datetime | None = None, **changes: Any
) -> certificate_activities.Issued:
    with sessions() as session:
        operator_id = operator_row(session).id
        assert operator_id is not None
        return certificate_activities.issue(
            session,
            signer,
            content().model_copy(update=changes),
            prefix="".join(random.choices(string.ascii_uppercase, k=2)),
            validity_days=60,
            case_no="PA-2026-00002",
            operator_id=operator_id,
            now=now,
        )


def _verify(service: str, number: str, **params: str) -> dict[str, Any]:
    response = http(service + "/api/v1").get(f"/verify/certificates/{number}", params=params)
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


def test_a_genuine_certificate_is_said_genuine_with_what_it_prints(
    service: str, sessions: SessionFactory, dsedt: KeySigner
) -> None:
    issued = _issue(sessions, dsedt)
    typed = f"{issued.number[:2].lower()}-{issued.number[2:6]} {issued.number[6:]}"
    answer = _verify(service, typed, sha256=issued.sha256.upper())
    assert answer["genuine"] is True and answer["hash_matches"] is True
    assert answer["status"] == "valid" and answer["number"] == issued.number
    summary = answer["summary"]
    assert summary["importer"] == "Antwerp Rough NV" and summary["destination_country"] == "BE"
    assert summary["carats"] == "10.500" and summary["hs_codes"] == ["7102.10"]
    assert "genuine and valid until" in answer["verdict"]["text"]
    assert "Chan Tai Man" not in str(answer)  # the officer is on the document, not in the answer
    # Without the hash (someone walking through consecutive numbers): no parties, no values.
    bare = _verify(service, issued.number)
    assert bare["genuine"] is True and bare["status"] == "valid" and bare["summary"] is None


def test_an_altered_document_and_an_unknown_number_are_not_genuine(
    service: str, sessions: SessionFactory, dsedt: KeySigner
) -> None:
    issued = _issue(sessions, dsedt)
    altered = _verify(service, issued.number, sha256="0" * 64)
    assert altered["genuine"] is False and altered["hash_matches"] is False
    assert "altered" in altered["verdict"]["text"]
    unknown = _verify(service, "MO1999000001")
    assert unknown == {**unknown, "genuine": False, "status": None, "summary": None}
    assert "forged" in unknown["verdict"]["text"]


def test_expired_and_replaced_certificates_say_so(
    service: str, sessions: SessionFactory, dsedt: KeySigner, engine: Any
) -> None:
    old = _issue(sessions, dsedt, now=datetime.now(UTC) - timedelta(days=90))
    assert _verify(service, old.number)["status"] == "expired"
    voided = _issue(sessions, dsedt)
    with Session(engine) as session:
        session.execute(
            update(KpCertificateRow)
            .where(KpCertificateRow.number == voided.number)  # type: ignore[arg-type]
            .values(status="voided", voided_at=datetime.now(UTC), void_reason="wrong importer")
        )
        session.commit()
    replacement = _issue(sessions, dsedt, replaces=voided.number)
    answer = _verify(service, voided.number)
    assert answer["status"] == "voided" and answer["replaced_by"] == replacement.number
    assert f"replaced by certificate {replacement.number}" in answer["verdict"]["text"]
    assert _verify(service, replacement.number)["replaces"] == voided.number


async def test_guessing_numbers_is_slowed_down(settings: Settings) -> None:
    transport = httpx.ASGITransport(app=create_app(settings), client=("203.0.113.77", 4321))
    async with httpx.AsyncClient(transport=transport, base_url="http://kp/api/v1") as client:
        statuses = [
            (await client.get(f"/verify/certificates/MO1999{n:06d}")).status_code for n in range(25)
        ]
    assert statuses[:20] == [200] * 20
    assert 429 in statuses[20:]


def test_a_malformed_number_or_hash_is_a_422(service: str) -> None:
    client = http(service + "/api/v1")
    assert client.get("/verify/certificates/-MO2026").status_code == 422
    assert client.get("/verify/certificates/" + "9" * 65).status_code == 422
    assert client.get("/verify/certificates/MO2026", params={"sha256": "xyz"}).status_code == 422


def test_the_printed_certificate_carries_the_signed_content_and_links_to_its_verification(
    service: str, sessions: SessionFactory, dsedt: KeySigner
) -> None:
    issued = _issue(sessions, dsedt)
    with sessions() as session:
        pdf = certificates.printable(session, issued.number, base_url=service)
    page = pymupdf.open(stream=pdf, filetype="pdf")[0]
    assert issued.number in page.get_text() and issued.sha256 in page.get_text()
    image = Image.open(io.BytesIO(page.get_pixmap(dpi=150).tobytes("png")))
    [link] = [barcode.text for barcode in zxingcpp.read_barcodes(image)]
    answer = http("").get(link).json()  # what a phone gets from the QR code
    assert answer["genuine"] is True and answer["hash_matches"] is True
