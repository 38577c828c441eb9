"""Signing in and out of the portal, its sessions' end, its CSRF protection and its language.

Every test goes through the real service over HTTP (tests/api/conftest.py), as a browser would:
cookies kept, forms posted with the fields the page gave."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import select

from kp_licensing.store.db import SessionFactory
from kp_licensing.store.portal_models import PortalSession
from kp_licensing.support.settings import Settings
from kp_licensing.web import cookies
from tests.api.client import Api
from tests.api.portal import PASSWORD, Browser, hidden_fields, text_of


def test_a_trader_registers_and_signs_in_through_the_forms(service: str) -> None:
    browser = Browser.open(service)
    registered = browser.register()
    page = browser.get("/", follow_redirects=True)
    assert page.url.path == "/trader"
    assert registered["full_name"] in page.text


def test_the_session_cookie_is_httponly_and_samesite(service: str) -> None:
    browser = Browser.open(service)
    data = browser.register()
    browser.client.cookies.clear()
    response = browser.submit(
        "/signin", "/signin", {"username": data["username"], "password": PASSWORD}
    )
    cookie = next(
        v for k, v in response.headers.multi_items() if k == "set-cookie" and "kp_session" in v
    )
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie  # development runs on plain HTTP


def test_cookies_are_secure_in_production(settings: Settings) -> None:
    from starlette.responses import Response

    response = Response()
    production = settings.model_copy(update={"environment": "production"})
    cookies.set_cookie(response, production, cookies.SESSION, "x")
    assert "Secure" in response.headers["set-cookie"]


def test_a_wrong_password_is_said_on_the_form_and_opens_nothing(service: str) -> None:
    browser = Browser.open(service)
    data = browser.register()
    browser.client.cookies.clear()
    response = browser.submit(
        "/signin", "/signin", {"username": data["username"], "password": "x" * 12}
    )
    assert response.status_code == 401
    assert "kp_session" not in response.cookies
    assert 'value="' + data["username"] + '"' in response.text  # what was typed is kept
    assert browser.get("/trader").status_code == 303


def test_a_form_without_its_csrf_token_is_refused_and_does_nothing(service: str) -> None:
    browser = Browser.open(service)
    data = browser.register()
    browser.client.cookies.clear()
    response = browser.client.post(
        "/signin", data={"username": data["username"], "password": PASSWORD}
    )
    assert response.status_code == 403
    assert "kp_session" not in response.cookies
    # A token from another browser does not do either.
    other = Browser.open(service)
    token = hidden_fields(other.page("/signin"), "/signin")["csrf_token"]
    browser.page("/signin")
    response = browser.client.post(
        "/signin", data={"username": data["username"], "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 403


def test_signing_out_needs_the_token_and_ends_the_session(service: str) -> None:
    browser = Browser.open(service)
    browser.register()
    assert browser.client.post("/signout").status_code == 403  # no token: still signed in
    assert browser.get("/trader").status_code == 200
    session_cookie = browser.client.cookies["kp_session"]
    response = browser.submit("/trader", "/signout", {})
    assert response.status_code == 303
    assert browser.get("/trader").status_code == 303
    # The old cookie, replayed, opens nothing: the session is gone from the server.
    replay = Browser.open(service)
    replay.client.cookies.set("kp_session", session_cookie)
    assert replay.get("/trader").headers["location"].startswith("/signin")


def test_a_session_idle_past_its_limit_has_ended(
    service: str, sessions: SessionFactory, settings: Settings
) -> None:
    browser = Browser.open(service)
    data = browser.register()
    with sessions() as session:
        row = session.exec(select(PortalSession).order_by(PortalSession.id.desc())).first()  # type: ignore[union-attr]
        assert row is not None
        row.last_seen_at = datetime.now(UTC) - timedelta(minutes=settings.portal_idle_minutes)
        session.add(row)
        session.commit()
    response = browser.get("/trader")
    assert response.status_code == 303
    assert response.headers["location"] == "/signin?next=/trader"
    browser.sign_in(data["username"])
    assert browser.get("/trader").status_code == 200


def test_a_password_change_ends_the_portal_sessions(service: str) -> None:
    browser = Browser.open(service)
    data = browser.register()
    api = Api.login(service, data["username"], PASSWORD)
    api.ok(
        "POST", "/me/password", json={"current_password": PASSWORD, "new_password": PASSWORD + "!"}
    )
    assert browser.get("/trader").status_code == 303


def test_signing_in_goes_back_only_to_a_page_of_the_portal(service: str) -> None:
    browser = Browser.open(service)
    data = browser.register()
    browser.client.cookies.clear()
    for target, expected in (("//evil.example/x", "/trader"), ("/notifications", "/notifications")):
        fields = hidden_fields(browser.page(f"/signin?next={target}"), "/signin")
        response = browser.client.post(
            "/signin", data={**fields, "username": data["username"], "password": PASSWORD}
        )
        assert response.headers["location"] == expected
        browser.client.cookies.clear()


def test_every_page_speaks_the_chosen_language_and_remembers_it(service: str) -> None:
    browser = Browser.open(service, language="pt-MO")
    assert 'lang="pt-MO"' in browser.page("/")
    assert "Iniciar sessão" in browser.page("/")
    response = browser.get("/language/zh?next=/signin")
    assert response.status_code == 303 and response.headers["location"] == "/signin"
    page = browser.page("/signin")
    assert 'lang="zh-Hant-MO"' in page and "登入" in page
    assert browser.get("/language/xx").status_code == 404
    # The API keeps answering as each request asks (the cookie is the portal's).
    assert browser.get("/api/v1/me").headers["content-language"] == "pt"


def test_a_page_sends_its_own_content_policy(service: str) -> None:
    response = Browser.open(service).get("/")
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert response.headers["cache-control"] == "no-store"
    assert (
        Browser.open(service).get("/static/portal.css").headers.get("cache-control") != "no-store"
    )


def test_registration_errors_are_said_next_to_their_fields(service: str) -> None:
    browser = Browser.open(service, language="zh-Hant-MO")
    response = browser.submit(
        "/register",
        "/register",
        {
            "operator_name": "Jade Limitada",
            "operator_kind": "company",
            "business_registration_no": "!",
            "full_name": "Wong",
            "username": "UPPER CASE",
            "password": "short",
        },
    )
    assert response.status_code == 422
    assert 'id="e-business_registration_no"' in response.text
    assert 'id="e-username"' in response.text
    assert 'value="Jade Limitada"' in response.text  # kept
    assert "short" not in text_of(response.text)  # a password is never shown again
