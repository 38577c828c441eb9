"""Guessing is slow: failed sign-ins, API keys that are not valid and registrations of taken
names make their account and client address wait (429 with ``Retry-After``), doubling up to a
cap, without locking the person out: from their own address they sign in at once.

Each test plays its callers from addresses of its own (``X-Forwarded-For``, trusted from the
loopback proxy), so the counts of one test never reach another's."""

from __future__ import annotations

import time
import uuid

import httpx

from tests.api.client import Api, web
from tests.api.conftest import Staff
from tests.api.document import openapi_document

PASSWORD = "correct horse battery staple"


def _address() -> str:
    """A documentation address (RFC 5737) of this test's own."""
    tag = uuid.uuid4().int
    return f"198.51.{tag % 250}.{tag // 250 % 250 + 1}"


def _sign_in(service: str, username: str, password: str, address: str) -> httpx.Response:
    return web.post(
        service + "/api/v1/auth/token",
        data={"username": username, "password": password},
        headers={"X-Forwarded-For": address},
    )


def _waited(response: httpx.Response) -> int:
    assert response.status_code == 429, response.text
    body = response.json()
    assert body["code"] == "too_many_requests", body
    seconds = int(response.headers["retry-after"])
    assert seconds == body["retry_after_seconds"] >= 1, body
    return seconds


def test_thirty_wrong_passwords_are_slowed_and_the_right_one_then_works(
    service: str, trader: Api
) -> None:
    assert trader.username is not None
    guesser = _address()
    answers = [_sign_in(service, trader.username, f"guess {i}", guesser) for i in range(30)]
    statuses = [r.status_code for r in answers]
    assert statuses[:5] == [401] * 5, statuses
    assert statuses.count(429) >= 20, statuses
    for response in answers:
        if response.status_code == 429:
            assert _waited(response) <= 15 * 60

    # From the guesser's address even the right password waits its turn; then it works.
    right = _sign_in(service, trader.username, PASSWORD, guesser)
    if right.status_code == 429:
        time.sleep(_waited(right))
        right = _sign_in(service, trader.username, PASSWORD, guesser)
    assert right.status_code == 200, right.text


def test_the_person_signs_in_at_once_from_their_own_address(service: str, trader: Api) -> None:
    assert trader.username is not None
    guesser = _address()
    for i in range(10):
        _sign_in(service, trader.username, f"guess {i}", guesser)
    assert _sign_in(service, trader.username, "guess", guesser).status_code == 429
    assert _sign_in(service, trader.username, PASSWORD, _address()).status_code == 200


def test_an_address_trying_many_accounts_is_slowed(service: str) -> None:
    sprayer = _address()
    statuses = [
        _sign_in(service, f"nobody-{uuid.uuid4().hex[:8]}", "Password1234", sprayer).status_code
        for _ in range(22)
    ]
    assert statuses[:20] == [401] * 20, statuses
    _waited(_sign_in(service, f"nobody-{uuid.uuid4().hex[:8]}", "Password1234", sprayer))


def test_api_keys_that_are_not_valid_are_slowed_per_address(service: str, staff: Staff) -> None:
    prober = _address()

    def me(key: str, address: str) -> httpx.Response:
        return web.get(
            service + "/api/v1/me", headers={"X-API-Key": key, "X-Forwarded-For": address}
        )

    statuses = [me(f"kp_{uuid.uuid4().hex}", prober).status_code for _ in range(10)]
    assert statuses == [401] * 10, statuses
    _waited(me(f"kp_{uuid.uuid4().hex}", prober))
    good_key = staff.customs.http.headers["X-API-Key"]
    _waited(me(good_key, prober))  # the prober waits even with a good key
    assert me(good_key, _address()).status_code == 200  # the customs system does not


def test_registering_taken_names_is_slowed_and_staff_names_are_not_told_apart(
    service: str, staff: Staff, trader: Api
) -> None:
    officer = staff.officer.ok("GET", "/me")["username"]
    prober = _address()

    def register(username: str) -> httpx.Response:
        tag = uuid.uuid4().hex[:8]
        body = {
            "operator_name": f"Probe {tag} Limitada",
            "operator_kind": "company",
            "business_registration_no": f"BR{tag.upper()}",
            "username": username,
            "full_name": "Probe",
            "password": PASSWORD,
        }
        return web.post(
            service + "/api/v1/auth/register", json=body, headers={"X-Forwarded-For": prober}
        )

    staff_name, trader_name = register(officer), register(trader.username or "")
    assert staff_name.status_code == trader_name.status_code == 409
    assert staff_name.json()["message_code"] == trader_name.json()["message_code"]
    assert "officer" not in staff_name.json()["detail"].replace(officer, "")
    for _ in range(3):
        assert register(officer).status_code == 409
    _waited(register(f"free-{uuid.uuid4().hex[:8]}"))  # even a free name waits now


def test_every_throttled_operation_declares_429() -> None:
    paths = openapi_document()["paths"]
    for path, method in (
        ("/api/v1/auth/token", "post"),
        ("/api/v1/auth/register", "post"),
        ("/api/v1/me", "get"),
        ("/api/v1/licences", "get"),
    ):
        responses = paths[path][method]["responses"]
        assert "429" in responses, (path, sorted(responses))
        assert "Retry-After" in responses["429"]["headers"]
