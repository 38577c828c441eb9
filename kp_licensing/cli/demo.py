"""``kp-licensing demo``: the operating-licence process, step by step, over the real HTTP API,
then shipments through customs (the simulator, ``customs_sim``).

Staff accounts (an officer, a supervisor and a customs system) are created through the API by
an administrator the demo is given (``--admin``), or else written straight into the service's
database, found as the service finds it; the trader registers through the API like any
company. Each run registers a new company, so the demo can be run again and again against the
same service.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from edi.pki import CUSTOMS, DevelopmentPki, load_signer
from kp_licensing.cli.customs_sim import CustomsSimulator
from kp_licensing.cli.demo_shipments import walk_shipments
from kp_licensing.domain.clock import macao_date
from kp_licensing.domain.errors import Conflict
from kp_licensing.services import accounts
from kp_licensing.services.audit import Origin
from kp_licensing.store.db import make_engine, session_factory
from kp_licensing.support import security
from kp_licensing.support.private import private_folder
from kp_licensing.support.settings import Settings
from schemas.accounts import NewApiKey, NewUser
from schemas.common import Role

#: The customs system the simulator plays (an account with API keys, no password).
CUSTOMS_USER, CUSTOMS_NAME = "demo-customs", "Macao Customs EDI gateway (demo)"
STAFF = {
    "demo-officer": ("Ana Lei (officer)", Role.officer, "officer-password-for-the-demo"),
    "demo-supervisor": ("Rui Ho (supervisor)", Role.supervisor, "supervisor-password-for-the-demo"),
}

#: The smallest well-formed PDF: what the demo uploads as each supporting document.
TINY_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


#: What to do when the demo cannot create its staff accounts itself.
_WHERE = (
    "the demo writes its officer and supervisor into the service's own database: run it "
    "from the folder the service runs in (make run), give it the service's KP_DATA_DIR or "
    "KP_DATABASE_URL, or pass --admin NAME to create them through the API instead"
)


def _shown(url: str) -> str:
    """A database URL without its password, for messages."""
    return make_url(url).render_as_string(hide_password=True)


def seed_staff(settings: Settings) -> str:
    """Create the demo officer, supervisor and customs system in the service's database (found
    as the service finds it: KP_DATABASE_URL, else the SQLite file in KP_DATA_DIR) if they are
    not there yet, and a new API key for the customs system (returned). Never creates a
    database: a missing one means the demo is looking in the wrong place."""
    if settings.environment == "production":
        raise RuntimeError("the demo seeds accounts with known passwords: not in production")
    url = settings.resolved_database_url()
    if url.startswith("sqlite") and not Path(make_url(url).database or "").is_file():
        raise RuntimeError(f"there is no service database at {_shown(url)}; {_WHERE}")
    engine = make_engine(url)
    security.configure_from(settings)
    try:
        with session_factory(engine)() as session:
            for username, (name, role, password) in STAFF.items():
                account = NewUser(username=username, full_name=name, role=role, password=password)
                try:
                    accounts.create_user(
                        session,
                        account,
                        policy=settings.password_policy(),
                        by=Origin.command_line(),
                    )
                except Conflict:  # there already, from an earlier run
                    session.rollback()
            return _customs_key(session, settings)
    except SQLAlchemyError as error:
        reason = str(getattr(error, "orig", None) or error).splitlines()[0]
        raise RuntimeError(
            f"cannot create the demo's accounts in {_shown(url)} ({reason}); {_WHERE}"
        ) from None
    finally:
        engine.dispose()


def _customs_key(session: Session, settings: Settings) -> str:
    """The demo's customs system (made once) and a new API key for this run's simulator."""
    by = Origin.command_line()
    try:
        account = accounts.create_user(
            session,
            NewUser(username=CUSTOMS_USER, full_name=CUSTOMS_NAME, role=Role.customs),
            policy=settings.password_policy(),
            by=by,
        )
    except Conflict:
        session.rollback()
        [account] = [u for u in accounts.list_users(session) if u.username == CUSTOMS_USER]
    issued = accounts.issue_api_key(
        session, account.id, NewApiKey(label="demo customs simulator"), days=1, by=by
    )
    return issued.key


def create_staff(base: str, admin: tuple[str, str]) -> str:
    """Create the demo officer, supervisor and customs system through the API, as the given
    administrator; a new API key for the customs system (returned)."""
    administrator = Client(base, *admin)
    for username, (name, role, password) in STAFF.items():
        body = {"username": username, "full_name": name, "role": role.value, "password": password}
        created = administrator.http.post("/users", json=body)
        if created.status_code not in (201, 409):  # 409: created by an earlier run
            raise RuntimeError(f"creating {username}: {created.status_code} {created.text}")
    body = {"username": CUSTOMS_USER, "full_name": CUSTOMS_NAME, "role": Role.customs.value}
    created = administrator.http.post("/users", json=body)
    if created.status_code not in (201, 409):
        raise RuntimeError(f"creating {CUSTOMS_USER}: {created.status_code} {created.text}")
    [account] = [u for u in administrator.call("GET", "/users") if u["username"] == CUSTOMS_USER]
    issued = administrator.call(
        "POST", f"/users/{account['id']}/api-keys", json={"label": "demo customs simulator"}
    )
    return str(issued["key"])


def customs_simulator(
    settings: Settings, base: str, api_key: str, tell: Callable[[str], None]
) -> CustomsSimulator:
    """Customs, played by the simulator with the development PKI's customs key and CA; it
    keeps what it takes and sends under the data folder's ``demo/customs``. Run from elsewhere
    (no development PKI here), it answers in EDIFACT, which the service takes on the customs
    account's API key, and reads declarations without verifying their signature."""
    pki = DevelopmentPki(settings.pki_dir, customs_office=settings.customs_office)
    here = settings.data_dir.is_dir() and pki.exists()
    if not here:
        tell(
            "customs' development keys are not here: the customs simulator answers in EDIFACT "
            "and reads declarations without verifying them"
        )
    return CustomsSimulator(
        http=httpx.Client(base_url=base + "/api/v1", headers={"X-API-Key": api_key}, timeout=60),
        signer=load_signer(pki.key(CUSTOMS), pki.chain(CUSTOMS)) if here else None,
        trust_store=settings.trust_store_file() if here else None,
        office=settings.customs_office,
        save=settings.data_dir / "demo" / "customs" if here else None,
    )


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

    def download(self, path: str) -> bytes:
        response = self.http.get(path)
        if response.is_error:
            raise RuntimeError(f"GET {path} -> {response.status_code}: {response.text}")
        return response.content

    @staticmethod
    def public(base: str, path: str) -> Any:
        """What anyone gets, without signing in (the public verification)."""
        response = httpx.get(f"{base}/api/v1{path}", timeout=30)
        response.raise_for_status()
        return response.json()

    def upload(self, kind: str) -> str:
        files = {"file": (f"{kind}.pdf", TINY_PDF, "application/pdf")}
        return str(self.call("POST", "/documents", files=files, data={"kind": kind})["id"])


def saver(
    settings: Settings, trader: Client, tell: Callable[[str], None]
) -> Callable[[str, str], None]:
    """Saves a document the trader downloads (``name``, the service's ``path``) under the data
    folder's ``demo/`` when the service's data folder is here (``make run`` then
    ``kp-licensing demo``), so a person can open it and check its signature:
    ``xmlsec1 --verify --trusted-pem var/pki/ca.pem ...``."""
    here = settings.data_dir.is_dir()
    if not here:
        tell("the service's data folder is not here: the documents are not saved")

    def save(name: str, path: str) -> None:
        if here:
            folder = private_folder(settings.data_dir / "demo")
            (folder / name).write_bytes(trader.download(path))

    return save


def run_demo(
    settings: Settings,
    base: str,
    *,
    echo: Callable[[str], None],
    admin: tuple[str, str] | None = None,
) -> None:
    """The walk-through; staff accounts through the API when ``admin`` (username, password)
    is given, else straight into the service's database."""
    stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
    try:
        httpx.get(f"{base}/health/live", timeout=10)
    except httpx.TransportError as error:
        raise RuntimeError(
            f"no service answers at {base} ({error}); start it (make run) in another terminal, "
            "or pass --api-url"
        ) from None
    customs_key = create_staff(base, admin) if admin is not None else seed_staff(settings)
    step = iter(range(1, 100))

    def tell(text: str) -> None:
        echo(f"{next(step):>2}. {text}")

    customs = customs_simulator(settings, base, customs_key, tell)

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
            "email": f"{username}@lotus.example.mo",  # its notices are mailed (var/mail/)
            "password": "demo-trader-password",
        },
    )
    if registered.is_error:
        raise RuntimeError(f"registration failed: {registered.status_code} {registered.text}")
    tell(f"trader registered company {registration_no} as user {username}")

    trader = Client(base, username, "demo-trader-password")
    try:
        officer = Client(base, "demo-officer", STAFF["demo-officer"][2])
    except RuntimeError:
        raise RuntimeError(
            f"the service at {base} does not accept the demo officer the demo created in "
            f"{_shown(settings.resolved_database_url())}: it uses another database; {_WHERE}"
        ) from None
    supervisor = Client(base, "demo-supervisor", STAFF["demo-supervisor"][2])

    kinds = settings.licence_required_documents
    documents = [trader.call("GET", f"/documents/{trader.upload(k)}") for k in kinds]
    tell(
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
    tell(
        f"trader applied: case {case_no} is {case['status']} ({passed}/{len(case['checks'])} "
        "automated checks passed)"
    )

    queue = officer.call("GET", "/licences", params={"status": "under_review", "q": case_no})
    tell(f"officer's worklist shows {queue['total']} case(s) under review matching {case_no}")

    asked = officer.call(
        "POST",
        f"/licences/{case_no}/request-information",
        json={
            "message": "Please send the lease of the permanent establishment.",
            "deadline_days": 14,
        },
    )
    deadline = datetime.fromisoformat(asked["state"]["info_request"]["deadline"])
    tell(
        f"officer requested information: case is {asked['state']['status']}, answer due by the "
        f"end of {macao_date(deadline) - timedelta(days=1)} (Macao)"
    )

    note = trader.call("GET", "/notifications", params={"unread": True})[0]
    tell(f'trader notified: "{note["message"]}"')

    lease = {"id": trader.upload("establishment_lease")}
    answered = trader.call(
        "POST",
        f"/licences/{case_no}/answer",
        json={"message": "Lease attached.", "document_ids": [lease["id"]]},
    )
    tell(f"trader answered with the lease: case is {answered['state']['status']}")

    approved = officer.call(
        "POST", f"/licences/{case_no}/approve", json={"note": "Complete file; premises inspected."}
    )
    state = approved["state"]
    tell(
        f"officer approved: licence {state['licence_no']} for {', '.join(state['activities'])}, "
        f"issued {state['issued_on']}, expires {state['expires_on']}"
    )

    save = saver(settings, trader, tell)
    licence_no = state["licence_no"]
    save(f"{licence_no}.xml", f"/licences/{case_no}/document")
    save(f"{licence_no}.pdf", f"/licences/{case_no}/document/pdf")
    tell(f"trader downloaded licence {licence_no}, signed (XML) and printed (PDF)")

    suspended = supervisor.call(
        "POST",
        f"/licences/{case_no}/suspend",
        json={"reason_code": "tax_debt", "reason": "DSF reported an unpaid tax assessment."},
    )
    tell(f"supervisor suspended the licence: {suspended['state']['status']}")

    check = Client(base, "demo-officer", STAFF["demo-officer"][2]).call(
        "GET", f"/licences/by-number/{state['licence_no']}"
    )
    tell(f"licence check by number: status {check['status']}, valid today: {check['valid_today']}")

    reinstated = supervisor.call(
        "POST", f"/licences/{case_no}/reinstate", json={"reason": "DSF confirmed payment."}
    )
    tell(f"supervisor reinstated the licence: {reinstated['state']['status']}")

    tell("history of the case:")
    for t in trader.call("GET", f"/licences/{case_no}/history"):
        echo(
            f"      #{t['seq']} {t['at'][:19]}Z {t['actor']['username']:<18} {t['action']:<22} "
            f"{t['from_status'] or '-':>14} -> {t['to_status']:<14} {t['reason'] or ''}"
        )
    verification = walk_shipments(
        trader,
        officer,
        supervisor,
        upload=trader.upload,
        save=save,
        tell=tell,
        verify=lambda path: Client.public(base, path),
        customs=customs,
    )
    if settings.data_dir.is_dir():
        tell(f"every document saved is in {settings.data_dir / 'demo'}")
        tell(f"the trader's mails (with no SMTP server set) are in {settings.mail_dir}")
    echo(
        f"done: see {base}/docs for the API and http://127.0.0.1:{settings.temporal_ui_port} "
        f"for workflow licence-{case_no} in the Temporal web UI"
    )
    echo(f"the portal, {base}/ (sign in at {base}/signin):")
    echo(f"  trader      {username} / demo-trader-password: {base}/trader")
    for who, (_, role, password) in STAFF.items():
        if role in (Role.officer, Role.supervisor):
            echo(f"  {role.value:<11} {who} / {password}: {base}/officer")
    echo(f"  anyone      the certificate's verification page: {base}{verification}")
