"""Accounts as the API and the portal show and take them: sign-in tokens, users, operators'
registrations, API keys, and the notifications a trader reads."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints, model_validator

from schemas.common import Body, Email, Role
from schemas.licence import ApplicantKind, Identifier, Text
from schemas.messages import Message, invalid

#: The longest password taken (Argon2 would hash more, but nobody types more).
MAX_PASSWORD_LENGTH = 256
#: The least length any policy asks (``KP_PASSWORD_MIN_LENGTH`` may only raise it).
MIN_PASSWORD_LENGTH = 12

Username = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9._-]{2,63}$")]
#: The content rules are the password policy's (``domain.passwords``, checked where the account
#: is made). The schema holds the least length any policy asks (a setting may only raise it), so
#: a short password is named in the same 422 as every other bad field.
Password = Annotated[
    str,
    StringConstraints(min_length=MIN_PASSWORD_LENGTH, max_length=MAX_PASSWORD_LENGTH),
    Field(
        description="At least KP_PASSWORD_MIN_LENGTH characters (12 unless set), not only "
        "spaces, not containing the user name."
    ),
]


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


class OperatorPublic(BaseModel):
    """A registered operator as its own people see it (the portal's header, its forms)."""

    id: int
    name: str
    kind: str
    business_registration_no: str


class Registration(Body):
    """A new operator and its first trader account."""

    operator_name: Text
    operator_kind: ApplicantKind
    business_registration_no: Identifier
    username: Username
    full_name: Text
    email: Email | None = None
    password: Password


class RegistrationResult(BaseModel):
    operator_id: int
    user: UserPublic


class NewUser(Body):
    username: Username
    full_name: Text
    email: Email | None = None
    role: Role
    operator_id: int | None = Field(default=None, ge=1, le=2**31 - 1)
    password: Password | None = None


class AccountChange(Body):
    """What an administrator changes in an account: its name, e-mail or (staff only) role.
    Fields left out stay as they are; an e-mail sent as null is removed."""

    full_name: Text | None = None
    email: Email | None = None
    role: Role | None = None

    @model_validator(mode="after")
    def _something(self) -> AccountChange:
        if not self.model_fields_set:
            raise invalid("field.nothing_to_change")
        if "full_name" in self.model_fields_set and self.full_name is None:
            raise invalid("field.name_required")
        if "role" in self.model_fields_set and self.role is None:
            raise invalid("field.role_required")
        return self


class PasswordChange(Body):
    """One's own new password, with the current one (a stolen session alone cannot change it)."""

    current_password: Annotated[str, StringConstraints(max_length=MAX_PASSWORD_LENGTH)]
    new_password: Password


class NewColleague(Body):
    username: Username
    full_name: Text
    email: Email | None = None
    password: Password


class NewApiKey(Body):
    label: Text


class ApiKeyIssued(BaseModel):
    id: int
    label: str
    key: str
    created_at: datetime
    expires_at: datetime


class ApiKeyPublic(BaseModel):
    """A key as administrators list it: never its secret or hash; ``prefix`` tells keys apart
    (the key begins with it); ``last_used_at`` to the minute."""

    id: int
    label: str
    prefix: str
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None


class NotificationPublic(BaseModel):
    """What a case told its operator: ``message`` as data (code and params; the API adds the
    sentence, ``text``, in the response's language)."""

    id: int
    case_no: str
    kind: str
    message: Message
    created_at: datetime
    read_at: datetime | None
