"""The portal in a real browser (Debian's Chromium, headless, driven by Playwright): a trader
registers and applies for its licence, an officer approves it; the trader imports (cleared by
customs' part through the API), then exports with Macao's KP certificate; the officers approve,
take the fee and validate (four-eyes); the trader downloads the certificate, and anyone verifies
it by the QR code's link. Once in each of the portal's three languages. Every main page passes
axe-core's accessibility check (no serious or critical violation), and is saved as a picture
(under the data folder, and ``KP_SCREENSHOTS_DIR`` if set)."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kp_licensing.support.settings import Settings
from tests.api.client import PDF
from tests.api.conftest import Staff
from tests.api.portal import PASSWORD
from tests.api.test_permits import arrival
from tests.api.test_portal_shipments import export_form, import_form
from tests.factories import REQUIRED_DOCUMENTS

pytestmark = pytest.mark.processes

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
playwright_api = pytest.importorskip("playwright.sync_api")
axe_api = pytest.importorskip("axe_playwright_python.sync_playwright")

#: What each language calls a few things the test looks for on its pages.
WORDS = {
    "zh": {"in_force": "生效中", "approved": "已批准", "valid": "有效", "lang": "zh-Hant-MO"},
    "pt": {"in_force": "Em vigor", "approved": "Deferido", "valid": "Válido", "lang": "pt-MO"},
    "en": {"in_force": "In force", "approved": "Approved", "valid": "Valid", "lang": "en"},
}
SERIOUS = {"serious", "critical"}
#: A phone's screen (CSS pixels), where the QR code's link is usually opened.
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if CHROMIUM is None:
        pytest.skip("no Chromium here (CI installs it)")
    with playwright_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
        )
        yield launched
        launched.close()


class Person:
    """One person at their own browser window (cookies of their own)."""

    def __init__(
        self, browser: Any, base: str, language: str, shots: Path, *, phone: bool = False
    ) -> None:
        screen = {"viewport": PHONE, "is_mobile": True, "has_touch": True} if phone else {}
        self.context = browser.new_context(base_url=base, accept_downloads=True, **screen)
        self.page = self.context.new_page()
        self.page.set_default_timeout(30_000)
        self.language = language
        self.shots = shots
        self.page.goto(f"/language/{language}?next=/")

    def goto(self, path: str) -> None:
        response = self.page.goto(path)
        assert response is not None and response.status < 400, (path, response and response.status)

    def check(self, name: str) -> None:
        """The page as it stands: its language, no serious accessibility violation, a picture."""
        page = self.page
        assert page.get_attribute("html", "lang") == WORDS[self.language]["lang"]
        results = axe_api.Axe().run(page)
        serious = [
            (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
            for v in results.response["violations"]
            if v["impact"] in SERIOUS
        ]
        assert serious == [], f"{name}: {serious}"
        self.shots.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(self.shots / f"{self.language}-{name}.png"), full_page=True)

    def sign_in(self, username: str) -> None:
        self.goto("/signin")
        self.page.fill('[name="username"]', username)
        self.page.fill('[name="password"]', PASSWORD)
        self.page.click('form[action="/signin"] button[type="submit"]')
        self.page.wait_for_load_state()

    def act(self, form: str, fields: dict[str, str] | None = None) -> None:
        """Fill and send one of a case page's action forms."""
        for name, value in (fields or {}).items():
            self.page.fill(f'#form-{form} [name="{name}"]', value)
        with self.page.expect_navigation():
            self.page.click(f'#form-{form} button[type="submit"]')


def _files(kinds: list[str]) -> list[tuple[str, dict[str, Any]]]:
    return [
        (
            f"document.{kind}",
            {"name": f"{kind}.pdf", "mimeType": "application/pdf", "buffer": PDF + kind.encode()},
        )
        for kind in kinds
    ]


def _fill(page: Any, values: dict[str, str]) -> None:
    for name, value in values.items():
        page.fill(f'[name="{name}"]', value)


def _case_from(page: Any, prefix: str) -> str:
    found = re.search(rf"/{prefix}/([A-Z]+-\d{{4}}-\d+)$", page.url)
    assert found, page.url
    return found.group(1)


@pytest.fixture
def shots(settings: Settings) -> Path:
    chosen = os.environ.get("KP_SCREENSHOTS_DIR")
    return Path(chosen) if chosen else settings.data_dir / "screenshots"


@pytest.mark.parametrize("language", ["zh", "pt", "en"])
def test_licence_export_certificate_and_verification_in_a_browser(
    browser: Any, service: str, staff: Staff, shots: Path, language: str
) -> None:
    words = WORDS[language]
    home = Person(browser, service, language, shots)
    home.goto("/")
    home.check("home")

    # A trader registers and applies for its operating licence.
    trader = Person(browser, service, language, shots)
    tag = uuid.uuid4().hex[:8]
    trader.goto("/register")
    trader.check("register")
    _fill(
        trader.page,
        {
            "operator_name": f"Jade {tag} Limitada",
            "business_registration_no": f"BR{tag.upper()}",
            "full_name": "Wong Siu Ming",
            "email": f"web-{tag}@jade.example.mo",
            "username": f"web-{tag}",
            "password": PASSWORD,
        },
    )
    with trader.page.expect_navigation():
        trader.page.click('form[action="/register"] button[type="submit"]')
    trader.sign_in(f"web-{tag}")
    assert trader.page.url.endswith("/trader")
    trader.check("trader-dashboard")
    trader.goto("/trader/licence/apply")
    trader.check("licence-application")
    _fill(
        trader.page,
        {
            "taxpayer_no": "T7654321",
            "establishment_address": "Rua de Pequim 202, 8/F, Macao",
            "administrators.0.name": "Wong Siu Ming",
            "administrators.0.id_document_number": "7654321(0)",
        },
    )
    for activity in ("import", "export"):
        trader.page.check(f"#a-{activity}")
    for declaration in trader.page.query_selector_all('input[name^="declarations."]'):
        declaration.check()
    for name, payload in _files(REQUIRED_DOCUMENTS):
        trader.page.set_input_files(f'[name="{name}"]', files=[payload])
    with trader.page.expect_navigation():
        trader.page.click('form[action="/trader/licence/apply"] button[type="submit"]')
    licence_case = _case_from(trader.page, "licences")
    trader.check("licence-case")

    # An officer finds it in the worklist and approves it.
    officer = Person(browser, service, language, shots)
    officer.sign_in(str(staff.officer.username))
    assert officer.page.url.endswith("/officer")
    officer.check("officer-worklist")
    officer.page.click(f'a[href="/licences/{licence_case}"]')
    officer.page.wait_for_load_state()
    officer.check("officer-licence-case")
    officer.act("approve")
    trader.goto("/trader")
    assert words["in_force"] in trader.page.content()

    # An import through the portal; customs' release recorded through the API.
    number = f"AE{uuid.uuid4().int % 10**9:09d}"
    trader.goto("/trader/shipments/new?kind=import")
    trader.check("import-application")
    typed = import_form(number)
    typed["foreign_certificate.importer.name"] = f"Jade {tag} Limitada"
    _fill(trader.page, {k: v for k, v in typed.items() if k != "kind"})
    kinds = ["commercial_invoice", "transport_document", "foreign_certificate"]
    for name, payload in _files(kinds):
        trader.page.set_input_files(f'[name="{name}"]', files=[payload])
    with trader.page.expect_navigation():
        trader.page.click('form[action="/trader/shipments/new"] button[type="submit"]')
    import_case = _case_from(trader.page, "shipments")
    officer.goto(f"/shipments/{import_case}")
    officer.act("approve")
    staff.officer.ok("POST", f"/permits/{import_case}/arrival", json=arrival())

    # The export, with Macao's KP certificate.
    trader.goto("/trader/shipments/new?kind=export")
    assert number in trader.page.content()  # the stock left, shown beside the form
    trader.check("export-application")
    typed = export_form(number)
    _fill(
        trader.page, {k: v for k, v in typed.items() if not k.startswith(("kind", "declarations"))}
    )
    for declaration in trader.page.query_selector_all('input[name^="declarations."]'):
        declaration.check()
    for name, payload in _files(["commercial_invoice", "transport_document"]):
        trader.page.set_input_files(f'[name="{name}"]', files=[payload])
    with trader.page.expect_navigation():
        trader.page.click('form[action="/trader/shipments/new"] button[type="submit"]')
    export_case = _case_from(trader.page, "shipments")
    trader.check("export-case")

    officer.goto(f"/shipments/{export_case}")
    officer.check("officer-export-case")
    officer.act("approve")
    assert words["approved"] in officer.page.content()
    officer.act("certificate-payment", {"receipt": "R-0001"})
    supervisor = Person(browser, service, language, shots)
    supervisor.sign_in(str(staff.supervisor.username))
    supervisor.goto(f"/shipments/{export_case}")
    supervisor.act("certificate-issue")
    supervisor.check("certificate-issued")

    # The trader downloads the certificate; anyone verifies it by the QR code's link.
    trader.goto(f"/shipments/{export_case}")
    link = trader.page.query_selector('a[href$="/certificate.xml"]')
    assert link is not None
    with trader.page.expect_download() as signed:
        link.click()
    document = Path(signed.value.path()).read_bytes()
    assert b"Signature" in document
    with trader.page.expect_download() as printed:
        trader.page.click('a[href$="/certificate.pdf"]')
    assert Path(printed.value.path()).read_bytes().startswith(b"%PDF")
    certificate = re.search(r"/certificates/([0-9A-Z]+)/", str(link.get_attribute("href")))
    assert certificate is not None
    digest = hashlib.sha256(document).hexdigest()

    public = Person(browser, service, language, shots, phone=True)
    public.goto(f"/api/v1/verify/certificates/{certificate.group(1)}?sha256={digest}")
    assert public.page.url.split("?")[0].endswith("/verify")
    assert public.page.query_selector("section.ok") is not None
    assert "Antwerp Rough NV" in public.page.content()
    assert words["valid"] in public.page.content()
    public.check("verification-phone")
    width = public.page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page is {width}px wide on a {PHONE['width']}px phone"
    trader.goto("/trader")
    trader.check("trader-dashboard-with-cases")
    for person in (home, trader, officer, supervisor, public):
        person.context.close()
