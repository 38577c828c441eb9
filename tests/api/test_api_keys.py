"""A customs system's API keys: listed without their secret, showing when they were last used,
expiring after ``KP_API_KEY_DAYS``; and keys issued before expiry existed get a year."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from sqlalchemy import update

from kp_licensing.store.db import SessionFactory
from kp_licensing.store.migrate import alembic_config
from kp_licensing.store.models import ApiKey
from tests.api.client import http
from tests.api.conftest import Staff


def _customs_key(service: str, staff: Staff) -> tuple[dict[str, object], dict[str, object]]:
    account = staff.admin.ok(
        "POST",
        "/users",
        json={"username": f"edi-{uuid.uuid4().hex[:6]}", "full_name": "EDI", "role": "customs"},
    )
    return account, staff.admin.ok("POST", f"/users/{account['id']}/api-keys", json={"label": "g"})


def test_a_key_is_listed_without_its_secret_with_its_last_use_and_expiry(
    service: str, staff: Staff
) -> None:
    account, issued = _customs_key(service, staff)
    expires = datetime.fromisoformat(str(issued["expires_at"]))
    assert timedelta(days=364) < expires - datetime.now(UTC) <= timedelta(days=365)
    before = staff.admin.ok("GET", f"/users/{account['id']}/api-keys")
    assert [k["last_used_at"] for k in before] == [None]
    system = http(service + "/api/v1", headers={"X-API-Key": str(issued["key"])})
    assert system.get("/me").status_code == 200
    response = staff.admin.request("GET", f"/users/{account['id']}/api-keys")
    assert str(issued["key"]) not in response.text
    (key,) = response.json()
    assert key["id"] == issued["id"] and key["last_used_at"] is not None
    assert key["prefix"] in str(issued["key"])  # tells keys apart, not a secret
    assert "key_hash" not in key and "key" not in key


def test_an_expired_key_is_refused_saying_so(
    service: str, staff: Staff, sessions: SessionFactory
) -> None:
    _, issued = _customs_key(service, staff)
    with sessions() as session:
        session.execute(
            update(ApiKey)
            .where(ApiKey.id == issued["id"])  # type: ignore[arg-type]
            .values(expires_at=datetime.now(UTC) - timedelta(minutes=1))
        )
        session.commit()
    response = http(service + "/api/v1", headers={"X-API-Key": str(issued["key"])}).get("/me")
    assert response.status_code == 401, response.text
    assert response.json()["message_code"] == "auth.api_key_expired"


def test_keys_issued_before_expiry_existed_get_a_year(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    command.upgrade(alembic_config(url), "0009")
    engine = sa.create_engine(url)
    made = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO users (id, username, full_name, role, is_active, created_at) "
                "VALUES (1, 'edi', 'EDI', 'customs', 1, :at)"
            ),
            {"at": made},
        )
        conn.execute(
            sa.text(
                "INSERT INTO api_keys (user_id, prefix, key_hash, label, created_at) "
                "VALUES (1, 'abc', 'h', 'old', :at)"
            ),
            {"at": made},
        )
    command.upgrade(alembic_config(url), "head")
    with engine.connect() as conn:
        expires = conn.execute(sa.text("SELECT expires_at FROM api_keys")).scalar_one()
    assert str(expires).startswith("2027-03-01 09:30"), expires
    command.downgrade(alembic_config(url), "0009")
