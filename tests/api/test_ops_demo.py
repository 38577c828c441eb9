"""``kp-licensing demo`` from any folder: with an administrator it creates its staff through
the API; without one it finds the service's database as the service does, and says clearly
(never a raw SQL error, never a stray ./var) when it cannot."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from lxml import etree

from kp_licensing.cli.demo import STAFF, run_demo, seed_staff
from kp_licensing.support.settings import Settings
from tests.api.client import Api, web
from tests.api.conftest import Staff
from tests.edi.conftest import xmlsec1_verify
from tests.test_ops_cli import run

pytestmark = pytest.mark.processes


def test_demo_run_elsewhere_without_the_database_says_what_to_do(
    service: str, tmp_path: Path
) -> None:
    result = run(["demo", "--api-url", service], {}, cwd=tmp_path)
    assert result.returncode == 1
    assert "no service database at" in result.stderr and "--admin" in result.stderr
    assert "Traceback" not in result.stderr and "OperationalError" not in result.stderr
    assert list(tmp_path.iterdir()) == []  # no ./var, no empty database left behind


def test_demo_with_an_administrator_runs_from_any_folder(
    service: str, staff: Staff, tmp_path: Path
) -> None:
    assert staff.admin.username is not None
    result = run(
        ["demo", "--api-url", service, "--admin", staff.admin.username, "--admin-password-stdin"],
        {},
        cwd=tmp_path,
        stdin="correct horse battery staple\n",
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert "officer approved: licence" in result.stdout
    assert list(tmp_path.iterdir()) == []
    # It ends with the portal's addresses: the trader's, the officers', the verification page.
    assert f"{service}/trader" in result.stdout and f"{service}/officer" in result.stdout
    link = re.search(r"verification page: (\S+)", result.stdout)
    assert link is not None, result.stdout[-1000:]
    page = web.get(link.group(1), headers={"Accept-Language": "pt-MO"})
    assert page.status_code == 200 and 'class="ok"' in page.text, page.text[-2000:]


def test_seeding_finds_the_service_database_from_its_settings(
    service: str, settings: Settings
) -> None:
    seed_staff(settings)
    seed_staff(settings)  # again: accounts already there are fine
    Api.login(service, "demo-officer", STAFF["demo-officer"][2])


def test_the_local_demo_saves_the_licence_and_the_certificate_signed_and_printed(
    service: str, settings: Settings
) -> None:
    """The demo ends with an issued certificate, its export used and confirmed, and leaves every
    document it obtained under the data folder's demo/, each verifiable with xmlsec1."""
    said: list[str] = []
    run_demo(settings, service, echo=said.append)
    [line] = [s for s in said if "trader downloaded licence" in s]
    licence_no = line.split("licence ")[1].split(",")[0]
    [line] = [s for s in said if "supervisor validated KP certificate" in s]
    number = line.split("certificate ")[1].split(",")[0]
    assert any("licence used" in s for s in said), said
    assert any("certificate confirmed" in s for s in said), said
    assert any(f"certificate {number} is genuine and valid" in s for s in said), said
    folder = settings.data_dir / "demo"
    saved = {path.stem for path in folder.glob("*.xml")}
    assert {licence_no, number} <= saved
    kinds = {stem[:2] for stem in saved} | {stem.split("-")[0] for stem in saved}
    assert {"OL", "MO", "IL", "EL", "TL", "confirmation"} <= kinds, saved
    for document in folder.glob("*.xml"):
        assert document.with_suffix(".pdf").read_bytes().startswith(b"%PDF-"), document
        tag = etree.QName(etree.parse(document).getroot())
        root = f"{tag.namespace}:{tag.localname}"
        trusted = settings.pki_dir / "ca.pem"
        done = xmlsec1_verify(document, trusted=trusted, root=root)
        assert done.returncode == 0, (document, done.stderr)
