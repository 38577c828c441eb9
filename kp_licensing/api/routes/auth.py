"""Logging in, registering an operator, and who am I."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.security import OAuth2PasswordRequestForm

from kp_licensing.api.deps import (
    ClientAddress,
    CurrentPrincipal,
    MayChangePassword,
    ServicesDep,
    SessionDep,
)
from kp_licensing.services import accounts, credentials
from kp_licensing.services.audit import Origin
from schemas.accounts import PasswordChange, Registration, RegistrationResult, Token, UserPublic

router = APIRouter(tags=["accounts"])


@router.post("/auth/token", response_model=Token)
async def login(
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    services: ServicesDep,
    address: ClientAddress,
) -> Token:
    """Exchange a username and password for a short-lived bearer token (a burst of sign-ins
    waits for the hashing threads, not for request threads: ``services.credentials.sign_in``)."""
    return await credentials.sign_in(
        services.sessions, services.settings, form.username, form.password, address=address
    )


@router.post("/auth/register", status_code=201, response_model=RegistrationResult)
def register(
    body: Registration, session: SessionDep, services: ServicesDep, address: ClientAddress
) -> RegistrationResult:
    """Register an operator (company or individual entrepreneur) with its first trader user."""
    return accounts.register(
        session,
        body,
        policy=services.settings.password_policy(),
        by=Origin(actor=None, address=address),
    )


@router.post("/me/password", response_model=Token)
async def change_password(
    body: PasswordChange,
    principal: MayChangePassword,
    services: ServicesDep,
) -> Token:
    """Change one's own password (the current one first); every earlier token stops working,
    and the answer is a new one."""
    return await credentials.change_password(
        services.sessions, services.settings, body, by=principal.origin
    )


@router.get("/me", response_model=UserPublic)
def me(principal: CurrentPrincipal) -> UserPublic:
    """The account behind the token or API key."""
    return principal.user
