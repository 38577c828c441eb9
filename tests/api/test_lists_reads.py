"""Reads are cheap by construction: nothing but the caller's account lookup waits on the thread
pool before a route, reads answer with JSON encoded once, and a case read still answers with
exactly its schema's JSON (defaults filled in for a case stored before a field existed)."""

from __future__ import annotations

import inspect
from datetime import UTC, datetime
from typing import Any, get_type_hints

import pytest
from fastapi import Response, routing
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from fastapi.security import OAuth2PasswordRequestForm

from kp_licensing.api.app import create_app
from kp_licensing.api.deps import current_principal
from kp_licensing.domain.errors import Unauthenticated
from kp_licensing.store.db import SessionFactory
from kp_licensing.store.models import Licence
from kp_licensing.support import security
from kp_licensing.support.settings import Settings
from kp_licensing.web.visit import current_visit
from schemas.licence import LicenceState
from tests.api.client import Api
from tests.api.conftest import Staff
from tests.factories import licence_start

#: Synchronous dependencies allowed (each costs a thread hop): the account lookup, its portal
#: twin (the session's account), and the login form (only on /auth/token).
SYNC_ALLOWED = {current_principal, current_visit, OAuth2PasswordRequestForm}
READS = {
    "/api/v1/licences",
    "/api/v1/licences/{case_no}",
    "/api/v1/permits",
    "/api/v1/permits/{case_no}",
}


def _runs_in_thread_pool(call: Any) -> bool:
    """Whether FastAPI calls this dependency in the thread pool: a class, or a callable that is
    neither a coroutine function nor an async generator (an object: its ``__call__``)."""
    if inspect.isclass(call):
        return True
    target = call if inspect.isroutine(call) else call.__call__
    return not (inspect.iscoroutinefunction(target) or inspect.isasyncgenfunction(target))


def _sync_calls(dependant: Dependant) -> set[Any]:
    found = set()
    for sub in dependant.dependencies:
        if sub.call is not None and _runs_in_thread_pool(sub.call):
            found.add(sub.call)
        found |= _sync_calls(sub)
    return found


def test_only_the_account_lookup_hops_to_the_thread_pool(settings: Settings) -> None:
    app = create_app(settings)
    routes = [(c.path, c.original_route) for c in routing.iter_route_contexts(app.routes)]
    checked = set()
    for path, route in routes:
        if not isinstance(route, APIRoute):
            continue
        assert _sync_calls(route.dependant) <= SYNC_ALLOWED, path
        if path in READS and "GET" in (route.methods or ()):
            # A Response is sent as is: FastAPI neither validates nor re-encodes it.
            assert get_type_hints(route.endpoint)["return"] is Response, path
            checked.add(path)
    assert checked == READS


def test_a_case_read_answers_with_its_schema_json(
    staff: Staff, trader: Api, other_trader: Api, sessions: SessionFactory
) -> None:
    assert trader.operator_id is not None
    state = licence_start(trader.operator_id).state
    stored = state.model_dump(mode="json")
    for defaulted in ("checks", "reminders_sent", "suspended_until"):  # as if older than them
        stored.pop(defaulted)
    at = datetime.now(UTC)
    with sessions() as session:
        session.add(
            Licence(
                case_no=state.case_no,
                operator_id=trader.operator_id,
                status=state.status.value,
                applicant_name=state.application.name,
                business_registration_no=state.application.business_registration_no,
                submitted_at=at,
                updated_at=at,
                seq=1,
                state=stored,
            )
        )
        session.commit()
    expected = LicenceState.model_validate(stored).model_dump(mode="json")
    for reader in (staff.officer, trader):
        response = reader.request("GET", f"/licences/{state.case_no}")
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "application/json"
        assert response.json() == expected
    missing = other_trader.request("GET", f"/licences/{state.case_no}")
    assert missing.status_code == 404 and state.case_no in missing.text
    assert staff.officer.request("GET", "/licences/OLA-NO-SUCH").status_code == 404


def test_a_remembered_token_still_expires(monkeypatch: pytest.MonkeyPatch) -> None:
    token, expires = security.issue_token(user_id=5, role="officer", secret="s" * 32, minutes=1)
    assert security.read_token(token, secret="s" * 32) == (5, 0)  # verified, then remembered
    monkeypatch.setattr(security.time, "time", lambda: expires.timestamp() + 1)
    with pytest.raises(Unauthenticated) as expired:
        security.read_token(token, secret="s" * 32)
    assert expired.value.message.code == "auth.token_expired"
    with pytest.raises(Unauthenticated) as invalid:  # remembered per secret
        security.read_token(token, secret="t" * 32)
    assert invalid.value.message.code == "auth.token_invalid"
