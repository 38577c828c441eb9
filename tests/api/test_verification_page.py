"""Verification by an uploaded document (the API and the page), and the public page a person
sees: by number and hash (what the QR code's link opens in a browser), or by uploading the
certificate's signed XML."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from lxml import etree

from edi import kp_certificate
from edi.pki import DevelopmentPki, load_signer
from edi.signer import KeySigner
from edi.xmldsig import hardened_parser
from kp_licensing.api.app import create_app
from kp_licensing.store.db import SessionFactory
from kp_licensing.support.settings import Settings
from tests.api.portal import hidden_fields
from tests.api.test_docs_browser import BROWSER, rendered
from tests.api.test_verification import _issue


@pytest.fixture
def service_pki(settings: Settings) -> DevelopmentPki:
    """The PKI of the service under test: its trust store is what an upload is checked with."""
    return DevelopmentPki(settings.pki_dir)


@pytest.fixture
def dsedt(settings: Settings) -> KeySigner:
    """DSEDT's key as the service under test has it."""
    return load_signer(*settings.signing_files())


#: Each test is a visitor from an address of its own: the documents refused here count as failed
#: attempts of their address, and must not slow down other tests' (all from 127.0.0.1).
ADDRESSES = itertools.count(1)


@pytest.fixture
def visitor(settings: Settings) -> TestClient:
    address = f"198.51.100.{next(ADDRESSES)}"
    return TestClient(create_app(settings), client=(address, 4321))


def _upload(visitor: TestClient, data: bytes) -> dict[str, object]:
    files = {"document": ("certificate.xml", data, "application/xml")}
    response = visitor.post("/api/v1/verify/certificates", files=files)
    assert response.status_code == 200, response.text
    answer: dict[str, object] = response.json()
    return answer


def test_an_uploaded_document_is_genuine_only_as_issued(
    visitor: TestClient, sessions: SessionFactory, dsedt: KeySigner
) -> None:
    issued = _issue(sessions, dsedt)
    answer = _upload(visitor, issued.document)
    assert answer["genuine"] is True and answer["number"] == issued.number
    assert answer["summary"] is not None and answer["status"] == "valid"
    # The same document serialised again (no XML declaration): what it signs is unchanged.
    again = etree.tostring(etree.fromstring(issued.document, parser=hardened_parser()))
    assert again != issued.document and _upload(visitor, again)["genuine"] is True

    tampered = issued.document.replace(b"Antwerp Rough NV", b"Antwerp Rough BV")
    refused = _upload(visitor, tampered)
    assert refused["genuine"] is False and refused["summary"] is None
    assert "not a KP certificate signed by a trusted authority" in str(refused["verdict"])
    assert _upload(visitor, b"not xml at all")["genuine"] is False


def test_a_certificate_signed_by_another_key_is_not_the_one_issued(
    visitor: TestClient, sessions: SessionFactory, dsedt: KeySigner, service_pki: DevelopmentPki
) -> None:
    """An operator's representative (whose key chains to the same trust store) signs a
    certificate with the number of a genuine one but other content: not what Macao issued."""
    issued = _issue(sessions, dsedt)
    root = etree.fromstring(issued.document, parser=hardened_parser())
    root.remove(root[-1])
    certificate = kp_certificate.parse(root)
    forged = certificate.model_copy(update={"parcels": certificate.parcels + 1})
    key, chain = service_pki.operator("MO-REG-1", "Lotus Limitada", "Chan Tai Man")
    signed = kp_certificate.seal(forged, load_signer(key, chain))
    answer = _upload(visitor, signed.data)
    assert answer["genuine"] is False and answer["number"] == issued.number
    assert "not certificate" in str(answer["verdict"])


def test_the_page_answers_a_person_by_number_hash_or_upload(
    visitor: TestClient, sessions: SessionFactory, dsedt: KeySigner
) -> None:
    issued = _issue(sessions, dsedt)
    web = visitor
    form = web.get("/verify")
    assert form.status_code == 200 and form.headers["content-type"].startswith("text/html")
    assert "script-src 'self'" in form.headers["content-security-policy"]
    assert "<form" in form.text and 'name="number"' in form.text

    page = web.get("/verify", params={"number": issued.number, "sha256": issued.sha256})
    assert "genuine and valid until" in page.text and "Antwerp Rough NV" in page.text
    bare = web.get("/verify", params={"number": issued.number})
    assert "genuine and valid until" in bare.text and "Antwerp Rough NV" not in bare.text
    nonsense = web.get("/verify", params={"number": issued.number, "sha256": "<script>"})
    assert nonsense.status_code == 200 and "<script>" not in nonsense.text

    # What the QR code's link opens in a phone's browser: the page, not JSON.
    link = f"/api/v1/verify/certificates/{issued.number}?sha256={issued.sha256}"
    browser = web.get(link, headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert browser.headers["content-type"].startswith("text/html")
    assert "Antwerp Rough NV" in browser.text
    assert web.get(link).json()["genuine"] is True  # a program still gets JSON

    files = {"document": ("certificate.xml", issued.document, "application/xml")}
    assert web.post("/verify", files=files).status_code == 403  # a form without its token
    token = hidden_fields(web.get("/verify").text, "/verify")
    uploaded = web.post("/verify", files=files, data=token)
    assert uploaded.status_code == 200 and "genuine and valid until" in uploaded.text
    # In the visitor's language: the verdict and every label.
    chinese = web.get(
        "/verify",
        params={"number": issued.number, "sha256": issued.sha256},
        headers={"Accept-Language": "zh-Hant-MO"},
    )
    assert 'lang="zh-Hant-MO"' in chinese.text and "證書編號" in chinese.text
    assert "genuine and valid until" not in chinese.text


@pytest.mark.processes
@pytest.mark.skipif(BROWSER is None, reason="no Chromium here (CI installs it)")
def test_the_qr_codes_link_opens_as_a_page_in_a_browser(
    service: str, sessions: SessionFactory, dsedt: KeySigner, tmp_path: Path
) -> None:
    """What a phone's browser shows for the printed QR code's link: the page, drawn under its
    own policy, with the verdict and what the certificate prints."""
    issued = _issue(sessions, dsedt)
    link = f"{service}/api/v1/verify/certificates/{issued.number}?sha256={issued.sha256}"
    dom = rendered(link, tmp_path)
    assert "genuine and valid until" in dom and "Antwerp Rough NV" in dom, dom[-2000:]
    assert "<form" in dom
