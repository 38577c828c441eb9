"""Shipments through the portal: an import with its foreign certificate, then an export drawing
on it with Macao's KP certificate (fee, four-eyes, issue, download); the worklist's filters;
and a trader kept out of another's shipments."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

from tests.api.client import PDF, Api
from tests.api.conftest import Staff
from tests.api.portal import Browser, text_of
from tests.api.test_portal_licences import apply_for_licence, staff_browser
from tests.factories import macao_today


def pdf(name: str) -> tuple[str, bytes, str]:
    return (f"{name}.pdf", PDF + name.encode() + uuid.uuid4().bytes, "application/pdf")


def shipment_files(*extra: str) -> dict[str, tuple[str, bytes, str]]:
    kinds = ("commercial_invoice", "transport_document", *extra)
    return {f"document.{k}": pdf(k) for k in kinds}


def common(kind: str) -> dict[str, str]:
    return {
        "kind": kind,
        "counterparty.name": "Emirates Rough DMCC" if kind == "import" else "Antwerp Rough NV",
        "counterparty.address": "Almas Tower, Dubai" if kind == "import" else "Hoveniersstraat 2",
        "counterparty.country": "AE" if kind == "import" else "BE",
        "expected_date": (macao_today() + timedelta(days=3)).isoformat(),
        "parcels": "3",
        "containers": "CNT-1",
        "seals": "S-100, S-101",
    }


def import_form(number: str) -> dict[str, str]:
    today = macao_today()
    return {
        **common("import"),
        "provenance_country": "AE",
        "lines.0.hs_code": "7102.31",
        "lines.0.carats": "612.50",
        "lines.0.value_usd": "280000.00",
        "lines.0.origin": "BW",
        "foreign_certificate.number": number,
        "foreign_certificate.issuing_country": "AE",
        "foreign_certificate.issuing_authority": "UAE Kimberley Process Office",
        "foreign_certificate.issued_on": (today - timedelta(days=2)).isoformat(),
        "foreign_certificate.expires_on": (today + timedelta(days=50)).isoformat(),
        "foreign_certificate.origin": "BW",
        "foreign_certificate.carats": "612.50",
        "foreign_certificate.value_usd": "280000.00",
        "foreign_certificate.parcels": "3",
        "foreign_certificate.hs_codes": "7102.31",
        "foreign_certificate.exporter.name": "Emirates Rough DMCC",
        "foreign_certificate.exporter.address": "Dubai",
        "foreign_certificate.exporter.country": "AE",
        "foreign_certificate.importer.name": "Jade Limitada",
        "foreign_certificate.importer.address": "Macao",
        "foreign_certificate.importer.country": "MO",
    }


def export_form(number: str, carats: str = "400.00") -> dict[str, str]:
    return {
        **common("export"),
        "destination_country": "BE",
        "lines.0.hs_code": "7102.31",
        "lines.0.carats": carats,
        "lines.0.value_usd": "185000.00",
        "lines.0.origin": "BW",
        "source_certificates.0.issuing_country": "AE",
        "source_certificates.0.number": number,
        "source_certificates.0.carats": carats,
        "declarations.complies_with_kpcs": "true",
        "declarations.destination_is_participant": "true",
        "declarations.tamper_proof_container": "true",
    }


def found_at_border(**changes: str) -> dict[str, str]:
    """What an officer types when recording a crossing: today, the licensed goods, intact."""
    return {
        "date": macao_today().isoformat(),
        "carats": "612.50",
        "parcels": "3",
        "containers": "CNT-1",
        "seals": "S-100, S-101",
        "seals_intact": "true",
        **changes,
    }


def case_of(response) -> str:  # type: ignore[no-untyped-def]
    assert response.status_code == 303, text_of(response.text)[:3000]
    location = response.headers["location"]
    assert re.fullmatch(r"/shipments/[A-Z]+-\d{4}-\d+", location), location
    return str(location.rsplit("/", 1)[1])


def licensed_trader(service: str, staff: Staff) -> Browser:
    """A trader registered and licensed through the portal."""
    trader = Browser.open(service)
    case_no = apply_for_licence(trader, trader.register())
    officer = staff_browser(service, staff.officer.username)
    response = officer.submit(f"/licences/{case_no}", f"/licences/{case_no}/approve", {})
    assert response.status_code == 303, text_of(response.text)[:2000]
    return trader


def cleared_import(service: str, staff: Staff, trader: Browser) -> str:
    """An import applied for in the portal, approved there, and cleared (customs' part, by an
    officer through the API); its certificate's number."""
    number = f"AE{uuid.uuid4().int % 10**9:09d}"
    response = trader.submit(
        "/trader/shipments/new?kind=import",
        "/trader/shipments/new",
        import_form(number),
        files=shipment_files("foreign_certificate"),
    )
    case_no = case_of(response)
    officer = staff_browser(service, staff.officer.username)
    response = officer.submit(f"/shipments/{case_no}", f"/shipments/{case_no}/approve", {})
    assert response.status_code == 303, text_of(response.text)[:2000]
    base = f"/shipments/{case_no}"
    response = officer.submit(base, f"{base}/arrival", found_at_border())
    assert response.status_code == 303, text_of(response.text)[:2000]
    page = trader.page(f"/shipments/{case_no}")
    assert "Cleared" in page and "import-confirmation.pdf" in page
    assert "form-confirmation-sent" not in page  # the bureau's to record
    assert trader.get(f"/shipments/{case_no}/import-confirmation.pdf").content.startswith(b"%PDF")
    # The officer records how Macao's confirmation went to the exporting authority.
    response = officer.submit(base, f"{base}/confirmation-sent", {"method": "email"})
    assert response.status_code == 303, text_of(response.text)[:2000]
    assert "The import confirmation was sent on" in officer.page(base)
    return number


def test_an_export_with_its_kp_certificate_from_application_to_download(
    service: str, staff: Staff
) -> None:
    trader = licensed_trader(service, staff)
    number = cleared_import(service, staff, trader)
    form = trader.page("/trader/shipments/new?kind=export")
    assert number in form and "612.50" in form  # the stock left, beside the form

    case_no = case_of(
        trader.submit(
            "/trader/shipments/new?kind=export",
            "/trader/shipments/new",
            export_form(number),
            files=shipment_files(),
        )
    )
    officer = staff_browser(service, staff.officer.username)
    supervisor = staff_browser(service, staff.supervisor.username)
    page = officer.page(f"/shipments/{case_no}")
    assert "MOP" in page and "Fee due" in page
    base = f"/shipments/{case_no}"
    assert officer.submit(base, f"{base}/approve", {}).status_code == 303
    paid = {"amount": "70.00", "receipt": "R-1"}
    response = officer.submit(base, f"{base}/certificate-payment", paid)
    assert response.status_code == 303, text_of(response.text)[:2000]
    # Four-eyes: the approver may not validate; the refusal is said on the page.
    refused = officer.submit(base, f"{base}/certificate-issue", {})
    assert refused.status_code == 422
    assert "four-eyes" in text_of(refused.text)
    issued = supervisor.submit(base, f"{base}/certificate-issue", {})
    assert issued.status_code == 303, text_of(issued.text)[:2000]

    page = trader.page(base)
    found = re.search(r'href="/certificates/([0-9A-Z]+)/certificate.pdf"', page)
    assert found is not None, text_of(page)[:3000]
    certificate = found.group(1)
    printed = trader.get(f"/certificates/{certificate}/certificate.pdf")
    assert printed.status_code == 200 and printed.content.startswith(b"%PDF")
    signed = trader.get(f"/certificates/{certificate}/certificate.xml")
    assert signed.status_code == 200 and b"Signature" in signed.content
    assert "405" not in page  # (no stray status codes shown)


def test_the_worklist_filters_by_kind_status_and_flags(
    service: str, staff: Staff, trader: Api
) -> None:
    browser = licensed_trader(service, staff)
    number = f"AE{uuid.uuid4().int % 10**9:09d}"
    form = import_form(number)
    form["lines.0.value_usd"] = form["foreign_certificate.value_usd"] = "5.00"  # far below band
    case_no = case_of(
        browser.submit(
            "/trader/shipments/new?kind=import",
            "/trader/shipments/new",
            form,
            files=shipment_files("foreign_certificate"),
        )
    )
    officer = staff_browser(service, staff.officer.username)
    link = f'href="/shipments/{case_no}"'
    flagged = officer.page(f"/officer?queue=import&flagged=true&q={case_no}")
    assert link in flagged and "Flagged" in flagged
    assert link not in officer.page(f"/officer?queue=export&q={case_no}")
    assert link not in officer.page(f"/officer?queue=import&status=approved&q={case_no}")
    assert link in officer.page(f"/officer?q={case_no}")
    listed = staff.officer.ok("GET", "/permits", params={"flagged": "true", "q": case_no})
    assert [c["case_no"] for c in listed["items"]] == [case_no]
    assert listed["items"][0]["flagged"] is True


def test_a_trader_never_sees_another_operators_shipment(service: str, staff: Staff) -> None:
    owner = licensed_trader(service, staff)
    number = cleared_import(service, staff, owner)
    stranger = Browser.open(service)
    stranger.register()
    case_no = case_of(
        owner.submit(
            "/trader/shipments/new?kind=export",
            "/trader/shipments/new",
            export_form(number, "10.00"),
            files=shipment_files(),
        )
    )
    assert stranger.get(f"/shipments/{case_no}").status_code == 404
    assert stranger.post(f"/shipments/{case_no}/withdraw", {"reason": "x"}).status_code == 404
    assert number not in stranger.page("/trader/shipments/new?kind=export")
    assert stranger.get("/officer").status_code == 403


def test_an_officer_records_a_transits_entry_and_exit(service: str, staff: Staff) -> None:
    """When customs' message does not come, an officer records the crossing on the case page:
    a refused try keeps what was typed and says what is wrong next to its field; the exit with
    other seals than the entry's opens a discrepancy, as customs' own message would."""
    trader = licensed_trader(service, staff)
    form = {
        **common("transit"),
        "provenance_country": "AE",
        "destination_country": "BE",
        "lines.0.hs_code": "7102.31",
        "lines.0.carats": "612.50",
        "lines.0.value_usd": "280000.00",
        "lines.0.origin": "BW",
    }
    new = "/trader/shipments/new?kind=transit"
    # A seal typed wrong among several is shown on the one field they were typed in.
    refused = trader.submit(
        new, "/trader/shipments/new", {**form, "seals": "S-100 S*101"}, files=shipment_files()
    )
    assert refused.status_code == 422 and 'id="e-seals"' in refused.text
    response = trader.submit(new, "/trader/shipments/new", form, files=shipment_files())
    case_no = case_of(response)
    officer = staff_browser(service, staff.officer.username)
    base = f"/shipments/{case_no}"
    assert officer.submit(base, f"{base}/approve", {}).status_code == 303
    page = officer.page(base)
    assert "form-entry" in page and "form-exit" not in page and "form-arrival" not in page
    assert "form-entry" not in trader.page(base)  # the bureau's to record

    refused = officer.submit(base, f"{base}/entry", found_at_border(seals="S-100 S*101"))
    assert refused.status_code == 422
    assert 'id="e-entry-seals"' in refused.text and 'value="612.50"' in refused.text
    response = officer.submit(base, f"{base}/entry", found_at_border())
    assert response.status_code == 303, text_of(response.text)[:2000]
    page = officer.page(base)
    assert "In transit" in page and "form-exit" in page and "form-entry" not in page

    response = officer.submit(base, f"{base}/exit", found_at_border(seals="S-100, S-999"))
    assert response.status_code == 303, text_of(response.text)[:2000]
    state = staff.officer.ok("GET", f"/permits/{case_no}")
    assert state["status"] == "discrepancy" and state["arrival"]["seals"] == ["S-100", "S-101"]
    assert "form-resolve" in officer.page(base)
