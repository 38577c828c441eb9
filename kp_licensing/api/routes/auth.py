"""Logging in, registering an operator, and who am I."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.security import OAuth2PasswordRequestForm
from starlette.concurrency import run_in_threadpool

from kp_licensing.api.deps import CurrentPrincipal, ServicesDep, SessionDep
from kp_licensing.domain.errors import Unauthenticated
from kp_licensing.store import people
from kp_licensing.store.db import SessionFactory
from kp_licensing.store.models import User
from kp_licensing.support import security
from schemas.accounts import Registration, RegistrationResult, Token, UserPublic

router = APIRouter(tags=["accounts"])


def _find_user(sessions: SessionFactory, username: str) -> User | None:
    with sessions() as session:
        return people.find_user(session, username)


def _store_hash(sessions: SessionFactory, user_id: int, password_hash: str) -> None:
    with sessions() as session:
        user = people.get_user(session, user_id)
        if user is not None:
            user.password_hash = password_hash
            session.add(user)
            session.commit()


@router.post("/auth/token", response_model=Token)
async def login(
    form: Annotated[OAuth2PasswordRequestForm, Depends()], services: ServicesDep
) -> Token:
    """Exchange a username and password for a short-lived bearer token.

    Asynchronous on purpose: Argon2 runs on the hashing threads (``security.slots``), and a
    login waits for one holding neither a request thread nor a database connection, so a burst
    of logins queues there without starving other requests. The lookups are short and run on
    request threads, each with a session of its own.
    """
    user = await run_in_threadpool(_find_user, services.sessions, form.username)
    password_hash = user.password_hash if user else None
    if (
        not await security.verify_password_async(form.password, password_hash)
        or user is None
        or not user.is_active
    ):
        raise Unauthenticated("wrong username or password, or the account is deactivated")
    assert user.id is not None and password_hash is not None
    if security.needs_rehash(password_hash):  # made with older, costlier parameters
        new_hash = await security.hash_password_async(form.password)
        await run_in_threadpool(_store_hash, services.sessions, user.id, new_hash)
    token, expires = security.issue_token(
        user_id=user.id,
        role=user.role,
        secret=services.settings.jwt_secret,
        minutes=services.settings.token_minutes,
    )
    return Token(access_token=token, expires_at=expires)


@router.post("/auth/register", status_code=201, response_model=RegistrationResult)
def register(body: Registration, session: SessionDep, services: ServicesDep) -> RegistrationResult:
    """Register an operator (company or individual entrepreneur) with its first trader user."""
    operator, user = people.register_operator(
        session,
        name=body.operator_name,
        kind=body.operator_kind.value,
        business_registration_no=body.business_registration_no,
        username=body.username,
        full_name=body.full_name,
        password=body.password,
        email=body.email,
        password_policy=services.settings.password_policy(),
    )
    assert operator.id is not None
    return RegistrationResult(
        operator_id=operator.id, user=UserPublic.model_validate(user, from_attributes=True)
    )


@router.get("/me", response_model=UserPublic)
def me(principal: CurrentPrincipal) -> UserPublic:
    """The account behind the token or API key."""
    return UserPublic.model_validate(principal.user, from_attributes=True)
