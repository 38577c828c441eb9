"""The access matrix: every endpoint of the API, called by every kind of caller.

Why this test exists: permissions are declared in one table (``kp_licensing.api.permissions``)
and ownership ("a trader sees only its own operator's data") is enforced route by route. A new
endpoint, a wrong ``Allowed(...)`` or a forgotten ownership check would not break any process
test, because those tests only ever call with the right person. This file therefore:

* lists every (method, path) of the API in ``MATRIX``, stating which ``Action`` guards it and
  whether it is about trader A's own data; ``test_matrix_covers_every_endpoint`` fails as soon
  as an endpoint exists without a row (or a row without an endpoint), and
  ``test_matrix_states_the_action_each_route_checks`` fails if the table names another action
  than the one the route really checks;
* derives the expected answer of each (endpoint, caller) from ``PERMISSIONS`` and ownership:
  no or bad credentials or a deactivated account -> 401; a role the table does not allow ->
  403; trader B on trader A's case, document, licence number or notification -> 404 (someone
  else's data does not exist for a trader); everyone else -> the endpoint's 2xx;
* sends, for every caller, a request that is valid apart from the caller (a correct body, a
  case in the state the action needs), so an allowed caller really succeeds rather than getting
  a 422 or 409 that would hide a permission bug, and a refused caller is refused *because of who
  it is*;
* checks that a refused call changed nothing (for a case: its history, read by an officer, has
  the same length and status), never answered with a 5xx, and never showed trader A's data;
  and that lists read by trader B hold none of trader A's cases, notifications or colleagues.

Cost: read-only rows and refused calls share module-scoped data (they change nothing); an
allowed state-changing call gets a fresh case in the state it needs, owned by a fresh operator
(an operator holds one open case at a time).

The shipment licences (/permits) have their rows, ``PERMIT_MATRIX``, and the world they need
in ``test_access_matrix_permits.py``, which reuses ``Callers``, ``Row``, ``Call`` and
``check_access`` from here; the two ``test_matrix_*`` tests below read both files' rows.
"""

from __future__ import annotations

import base64
import hashlib
import inspect
import itertools
import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Generic, TypeVar

import httpx
import pytest
from fastapi import routing
from fastapi.routing import APIRoute
from sqlmodel import col, func, select

from kp_licensing.api.app import create_app
from kp_licensing.api.deps import current_principal, require
from kp_licensing.api.permissions import PERMISSIONS, Action
from kp_licensing.store.db import SessionFactory
from kp_licensing.store.models import ApiKey, Document
from kp_licensing.support import security
from kp_licensing.support.settings import Settings
from schemas.common import Role
from tests.api.client import PDF, Api, http, web
from tests.api.conftest import Staff
from tests.api.document import openapi_document

PREFIX = "/api/v1"
PASSWORD = "correct horse battery staple"

#: Endpoints outside the matrix, each tested on its own below: the health probes are public
#: (load balancers, orchestrators), logging in and registering are what an anonymous caller
#: does first, and anyone may verify a certificate (tests/api/test_verification.py).
PUBLIC = {
    ("GET", f"{PREFIX}/verify/certificates/{{number}}"),
    ("POST", f"{PREFIX}/verify/certificates"),
    ("GET", f"{PREFIX}/verify/licences/{{number}}"),
    ("GET", "/health"),
    ("GET", "/health/live"),
    ("GET", "/health/ready"),
    ("POST", f"{PREFIX}/auth/token"),
    ("POST", f"{PREFIX}/auth/register"),
}

#: Every kind of caller. ``trader_a`` owns the case/document under test, ``trader_b`` is another
#: operator's trader; ``invalid_token`` is a well-formed JWT for the admin's account signed with
#: the wrong secret; ``deactivated`` logged in (or got its API key) before an admin deactivated it.
CALLERS = [
    "anonymous",
    "invalid_token",
    "deactivated",
    "trader_a",
    "trader_b",
    "officer",
    "supervisor",
    "customs",
    "admin",
]
UNAUTHENTICATED = {"anonymous", "invalid_token", "deactivated"}
ROLE_OF = {
    "trader_a": Role.trader,
    "trader_b": Role.trader,
    "officer": Role.officer,
    "supervisor": Role.supervisor,
    "customs": Role.customs,
    "admin": Role.admin,
}


# ------------------------------------------------------------------------------------ the world


@dataclass
class Case:
    """A licence case, its owner (trader A for that case) and the application it was made with."""

    owner: Api
    case_no: str
    application: dict[str, Any]
    licence_no: str | None = None


@dataclass
class Call:
    """One prepared request: valid apart from the caller.

    ``owner`` is trader A for this call (whose data it is about); ``secrets`` must not appear in
    a refused answer; ``snapshot`` reads the state a refused call must leave unchanged; ``verify``
    checks a successful answer (and the state it changed)."""

    path: str
    kwargs: dict[str, Any] = field(default_factory=dict)
    owner: Api | None = None
    secrets: list[str] = field(default_factory=list)
    snapshot: Callable[[], object] | None = None
    verify: Callable[[httpx.Response], None] | None = None


class Callers:
    """Every kind of caller, and the accounts they need: the staff, an anonymous client, a
    forged token, deactivated accounts (made on demand). A world built on it sets ``trader_a``
    (the default owner of the data under test) and ``trader_b`` (another operator's trader)."""

    trader_a: Api
    trader_b: Api

    def __init__(
        self, service: str, staff: Staff, sessions: SessionFactory, settings: Settings
    ) -> None:
        self.service = service
        self.staff = staff
        self.sessions = sessions
        self.anonymous = self.http()
        admin_id = staff.admin.ok("GET", "/me")["id"]
        forged, _ = security.issue_token(
            user_id=admin_id, role="admin", secret="not-" + settings.jwt_secret, minutes=5
        )
        self.invalid = self.http(headers={"Authorization": f"Bearer {forged}"})
        self.success = _success_codes()
        self._deactivated: dict[tuple[Role, int | None], httpx.Client] = {}

    def http(self, headers: dict[str, str] | None = None) -> httpx.Client:
        return http(self.service + PREFIX, headers=headers)

    def new_user(self, role: Role, operator_id: int | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {
            "username": f"{role.value}-{uuid.uuid4().hex[:8]}",
            "full_name": f"Matrix {role.value}",
            "role": role.value,
            "operator_id": operator_id,
        }
        if role != Role.customs:
            body["password"] = PASSWORD
        return self.staff.admin.ok("POST", "/users", json=body)

    def new_key(self, user_id: int) -> dict[str, Any]:
        return self.staff.admin.ok("POST", f"/users/{user_id}/api-keys", json={"label": "matrix"})

    def usernames(self) -> set[str]:
        return {u["username"] for u in self.staff.admin.ok("GET", "/users")}

    def me_status(self, key: str) -> int:
        return self.http(headers={"X-API-Key": key}).get("/me").status_code

    def deactivated(self, role: Role, operator_id: int | None) -> httpx.Client:
        """A client holding a token (or, for customs, an API key) of an account of ``role`` that
        worked, then was deactivated by an admin. A trader is a colleague of trader A, so only
        deactivation stands between it and trader A's data."""
        cache_key = (role, operator_id if role == Role.trader else None)
        if cache_key not in self._deactivated:
            user = self.new_user(role, operator_id if role == Role.trader else None)
            if role == Role.customs:
                client = self.http(headers={"X-API-Key": self.new_key(user["id"])["key"]})
            else:
                token = self.anonymous.post(
                    "/auth/token", data={"username": user["username"], "password": PASSWORD}
                )
                assert token.status_code == 200, token.text
                client = self.http(
                    headers={"Authorization": f"Bearer {token.json()['access_token']}"}
                )
            assert client.get("/me").status_code == 200
            self.staff.admin.ok("POST", f"/users/{user['id']}/deactivate")
            self._deactivated[cache_key] = client
        return self._deactivated[cache_key]

    def client(self, caller: str, row: Row[Any], call: Call) -> httpx.Client:
        owner = call.owner or self.trader_a
        match caller:
            case "anonymous":
                return self.anonymous
            case "invalid_token":
                return self.invalid
            case "deactivated":
                return self.deactivated(_deactivated_role(row), owner.operator_id)
            case "trader_a":
                return owner.http
            case "trader_b":
                return self.trader_b.http
            case _:
                return getattr(self.staff, caller).http


class World(Callers):
    """What the licence rows need, built once per module: trader A with a licence in force, a
    document and two notifications, trader B (another operator, with a case of its own), cases
    in each state for refused calls to aim at, and the accounts admin rows target."""

    def __init__(
        self, service: str, staff: Staff, sessions: SessionFactory, settings: Settings
    ) -> None:
        super().__init__(service, staff, sessions, settings)

        # Trader A: a licence in force, a document, and two unread notifications (received,
        # approved): one for trader A to mark read, one refused callers must leave unread.
        self.trader_a = Api.register(service)
        self.active = self.new_case("active", owner=self.trader_a)
        marker = self.trader_a.registration_no or ""
        self.document_content = PDF + f"% {marker}\n".encode()
        self.document = self.trader_a.upload(
            "criminal_record", content=self.document_content, name=f"{marker}.pdf"
        )
        notes = self.trader_a.ok("GET", "/notifications")
        assert len(notes) >= 2 and all(n["read_at"] is None for n in notes), notes
        self.note_to_read, self.note_kept_unread = notes[0]["id"], notes[-1]["id"]

        # Trader B: its own (withdrawn) case, so its lists are not empty and it may apply again.
        self.trader_b = Api.register(service)
        self.b_application = self.trader_b.application()
        b_case = self.trader_b.ok("POST", "/licences", json=self.b_application)["case_no"]
        self.trader_b.ok("POST", f"/licences/{b_case}/withdraw", json={"reason": "Not yet"})
        self.b_case = b_case
        self.b_document = self.trader_b.upload("establishment_lease")

        # Cases that refused calls aim at (each its own operator: one open case per operator).
        self.shared: dict[str, Case] = {"active": self.active}
        for status in ("under_review", "info_requested", "suspended"):
            self.shared[status] = self.new_case(status)
        self.answer_document = self.shared["info_requested"].owner.upload("establishment_lease")

        # Accounts the admin rows act on when the caller is refused (and must leave alone).
        self.customs_account = self.new_user(Role.customs)
        self.victim = self.new_user(Role.officer)
        self.victim_key = self.new_key(self.customs_account["id"])

        # A registry entry and an invalid-certificate listing that refused calls aim at.
        self.registry_entry = self.new_registry_entry()
        self.listing = self.new_listing()

    # -- helpers

    def new_case(self, status: str, owner: Api | None = None) -> Case:
        """A case in ``status``, owned by a new operator unless ``owner`` is given."""
        owner = owner or Api.register(self.service)
        application = owner.application()
        case = Case(owner, owner.ok("POST", "/licences", json=application)["case_no"], application)
        officer, supervisor = self.staff.officer, self.staff.supervisor
        if status == "info_requested":
            officer.ok(
                "POST",
                f"/licences/{case.case_no}/request-information",
                json={"message": "Send the lease.", "deadline_days": 10},
            )
        if status in ("active", "suspended"):
            approved = officer.ok("POST", f"/licences/{case.case_no}/approve", json={})
            case.licence_no = approved["state"]["licence_no"]
        if status == "suspended":
            supervisor.ok(
                "POST",
                f"/licences/{case.case_no}/suspend",
                json={"reason_code": "tax_debt", "reason": "DSF notice"},
            )
        assert self.case_state(case)[1] == status
        return case

    def case_state(self, case: Case) -> tuple[int, str]:
        """(history length, status) as an officer reads them: what a refused call must keep."""
        history = self.staff.officer.ok("GET", f"/licences/{case.case_no}/history")
        return len(history), history[-1]["to_status"]

    def new_registry_entry(self) -> dict[str, Any]:
        return self.staff.officer.ok("POST", "/participants", json=_registry_body())

    def registry_entries(self) -> list[dict[str, Any]]:
        """The matrix country's entries as an officer reads them."""
        return self.staff.officer.ok("GET", "/participants", params={"country": MATRIX_COUNTRY})

    def new_listing(self) -> dict[str, Any]:
        return self.staff.officer.ok("POST", "/invalid-certificates", json=_listing_body())

    def listings(self) -> dict[int, dict[str, Any]]:
        params = {"issuing_country": "AE", "include_withdrawn": True}
        return {
            x["id"]: x for x in self.staff.officer.ok("GET", "/invalid-certificates", params=params)
        }


@pytest.fixture(scope="module")
def world(service: str, staff: Staff, sessions: SessionFactory, settings: Settings) -> World:
    return World(service, staff, sessions, settings)


def _success_codes() -> dict[tuple[str, str], int]:
    """Each endpoint's documented success status (200, 201 or 204)."""
    codes = {}
    for path, operations in openapi_document()["paths"].items():
        for method, operation in operations.items():
            codes[method.upper(), path] = min(
                int(c) for c in operation["responses"] if c.startswith("2")
            )
    return codes


def _deactivated_role(row: Row[Any]) -> Role:
    """The deactivated account gets a role that would be allowed on this row (so the 401 is
    due to deactivation alone); customs, the API-key path, where any account is allowed."""
    if row.action is None:
        return Role.customs
    order = (Role.trader, Role.supervisor, Role.officer, Role.customs, Role.admin)
    return next(r for r in order if r in PERMISSIONS[row.action])


# ------------------------------------------------------------------------------- the matrix rows

W = TypeVar("W", bound=Callers)


@dataclass(frozen=True)
class Row(Generic[W]):
    """One endpoint: the ``Action`` that guards it (None: any authenticated caller), whether it
    is about trader A's own data (then trader B gets 404), and how to prepare a valid call in
    the world ``W`` of the file that holds the row."""

    action: Action | None
    owned: bool
    prepare: Callable[[W, str, bool], Call]


Prepare = Callable[[World, str, bool], Call]


def _case_transition(
    verb: str, needs: str, body: Callable[[World, str, Case], dict[str, Any]], to: str, event: str
) -> Prepare:
    """POST /licences/{case_no}/{verb}: an allowed caller acts on a fresh case in state
    ``needs`` and the case moves to ``to`` with one more history entry named ``event``; a
    refused caller aims at the shared case in that state, which must stay as it was."""

    def prepare(world: World, caller: str, allowed: bool) -> Call:
        case = world.new_case(needs) if allowed else world.shared[needs]
        before = world.case_state(case)

        def verify(response: httpx.Response) -> None:
            record = response.json()
            assert record["state"]["case_no"] == case.case_no
            assert record["state"]["status"] == to
            assert record["transition"]["action"] == event
            assert record["transition"]["actor"]["role"] == ROLE_OF[caller].value
            assert world.case_state(case) == (before[0] + 1, to)

        return Call(
            path=f"/licences/{case.case_no}/{verb}",
            kwargs={"json": body(world, caller, case)},
            owner=case.owner,
            secrets=[case.owner.registration_no or ""],
            snapshot=lambda: world.case_state(case),
            verify=verify,
        )

    return prepare


def _reason(text: str) -> Callable[[World, str, Case], dict[str, Any]]:
    return lambda world, caller, case: {"reason": text}


def _answer_body(world: World, caller: str, case: Case) -> dict[str, Any]:
    """An answer with a document of the caller's own operator (trader B sends its own: with
    trader A's document ids it would be refused for the ids, before the case is looked up)."""
    if caller == "trader_b":
        document = world.b_document
    elif case is world.shared["info_requested"]:
        document = world.answer_document
    else:
        document = case.owner.upload("establishment_lease")
    return {"message": "The lease is attached.", "document_ids": [document["id"]]}


def _renew_body(world: World, caller: str, case: Case) -> dict[str, Any]:
    """The owner's application again (its documents may be reused); trader B sends a valid
    application of its own operator, for the same reason as in ``_answer_body``."""
    return world.b_application if caller == "trader_b" else case.application


# -- accounts


def _me(world: World, caller: str, allowed: bool) -> Call:
    def verify(response: httpx.Response) -> None:
        me = response.json()
        assert me["role"] == ROLE_OF[caller].value and me["is_active"]
        if caller == "trader_a":
            assert me["username"] == world.trader_a.username
            assert me["operator_id"] == world.trader_a.operator_id
        if caller == "trader_b":
            assert me["operator_id"] == world.trader_b.operator_id

    return Call(path="/me", verify=verify)


def _change_password(world: World, caller: str, allowed: bool) -> Call:
    """An allowed caller renews its own password (to the same words: later tests sign in with
    them) and carries on with the token the answer gives, its old one having stopped working.
    A refused call leaves trader A's token working."""
    body = {"current_password": PASSWORD, "new_password": PASSWORD}

    def verify(response: httpx.Response) -> None:
        client = world.trader_a.http if caller == "trader_a" else world.trader_b.http
        if caller not in ("trader_a", "trader_b"):
            client = getattr(world.staff, caller).http
        old = client.get("/me")
        assert old.status_code == 401 and old.json()["message_code"] == "auth.token_superseded"
        client.headers["Authorization"] = f"Bearer {response.json()['access_token']}"
        assert client.get("/me").status_code == 200

    return Call(
        path="/me/password",
        kwargs={"json": body},
        snapshot=lambda: world.trader_a.http.get("/me").status_code,
        verify=verify,
    )


def _list_users(world: World, caller: str, allowed: bool) -> Call:
    def verify(response: httpx.Response) -> None:
        names = {u["username"] for u in response.json()}
        assert {world.trader_a.username, world.trader_b.username, world.victim["username"]} <= names

    return Call(path="/users", verify=verify, secrets=[world.victim["username"]])


def _audit(world: World, caller: str, allowed: bool) -> Call:
    victim = f"user:{world.victim['id']}"

    def verify(response: httpx.Response) -> None:
        items = response.json()["items"]
        assert "account.created" in [e["action"] for e in items], items
        assert all(len(e["hash"]) == 64 for e in items)

    return Call(
        path="/audit",
        kwargs={"params": {"target": victim}},
        verify=verify,
        secrets=[world.victim["username"]],
    )


def _decode_payloads(world: World, caller: str, allowed: bool) -> Call:
    secret = f"matrix-{uuid.uuid4().hex[:8]}"
    plain = {
        "metadata": {"encoding": base64.b64encode(b"json/plain").decode()},
        "data": base64.b64encode(json.dumps({"name": secret}).encode()).decode(),
    }

    def verify(response: httpx.Response) -> None:
        assert response.json() == {"payloads": [plain]}

    return Call(
        path="/codec/decode",
        kwargs={"json": {"payloads": [plain]}},
        verify=verify,
        secrets=[secret],
    )


def _create_user(world: World, caller: str, allowed: bool) -> Call:
    username = f"officer-{uuid.uuid4().hex[:8]}"
    body = {
        "username": username,
        "full_name": "New Officer",
        "role": "officer",
        "password": PASSWORD,
    }

    def verify(response: httpx.Response) -> None:
        assert response.json()["username"] == username and response.json()["role"] == "officer"
        assert username in world.usernames()

    return Call(
        path="/users",
        kwargs={"json": body},
        snapshot=lambda: username in world.usernames(),
        verify=verify,
    )


def _is_active(world: World, user_id: int) -> bool:
    """The account's standing as the admin's list shows it."""
    users = world.staff.admin.ok("GET", "/users")
    return bool(next(u for u in users if u["id"] == user_id)["is_active"])


def _deactivate(world: World, caller: str, allowed: bool) -> Call:
    target = world.new_user(Role.officer) if allowed else world.victim

    def active() -> bool:
        return _is_active(world, target["id"])

    def verify(response: httpx.Response) -> None:
        assert response.json()["id"] == target["id"] and response.json()["is_active"] is False
        assert active() is False

    return Call(path=f"/users/{target['id']}/deactivate", snapshot=active, verify=verify)


def _reactivate(world: World, caller: str, allowed: bool) -> Call:
    """An allowed caller brings back an account an admin deactivated; a refused one leaves the
    deactivated victim deactivated."""
    target = world.new_user(Role.officer)
    world.staff.admin.ok("POST", f"/users/{target['id']}/deactivate")

    def active() -> bool:
        return _is_active(world, target["id"])

    def verify(response: httpx.Response) -> None:
        assert response.json()["id"] == target["id"] and response.json()["is_active"] is True
        assert active() is True
        signed_in = world.anonymous.post(
            "/auth/token", data={"username": target["username"], "password": PASSWORD}
        )
        assert signed_in.status_code == 200, signed_in.text

    return Call(path=f"/users/{target['id']}/reactivate", snapshot=active, verify=verify)


def _change_account(world: World, caller: str, allowed: bool) -> Call:
    """An allowed caller promotes an officer; a refused one leaves it an officer."""
    target = world.new_user(Role.officer)

    def role() -> str:
        users = world.staff.admin.ok("GET", "/users")
        return str(next(u["role"] for u in users if u["id"] == target["id"]))

    def verify(response: httpx.Response) -> None:
        assert response.json()["role"] == "supervisor" and role() == "supervisor"

    return Call(
        path=f"/users/{target['id']}",
        kwargs={"json": {"role": "supervisor"}},
        snapshot=role,
        verify=verify,
    )


def _issue_key(world: World, caller: str, allowed: bool) -> Call:
    account = world.customs_account["id"]

    def keys() -> int:
        with world.sessions() as session:
            stmt = select(func.count()).select_from(ApiKey).where(ApiKey.user_id == account)
            return int(session.exec(stmt).one())

    def verify(response: httpx.Response) -> None:
        issued = response.json()
        assert issued["label"] == "EDI gateway 2"
        me = world.http(headers={"X-API-Key": issued["key"]}).get("/me")
        assert me.status_code == 200 and me.json()["id"] == account

    return Call(
        path=f"/users/{account}/api-keys",
        kwargs={"json": {"label": "EDI gateway 2"}},
        snapshot=keys,
        verify=verify,
    )


def _list_keys(world: World, caller: str, allowed: bool) -> Call:
    account = world.customs_account["id"]

    def verify(response: httpx.Response) -> None:
        keys = response.json()
        assert world.victim_key["id"] in {k["id"] for k in keys}, keys
        assert all(set(k) >= {"prefix", "expires_at", "last_used_at"} for k in keys), keys

    return Call(path=f"/users/{account}/api-keys", verify=verify, secrets=[world.victim_key["key"]])


def _revoke_key(world: World, caller: str, allowed: bool) -> Call:
    key = world.new_key(world.customs_account["id"]) if allowed else world.victim_key

    def verify(response: httpx.Response) -> None:
        assert world.me_status(key["key"]) == 401

    return Call(
        path=f"/api-keys/{key['id']}/revoke",
        snapshot=lambda: world.me_status(key["key"]),
        verify=verify,
    )


def _colleagues(world: World, caller: str, allowed: bool) -> Call:
    def verify(response: httpx.Response) -> None:
        me = world.trader_a if caller == "trader_a" else world.trader_b
        users = response.json()
        assert me.username in {u["username"] for u in users}
        assert all(u["operator_id"] == me.operator_id for u in users), users

    return Call(
        path="/operator/users", verify=verify, secrets=[world.trader_a.username or "trader-a"]
    )


def _add_colleague(world: World, caller: str, allowed: bool) -> Call:
    username = f"colleague-{uuid.uuid4().hex[:8]}"
    body = {"username": username, "full_name": "Wong Siu Ming", "password": PASSWORD}

    def verify(response: httpx.Response) -> None:
        me = world.trader_a if caller == "trader_a" else world.trader_b
        user = response.json()
        assert (user["username"], user["role"], user["operator_id"]) == (
            username,
            "trader",
            me.operator_id,
        )

    return Call(
        path="/operator/users",
        kwargs={"json": body},
        snapshot=lambda: username in world.usernames(),
        verify=verify,
    )


def _deactivate_colleague(world: World, caller: str, allowed: bool) -> Call:
    """Trader A stops a colleague of its own operator; anyone else leaves that colleague able
    to log in (trader B: the account does not exist for it)."""
    colleague = world.trader_a.ok(
        "POST",
        "/operator/users",
        json={
            "username": f"colleague-{uuid.uuid4().hex[:8]}",
            "full_name": "Wong Siu Ming",
            "password": PASSWORD,
        },
    )

    def active() -> bool:
        return _is_active(world, colleague["id"])

    def verify(response: httpx.Response) -> None:
        assert response.json()["id"] == colleague["id"] and response.json()["is_active"] is False
        assert active() is False

    return Call(
        path=f"/operator/users/{colleague['id']}/deactivate", snapshot=active, verify=verify
    )


# -- documents


def _upload(world: World, caller: str, allowed: bool) -> Call:
    kind = f"matrix_{uuid.uuid4().hex[:8]}"

    def stored() -> list[int]:
        with world.sessions() as session:
            rows = session.exec(select(Document).where(Document.kind == kind)).all()
            return [d.operator_id for d in rows]

    def verify(response: httpx.Response) -> None:
        me = world.trader_a if caller == "trader_a" else world.trader_b
        assert response.json()["kind"] == kind
        assert stored() == [me.operator_id]

    return Call(
        path="/documents",
        kwargs={"files": {"file": ("lease.pdf", PDF, "application/pdf")}, "data": {"kind": kind}},
        snapshot=stored,
        verify=verify,
    )


def _document(world: World, caller: str, allowed: bool) -> Call:
    def verify(response: httpx.Response) -> None:
        assert response.json() == world.document

    return Call(
        path=f"/documents/{world.document['id']}",
        owner=world.trader_a,
        secrets=[world.document["filename"], world.document["sha256"]],
        verify=verify,
    )


def _document_content(world: World, caller: str, allowed: bool) -> Call:
    def verify(response: httpx.Response) -> None:
        assert response.content == world.document_content
        assert response.headers["content-disposition"].startswith("attachment")

    return Call(
        path=f"/documents/{world.document['id']}/content",
        owner=world.trader_a,
        secrets=[world.trader_a.registration_no or ""],
        verify=verify,
    )


# -- licences


def _apply(world: World, caller: str, allowed: bool) -> Call:
    """Trader A is a new operator (no open case); trader B's earlier case was withdrawn.
    Refused callers send the application trader A made (their role, not the body, decides)."""
    owner = Api.register(world.service) if allowed and caller == "trader_a" else world.trader_a
    if caller == "trader_b":
        application = world.b_application
    elif owner is world.trader_a:
        application = world.active.application
    else:
        application = owner.application()

    def total() -> int:
        return int(world.staff.officer.ok("GET", "/licences", params={"limit": 1})["total"])

    def verify(response: httpx.Response) -> None:
        me = owner if caller == "trader_a" else world.trader_b
        state = response.json()
        assert state["status"] == "under_review" and state["operator_id"] == me.operator_id

    return Call(
        path="/licences",
        kwargs={"json": application},
        owner=owner,
        snapshot=total,
        verify=verify,
    )


def _search(world: World, caller: str, allowed: bool) -> Call:
    """Everyone asks for trader A's operator; a trader gets its own cases whatever it asks."""
    a, b = world.trader_a, world.trader_b

    def verify(response: httpx.Response) -> None:
        items = response.json()["items"]
        cases = {c["case_no"] for c in items}
        operators = {c["operator_id"] for c in items}
        if caller == "trader_b":
            assert world.active.case_no not in cases and world.b_case in cases
            assert operators == {b.operator_id}
        else:
            assert world.active.case_no in cases
            assert operators == {a.operator_id}

    return Call(
        path="/licences",
        kwargs={"params": {"operator_id": a.operator_id, "limit": 200}},
        secrets=[world.active.case_no],
        verify=verify,
    )


def _by_number(world: World, caller: str, allowed: bool) -> Call:
    licence_no = world.active.licence_no

    def verify(response: httpx.Response) -> None:
        check = response.json()
        assert check["licence_no"] == licence_no
        assert (check["status"], check["valid_today"]) == ("active", True)
        assert check["business_registration_no"] == world.trader_a.registration_no

    return Call(
        path=f"/licences/by-number/{licence_no}",
        owner=world.trader_a,
        secrets=[world.trader_a.registration_no or ""],
        verify=verify,
    )


def _get_case(world: World, caller: str, allowed: bool) -> Call:
    def verify(response: httpx.Response) -> None:
        state = response.json()
        assert (state["case_no"], state["status"]) == (world.active.case_no, "active")
        assert state["operator_id"] == world.trader_a.operator_id

    return Call(
        path=f"/licences/{world.active.case_no}",
        owner=world.trader_a,
        secrets=[world.trader_a.registration_no or ""],
        verify=verify,
    )


def _licence_document(world: World, caller: str, allowed: bool) -> Call:
    assert world.active.licence_no is not None

    def verify(response: httpx.Response) -> None:
        assert world.active.licence_no is not None
        assert response.headers["content-type"].startswith("application/xml")
        assert world.active.licence_no.encode() in response.content
        digest = hashlib.sha256(response.content).hexdigest()
        assert response.headers["x-document-sha256"] == digest

    return Call(
        path=f"/licences/{world.active.case_no}/document",
        owner=world.trader_a,
        secrets=[world.active.licence_no],
        verify=verify,
    )


def _licence_pdf(world: World, caller: str, allowed: bool) -> Call:
    assert world.active.licence_no is not None

    def verify(response: httpx.Response) -> None:
        assert response.headers["content-type"] == "application/pdf"
        assert response.content.startswith(b"%PDF-")

    return Call(
        path=f"/licences/{world.active.case_no}/document/pdf",
        owner=world.trader_a,
        secrets=[world.active.licence_no],
        verify=verify,
    )


def _history(world: World, caller: str, allowed: bool) -> Call:
    def verify(response: httpx.Response) -> None:
        history = response.json()
        assert [h["action"] for h in history][:2] == ["submitted", "approved"]

    return Call(
        path=f"/licences/{world.active.case_no}/history",
        owner=world.trader_a,
        secrets=[world.trader_a.username or ""],
        verify=verify,
    )


# -- notifications


def _notifications(world: World, caller: str, allowed: bool) -> Call:
    def verify(response: httpx.Response) -> None:
        notes = response.json()
        ids = {n["id"] for n in notes}
        mine = {world.note_to_read, world.note_kept_unread}
        if caller == "trader_a":
            assert mine <= ids
            assert {n["case_no"] for n in notes} == {world.active.case_no}
        else:
            assert notes and not mine & ids
            assert world.active.case_no not in {n["case_no"] for n in notes}

    return Call(path="/notifications", verify=verify, secrets=[world.active.case_no])


def _mark_read(world: World, caller: str, allowed: bool) -> Call:
    """Trader A marks one notification read; refused callers aim at the other, which must stay
    unread (marking read is idempotent, so this is the only way to see a refused call act)."""
    note = world.note_to_read if allowed else world.note_kept_unread

    def read_at() -> object:
        notes = world.trader_a.ok("GET", "/notifications")
        return next(n["read_at"] for n in notes if n["id"] == note)

    def verify(response: httpx.Response) -> None:
        assert response.json()["id"] == note and response.json()["read_at"] is not None
        assert read_at() is not None

    return Call(
        path=f"/notifications/{note}/read",
        owner=world.trader_a,
        secrets=[world.active.case_no],
        snapshot=read_at,
        verify=verify,
    )


# -- Participant registry and invalid foreign certificates

#: The country whose entries the matrix adds and ends (no other test uses it); each entry gets
#: a day of its own, so no two overlap.
MATRIX_COUNTRY = "AQ"
_REGISTRY_DAYS = itertools.count()


def _registry_body() -> dict[str, Any]:
    start = date(2100, 1, 1) + timedelta(days=next(_REGISTRY_DAYS))
    return {
        "country": MATRIX_COUNTRY,
        "participant": "Matrix Participant",
        "status": "active",
        "effective_from": start.isoformat(),
        "effective_to": (start + timedelta(days=1)).isoformat(),
        "source": "Matrix source",
    }


def _listing_body() -> dict[str, Any]:
    return {
        "issuing_country": "AE",
        "number": f"AE{uuid.uuid4().int % 10**12:012d}",
        "kind": "forged",
        "reason": "Matrix listing",
        "source": "Matrix source",
    }


def _list_entries(world: World, caller: str, allowed: bool) -> Call:
    def verify(response: httpx.Response) -> None:
        assert world.registry_entry["id"] in [e["id"] for e in response.json()]

    return Call(path="/participants", kwargs={"params": {"country": MATRIX_COUNTRY}}, verify=verify)


def _check_participant(world: World, caller: str, allowed: bool) -> Call:
    def verify(response: httpx.Response) -> None:
        answer = response.json()
        assert answer["active"] and answer["participant"] == "European Union"

    params = {"country": "BE", "on": "2026-03-01"}
    return Call(path="/participants/check", kwargs={"params": params}, verify=verify)


def _add_entry(world: World, caller: str, allowed: bool) -> Call:
    body = _registry_body()

    def added() -> list[int]:
        return [
            e["id"]
            for e in world.registry_entries()
            if e["effective_from"] == body["effective_from"]
        ]

    def verify(response: httpx.Response) -> None:
        assert added() == [response.json()["id"]]
        assert response.json()["created_by"] == getattr(world.staff, caller).username

    return Call(path="/participants", kwargs={"json": body}, snapshot=added, verify=verify)


def _end_entry(world: World, caller: str, allowed: bool) -> Call:
    target = world.new_registry_entry() if allowed else world.registry_entry
    end = {"effective_to": target["effective_from"], "reason": "Matrix", "source": "Matrix"}

    def ended_at() -> object:
        return next(e for e in world.registry_entries() if e["id"] == target["id"])["ended_at"]

    def verify(response: httpx.Response) -> None:
        assert response.json()["ended_by"] == getattr(world.staff, caller).username
        assert ended_at() is not None

    return Call(
        path=f"/participants/{target['id']}/end",
        kwargs={"json": end},
        snapshot=ended_at,
        verify=verify,
    )


def _list_listings(world: World, caller: str, allowed: bool) -> Call:
    def verify(response: httpx.Response) -> None:
        assert world.listing["id"] in [x["id"] for x in response.json()]

    return Call(
        path="/invalid-certificates", kwargs={"params": {"issuing_country": "AE"}}, verify=verify
    )


def _check_certificate(world: World, caller: str, allowed: bool) -> Call:
    def verify(response: httpx.Response) -> None:
        assert (
            response.json()["invalid"] and response.json()["listing"]["id"] == world.listing["id"]
        )

    params = {"issuing_country": "AE", "number": world.listing["number"]}
    return Call(path="/invalid-certificates/check", kwargs={"params": params}, verify=verify)


def _mark_invalid(world: World, caller: str, allowed: bool) -> Call:
    body = _listing_body()

    def listed() -> bool:
        params = {"issuing_country": "AE", "number": body["number"]}
        return bool(
            world.staff.officer.ok("GET", "/invalid-certificates/check", params=params)["invalid"]
        )

    def verify(response: httpx.Response) -> None:
        assert response.json()["number"] == body["number"] and listed()

    return Call(path="/invalid-certificates", kwargs={"json": body}, snapshot=listed, verify=verify)


def _withdraw_listing(world: World, caller: str, allowed: bool) -> Call:
    target = world.new_listing() if allowed else world.listing

    def withdrawn_at() -> object:
        return world.listings()[target["id"]]["withdrawn_at"]

    def verify(response: httpx.Response) -> None:
        assert response.json()["withdrawn_by"] == getattr(world.staff, caller).username
        assert withdrawn_at() is not None

    return Call(
        path=f"/invalid-certificates/{target['id']}/withdraw",
        kwargs={"json": {"reason": "Matrix"}},
        snapshot=withdrawn_at,
        verify=verify,
    )


#: (method, path as in the OpenAPI document) -> the Action that guards it, whether it is about
#: trader A's own data (trader B then gets 404), and how to build a valid call.
MATRIX: dict[tuple[str, str], Row[World]] = {
    # accounts
    ("GET", f"{PREFIX}/me"): Row(None, False, _me),
    ("POST", f"{PREFIX}/me/password"): Row(Action.change_password, False, _change_password),
    ("GET", f"{PREFIX}/users"): Row(Action.manage_users, False, _list_users),
    ("POST", f"{PREFIX}/users"): Row(Action.manage_users, False, _create_user),
    ("POST", f"{PREFIX}/users/{{user_id}}/deactivate"): Row(
        Action.manage_users, False, _deactivate
    ),
    ("PATCH", f"{PREFIX}/users/{{user_id}}"): Row(Action.manage_users, False, _change_account),
    ("POST", f"{PREFIX}/users/{{user_id}}/reactivate"): Row(
        Action.manage_users, False, _reactivate
    ),
    ("POST", f"{PREFIX}/users/{{user_id}}/api-keys"): Row(Action.manage_users, False, _issue_key),
    ("GET", f"{PREFIX}/users/{{user_id}}/api-keys"): Row(Action.manage_users, False, _list_keys),
    ("POST", f"{PREFIX}/api-keys/{{key_id}}/revoke"): Row(Action.manage_users, False, _revoke_key),
    ("GET", f"{PREFIX}/audit"): Row(Action.read_audit, False, _audit),
    ("POST", f"{PREFIX}/codec/decode"): Row(Action.decode_payloads, False, _decode_payloads),
    ("GET", f"{PREFIX}/operator/users"): Row(Action.manage_colleagues, False, _colleagues),
    ("POST", f"{PREFIX}/operator/users"): Row(Action.manage_colleagues, False, _add_colleague),
    ("POST", f"{PREFIX}/operator/users/{{user_id}}/deactivate"): Row(
        Action.manage_colleagues, True, _deactivate_colleague
    ),
    # documents
    ("POST", f"{PREFIX}/documents"): Row(Action.upload, False, _upload),
    ("GET", f"{PREFIX}/documents/{{document_id}}"): Row(Action.view_documents, True, _document),
    ("GET", f"{PREFIX}/documents/{{document_id}}/content"): Row(
        Action.view_documents, True, _document_content
    ),
    # licences: reading
    ("POST", f"{PREFIX}/licences"): Row(Action.apply, False, _apply),
    ("GET", f"{PREFIX}/licences"): Row(Action.view_cases, False, _search),
    ("GET", f"{PREFIX}/licences/by-number/{{licence_no}}"): Row(
        Action.check_licence, True, _by_number
    ),
    ("GET", f"{PREFIX}/licences/{{case_no}}"): Row(Action.view_cases, True, _get_case),
    ("GET", f"{PREFIX}/licences/{{case_no}}/history"): Row(Action.view_cases, True, _history),
    ("GET", f"{PREFIX}/licences/{{case_no}}/document"): Row(
        Action.view_cases, True, _licence_document
    ),
    ("GET", f"{PREFIX}/licences/{{case_no}}/document/pdf"): Row(
        Action.view_cases, True, _licence_pdf
    ),
    # licences: acting (state needed -> resulting status, history event)
    ("POST", f"{PREFIX}/licences/{{case_no}}/request-information"): Row(
        Action.decide,
        True,
        _case_transition(
            "request-information",
            "under_review",
            lambda w, c, case: {"message": "Send the lease.", "deadline_days": 10},
            "info_requested",
            "information_requested",
        ),
    ),
    ("POST", f"{PREFIX}/licences/{{case_no}}/answer"): Row(
        Action.answer,
        True,
        _case_transition(
            "answer", "info_requested", _answer_body, "under_review", "information_provided"
        ),
    ),
    ("POST", f"{PREFIX}/licences/{{case_no}}/approve"): Row(
        Action.decide,
        True,
        _case_transition(
            "approve",
            "under_review",
            lambda w, c, case: {"activities": ["import"], "note": "OK"},
            "active",
            "approved",
        ),
    ),
    ("POST", f"{PREFIX}/licences/{{case_no}}/reject"): Row(
        Action.decide,
        True,
        _case_transition(
            "reject", "under_review", _reason("Incomplete lease"), "rejected", "rejected"
        ),
    ),
    ("POST", f"{PREFIX}/licences/{{case_no}}/renew"): Row(
        Action.renew,
        True,
        _case_transition("renew", "active", _renew_body, "active", "renewal_submitted"),
    ),
    ("POST", f"{PREFIX}/licences/{{case_no}}/withdraw"): Row(
        Action.withdraw,
        True,
        _case_transition(
            "withdraw", "under_review", _reason("Changed plans"), "withdrawn", "withdrawn"
        ),
    ),
    ("POST", f"{PREFIX}/licences/{{case_no}}/surrender"): Row(
        Action.surrender,
        True,
        _case_transition(
            "surrender", "active", _reason("Closing down"), "surrendered", "surrendered"
        ),
    ),
    ("POST", f"{PREFIX}/licences/{{case_no}}/suspend"): Row(
        Action.change_standing,
        True,
        _case_transition(
            "suspend",
            "active",
            lambda w, c, case: {"reason_code": "tax_debt", "reason": "DSF notice 12/2026"},
            "suspended",
            "suspended",
        ),
    ),
    ("POST", f"{PREFIX}/licences/{{case_no}}/reinstate"): Row(
        Action.change_standing,
        True,
        _case_transition("reinstate", "suspended", _reason("Paid"), "active", "reinstated"),
    ),
    ("POST", f"{PREFIX}/licences/{{case_no}}/cancel"): Row(
        Action.change_standing,
        True,
        _case_transition(
            "cancel",
            "active",
            lambda w, c, case: {"reason_code": "order_of_trade", "reason": "Undeclared import"},
            "cancelled",
            "cancelled",
        ),
    ),
    # notifications
    ("GET", f"{PREFIX}/notifications"): Row(Action.notifications, False, _notifications),
    ("POST", f"{PREFIX}/notifications/{{notification_id}}/read"): Row(
        Action.notifications, True, _mark_read
    ),
    # Participant registry and invalid foreign certificates
    ("GET", f"{PREFIX}/participants"): Row(Action.view_registry, False, _list_entries),
    ("GET", f"{PREFIX}/participants/check"): Row(Action.view_registry, False, _check_participant),
    ("POST", f"{PREFIX}/participants"): Row(Action.manage_registry, False, _add_entry),
    ("POST", f"{PREFIX}/participants/{{entry_id}}/end"): Row(
        Action.manage_registry, False, _end_entry
    ),
    ("GET", f"{PREFIX}/invalid-certificates"): Row(Action.view_registry, False, _list_listings),
    ("GET", f"{PREFIX}/invalid-certificates/check"): Row(
        Action.view_registry, False, _check_certificate
    ),
    ("POST", f"{PREFIX}/invalid-certificates"): Row(Action.manage_registry, False, _mark_invalid),
    ("POST", f"{PREFIX}/invalid-certificates/{{listing_id}}/withdraw"): Row(
        Action.manage_registry, False, _withdraw_listing
    ),
}


def expected_refusal(row: Row[Any], caller: str) -> int | None:
    """The status a caller must get, or None if it is allowed (then: the endpoint's 2xx)."""
    if caller in UNAUTHENTICATED:
        return 401
    if row.action is not None and ROLE_OF[caller] not in PERMISSIONS[row.action]:
        return 403
    if caller == "trader_b" and row.owned:
        return 404
    return None


# ------------------------------------------------------------------------------------ the tests


def every_row() -> dict[tuple[str, str], Row[Any]]:
    """The rows of this file, of ``test_access_matrix_permits.py`` (the shipment licences,
    /permits, with the world they need), of ``test_access_matrix_certificates.py`` (the KP
    certificates) and of ``test_access_matrix_customs.py`` (the customs interface), which no
    endpoint may have twice."""
    # Imported here: those files import this one for its helpers.
    from tests.api.test_access_matrix_certificates import CERTIFICATE_MATRIX
    from tests.api.test_access_matrix_customs import CUSTOMS_MATRIX
    from tests.api.test_access_matrix_permits import PERMIT_MATRIX

    tables = (MATRIX, PERMIT_MATRIX, CERTIFICATE_MATRIX, CUSTOMS_MATRIX)
    assert sum(len(t) for t in tables) == len({k for t in tables for k in t}), "an endpoint twice"
    return {**MATRIX, **PERMIT_MATRIX, **CERTIFICATE_MATRIX, **CUSTOMS_MATRIX}


def test_matrix_covers_every_endpoint() -> None:
    """Every endpoint of the OpenAPI document has a row in one of the two files (a new
    endpoint fails here until its permissions are stated), and every row is a real endpoint."""
    paths = openapi_document()["paths"]
    endpoints = {(m.upper(), p) for p, operations in paths.items() for m in operations}
    rows = set(every_row())
    assert endpoints - PUBLIC == rows, {
        "endpoints without a row": sorted(endpoints - PUBLIC - rows),
        "rows without an endpoint": sorted(rows - endpoints),
    }


def _routes(settings: Settings) -> Iterator[tuple[str, str, APIRoute]]:
    """(method, full path, route) of every API route, including those of included routers
    (FastAPI 0.16x keeps those behind ``iter_route_contexts``; older ones copy them)."""
    app = create_app(settings)
    contexts = getattr(routing, "iter_route_contexts", None)
    pairs = (
        ((c.path, c.original_route) for c in contexts(app.routes))
        if contexts
        else ((r.path, r) for r in app.routes if isinstance(r, APIRoute))
    )
    for path, route in pairs:
        if isinstance(route, APIRoute):
            for method in route.methods or ():
                yield method, path, route


def _guard(route: APIRoute) -> Action | str | None:
    """The Action a route's ``Allowed(...)`` dependency checks; None if it only needs a login
    (``CurrentPrincipal``); "public" if it asks for no caller at all."""
    check = require(Action.apply).__qualname__
    calls = [d.call for d in route.dependant.dependencies]
    for call in calls:
        if call is not None and getattr(call, "__qualname__", "") == check:
            return inspect.getclosurevars(call).nonlocals["action"]
    return None if current_principal in calls else "public"


def test_matrix_states_the_action_each_route_checks(settings: Settings) -> None:
    """The Action written in the matrix is the one the route really checks (and a row without
    an Action is a route that at least requires a login), so the answers derived from
    PERMISSIONS are those the API must give."""
    actual = {(method, path): _guard(route) for method, path, route in _routes(settings)}
    rows = every_row()
    assert {key: row.action for key, row in rows.items()} == {
        key: actual.get(key, "missing") for key in rows
    }
    assert {key: actual[key] for key in PUBLIC} == dict.fromkeys(PUBLIC, "public")


def access_cases(matrix: dict[tuple[str, str], Row[Any]]) -> dict[str, Any]:
    """``parametrize`` arguments: every (endpoint, caller) of ``matrix``, readably named."""
    return {
        "argnames": ("endpoint", "caller"),
        "argvalues": [(endpoint, caller) for endpoint in matrix for caller in CALLERS],
        "ids": [f"{m} {p.removeprefix(PREFIX)} as {c}" for m, p in matrix for c in CALLERS],
    }


@pytest.mark.parametrize(**access_cases(MATRIX))
def test_access(world: World, endpoint: tuple[str, str], caller: str) -> None:
    check_access(world, endpoint, MATRIX[endpoint], caller)


def check_access(world: W, endpoint: tuple[str, str], row: Row[W], caller: str) -> None:
    """An allowed caller gets the endpoint's 2xx (and the effect); any other gets exactly
    401, 403 or 404, sees none of trader A's data, and changes nothing."""
    method, _ = endpoint
    refusal = expected_refusal(row, caller)
    call = row.prepare(world, caller, refusal is None)
    client = world.client(caller, row, call)
    before = call.snapshot() if call.snapshot and refusal is not None else None

    response = client.request(method, call.path, **call.kwargs)

    assert response.status_code < 500, f"{response.status_code} {response.text}"
    if refusal is None:
        assert response.status_code == world.success[endpoint], response.text
        if call.verify:
            call.verify(response)
        return
    assert response.status_code == refusal, response.text
    if refusal == 401:
        assert response.headers.get("www-authenticate") == "Bearer"
    for secret in call.secrets:
        assert not secret or secret not in response.text, response.text
    if call.snapshot:
        assert call.snapshot() == before


# ----------------------------------------------------------------------- the public endpoints


def test_health_is_public(world: World) -> None:
    """Load balancers and orchestrators call the probes without credentials."""
    for path in ("/health", "/health/ready"):
        response = web.get(world.service + path, timeout=30)
        assert response.status_code == 200
        assert response.json() == {"database": "ok", "temporal": "ok"}
    assert web.get(world.service + "/health/live", timeout=30).json() == {"status": "alive"}


def test_login_gives_a_token_for_the_right_password(world: World) -> None:
    response = world.anonymous.post(
        "/auth/token", data={"username": world.trader_a.username, "password": PASSWORD}
    )
    assert response.status_code == 200, response.text
    token = response.json()["access_token"]
    me = world.http(headers={"Authorization": f"Bearer {token}"}).get("/me")
    assert me.json()["username"] == world.trader_a.username


def test_login_is_refused_for_a_wrong_password_or_a_deactivated_account(world: World) -> None:
    """Both give the same 401 (an attacker must not learn which accounts exist or are active)."""
    wrong = world.anonymous.post(
        "/auth/token", data={"username": world.trader_a.username, "password": "not the password"}
    )
    user = world.new_user(Role.officer)
    world.staff.admin.ok("POST", f"/users/{user['id']}/deactivate")
    gone = world.anonymous.post(
        "/auth/token", data={"username": user["username"], "password": PASSWORD}
    )
    assert wrong.status_code == gone.status_code == 401
    assert wrong.json()["detail"] == gone.json()["detail"]
    assert "access_token" not in wrong.text + gone.text


def _registration(tag: str, registration_no: str) -> dict[str, str]:
    return {
        "operator_name": f"Jade {tag} Limitada",
        "operator_kind": "company",
        "business_registration_no": registration_no,
        "username": f"trader-{tag}",
        "full_name": "Lei Ka Wai",
        "password": PASSWORD,
    }


def test_register_creates_an_operator_and_its_trader(world: World) -> None:
    tag = uuid.uuid4().hex[:8]
    response = world.anonymous.post("/auth/register", json=_registration(tag, f"BR{tag}"))
    assert response.status_code == 201, response.text
    result = response.json()
    assert result["user"]["role"] == "trader"
    assert result["user"]["operator_id"] == result["operator_id"]


def test_register_refuses_an_operator_already_registered(world: World) -> None:
    """Registering trader A's business registration number again must not give anyone a way
    into trader A's operator."""
    tag = uuid.uuid4().hex[:8]
    body = _registration(tag, world.trader_a.registration_no or "")
    response = world.anonymous.post("/auth/register", json=body)
    assert response.status_code == 409, response.text
    assert body["username"] not in world.usernames()


# ------------------------------------------------------------------- details of refused calls


def test_api_keys_are_for_customs_accounts_only(world: World) -> None:
    """An admin cannot give an officer (or a trader) an API key: keys bypass the password."""
    officer = world.new_user(Role.officer)
    response = world.staff.admin.request(
        "POST", f"/users/{officer['id']}/api-keys", json={"label": "x"}
    )
    assert response.status_code == 422, response.text
    with world.sessions() as session:
        stmt = select(func.count()).select_from(ApiKey).where(col(ApiKey.user_id) == officer["id"])
        assert session.exec(stmt).one() == 0


def test_garbage_and_missing_tokens_are_401(world: World) -> None:
    for headers in (
        {"Authorization": "Bearer not-a-token"},
        {"Authorization": "Basic dXNlcjpwYXNzd29yZA=="},
        {"X-API-Key": "kp_nonsense"},
        {"X-API-Key": world.victim_key["key"][:-2] + "xx"},
    ):
        response = world.http(headers=headers).get("/me")
        assert response.status_code == 401, (headers, response.text)


@pytest.mark.parametrize("verb", ["answer", "renew"])
def test_trader_b_sending_trader_a_ids_learns_nothing(world: World, verb: str) -> None:
    """With trader A's document ids (answer) or application (renew) in the body, trader B is
    told the case does not exist (the case is looked up before the body's contents), exactly
    as for a case number that does not exist: no way to probe for trader A's cases."""
    if verb == "answer":
        case = world.shared["info_requested"]
        body: dict[str, Any] = {"message": "x", "document_ids": [world.answer_document["id"]]}
    else:
        case = world.active
        body = case.application
    before = world.case_state(case)
    real = world.trader_b.request("POST", f"/licences/{case.case_no}/{verb}", json=body)
    made_up = world.trader_b.request("POST", f"/licences/OLA-1999-99999/{verb}", json=body)
    assert real.status_code == made_up.status_code == 404, real.text
    assert real.json()["detail"] == f"no licence case {case.case_no}"
    assert made_up.json()["detail"] == "no licence case OLA-1999-99999"
    assert world.case_state(case) == before
