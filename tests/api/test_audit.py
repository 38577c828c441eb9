"""The audit trail records every security-relevant action, with actor, target, time, client
address and outcome, and administrators and supervisors read it, filtered; nobody else does."""

from __future__ import annotations

import json
import logging
import random
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from kp_licensing.api.app import create_app
from kp_licensing.services import audit
from kp_licensing.support.settings import Settings
from tests.api.client import Api, http
from tests.api.conftest import Staff

PASSWORD = "correct horse battery staple"


def _entries(reader: Api, **filters: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = reader.ok("GET", "/audit", params=filters)["items"]
    return items


def _one(reader: Api, action: str, **filters: Any) -> dict[str, Any]:
    found = [e for e in _entries(reader, **filters) if e["action"] == action]
    assert found, f"no {action} entry for {filters}"
    return found[0]


def test_account_actions_are_recorded_with_actor_target_and_outcome(
    service: str, staff: Staff
) -> None:
    admin = staff.admin
    name = f"officer-{uuid.uuid4().hex[:6]}"
    made = admin.ok(
        "POST",
        "/users",
        json={
            "username": name,
            "full_name": "New Officer",
            "role": "officer",
            "password": PASSWORD,
        },
    )
    target = f"user:{made['id']}"
    admin.ok("POST", f"/users/{made['id']}/deactivate")
    admin.ok("POST", f"/users/{made['id']}/reactivate")
    entries = _entries(staff.supervisor, target=target)
    assert [e["action"] for e in entries] == [
        "account.reactivated",
        "account.deactivated",
        "account.created",
    ]
    created = entries[-1]
    assert created["actor"] == admin.username and created["actor_role"] == "admin"
    assert created["outcome"] == "succeeded" and created["address"] == "127.0.0.1"
    assert created["details"]["role"] == "officer"
    assert datetime.fromisoformat(created["at"]) > datetime.now(UTC) - timedelta(minutes=5)
    assert entries[0]["seq"] > entries[1]["seq"] > entries[2]["seq"]

    signed_in = Api.login(service, name, PASSWORD)
    assert _one(admin, "sign_in", target=target)["outcome"] == "succeeded"
    signed_in.ok(
        "POST", "/me/password", json={"current_password": PASSWORD, "new_password": PASSWORD + "!"}
    )
    assert _one(admin, "account.password_changed", target=target)["actor"] == name


def test_failed_sign_ins_and_refusals_are_recorded(service: str, staff: Staff, trader: Api) -> None:
    name = f"nobody-{uuid.uuid4().hex[:6]}"
    response = http(service + "/api/v1").post(
        "/auth/token", data={"username": name, "password": "wrong password"}
    )
    assert response.status_code == 401
    failed = _one(staff.admin, "sign_in", target=f"username:{name}")
    assert failed["outcome"] == "failed" and failed["actor"] == name
    assert failed["actor_id"] is None and failed["details"]["reason"] == "wrong_credentials"
    assert len([e for e in _entries(staff.admin, actor=name)]) == 1  # one entry, not two

    assert trader.request("GET", "/audit").status_code == 403
    refused = _one(staff.admin, "request.refused", actor=trader.username)
    assert refused["outcome"] == "refused" and refused["target"] == "request:GET /api/v1/audit"
    assert refused["details"]["code"] == "forbidden.read_audit"


def own_address() -> str:
    """A client address of this test's own (IPv6 documentation range, 64 random bits): the
    trail keeps earlier runs' entries, and a run that drew the same address would count them."""
    return "2001:db8::" + ":".join(f"{random.getrandbits(16):x}" for _ in range(4))


async def test_an_unknown_callers_refusal_is_recorded_with_its_address(
    settings: Settings, staff: Staff
) -> None:
    # An address of its own: other tests' anonymous refusals from 127.0.0.1 may have used up
    # its entries for this minute (ANONYMOUS_ENTRIES).
    address = own_address()
    transport = httpx.ASGITransport(app=create_app(settings), client=(address, 1234))
    async with httpx.AsyncClient(transport=transport, base_url="http://kp/api/v1") as client:
        refused = await client.get("/licences", headers={"Authorization": "Bearer x"})
    assert refused.status_code == 401
    [unknown] = [
        e
        for e in _entries(staff.admin, target="request:GET /api/v1/licences", limit=500)
        if e["address"] == address
    ]
    assert unknown["action"] == "request.refused" and unknown["outcome"] == "refused"
    assert unknown["actor_id"] is None and unknown["details"]["code"].startswith("auth.")


def test_api_keys_and_registry_changes_are_recorded(service: str, staff: Staff) -> None:
    admin, officer = staff.admin, staff.officer
    system = admin.ok(
        "POST",
        "/users",
        json={"username": f"customs-{uuid.uuid4().hex[:6]}", "full_name": "EDI", "role": "customs"},
    )
    key = admin.ok("POST", f"/users/{system['id']}/api-keys", json={"label": "gateway"})
    admin.ok("POST", f"/api-keys/{key['id']}/revoke")
    actions = [e["action"] for e in _entries(admin, target=f"api_key:{key['id']}")]
    assert actions == ["api_key.revoked", "api_key.issued"]

    year = random.randint(2200, 2900)
    entry = officer.ok(
        "POST",
        "/participants",
        json={
            "country": "PN",
            "participant": "Test",
            "status": "active",
            "effective_from": f"{year}-01-01",
            "effective_to": None,
            "source": "test",
        },
    )
    officer.ok(
        "POST",
        f"/participants/{entry['id']}/end",
        json={"effective_to": f"{year}-06-01", "reason": "test", "source": "test"},
    )
    actions = [e["action"] for e in _entries(admin, target=f"participant_entry:{entry['id']}")]
    assert actions == ["registry.entry_ended", "registry.entry_added"]

    listing = officer.ok(
        "POST",
        "/invalid-certificates",
        json={
            "issuing_country": "AE",
            "number": f"AE{random.randint(10**8, 10**9)}",
            "kind": "forged",
            "reason": "test",
            "source": "test",
        },
    )
    officer.ok("POST", f"/invalid-certificates/{listing['id']}/withdraw", json={"reason": "error"})
    mine = _entries(
        staff.supervisor, actor=officer.username, target=f"invalid_certificate:{listing['id']}"
    )
    assert [e["action"] for e in mine] == ["invalid_list.withdrawn", "invalid_list.listed"]


def test_the_trail_is_paged_and_filtered_by_time(staff: Staff) -> None:
    first = staff.admin.ok("GET", "/audit", params={"limit": 2})
    assert len(first["items"]) == 2 and first["next_before"] == first["items"][-1]["seq"]
    second = staff.admin.ok("GET", "/audit", params={"limit": 2, "before": first["next_before"]})
    assert second["items"][0]["seq"] < first["items"][-1]["seq"]
    future = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    assert staff.admin.ok("GET", "/audit", params={"since": future})["items"] == []
    naive = staff.admin.request("GET", "/audit", params={"since": "2026-01-01T00:00:00"})
    assert naive.status_code == 422, naive.text
    extreme = staff.admin.request("GET", "/audit", params={"until": "0001-01-01T00:00:00+14:00"})
    assert extreme.status_code == 422, extreme.text


@pytest.mark.parametrize("role", ["officer", "customs"])
def test_only_administrators_and_supervisors_read_it(staff: Staff, role: str) -> None:
    assert getattr(staff, role).request("GET", "/audit").status_code == 403


def test_the_trail_the_suite_wrote_verifies(service: str, engine: Engine) -> None:
    with Session(engine) as session:
        result = audit.verify(session)
    assert result.problems == [] and result.entries > 0


def test_each_entry_is_also_a_structured_log_line_once_committed(
    staff: Staff, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="kp_licensing.audit")
    made = staff.admin.ok(
        "POST",
        "/users",
        json={"username": f"c-{uuid.uuid4().hex[:6]}", "full_name": "EDI", "role": "customs"},
    )
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "kp_licensing.audit"]
    logged = [line for line in lines if line["target"] == f"user:{made['id']}"]
    stored = _one(staff.admin, "account.created", target=f"user:{made['id']}")
    assert logged == [stored]
    # A refused creation (a taken name) rolls back: no entry, and no line.
    caplog.clear()
    body = {"username": made["username"], "full_name": "EDI", "role": "customs"}
    taken = staff.admin.request("POST", "/users", json=body)
    assert taken.status_code == 409, taken.text
    assert not [r for r in caplog.records if r.name == "kp_licensing.audit"]


async def test_anonymous_refusals_from_one_address_are_bounded(
    settings: Settings, staff: Staff
) -> None:
    """Sending requests without credentials costs nothing: past 20 a minute from one address,
    refusals are logged lines, not entries, so a flood cannot fill the trail."""
    address = own_address()
    transport = httpx.ASGITransport(app=create_app(settings), client=(address, 1234))
    async with httpx.AsyncClient(transport=transport, base_url="http://kp/api/v1") as client:
        for _ in range(30):
            assert (await client.get("/licences")).status_code == 401
    entries = [e for e in _entries(staff.admin, limit=500) if e["address"] == address]
    assert len(entries) == 20
