"""Logging in, registering an operator, and who am I."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.security import OAuth2PasswordRequestForm

from kp_licensing.api.deps import ClientAddress, CurrentPrincipal, ServicesDep, SessionDep
from kp_licensing.services import accounts
from schemas.accounts import Registration, RegistrationResult, Token, UserPublic

router = APIRouter(tags=["accounts"])


@router.post("/auth/token", response_model=Token)
async def login(
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    services: ServicesDep,
    address: ClientAddress,
) -> Token:
    """Exchange a username and password for a short-lived bearer token (a burst of sign-ins
    waits for the hashing threads, not for request threads: ``services.accounts.sign_in``)."""
    return await accounts.sign_in(
        services.sessions, services.settings, form.username, form.password, address=address
    )


@router.post("/auth/register", status_code=201, response_model=RegistrationResult)
def register(
    body: Registration, session: SessionDep, services: ServicesDep, address: ClientAddress
) -> RegistrationResult:
    """Register an operator (company or individual entrepreneur) with its first trader user."""
    return accounts.register(
        session, body, policy=services.settings.password_policy(), address=address
    )


@router.get("/me", response_model=UserPublic)
def me(principal: CurrentPrincipal) -> UserPublic:
    """The account behind the token or API key."""
    return principal.user
