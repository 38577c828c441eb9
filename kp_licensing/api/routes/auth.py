"""Logging in, registering an operator, and who am I."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import BaseModel, Field, StringConstraints

from kp_licensing import security
from kp_licensing.api.deps import CurrentPrincipal, ServicesDep, SessionDep
from kp_licensing.domain.errors import Unauthenticated
from kp_licensing.store import people
from schemas.common import Body, Email, Role
from schemas.licence import ApplicantKind, Identifier, Text

router = APIRouter(tags=["accounts"])

Username = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9._-]{2,63}$")]
Password = Annotated[str, StringConstraints(min_length=12, max_length=200)]


class Token(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_at: datetime


class UserPublic(BaseModel):
    id: int
    username: str
    full_name: str
    email: str | None
    role: Role
    operator_id: int | None
    is_active: bool


class Registration(Body):
    """A new operator and its first trader account."""

    operator_name: Text
    operator_kind: ApplicantKind
    business_registration_no: Identifier
    username: Username
    full_name: Text
    email: Email | None = None
    password: Password = Field(description="At least 12 characters.")


class RegistrationResult(BaseModel):
    operator_id: int
    user: UserPublic


@router.post("/auth/token", response_model=Token)
def login(
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    session: SessionDep,
    services: ServicesDep,
) -> Token:
    """Exchange a username and password for a short-lived bearer token.

    A plain ``def``: FastAPI runs it on a worker thread, so Argon2 never runs on the event loop.
    """
    user = people.find_user(session, form.username)
    # End the read transaction: its pooled connection is not held while the password check
    # waits for a hashing slot (kp_licensing.security.slots).
    session.commit()
    password_hash = user.password_hash if user else None
    if (
        not security.verify_password(form.password, password_hash)
        or user is None
        or not user.is_active
    ):
        raise Unauthenticated("wrong username or password, or the account is deactivated")
    assert user.id is not None and password_hash is not None
    if security.needs_rehash(password_hash):  # made with older, costlier parameters
        user.password_hash = security.hash_password(form.password)
        session.add(user)
        session.commit()
    token, expires = security.issue_token(
        user_id=user.id,
        role=user.role,
        secret=services.settings.jwt_secret,
        minutes=services.settings.token_minutes,
    )
    return Token(access_token=token, expires_at=expires)


@router.post("/auth/register", status_code=201, response_model=RegistrationResult)
def register(body: Registration, session: SessionDep) -> RegistrationResult:
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
    )
    assert operator.id is not None
    return RegistrationResult(
        operator_id=operator.id, user=UserPublic.model_validate(user, from_attributes=True)
    )


@router.get("/me", response_model=UserPublic)
def me(principal: CurrentPrincipal) -> UserPublic:
    """The account behind the token or API key."""
    return UserPublic.model_validate(principal.user, from_attributes=True)
