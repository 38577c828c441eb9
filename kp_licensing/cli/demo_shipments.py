"""The shipment part of ``kp-licensing demo``: an import released by customs, cleared and
confirmed, an export drawing on it with its KP certificate (fee paid, validated by a second
person, issued, verified by anyone, released by customs and confirmed by the destination), and a
transit in and out; customs is the simulator (``customs_sim``), answering each declaration."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Collection
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from kp_licensing.domain.clock import macao_date


class Caller(Protocol):
    def call(self, method: str, path: str, **kwargs: Any) -> Any: ...


class Customs(Protocol):
    def turn(self, cases: Collection[str] | None = None) -> list[Any]: ...


def through_customs(
    case_no: str, officer: Caller, customs: Customs, *, until: str, tell: Callable[[str], None]
) -> dict[str, Any]:
    """Wait for the case's declaration to be in the outbox, let customs take its turn, and wait
    for the case to reach ``until``; the case then."""
    at = f"/permits/{case_no}"
    declared: list[dict[str, Any]] = []
    for _ in range(200):
        declared = officer.call("GET", f"{at}/customs")["declarations"]
        if declared:
            break
        time.sleep(0.05)
    if not declared:
        raise RuntimeError(f"{case_no} was never declared to customs: is the worker running?")
    for handled in customs.turn({case_no}):
        tell(
            f"customs took declaration {handled.message_id} of {handled.permit_no} "
            f"(signature verified) and answered: {', '.join(handled.answered)}"
        )
    for _ in range(200):
        state: dict[str, Any] = officer.call("GET", at)
        if state["status"] == until:
            return state
        time.sleep(0.05)
    raise RuntimeError(f"{case_no} is {state['status']}, not {until}, after customs answered")


def walk_shipments(
    trader: Caller,
    officer: Caller,
    supervisor: Caller,
    *,
    upload: Callable[[str], str],
    save: Callable[[str, str], None],
    tell: Callable[[str], None],
    verify: Callable[[str], Any],
    customs: Customs,
) -> str:
    """The import, export and transit; the portal's verification link of the export's KP
    certificate (its number and its QR code's hash)."""
    today = macao_date(datetime.now(UTC))
    ship_on = (today + timedelta(days=3)).isoformat()
    number = f"AE{uuid.uuid4().int % 10**9:09d}"
    parties = {
        "exporter": {
            "name": "Emirates Rough DMCC",
            "address": "Almas Tower, Dubai",
            "country": "AE",
        },
        "importer": {"name": "Lotus Rough Diamonds Limitada", "address": "Macao", "country": "MO"},
    }
    seals = {"containers": ["MSKU-7730121"], "seals": ["KP-S-5501", "KP-S-5502"]}

    def shipment(kind: str, **extra: Any) -> dict[str, Any]:
        return {
            "kind": kind,
            "counterparty": parties["exporter"]
            if kind != "export"
            else {
                "name": "Antwerp Rough NV",
                "address": "Hoveniersstraat 2, Antwerp",
                "country": "BE",
            },
            "lines": [
                {"hs_code": "7102.31", "carats": "612.50", "value_usd": "280000.00", "origin": "BW"}
            ],
            "parcels": 3,
            "expected_date": ship_on,
            "document_ids": [upload("commercial_invoice"), upload("transport_document")],
            **seals,
            **extra,
        }

    certificate = {
        "number": number,
        "issuing_country": "AE",
        "issuing_authority": "UAE Kimberley Process Office",
        "issued_on": (today - timedelta(days=2)).isoformat(),
        "expires_on": (today + timedelta(days=55)).isoformat(),
        **parties,
        "origin": "BW",
        "carats": "612.50",
        "value_usd": "280000.00",
        "parcels": 3,
        "hs_codes": ["7102.31"],
        "scan_document_id": upload("kp_certificate_scan"),
    }
    case = trader.call(
        "POST",
        "/permits",
        json=shipment("import", provenance_country="AE", foreign_certificate=certificate),
    )
    tell(
        f"import applied for: case {case['case_no']}, foreign certificate {number}, "
        f"{_summary(case['checks'])}"
    )
    approved = officer.call("POST", f"/permits/{case['case_no']}/approve", json={})["state"]
    tell(
        f"officer issued import licence {approved['permit_no']}, valid until "
        f"{approved['valid_until']}"
    )
    # The demo runs in minutes: customs releases the goods today.
    cleared = through_customs(case["case_no"], officer, customs, until="cleared", tell=tell)
    save_documents(save, case["case_no"], approved["permit_no"], confirmation=True)
    confirmation = next(
        c["confirmation"]
        for c in officer.call("GET", "/permits/import-confirmations")
        if c["case_no"] == case["case_no"]
    )
    tell(
        f"goods released by customs: {cleared['status']}; import confirmation for the "
        f"UAE authority: certificate {confirmation['certificate_number']}, "
        f"{confirmation['parcels']} parcels, {confirmation['carats']} ct, "
        f"US${confirmation['value_usd']}, received {confirmation['received_on']}"
    )

    too_much = trader.call(
        "POST",
        "/permits",
        expect_error=True,
        json=shipment(
            "export",
            destination_country="BE",
            lines=[
                {"hs_code": "7102.31", "carats": "700.00", "value_usd": "300000.00", "origin": "BW"}
            ],
            source_certificates=[{"issuing_country": "AE", "number": number, "carats": "700.00"}],
            declarations={
                "complies_with_kpcs": True,
                "destination_is_participant": True,
                "tamper_proof_container": True,
            },
        ),
    )
    tell(f"an export of 700 ct from {number} is refused: {too_much['detail']}")
    export = trader.call(
        "POST",
        "/permits",
        json=shipment(
            "export",
            destination_country="BE",
            lines=[
                {"hs_code": "7102.31", "carats": "400.00", "value_usd": "185000.00", "origin": "BW"}
            ],
            source_certificates=[{"issuing_country": "AE", "number": number, "carats": "400.00"}],
            declarations={
                "complies_with_kpcs": True,
                "destination_is_participant": True,
                "tamper_proof_container": True,
            },
        ),
    )
    tell(f"export of 400 ct applied for: case {export['case_no']}, {_summary(export['checks'])}")
    verification = walk_certificate(
        export["case_no"],
        trader,
        officer,
        supervisor,
        upload=upload,
        save=save,
        tell=tell,
        verify=verify,
        customs=customs,
    )

    transit = trader.call(
        "POST",
        "/permits",
        json=shipment("transit", provenance_country="AE", destination_country="HK"),
    )
    officer.call("POST", f"/permits/{transit['case_no']}/approve", json={})
    left = through_customs(transit["case_no"], officer, customs, until="completed", tell=tell)
    save_documents(save, transit["case_no"], left["permit_no"])
    tell(
        f"transit {left['permit_no']} entered with seals {', '.join(seals['seals'])} and left "
        f"as it entered, released by customs at each crossing: {left['status']}"
    )
    return verification


def walk_certificate(
    case_no: str,
    trader: Caller,
    officer: Caller,
    supervisor: Caller,
    *,
    upload: Callable[[str], str],
    save: Callable[[str, str], None],
    tell: Callable[[str], None],
    verify: Callable[[str], Any],
    customs: Customs,
) -> str:
    """The export's KP certificate, from its invoice to the destination's confirmation; the
    portal's link that verifies it."""
    at = f"/permits/{case_no}"
    fee = trader.call("GET", f"{at}/certificate")["fee"]
    tell(
        f"certificate fee invoiced: {fee['currency']} {fee['amount']}, reference {fee['reference']}"
    )
    exported = officer.call("POST", f"{at}/approve", json={})["state"]
    tell(f"officer checked the file and issued export licence {exported['permit_no']}")
    officer.call(
        "POST", f"{at}/certificate/payment", json={"amount": fee["amount"], "receipt": "DEMO-1"}
    )
    refused = officer.call("POST", f"{at}/certificate/issue", json={}, expect_error=True)
    tell(f"the same officer may not validate it: {refused['detail']}")
    issued = supervisor.call("POST", f"{at}/certificate/issue", json={})["state"]["certificate"]
    number = issued["number"]
    tell(f"supervisor validated KP certificate {number}, valid until {issued['expires_on']}")
    save(f"{number}.xml", f"/certificates/{number}/document")
    save(f"{number}.pdf", f"/certificates/{number}/document/pdf")
    checked = verify(f"/verify/certificates/{number}?sha256={issued['sha256']}")
    verdict = checked["verdict"]["text"]
    tell(f"anyone verifying {number} with its QR code's hash: {verdict} ({checked['status']})")
    for _ in range(100):  # the export hears of its certificate by signal, a moment later
        if trader.call("GET", at)["certificate_status"] == "valid":
            break
        time.sleep(0.1)
    today = macao_date(datetime.now(UTC)).isoformat()
    used = through_customs(case_no, officer, customs, until="used", tell=tell)
    tell(f"the export left Macao today: licence {used['status']}, its carats consumed")
    save_documents(save, case_no, used["permit_no"])
    for _ in range(100):  # the certificate hears that its export left by signal, a moment later
        if officer.call("GET", f"{at}/certificate")["status"] == "used":
            break
        time.sleep(0.1)
    document = upload("import_confirmation")
    confirmed = officer.call(
        "POST",
        f"{at}/certificate/confirmation",
        json={"received_on": today, "document_ids": [document]},
    )["state"]
    tell(f"Belgium's authority confirmed the import: certificate {confirmed['status']}")
    return f"/verify?number={number}&sha256={issued['sha256']}"


def save_documents(
    save: Callable[[str, str], None], case_no: str, permit_no: str, *, confirmation: bool = False
) -> None:
    """A shipment licence's documents (and a cleared import's confirmation), XML and PDF."""
    at = f"/permits/{case_no}"
    save(f"{permit_no}.xml", f"{at}/document")
    save(f"{permit_no}.pdf", f"{at}/document/pdf")
    if confirmation:
        save(f"confirmation-{permit_no}.xml", f"{at}/import-confirmation/document")
        save(f"confirmation-{permit_no}.pdf", f"{at}/import-confirmation/document/pdf")


def _summary(checks: list[dict[str, Any]]) -> str:
    counts = {o: sum(c["outcome"] == o for c in checks) for o in ("passed", "flagged")}
    return f"{counts['passed']} checks passed, {counts['flagged']} flagged for the officer"
