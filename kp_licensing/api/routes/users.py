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
from kp_licensing.services import accounts
from schemas.accounts import (
    AccountChange,
    ApiKeyIssued,
    ApiKeyPublic,
    NewApiKey,
    NewColleague,
    NewUser,
    UserPublic,
)

router = APIRouter(tags=["accounts"])


@router.post("/users", status_code=201, response_model=UserPublic)
def create_user(
    body: NewUser, principal: MayManageUsers, session: SessionDep, services: ServicesDep
) -> UserPublic:
    """Create any account: staff, a customs system (no password: it uses API keys), a trader."""
    return accounts.create_user(
        session, body, policy=services.settings.password_policy(), by=principal.origin
    )


@router.get("/users", response_model=list[UserPublic])
def list_users(_: MayManageUsers, session: SessionDep) -> list[UserPublic]:
    return accounts.list_users(session)


@router.post("/users/{user_id}/deactivate", response_model=UserPublic)
def deactivate(user_id: DatabaseId, principal: MayManageUsers, session: SessionDep) -> UserPublic:
    """Stop an account from logging in (its history stays); never the last active administrator."""
    return accounts.deactivate(session, user_id, by=principal.origin)


@router.patch("/users/{user_id}", response_model=UserPublic)
def change(
    user_id: DatabaseId, body: AccountChange, principal: MayManageUsers, session: SessionDep
) -> UserPublic:
    """Change an account's name, e-mail or role (between officer, supervisor and administrator;
    never the last active administrator's). Fields left out stay as they are."""
    return accounts.change(session, user_id, body, by=principal.origin)


@router.post("/users/{user_id}/reactivate", response_model=UserPublic)
def reactivate(user_id: DatabaseId, principal: MayManageUsers, session: SessionDep) -> UserPublic:
    """Let a deactivated account log in again, as it was; an active one stays as it is."""
    return accounts.reactivate(session, user_id, by=principal.origin)


@router.post("/users/{user_id}/api-keys", status_code=201, response_model=ApiKeyIssued)
def issue_api_key(
    user_id: DatabaseId,
    body: NewApiKey,
    principal: MayManageUsers,
    session: SessionDep,
    services: ServicesDep,
) -> ApiKeyIssued:
    """A new API key for a customs system account, valid ``KP_API_KEY_DAYS``; shown once,
    stored only as a hash."""
    return accounts.issue_api_key(
        session, user_id, body, days=services.settings.api_key_days, by=principal.origin
    )


@router.get("/users/{user_id}/api-keys", response_model=list[ApiKeyPublic])
def api_keys(user_id: DatabaseId, _: MayManageUsers, session: SessionDep) -> list[ApiKeyPublic]:
    """An account's keys (revoked and expired ones too): when made, until when, last used; never
    the secret."""
    return accounts.api_keys(session, user_id)


@router.post("/api-keys/{key_id}/revoke", status_code=204)
def revoke_api_key(key_id: DatabaseId, principal: MayManageUsers, session: SessionDep) -> None:
    accounts.revoke_api_key(session, key_id, by=principal.origin)


@router.get("/operator/users", response_model=list[UserPublic])
def colleagues(principal: MayManageColleagues, session: SessionDep) -> list[UserPublic]:
    """The accounts of the caller's own operator."""
    return accounts.list_users(session, operator_id=principal.operator_id)


@router.post("/operator/users/{user_id}/deactivate", response_model=UserPublic)
def deactivate_colleague(
    user_id: DatabaseId, principal: MayManageColleagues, session: SessionDep
) -> UserPublic:
    """Stop a colleague of the caller's own operator from logging in (not the caller)."""
    return accounts.deactivate_colleague(session, user_id, by=principal.origin)


@router.post("/operator/users", status_code=201, response_model=UserPublic)
def add_colleague(
    body: NewColleague, principal: MayManageColleagues, session: SessionDep, services: ServicesDep
) -> UserPublic:
    """Add another trader account to the caller's own operator."""
    return accounts.add_colleague(
        session, body, by=principal.origin, policy=services.settings.password_policy()
    )
