"""Applications signed by the operator's representative (``POST /permits/signed``): the
signature must verify against the trust store and be a representative's of this operator;
the application inside is judged as a JSON one, and the signed document is kept with the case."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from edi.pki import DevelopmentPki, load_signer
from edi.shipment_application import APPLICATION_FORMAT, sign_application
from edi.signer import KeySigner
from kp_licensing.support.settings import Settings
from schemas.permit import PermitApplicationBody
from tests.api.client import Api
from tests.api.conftest import Staff
from tests.api.test_permits import certificate, holder, shipment
from tests.edi.conftest import xmlsec1_verify

__all__ = ["holder"]  # the fixture, shared with test_permits

XML = {"Content-Type": "application/xml"}


@pytest.fixture(scope="module")
def pki(settings: Settings) -> DevelopmentPki:
    return DevelopmentPki(settings.data_dir / "pki")


def representative(pki: DevelopmentPki, api: Api, person: str = "Chan Tai Man") -> KeySigner:
    """A representative's key, certified for ``api``'s operator (as eSignTrust would)."""
    assert api.registration_no is not None
    return load_signer(*pki.operator(api.registration_no, "Lotus Limitada", person))


def application(api: Api, **changes: Any) -> PermitApplicationBody:
    body = {**shipment(api, "import"), "foreign_certificate": certificate(api), **changes}
    return PermitApplicationBody.model_validate(body)


def send(api: Api, data: bytes) -> Any:
    return api.request("POST", "/permits/signed", content=data, headers=XML)


def test_a_signed_application_opens_the_case_and_is_kept(
    holder: Api, staff: Staff, pki: DevelopmentPki, tmp_path: Path
) -> None:
    assert holder.registration_no is not None
    signed = sign_application(
        application(holder), holder.registration_no, representative(pki, holder)
    )
    answer = send(holder, signed.data)
    assert answer.status_code == 201, answer.text
    state = answer.json()
    assert state["status"] == "under_review"
    assert state["signature"]["signer"] == "Chan Tai Man"
    assert state["signature"]["registration_no"] == holder.registration_no
    assert state["signature"]["document_sha256"] == signed.sha256

    kept = staff.officer.request("GET", f"/permits/{state['case_no']}/signed-application")
    assert kept.status_code == 200 and kept.content == signed.data
    assert kept.headers["X-Document-SHA256"] == signed.sha256
    (tmp_path / "application.xml").write_bytes(kept.content)
    checked = xmlsec1_verify(
        tmp_path / "application.xml",
        trusted=pki.ca,
        root=f"{APPLICATION_FORMAT.namespace}:{APPLICATION_FORMAT.root}",
    )
    assert checked.returncode == 0, checked.stderr
    approved = staff.officer.ok("POST", f"/permits/{state['case_no']}/approve", json={})
    assert approved["state"]["signature"] == state["signature"]


def test_a_case_applied_for_in_json_has_no_signed_document(holder: Api, staff: Staff) -> None:
    case = holder.ok("POST", "/permits", json=application(holder).model_dump(mode="json"))
    assert case["signature"] is None
    missing = holder.request("GET", f"/permits/{case['case_no']}/signed-application")
    assert missing.status_code == 404, missing.text


def test_only_this_operators_representative_may_sign(
    holder: Api, other_trader: Api, pki: DevelopmentPki
) -> None:
    assert holder.registration_no is not None
    stranger = representative(pki, other_trader, "Wong Siu Ming")
    signed = sign_application(application(holder), holder.registration_no, stranger)
    refused = send(holder, signed.data)
    assert refused.status_code == 403, refused.text
    assert "Wong Siu Ming" in refused.json()["detail"]
    assert str(other_trader.registration_no) in refused.json()["detail"]


def test_a_document_for_another_applicant_is_refused(
    holder: Api, other_trader: Api, pki: DevelopmentPki
) -> None:
    assert other_trader.registration_no is not None
    signed = sign_application(
        application(holder), other_trader.registration_no, representative(pki, other_trader)
    )
    refused = send(holder, signed.data)
    assert refused.status_code == 422, refused.text
    assert other_trader.registration_no in refused.json()["detail"]


def test_a_tampered_untrusted_or_unsigned_document_is_refused(
    holder: Api, pki: DevelopmentPki, tmp_path: Path
) -> None:
    assert holder.registration_no is not None
    signed = sign_application(
        application(holder), holder.registration_no, representative(pki, holder)
    )
    tampered = signed.data.replace(b"612.50", b"61.25", 1)
    assert "signature" in send(holder, tampered).json()["detail"]
    elsewhere = DevelopmentPki(tmp_path / "other")
    elsewhere.init()
    foreign = load_signer(*elsewhere.operator(holder.registration_no, "Lotus", "Chan Tai Man"))
    untrusted = sign_application(application(holder), holder.registration_no, foreign)
    said = send(holder, untrusted.data)
    assert said.status_code == 422, said.text
    assert said.json()["message_code"] == "application.signature_refused"
    unsigned = send(holder, b"<a/>")
    assert unsigned.status_code == 422, unsigned.text
    assert send(holder, b"").status_code == 422


def test_the_application_inside_is_judged_as_any(holder: Api, pki: DevelopmentPki) -> None:
    assert holder.registration_no is not None
    lines = [{"hs_code": "7102.39", "carats": "1.00", "value_usd": "100.00", "origin": "BW"}]
    signed = sign_application(
        application(holder, lines=lines), holder.registration_no, representative(pki, holder)
    )
    refused = send(holder, signed.data)
    assert refused.status_code == 422, refused.text
    assert refused.json()["code"] == "application_refused" or "7102.39" in refused.text
