"""Accounts: administrators manage staff and system accounts; traders add their colleagues."""

from __future__ import annotations

from fastapi import APIRouter

from kp_licensing.api.deps import (
    DatabaseId,
    MayManageColleagues,
    MayManageUsers,
    ServicesDep,
    SessionDep,
)
from kp_licensing.domain.errors import NotFound, RuleViolation
from kp_licensing.store import people
from schemas.accounts import ApiKeyIssued, NewApiKey, NewColleague, NewUser, UserPublic
from schemas.common import Role

router = APIRouter(tags=["accounts"])


def _public(user: object) -> UserPublic:
    return UserPublic.model_validate(user, from_attributes=True)


@router.post("/users", status_code=201, response_model=UserPublic)
def create_user(
    body: NewUser, _: MayManageUsers, session: SessionDep, services: ServicesDep
) -> UserPublic:
    """Create any account: staff, a customs system (no password: it uses API keys), a trader."""
    if body.role != Role.customs and body.password is None:
        raise RuleViolation("set a password: every account but a customs system logs in with one")
    if body.role == Role.customs and body.password is not None:
        raise RuleViolation(
            "leave the password out: customs system accounts log in with API keys (issue one "
            "with POST /api/v1/users/{id}/api-keys)"
        )
    if body.operator_id is not None:
        people.get_operator(session, body.operator_id)
    user = people.create_user(
        session,
        username=body.username,
        full_name=body.full_name,
        role=body.role,
        password=body.password,
        email=body.email,
        operator_id=body.operator_id,
        password_policy=services.settings.password_policy(),
    )
    return _public(user)


@router.get("/users", response_model=list[UserPublic])
def list_users(_: MayManageUsers, session: SessionDep) -> list[UserPublic]:
    return [_public(u) for u in people.list_users(session)]


@router.post("/users/{user_id}/deactivate", response_model=UserPublic)
def deactivate(user_id: DatabaseId, _: MayManageUsers, session: SessionDep) -> UserPublic:
    """Stop an account from logging in (its history stays); never the last active administrator."""
    user = people.get_user(session, user_id)
    if user is None:
        raise NotFound(f"no user {user_id}")
    return _public(people.deactivate(session, user))


@router.post("/users/{user_id}/api-keys", status_code=201, response_model=ApiKeyIssued)
def issue_api_key(
    user_id: DatabaseId, body: NewApiKey, _: MayManageUsers, session: SessionDep
) -> ApiKeyIssued:
    """A new API key for a customs system account; shown once, stored only as a hash."""
    user = people.get_user(session, user_id)
    if user is None:
        raise NotFound(f"no user {user_id}")
    if user.role != Role.customs:
        raise RuleViolation(
            f"user {user_id} ({user.role}) logs in with a password; API keys are issued to "
            "customs system accounts only"
        )
    key, row = people.create_api_key(session, user=user, label=body.label)
    assert row.id is not None
    return ApiKeyIssued(id=row.id, label=row.label, key=key, created_at=row.created_at)


@router.post("/api-keys/{key_id}/revoke", status_code=204)
def revoke_api_key(key_id: DatabaseId, _: MayManageUsers, session: SessionDep) -> None:
    people.revoke_api_key(session, key_id=key_id)


@router.get("/operator/users", response_model=list[UserPublic])
def colleagues(principal: MayManageColleagues, session: SessionDep) -> list[UserPublic]:
    """The accounts of the caller's own operator."""
    return [_public(u) for u in people.list_users(session, operator_id=principal.operator_id)]


@router.post("/operator/users", status_code=201, response_model=UserPublic)
def add_colleague(
    body: NewColleague, principal: MayManageColleagues, session: SessionDep, services: ServicesDep
) -> UserPublic:
    """Add another trader account to the caller's own operator."""
    user = people.create_user(
        session,
        username=body.username,
        full_name=body.full_name,
        role=Role.trader,
        password=body.password,
        email=body.email,
        operator_id=principal.operator_id,
        password_policy=services.settings.password_policy(),
    )
    return _public(user)
