"""Changing one's own password: the current one first (a wrong one counts as a failed
sign-in), the policy for the new one, and every token issued before stops working."""

from __future__ import annotations

from tests.api.client import Api, web
from tests.api.conftest import Staff

OLD = "correct horse battery staple"
NEW = "a brand new passphrase for Macao"


def _sign_in(service: str, username: str, password: str) -> int:
    data = {"username": username, "password": password}
    return web.post(service + "/api/v1/auth/token", data=data).status_code


def test_a_new_password_ends_every_earlier_token(service: str, trader: Api) -> None:
    assert trader.username is not None
    second = Api.login(service, trader.username, OLD)  # another session of the same person
    answer = trader.ok("POST", "/me/password", json={"current_password": OLD, "new_password": NEW})
    for session in (trader, second):
        refused = session.request("GET", "/me")
        assert refused.status_code == 401, refused.text
        assert refused.json()["message_code"] == "auth.token_superseded"
    trader.http.headers["Authorization"] = f"Bearer {answer['access_token']}"
    assert trader.ok("GET", "/me")["username"] == trader.username
    assert _sign_in(service, trader.username, OLD) == 401
    assert _sign_in(service, trader.username, NEW) == 200


def test_the_current_password_must_be_right_and_the_new_one_good(service: str, trader: Api) -> None:
    wrong = trader.request(
        "POST", "/me/password", json={"current_password": "not it at all", "new_password": NEW}
    )
    assert wrong.status_code == 401 and wrong.json()["message_code"] == "auth.wrong_password"
    weak = trader.request(
        "POST", "/me/password", json={"current_password": OLD, "new_password": " " * 12}
    )
    assert weak.status_code == 422, weak.text
    assert trader.request("GET", "/me").status_code == 200  # nothing changed
    assert _sign_in(service, trader.username or "", OLD) == 200


def test_a_customs_system_has_no_password_to_change(staff: Staff) -> None:
    response = staff.customs.request(
        "POST", "/me/password", json={"current_password": "x" * 12, "new_password": NEW}
    )
    assert response.status_code == 403, response.text
    assert response.json()["message_code"] == "forbidden.change_password"


def test_a_reactivated_account_starts_with_new_tokens(
    service: str, staff: Staff, trader: Api
) -> None:
    """Deactivating ends the account's tokens for good: reactivated, it signs in afresh."""
    me = trader.ok("GET", "/me")
    staff.admin.ok("POST", f"/users/{me['id']}/deactivate")
    gone = trader.request("GET", "/me")
    assert gone.json()["message_code"] == "auth.account_deactivated", gone.text
    staff.admin.ok("POST", f"/users/{me['id']}/reactivate")
    old = trader.request("GET", "/me")
    assert old.status_code == 401 and old.json()["message_code"] == "auth.token_superseded"
    assert Api.login(service, trader.username or "", OLD).ok("GET", "/me")["id"] == me["id"]
