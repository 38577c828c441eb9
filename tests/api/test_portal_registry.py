"""The registry page: officers add a Participant entry and list a foreign certificate as
forged, then withdraw the listing; a refusal is said next to its form; a trader reads but may
not change the lists."""

from __future__ import annotations

import uuid

import pycountry

from tests.api.conftest import Staff
from tests.api.portal import Browser, text_of
from tests.api.test_portal_licences import staff_browser


def _country_without_entries(staff: Staff) -> str:
    """A country the registry has nothing on yet (other tests add entries too)."""
    for country in pycountry.countries:
        code = str(country.alpha_2)
        if not staff.officer.ok("GET", "/participants", params={"country": code}):
            return code
    raise AssertionError("every country has an entry")


def test_officers_keep_the_lists_and_traders_only_read_them(service: str, staff: Staff) -> None:
    officer = staff_browser(service, staff.officer.username)
    page = officer.page("/officer/registry")
    assert "form-participant" in page and "form-invalid" in page
    source = f"KP notice {uuid.uuid4().hex[:6]}"
    response = officer.submit(
        "/officer/registry",
        "/officer/registry/participants",
        {
            "country": _country_without_entries(staff),
            "status": "not_participant",
            "effective_from": "2026-01-01",
            "source": source,
        },
    )
    assert response.status_code == 303, text_of(response.text[response.text.find("errors") :])[:600]
    assert source in officer.page("/officer/registry")
    _end_the_entry(service, staff, officer, source)

    number = f"ZW{uuid.uuid4().int % 10**9:09d}"
    response = officer.submit(
        "/officer/registry",
        "/officer/registry/invalid",
        {
            "issuing_country": "ZW",
            "number": number,
            "kind": "forged",
            "reason": "Reported forged by the issuing authority.",
            "source": "ZW KP Office letter",
        },
    )
    assert response.status_code == 303, text_of(response.text[response.text.find("errors") :])[:600]
    page = officer.page("/officer/registry")
    assert number in page

    # Both a number and a series: refused next to the form, what was typed kept.
    refused = officer.submit(
        "/officer/registry",
        "/officer/registry/invalid",
        {
            "issuing_country": "ZW",
            "number": number,
            "series.prefix": "ZW",
            "series.first": "1",
            "series.last": "9",
            "kind": "forged",
            "reason": "Both at once.",
            "source": "x",
        },
    )
    assert refused.status_code == 422
    assert "Both at once." in refused.text and 'role="alert"' in refused.text

    trader = Browser.open(service)
    trader.register()
    assert number in trader.page("/officer/registry")  # traders read the lists (rule 15)
    assert "form-invalid" not in trader.page("/officer/registry")
    assert trader.post("/officer/registry/invalid", {"issuing_country": "ZW"}).status_code == 403
    assert "form-end-" not in trader.page("/officer/registry")


def _end_the_entry(service: str, staff: Staff, officer: Browser, source: str) -> None:
    """An officer ends the entry just added, on its own row: without a reason it is refused
    next to that form; then it is ended once, its former end kept, and offers no form again."""
    [entry] = [e for e in staff.officer.ok("GET", "/participants") if e["source"] == source]
    action = f"/officer/registry/participants/{entry['id']}/end"
    ending = {"effective_to": "2026-06-30", "source": "KP Chair's notice"}
    refused = officer.submit("/officer/registry", action, ending)
    assert refused.status_code == 422 and f'id="form-end-{entry["id"]}"' in refused.text
    assert 'role="alert"' in refused.text
    response = officer.submit("/officer/registry", action, {**ending, "reason": "Readmitted."})
    assert response.status_code == 303, text_of(response.text)[:2000]
    [ended] = [e for e in staff.officer.ok("GET", "/participants") if e["id"] == entry["id"]]
    assert ended["effective_to"] == "2026-06-30" and ended["end_reason"] == "Readmitted."
    assert ended["effective_to_before_end"] is None and ended["ended_by"]
    page = officer.page("/officer/registry")
    assert "Readmitted." in page and f"form-end-{entry['id']}" not in page
