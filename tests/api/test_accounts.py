"""Accounts: one operator per business however its registration number is spelt (also when
registrations race), a password policy wherever a password is set, and never a service without
an active administrator (also when administrators deactivate each other at the same moment)."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from typer.testing import CliRunner

from kp_licensing import cli
from kp_licensing.domain.registration import canonical_registration_no
from kp_licensing.store import people
from kp_licensing.store.db import SessionFactory, make_engine
from kp_licensing.store.migrate import alembic_config, upgrade
from kp_licensing.store.models import Operator, User
from schemas.common import Role
from tests.api.client import Api, web
from tests.api.conftest import Staff

PASSWORD = "correct horse battery staple"


def _registration(number: str, **changes: Any) -> dict[str, Any]:
    tag = uuid.uuid4().hex[:8]
    body = {
        "operator_name": f"Jade {tag} Limitada",
        "operator_kind": "company",
        "business_registration_no": number,
        "username": f"trader-{tag}",
        "full_name": "Lei Ka Wai",
        "password": PASSWORD,
    }
    return body | changes


def _new_number() -> str:
    """Eight digits no other test uses (uuid: pytest-randomly reseeds ``random`` per test)."""
    return f"{10_000_000 + uuid.uuid4().int % 90_000_000}"


def _operators_with(sessions: SessionFactory, number: str) -> list[Operator]:
    with sessions() as session:
        stmt = select(Operator).where(Operator.business_registration_no == number)
        return list(session.exec(stmt).all())


def _usernames(sessions: SessionFactory, names: list[str]) -> set[str]:
    with sessions() as session:
        return set(session.exec(select(User.username).where(col(User.username).in_(names))).all())


def at_once(calls: list[Callable[[], httpx.Response]]) -> list[int]:
    """The status of each call, all started together (a barrier releases the threads)."""
    start = threading.Barrier(len(calls))
    statuses = [0] * len(calls)

    def run(i: int) -> None:
        start.wait()
        statuses[i] = calls[i]().status_code

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(90)
    return statuses


# ------------------------------------------------------------ business registration numbers


@pytest.mark.parametrize(
    ("spelt", "canonical"),
    [("SO-12345", "SO12345"), ("so 12345", "SO12345"), (" s.o./1(2)345 ", "SO12345")],
)
def test_canonical_registration_number(spelt: str, canonical: str) -> None:
    assert canonical_registration_no(spelt) == canonical


def test_one_business_however_its_number_is_spelt(service: str, sessions: SessionFactory) -> None:
    digits = _new_number()
    first, *others = (f"SO-{digits}", f"so-{digits}", f"SO {digits}")
    created = web.post(f"{service}/api/v1/auth/register", json=_registration(first))
    assert created.status_code == 201, created.text
    for spelling in others:
        body = _registration(spelling)
        response = web.post(f"{service}/api/v1/auth/register", json=body)
        assert response.status_code == 409, response.text
        detail = response.json()["detail"]
        assert f"business registration SO{digits} is already registered" in detail
        # Nothing about the operator that holds it (its name, its users) is told.
        assert "Jade" not in detail and "trader-" not in detail
        assert not _usernames(sessions, [body["username"]])
    (operator,) = _operators_with(sessions, f"SO{digits}")
    assert operator.id == created.json()["operator_id"]


def test_the_database_refuses_a_second_spelling(sessions: SessionFactory) -> None:
    """Uniqueness is the database's, not only the service's check: a row written around the
    service's code under another spelling is refused by the unique index."""
    digits = _new_number()
    with sessions() as session:
        session.add(Operator(name="A", kind="company", business_registration_no=f"db-{digits}"))
        session.commit()
    with sessions() as session:
        session.add(Operator(name="B", kind="company", business_registration_no=f"DB {digits}"))
        with pytest.raises(IntegrityError):
            session.commit()
    assert len(_operators_with(sessions, f"DB{digits}")) == 1


def test_racing_registrations_of_one_business(service: str, sessions: SessionFactory) -> None:
    """Eight registrations of one number, spelt differently, sent at once: exactly one operator
    and its one trader exist afterwards; every other request is a 409, none a 500."""
    for _ in range(3):
        digits = _new_number()
        spellings = [f"RC-{digits}", f"rc {digits}", f"RC{digits}", f"r.c.{digits}"] * 2
        bodies = [_registration(s) for s in spellings]
        statuses = at_once(
            [
                partial(httpx.post, f"{service}/api/v1/auth/register", json=body, timeout=60)
                for body in bodies
            ]
        )
        assert sorted(statuses) == [201] + [409] * (len(bodies) - 1), statuses
        winner = bodies[statuses.index(201)]["username"]
        assert _usernames(sessions, [b["username"] for b in bodies]) == {winner}
        assert len(_operators_with(sessions, f"RC{digits}")) == 1


def test_application_and_search_use_the_canonical_number(service: str, staff: Staff) -> None:
    """Registered as SO-n, the trader may write "so n" on its application; an officer finds
    the case by any spelling."""
    trader = Api.register(service)
    digits = trader.registration_no
    assert digits is not None
    case_no = trader.apply(business_registration_no=" ".join(digits.lower()))["case_no"]
    for query in (digits.lower(), f"{digits[:2]}-{digits[2:]}"):
        page = staff.officer.ok("GET", "/licences", params={"q": query})
        assert [c["case_no"] for c in page["items"]] == [case_no]
    assert staff.officer.ok("GET", "/licences", params={"q": "--"})["total"] == 0


def _at_0003_with(url: str, numbers: list[str]) -> None:
    from alembic import command

    command.upgrade(alembic_config(url), "0003")
    engine = make_engine(url)
    with engine.begin() as conn:
        for i, number in enumerate(numbers):
            conn.execute(
                text(
                    "INSERT INTO operators (name, kind, business_registration_no, created_at) "
                    "VALUES (:name, 'company', :number, CURRENT_TIMESTAMP)"
                ),
                {"name": f"Operator {i}", "number": number},
            )
    engine.dispose()


def test_migration_canonicalises_existing_numbers(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    _at_0003_with(url, ["so-12345", "AB 7/2019"])
    upgrade(url)
    engine = make_engine(url)
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT business_registration_no FROM operators")).scalars()
        assert sorted(stored) == ["AB72019", "SO12345"]
    engine.dispose()


def test_migration_stops_at_one_business_registered_twice(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    _at_0003_with(url, ["SO-12345", "so 12345", "XY-1"])
    with pytest.raises(RuntimeError, match=r"SO12345: operators 1 \('SO-12345'\), operators 2"):
        upgrade(url)


# ------------------------------------------------------------------------ password policy


def _password_refused(response: httpx.Response, password: str, *says: str) -> None:
    """A 422 naming the field and every problem, without echoing the password."""
    assert response.status_code == 422, response.text
    body = response.json()
    assert "body.password" in body["detail"]
    messages = " ".join(e["message"] for e in body["errors"] if e["field"] == "body.password")
    for phrase in says:
        assert phrase in messages, (phrase, body)
    if password.strip():
        assert password not in response.text


WEAK = [
    pytest.param(" " * 12, ["spaces only"], id="twelve-spaces"),
    pytest.param("\t" * 14, ["spaces only", "control characters"], id="tabs"),
    pytest.param("short-pw1", ["at least 12 characters"], id="short"),
    pytest.param("x" * 257, ["at most 256 characters"], id="too-long"),
    pytest.param("{username}-2026!", ["user name"], id="username"),
    pytest.param("My {USERNAME} password", ["user name"], id="username-any-case"),
]


def _weak(password: str, username: str) -> str:
    return password.format(username=username, USERNAME=username.upper())


@pytest.mark.parametrize(("password", "says"), WEAK)
def test_registration_refuses_a_weak_password(
    service: str, sessions: SessionFactory, password: str, says: list[str]
) -> None:
    body = _registration(_new_number())
    body["password"] = _weak(password, body["username"])
    response = web.post(f"{service}/api/v1/auth/register", json=body)
    _password_refused(response, body["password"], *says)
    assert not _usernames(sessions, [body["username"]])
    assert not _operators_with(sessions, body["business_registration_no"])


@pytest.mark.parametrize(("password", "says"), WEAK)
@pytest.mark.parametrize("who", ["admin", "colleague"])
def test_account_creation_refuses_a_weak_password(
    service: str,
    staff: Staff,
    sessions: SessionFactory,
    who: str,
    password: str,
    says: list[str],
) -> None:
    username = f"new-{uuid.uuid4().hex[:8]}"
    body = {"username": username, "full_name": "Ho Mei Ling", "password": _weak(password, username)}
    if who == "admin":
        response = staff.admin.request("POST", "/users", json=body | {"role": "officer"})
    else:
        response = Api.register(service).request("POST", "/operator/users", json=body)
    _password_refused(response, body["password"], *says)
    assert not _usernames(sessions, [username])


@pytest.mark.parametrize(("password", "says"), WEAK)
def test_create_admin_refuses_a_weak_password(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, password: str, says: list[str]
) -> None:
    monkeypatch.setenv("KP_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("KP_DATABASE_URL", f"sqlite:///{tmp_path / 'kp.db'}")
    cli.get_settings.cache_clear()
    try:
        result = CliRunner().invoke(
            cli.app,
            ["users", "create-admin", "root-admin", "--password-stdin"],
            input=_weak(password, "root-admin") + "\n",
        )
    finally:
        cli.get_settings.cache_clear()
    assert result.exit_code == 2, result.output
    for phrase in says:
        assert phrase in result.output
    assert not (tmp_path / "kp.db").exists()  # refused before anything was made


def test_create_admin_makes_the_account_by_the_api_rules(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The command line makes an administrator through the same service as the API: a user
    name the API refuses is refused in the same words, and the account is made only once."""
    monkeypatch.setenv("KP_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("KP_DATABASE_URL", f"sqlite:///{tmp_path / 'kp.db'}")
    cli.get_settings.cache_clear()
    password = "correct horse battery staple\n"

    def create(username: str) -> Any:
        return CliRunner().invoke(
            cli.app, ["users", "create-admin", username, "--password-stdin"], input=password
        )

    try:
        bad = create("Root Admin")
        assert bad.exit_code == 2, bad.output
        assert "username must be a lower-case letter or digit" in bad.output
        assert "^[" not in bad.output  # no regular expression reaches a person
        made = create("root-admin")
        assert made.exit_code == 0 and "administrator root-admin created" in made.output
        again = create("root-admin")
        assert again.exit_code == 1 and "taken" in again.output
    finally:
        cli.get_settings.cache_clear()


# ------------------------------------------------------------- the last active administrator


@pytest.fixture
def sole_admins(sessions: SessionFactory, service: str) -> Iterator[Callable[[int], list[Api]]]:
    """``make(n)``: ``n`` new administrators, logged in, and every other administrator made
    inactive; the administrators active before the test are active again after it."""
    with sessions() as session:
        before = [u.id for u in people.list_users(session) if u.role == Role.admin and u.is_active]

    def make(n: int) -> list[Api]:
        admins = []
        with sessions() as session:
            session.execute(update(User).where(col(User.role) == "admin").values(is_active=False))
            session.commit()
            for _ in range(n):
                username = f"admin-{uuid.uuid4().hex[:8]}"
                people.create_user(
                    session,
                    username=username,
                    full_name="Admin",
                    role=Role.admin,
                    password=PASSWORD,
                )
                admins.append(username)
        return [Api.login(service, username, PASSWORD) for username in admins]

    yield make
    with sessions() as session:
        session.execute(update(User).where(col(User.id).in_(before)).values(is_active=True))
        session.commit()


def _me(api: Api) -> dict[str, Any]:
    me: dict[str, Any] = api.ok("GET", "/me")
    return me


def test_the_last_active_administrator_cannot_deactivate_itself(
    sole_admins: Callable[[int], list[Api]], sessions: SessionFactory
) -> None:
    (admin,) = sole_admins(1)
    me = _me(admin)
    response = admin.request("POST", f"/users/{me['id']}/deactivate")
    assert response.status_code == 409, response.text
    assert "last active administrator" in response.json()["detail"]
    assert _me(admin)["is_active"]
    # With another administrator active, it may step down; the other is then the last one.
    (other,) = sole_admins(1)
    with sessions() as session:
        session.execute(update(User).where(col(User.id) == me["id"]).values(is_active=True))
        session.commit()
    assert admin.ok("POST", f"/users/{me['id']}/deactivate")["is_active"] is False
    response = other.request("POST", f"/users/{_me(other)['id']}/deactivate")
    assert response.status_code == 409, response.text
    assert _me(other)["is_active"]


def test_administrators_deactivating_each_other_at_once_leave_one(
    sole_admins: Callable[[int], list[Api]], sessions: SessionFactory
) -> None:
    for _ in range(4):
        first, second = sole_admins(2)
        ids = [_me(first)["id"], _me(second)["id"]]
        statuses = at_once(
            [
                partial(first.request, "POST", f"/users/{ids[1]}/deactivate"),
                partial(second.request, "POST", f"/users/{ids[0]}/deactivate"),
            ]
        )
        assert sorted(statuses) in ([200, 401], [200, 409]), statuses
        with sessions() as session:
            active = [
                u.id for u in people.list_users(session) if u.role == Role.admin and u.is_active
            ]
        assert len(active) == 1 and active[0] in ids


def test_a_trader_deactivates_a_colleague_but_not_itself(service: str, trader: Api) -> None:
    """Someone who left the company is stopped by a colleague; the last one standing cannot
    stop itself (409), so the operator keeps a trader."""
    password = "correct horse battery staple"
    colleague = trader.ok(
        "POST",
        "/operator/users",
        json={"username": f"left-{uuid.uuid4().hex[:8]}", "full_name": "Lei", "password": password},
    )
    stopped = trader.ok("POST", f"/operator/users/{colleague['id']}/deactivate")
    assert stopped["is_active"] is False
    login = web.post(
        service + "/api/v1/auth/token",
        data={"username": colleague["username"], "password": password},
    )
    assert login.status_code == 401, login.text
    me = trader.ok("GET", "/me")
    itself = trader.request("POST", f"/operator/users/{me['id']}/deactivate")
    assert itself.status_code == 409, itself.text
    assert itself.json()["message_code"] == "account.colleague_is_self"
    assert trader.ok("GET", "/me")["is_active"] is True


# ------------------------------------------------------------------------- changing an account


def test_an_administrator_changes_a_name_an_email_and_a_staff_role(
    staff: Staff, service: str
) -> None:
    made = staff.admin.ok(
        "POST",
        "/users",
        json={
            "username": f"officer-{uuid.uuid4().hex[:6]}",
            "full_name": "Wong Siu Ming",
            "role": "officer",
            "password": PASSWORD,
        },
    )
    path = f"/users/{made['id']}"
    renamed = staff.admin.ok("PATCH", path, json={"full_name": "Wong Siu-ming", "email": None})
    assert renamed["full_name"] == "Wong Siu-ming" and renamed["role"] == "officer"
    promoted = staff.admin.ok("PATCH", path, json={"role": "supervisor"})
    assert promoted["role"] == "supervisor" and promoted["full_name"] == "Wong Siu-ming"
    # The new role counts at once: the account may now suspend (a supervisor's action).
    assert Api.login(service, made["username"], PASSWORD).ok("GET", "/me")["role"] == "supervisor"
    entries = staff.supervisor.ok("GET", "/audit", params={"target": f"user:{made['id']}"})
    changes = [(e["action"], e["details"]) for e in entries["items"] if e["action"] != "sign_in"]
    assert changes == [
        ("account.role_changed", {"old_role": "officer", "new_role": "supervisor"}),
        ("account.changed", {"fields": "full_name"}),
        ("account.created", changes[-1][1]),
    ]


@pytest.mark.parametrize(
    ("body", "status", "says"),
    [
        ({}, 422, "nothing to change"),
        ({"role": "trader"}, 422, "cannot become a trader account"),
        ({"full_name": None}, 422, "a name is required"),
        ({"role": "officer", "password": "x"}, 422, "password"),
    ],
)
def test_a_change_that_cannot_be_made_is_refused(
    staff: Staff, body: dict[str, Any], status: int, says: str
) -> None:
    officer = staff.officer.ok("GET", "/me")
    response = staff.admin.request("PATCH", f"/users/{officer['id']}", json=body)
    assert response.status_code == status, response.text
    assert says in response.json()["detail"]
    assert staff.officer.ok("GET", "/me") == officer


def test_a_trader_or_a_customs_system_keeps_its_role(staff: Staff, trader: Api) -> None:
    me = trader.ok("GET", "/me")
    response = staff.admin.request("PATCH", f"/users/{me['id']}", json={"role": "officer"})
    assert response.status_code == 422 and "cannot become" in response.json()["detail"]
    assert trader.ok("GET", "/me")["role"] == "trader"


def test_the_last_active_administrator_cannot_be_demoted(
    sole_admins: Callable[[int], list[Api]],
) -> None:
    (admin,) = sole_admins(1)
    me = _me(admin)
    response = admin.request("PATCH", f"/users/{me['id']}", json={"role": "supervisor"})
    assert response.status_code == 409, response.text
    assert "last active administrator" in response.json()["detail"]
    assert _me(admin)["role"] == "admin"
