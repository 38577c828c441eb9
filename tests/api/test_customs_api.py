"""The customs interface over HTTP: a customs system pulls each approved licence's declaration
(the exact signed bytes, and its CUSDEC), acknowledges it, and answers with signed responses
that move the case on; every bad response is refused with its own reason, and nothing is
applied twice."""

from __future__ import annotations

import hashlib
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from edi import customs_xml, xmldsig
from edi.pki import CUSTOMS, DSEDT, DevelopmentPki, load_signer
from edi.signer import KeySigner
from kp_licensing.support.settings import Settings
from schemas.customs import CustomsResponse, CustomsStatus
from tests.api.client import Api
from tests.api.conftest import Staff
from tests.api.test_permits import certificate, holder, shipment
from tests.api.test_permits_clearance import approved
from tests.edi.conftest import xmlsec1_verify

__all__ = ["holder"]  # the fixture, shared with test_permits

XML = {"Content-Type": "application/xml"}


@pytest.fixture(scope="module")
def pki(settings: Settings) -> DevelopmentPki:
    return DevelopmentPki(settings.data_dir / "pki")


@pytest.fixture(scope="module")
def customs_key(pki: DevelopmentPki) -> KeySigner:
    return load_signer(pki.key(CUSTOMS), pki.chain(CUSTOMS))


def declaration(staff: Staff, case_no: str, version: int = 1) -> dict[str, Any]:
    """The case's declaration ``version`` once the case has put it in the outbox."""
    for _ in range(300):
        found = staff.officer.ok("GET", f"/permits/{case_no}/customs")["declarations"]
        if len(found) >= version:
            return dict(found[version - 1])
        time.sleep(0.05)
    raise AssertionError(f"{case_no} was never declared")


def response(
    declared: dict[str, Any], status: CustomsStatus = CustomsStatus.released, **changes: Any
) -> CustomsResponse:
    return CustomsResponse.model_validate(
        {
            "message_id": uuid.uuid4().hex[:14].upper(),
            "sender": "MOCUSTOMS",
            "issued_at": datetime.now(UTC),
            "declaration_message_id": declared["message_id"],
            "permit_no": declared["permit_no"],
            "status": status,
            **changes,
        }
    )


def signed(said: CustomsResponse, signer: KeySigner) -> bytes:
    return customs_xml.RESPONSE_FORMAT.seal(customs_xml.build_response(said), signer).data


def status_of(api: Api, case_no: str, wanted: str) -> str:
    for _ in range(300):
        status = str(api.ok("GET", f"/permits/{case_no}")["status"])
        if status == wanted:
            return status
        time.sleep(0.05)
    return status


def test_customs_pulls_fetches_and_acknowledges_each_declaration(
    holder: Api, staff: Staff, pki: DevelopmentPki, tmp_path: Path
) -> None:
    case_no = approved(holder, staff)["case_no"]
    declared = declaration(staff, case_no)
    listed = staff.customs.ok("GET", "/customs/messages", params={"after": declared["cursor"] - 1})
    assert listed["items"][0]["message_id"] == declared["message_id"]

    got = staff.customs.request("GET", f"/customs/messages/{declared['message_id']}")
    assert got.status_code == 200 and got.headers["content-type"].startswith("application/xml")
    assert hashlib.sha256(got.content).hexdigest() == got.headers["X-Content-SHA256"]
    assert got.headers["X-Content-SHA256"] == declared["xml_sha256"]
    (tmp_path / "declaration.xml").write_bytes(got.content)
    checked = xmlsec1_verify(
        tmp_path / "declaration.xml",
        trusted=pki.ca,
        root=f"{customs_xml.DECLARATION_FORMAT.namespace}:CustomsDeclaration",
    )
    assert checked.returncode == 0, checked.stderr
    assert customs_xml.parse_declaration(got.content).permit_no == declared["permit_no"]

    edifact = staff.customs.request(
        "GET", f"/customs/messages/{declared['message_id']}", params={"format": "edifact"}
    )
    assert edifact.content.startswith(b"UNA:+.? '") and b"CUSDEC:D:96B:UN" in edifact.content
    assert hashlib.sha256(edifact.content).hexdigest() == declared["edifact_sha256"]

    first = staff.customs.ok("POST", f"/customs/messages/{declared['message_id']}/acknowledgement")
    again = staff.customs.ok("POST", f"/customs/messages/{declared['message_id']}/acknowledgement")
    assert first["acknowledged_at"] and first["acknowledged_at"] == again["acknowledged_at"]
    pending = staff.customs.ok(
        "GET",
        "/customs/messages",
        params={"after": declared["cursor"] - 1, "unacknowledged": True},
    )
    assert declared["message_id"] not in [m["message_id"] for m in pending["items"]]
    missing = staff.customs.request("GET", "/customs/messages/D0000000000000")
    assert missing.status_code == 404, missing.text
    assert holder.request("GET", "/customs/messages").status_code == 403


def test_a_signed_release_clears_the_import_once(
    holder: Api, staff: Staff, customs_key: KeySigner
) -> None:
    case_no = approved(holder, staff)["case_no"]
    declared = declaration(staff, case_no)
    release = signed(response(declared), customs_key)
    taken = staff.customs.request("POST", "/customs/responses", content=release, headers=XML)
    assert taken.status_code == 202, taken.text
    assert taken.json()["delivered"] and not taken.json()["duplicate"]
    assert status_of(holder, case_no, "cleared") == "cleared"

    again = staff.customs.ok("POST", "/customs/responses", content=release, headers=XML)
    assert again["duplicate"] and again["inbox_id"] == taken.json()["inbox_id"]
    late = signed(response(declared, CustomsStatus.accepted), customs_key)
    kept = staff.customs.ok("POST", "/customs/responses", content=late, headers=XML)
    assert kept["delivered"] and not kept["duplicate"]  # the case is closed: kept, no change
    exchange = holder.ok("GET", f"/permits/{case_no}/customs")
    assert [r["response"]["status"] for r in exchange["responses"]] == ["released", "accepted"]
    history = holder.ok("GET", f"/permits/{case_no}/history")
    assert [t["action"] for t in history].count("arrived") == 1


def test_a_rejection_shows_the_trader_its_codes(
    holder: Api, staff: Staff, customs_key: KeySigner
) -> None:
    case_no = approved(holder, staff)["case_no"]
    declared = declaration(staff, case_no)
    said = response(
        declared, CustomsStatus.rejected, errors=[{"code": "12", "text": "seal unknown"}]
    )
    staff.customs.ok("POST", "/customs/responses", content=signed(said, customs_key), headers=XML)
    for _ in range(300):
        notes = holder.ok("GET", "/notifications")
        texts = [
            n["message"]["text"]
            for n in notes
            if n["message"]["code"] == "notice.permit.customs_rejected"
        ]
        if texts:
            break
        time.sleep(0.05)
    assert texts and "12 (seal unknown)" in texts[0], notes


def refused(staff: Staff, body: bytes, content_type: str = "application/xml") -> dict[str, Any]:
    answer = staff.customs.request(
        "POST", "/customs/responses", content=body, headers={"Content-Type": content_type}
    )
    assert answer.status_code == 422, answer.text
    return dict(answer.json())


def test_every_bad_response_is_refused_with_its_reason(
    holder: Api, staff: Staff, customs_key: KeySigner, pki: DevelopmentPki
) -> None:
    case_no = approved(holder, staff)["case_no"]
    declared = declaration(staff, case_no)
    good = signed(response(declared), customs_key)

    tampered = good.replace(b">released<", b">rejected<")
    assert "signature" in refused(staff, tampered)["detail"]
    by_dsedt = signed(response(declared), load_signer(pki.key(DSEDT), pki.chain(DSEDT)))
    assert "signed by the certificate of" in refused(staff, by_dsedt)["detail"]
    unknown = signed(response(declared, declaration_message_id="DNOSUCHTHING1"), customs_key)
    assert "DNOSUCHTHING1" in refused(staff, unknown)["detail"]
    other_sender = signed(response(declared, sender="OTHERCUSTOMS"), customs_key)
    assert "MOCUSTOMS only" in refused(staff, other_sender)["detail"]
    assert "not image/png" in refused(staff, good, "image/png")["detail"]
    doctype = (
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>'
    )
    assert refused(staff, doctype)["code"]
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;">'
        b"]><l>&c;</l>"
    )
    assert refused(staff, laughs)["code"]
    reused = signed(response(declared, message_id="REUSED1"), customs_key)
    staff.customs.ok("POST", "/customs/responses", content=reused, headers=XML)
    other = signed(response(declared, CustomsStatus.held, message_id="REUSED1"), customs_key)
    conflict = staff.customs.request("POST", "/customs/responses", content=other, headers=XML)
    assert conflict.status_code == 409, conflict.text
    assert (
        holder.request("POST", "/customs/responses", content=good, headers=XML).status_code == 403
    )


def test_a_trader_reads_only_its_own_cases_customs_exchange(
    holder: Api, other_trader: Api, staff: Staff
) -> None:
    case_no = approved(holder, staff)["case_no"]
    declaration(staff, case_no)
    assert other_trader.request("GET", f"/permits/{case_no}/customs").status_code == 404
    assert holder.ok("GET", f"/permits/{case_no}/customs")["declarations"]


def test_the_verifier_names_what_it_refuses(pki: DevelopmentPki, customs_key: KeySigner) -> None:
    """The refusal reasons the endpoint passes on are the verifier's own (one line each)."""
    with pytest.raises(xmldsig.NotVerified, match="does not verify"):
        xmldsig.verify(
            signed(
                response({"message_id": "D1", "permit_no": "IL-2026-00001-58"}), customs_key
            ).replace(b"MOCUSTOMS", b"MOCUSTOMZ"),
            trust_store=pki.ca,
        )


def test_a_decision_sent_again_after_customs_closed_the_case_gets_its_first_answer(
    holder: Api, staff: Staff, customs_key: KeySigner
) -> None:
    """The officer's approval was applied but its answer lost; customs released the goods,
    which closed the case; the officer sends the approval again with the same key."""
    body = {**shipment(holder, "import"), "foreign_certificate": certificate(holder)}
    case_no = holder.ok("POST", "/permits", json=body)["case_no"]
    key = {"Idempotency-Key": f"approve-{uuid.uuid4()}"}
    first = staff.officer.ok("POST", f"/permits/{case_no}/approve", json={}, headers=key)
    release = signed(response(declaration(staff, case_no)), customs_key)
    staff.customs.ok("POST", "/customs/responses", content=release, headers=XML)
    assert status_of(holder, case_no, "cleared") == "cleared"

    again = staff.officer.request("POST", f"/permits/{case_no}/approve", json={}, headers=key)
    assert again.status_code == 200, again.text
    assert again.json()["transition"] == first["transition"]
    assert again.json()["state"]["permit_no"] == first["state"]["permit_no"]
    fresh = staff.officer.request("POST", f"/permits/{case_no}/approve", json={})
    assert fresh.status_code == 409 and fresh.json()["message_code"] == "case.final", fresh.text
