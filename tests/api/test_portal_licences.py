"""An operating licence through the portal: the trader applies with its documents, an officer
asks for information, the trader answers, the officer approves, and the trader downloads the
licence; each step's refusals are said next to their fields and keep what was typed."""

from __future__ import annotations

import re

from tests.api.client import PDF
from tests.api.conftest import Staff
from tests.api.portal import PASSWORD, Browser, hidden_fields, text_of
from tests.factories import REQUIRED_DOCUMENTS


def licence_form(registered: dict[str, str]) -> dict[str, str]:
    return {
        "applicant_kind": "company",
        "name": registered["operator_name"],
        "business_registration_no": registered["business_registration_no"],
        "taxpayer_no": "T7654321",
        "establishment_address": "Rua de Pequim 202, 8/F, Macao",
        "administrators.0.name": "Wong Siu Ming",
        "administrators.0.id_document_number": "7654321(0)",
        "activities": ["import", "export", "transit"],
        "declarations.start_of_activity_declared": "true",
        "declarations.not_bankrupt": "true",
        "declarations.no_tax_debt": "true",
        "declarations.fit_and_proper": "true",
    }


def document_files(kinds: list[str] = REQUIRED_DOCUMENTS) -> dict[str, tuple[str, bytes, str]]:
    return {f"document.{k}": (f"{k}.pdf", PDF + k.encode(), "application/pdf") for k in kinds}


def apply_for_licence(browser: Browser, registered: dict[str, str]) -> str:
    response = browser.submit(
        "/trader/licence/apply",
        "/trader/licence/apply",
        licence_form(registered),
        files=document_files(),
    )
    assert response.status_code == 303, text_of(response.text)[:3000]
    location = response.headers["location"]
    assert re.fullmatch(r"/licences/[A-Z]+-\d{4}-\d+", location), location
    return location.rsplit("/", 1)[1]


def staff_browser(service: str, username: str | None) -> Browser:
    assert username is not None
    browser = Browser.open(service)
    browser.sign_in(username, PASSWORD)
    return browser


def test_a_licence_applied_for_answered_approved_and_downloaded(service: str, staff: Staff) -> None:
    trader = Browser.open(service)
    registered = trader.register()
    case_no = apply_for_licence(trader, registered)
    page = trader.page(f"/licences/{case_no}")
    assert case_no in page and "Under review" in page

    officer = staff_browser(service, staff.officer.username)
    page = officer.page(f"/licences/{case_no}")
    assert "form-approve" in page  # the decision forms are there
    response = officer.submit(
        f"/licences/{case_no}",
        f"/licences/{case_no}/request-information",
        {"message": "The lease of the establishment, please."},
    )
    assert response.status_code == 303, text_of(response.text)[:2000]

    page = trader.page(f"/licences/{case_no}")
    assert "The lease of the establishment, please." in page
    response = trader.submit(
        f"/licences/{case_no}",
        f"/licences/{case_no}/answer",
        {"message": "Attached."},
        files={"document.answer": ("lease.pdf", PDF + b"lease", "application/pdf")},
    )
    assert response.status_code == 303, text_of(response.text)[:2000]

    response = officer.submit(
        f"/licences/{case_no}", f"/licences/{case_no}/approve", {"activities": ["import", "export"]}
    )
    assert response.status_code == 303, text_of(response.text)[:2000]

    dashboard = trader.page("/trader")
    assert "In force" in dashboard
    pdf = trader.get(f"/licences/{case_no}/licence.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    xml = trader.get(f"/licences/{case_no}/licence.xml")
    assert xml.status_code == 200 and b"Signature" in xml.content


def test_a_refused_application_keeps_what_was_typed_and_the_files(service: str) -> None:
    trader = Browser.open(service)
    registered = trader.register()
    form = licence_form(registered)
    form["taxpayer_no"] = "!"  # not an identifier
    del form["declarations.fit_and_proper"]
    response = trader.submit(
        "/trader/licence/apply", "/trader/licence/apply", form, files=document_files()
    )
    assert response.status_code == 422
    assert 'id="e-taxpayer_no"' in response.text
    assert 'value="Rua de Pequim 202, 8/F, Macao"' in response.text
    kept = hidden_fields(response.text, "/trader/licence/apply")
    assert all(f"kept.{k}" in kept for k in REQUIRED_DOCUMENTS)
    # Corrected and sent again without choosing the files again: it goes through.
    form["taxpayer_no"] = "T7654321"
    form["declarations.fit_and_proper"] = "true"
    response = trader.client.post("/trader/licence/apply", data={**kept, **form})
    assert response.status_code == 303, text_of(response.text)[:3000]


def test_an_application_without_its_documents_lists_what_is_missing(service: str) -> None:
    trader = Browser.open(service, language="pt-MO")
    registered = trader.register()
    response = trader.submit(
        "/trader/licence/apply", "/trader/licence/apply", licence_form(registered)
    )
    assert response.status_code == 422
    assert 'role="alert"' in response.text
    assert "Certidão do registo comercial" in response.text or "registo" in response.text


def test_a_trader_never_sees_another_operators_case_or_files(service: str) -> None:
    owner, stranger = Browser.open(service), Browser.open(service)
    case_no = apply_for_licence(owner, owner.register())
    stranger.register()
    assert stranger.get(f"/licences/{case_no}").status_code == 404
    assert stranger.get(f"/licences/{case_no}/licence.pdf").status_code == 404
    page = owner.page(f"/licences/{case_no}")
    file_id = re.search(r'href="/files/([0-9a-f-]{36})"', page)
    assert file_id is not None
    assert owner.get(f"/files/{file_id.group(1)}").status_code == 200
    assert stranger.get(f"/files/{file_id.group(1)}").status_code == 404
    # Nor may a trader post an officer's decision.
    assert stranger.post(f"/licences/{case_no}/approve", {}).status_code == 403
    assert stranger.post(f"/licences/{case_no}/withdraw", {"reason": "x"}).status_code == 404


def test_two_posts_of_the_same_form_open_one_case(service: str) -> None:
    trader = Browser.open(service)
    registered = trader.register()
    fields = hidden_fields(trader.page("/trader/licence/apply"), "/trader/licence/apply")
    data = {**fields, **licence_form(registered)}
    first = trader.client.post("/trader/licence/apply", data=data, files=document_files())
    again = trader.client.post("/trader/licence/apply", data=data, files=document_files())
    assert first.status_code == 303, text_of(first.text)[:2000]
    assert again.headers.get("location") == first.headers["location"], text_of(again.text)[:2000]


def test_a_supervisor_suspends_and_reinstates_and_the_trader_renews(
    service: str, staff: Staff
) -> None:
    trader = Browser.open(service)
    registered = trader.register()
    case_no = apply_for_licence(trader, registered)
    officer = staff_browser(service, staff.officer.username)
    assert (
        officer.submit(f"/licences/{case_no}", f"/licences/{case_no}/approve", {}).status_code
        == 303
    )
    assert "form-suspend" not in officer.page(f"/licences/{case_no}")  # supervisors' only
    assert officer.post(f"/licences/{case_no}/suspend", {"reason": "x"}).status_code == 403

    supervisor = staff_browser(service, staff.supervisor.username)
    page = f"/licences/{case_no}"
    response = supervisor.submit(
        page,
        f"{page}/suspend",
        {"reason_code": "tax_debt", "reason": "DSF reported an unpaid tax assessment."},
    )
    assert response.status_code == 303, text_of(response.text)[:2000]
    assert "Suspended" in trader.page(page)
    response = supervisor.submit(page, f"{page}/reinstate", {"reason": "DSF confirmed payment."})
    assert response.status_code == 303, text_of(response.text)[:2000]
    assert "In force" in trader.page(page)

    # The renewal form opens with what was applied for last time; its documents anew.
    form = trader.page(f"/trader/licence/apply?renew={case_no}")
    assert 'value="Rua de Pequim 202, 8/F, Macao"' in form and 'name="renew"' in form
    fields = hidden_fields(form, "/trader/licence/apply")
    data = {**fields, **licence_form(registered)}
    response = trader.client.post("/trader/licence/apply", data=data, files=document_files())
    assert response.status_code == 303, text_of(response.text)[:2000]
    assert "Renewal under way" in trader.page(page)
