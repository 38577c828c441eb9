"""``kp-licensing demo``: the operating-licence process, step by step, over the real HTTP API.

Staff accounts (an officer and a supervisor) are seeded straight into the database, as an
administrator would create them; the trader registers through the API like any company. Each run
registers a new company, so the demo can be run again and again against the same service.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from kp_licensing.demo_shipments import walk_shipments
from kp_licensing.domain.clock import macao_date
from kp_licensing.domain.errors import Conflict
from kp_licensing.settings import Settings
from kp_licensing.store import people
from kp_licensing.store.db import make_engine, session_factory
from schemas.common import Role

STAFF = {
    "demo-officer": ("Ana Lei (officer)", Role.officer, "officer-password-for-the-demo"),
    "demo-supervisor": ("Rui Ho (supervisor)", Role.supervisor, "supervisor-password-for-the-demo"),
}

#: The smallest well-formed PDF: what the demo uploads as each supporting document.
TINY_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


def seed_staff(settings: Settings) -> None:
    """Create the demo officer and supervisor if they are not there yet."""
    if settings.environment == "production":
        raise RuntimeError("the demo seeds accounts with known passwords: not in production")
    engine = make_engine(settings.resolved_database_url())
    with session_factory(engine)() as session:
        for username, (name, role, password) in STAFF.items():
            try:
                people.create_user(
                    session, username=username, full_name=name, role=role, password=password
                )
            except Conflict:
                session.rollback()
    engine.dispose()


class Client:
    """A logged-in user of the API; every non-2xx answer stops the demo with its reason."""

    def __init__(self, base: str, username: str, password: str) -> None:
        self.http = httpx.Client(base_url=base + "/api/v1", timeout=60)
        token = self.call("POST", "/auth/token", data={"username": username, "password": password})
        self.http.headers["Authorization"] = f"Bearer {token['access_token']}"

    def call(self, method: str, path: str, *, expect_error: bool = False, **kwargs: Any) -> Any:
        response = self.http.request(method, path, **kwargs)
        if response.is_error != expect_error:
            raise RuntimeError(f"{method} {path} -> {response.status_code}: {response.text}")
        return response.json() if response.content else None

    def upload(self, kind: str) -> str:
        files = {"file": (f"{kind}.pdf", TINY_PDF, "application/pdf")}
        return str(self.call("POST", "/documents", files=files, data={"kind": kind})["id"])


def run_demo(settings: Settings, base: str, *, echo: Callable[[str], None]) -> None:
    stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
    seed_staff(settings)
    step = iter(range(1, 100))

    def say(text: str) -> None:
        echo(f"{next(step):>2}. {text}")

    registration_no = f"DEMO-{stamp}"
    username = f"trader-{stamp[2:]}"
    anonymous = httpx.Client(base_url=base + "/api/v1", timeout=60)
    registered = anonymous.post(
        "/auth/register",
        json={
            "operator_name": f"Lotus Rough Diamonds Limitada ({stamp})",
            "operator_kind": "company",
            "business_registration_no": registration_no,
            "username": username,
            "full_name": "Chan Tai Man",
            "password": "demo-trader-password",
        },
    )
    if registered.is_error:
        raise RuntimeError(f"registration failed: {registered.status_code} {registered.text}")
    say(f"trader registered company {registration_no} as user {username}")

    trader = Client(base, username, "demo-trader-password")
    officer = Client(base, "demo-officer", STAFF["demo-officer"][2])
    supervisor = Client(base, "demo-supervisor", STAFF["demo-supervisor"][2])

    kinds = settings.licence_required_documents
    documents = [trader.call("GET", f"/documents/{trader.upload(k)}") for k in kinds]
    say(
        f"trader uploaded {len(documents)} documents: "
        + ", ".join(f"{d['kind']} (sha256 {d['sha256'][:12]}…)" for d in documents)
    )

    application = {
        "applicant_kind": "company",
        "name": f"Lotus Rough Diamonds Limitada ({stamp})",
        "business_registration_no": registration_no,
        "taxpayer_no": f"T{stamp[-8:]}",
        "establishment_address": "Avenida da Praia Grande 409, 12/F, Macao",
        "administrators": [{"name": "Chan Tai Man", "id_document_number": "1234567(8)"}],
        "activities": ["import", "export", "transit"],
        "declarations": {
            "start_of_activity_declared": True,
            "not_bankrupt": True,
            "no_tax_debt": True,
            "fit_and_proper": True,
        },
        "document_ids": [d["id"] for d in documents],
    }
    case = trader.call("POST", "/licences", json=application)
    case_no = case["case_no"]
    passed = sum(c["outcome"] == "passed" for c in case["checks"])
    say(
        f"trader applied: case {case_no} is {case['status']} ({passed}/{len(case['checks'])} "
        "automated checks passed)"
    )

    queue = officer.call("GET", "/licences", params={"status": "under_review", "q": case_no})
    say(f"officer's worklist shows {queue['total']} case(s) under review matching {case_no}")

    asked = officer.call(
        "POST",
        f"/licences/{case_no}/request-information",
        json={
            "message": "Please send the lease of the permanent establishment.",
            "deadline_days": 14,
        },
    )
    deadline = datetime.fromisoformat(asked["state"]["info_request"]["deadline"])
    say(
        f"officer requested information: case is {asked['state']['status']}, answer due by the "
        f"end of {macao_date(deadline) - timedelta(days=1)} (Macao)"
    )

    note = trader.call("GET", "/notifications", params={"unread": True})[0]
    say(f'trader notified: "{note["message"]}"')

    lease = {"id": trader.upload("establishment_lease")}
    answered = trader.call(
        "POST",
        f"/licences/{case_no}/answer",
        json={"message": "Lease attached.", "document_ids": [lease["id"]]},
    )
    say(f"trader answered with the lease: case is {answered['state']['status']}")

    approved = officer.call(
        "POST", f"/licences/{case_no}/approve", json={"note": "Complete file; premises inspected."}
    )
    state = approved["state"]
    say(
        f"officer approved: licence {state['licence_no']} for {', '.join(state['activities'])}, "
        f"issued {state['issued_on']}, expires {state['expires_on']}"
    )

    suspended = supervisor.call(
        "POST",
        f"/licences/{case_no}/suspend",
        json={"reason_code": "tax_debt", "reason": "DSF reported an unpaid tax assessment."},
    )
    say(f"supervisor suspended the licence: {suspended['state']['status']}")

    check = Client(base, "demo-officer", STAFF["demo-officer"][2]).call(
        "GET", f"/licences/by-number/{state['licence_no']}"
    )
    say(f"licence check by number: status {check['status']}, valid today: {check['valid_today']}")

    reinstated = supervisor.call(
        "POST", f"/licences/{case_no}/reinstate", json={"reason": "DSF confirmed payment."}
    )
    say(f"supervisor reinstated the licence: {reinstated['state']['status']}")

    say("history of the case:")
    for t in trader.call("GET", f"/licences/{case_no}/history"):
        echo(
            f"      #{t['seq']} {t['at'][:19]}Z {t['actor']['username']:<18} {t['action']:<22} "
            f"{t['from_status'] or '-':>14} -> {t['to_status']:<14} {t['reason'] or ''}"
        )
    walk_shipments(trader, officer, upload=trader.upload, say=say)
    echo(
        f"done: see {base}/docs for the API and http://127.0.0.1:{settings.temporal_ui_port} "
        f"for workflow licence-{case_no} in the Temporal web UI"
    )
