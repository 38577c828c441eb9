"""Operators, user accounts and API keys."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol, cast

import sqlalchemy as sa
from sqlalchemy import bindparam, func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from kp_licensing.domain.errors import Conflict, NotFound
from kp_licensing.domain.registration import (
    canonical_registration_no,
)
from kp_licensing.store.models import ApiKey, Operator, User, utcnow
from kp_licensing.support import security
from schemas.common import Role

USERS = User.__table__  # type: ignore[attr-defined]
OPERATORS = Operator.__table__  # type: ignore[attr-defined]

#: What authenticating a request reads of its account: the columns, not an ORM object (every
#: request of the API and the portal runs it).
ACCOUNT = sa.select(
    USERS.c.id,
    USERS.c.username,
    USERS.c.full_name,
    USERS.c.email,
    USERS.c.role,
    USERS.c.operator_id,
    USERS.c.is_active,
    USERS.c.token_version,
).where(USERS.c.id == bindparam("user"))
REGISTRATION_NO = select(OPERATORS.c.business_registration_no).where(
    OPERATORS.c.id == bindparam("operator")
)


def get_user(session: Session, user_id: int) -> User | None:
    return session.get(User, user_id)


class Account(Protocol):
    """A user's account as a request's authentication reads it (``ACCOUNT``'s columns)."""

    id: int
    username: str
    full_name: str
    email: str | None
    role: str
    operator_id: int | None
    is_active: bool
    token_version: int


def account(session: Session, user_id: int) -> Account | None:
    return cast(Account | None, session.connection().execute(ACCOUNT, {"user": user_id}).first())


def display_names(session: Session, user_ids: set[int]) -> dict[int, str]:
    rows = session.exec(select(User.id, User.full_name).where(col(User.id).in_(user_ids)))
    return {user_id: name for user_id, name in rows if user_id is not None}


def find_user(session: Session, username: str) -> User | None:
    return session.exec(select(User).where(User.username == username)).first()


def get_operator(session: Session, operator_id: int) -> Operator:
    operator = session.get(Operator, operator_id)
    if operator is None:
        raise NotFound("operator.not_found", operator_id=operator_id)
    return operator


def registration_no(session: Session, operator_id: int) -> str:
    """The operator's business registration number (canonical), as every application is
    checked against it."""
    found = session.connection().execute(REGISTRATION_NO, {"operator": operator_id}).scalar()
    if found is None:
        raise NotFound("operator.not_found", operator_id=operator_id)
    return str(found)


def list_users(session: Session, *, operator_id: int | None = None) -> list[User]:
    stmt = select(User).order_by(col(User.id))
    if operator_id is not None:
        stmt = stmt.where(User.operator_id == operator_id)
    return list(session.exec(stmt).all())


def _username_taken(username: str) -> Conflict:
    return Conflict("account.username_taken", username=username)


def create_user(
    session: Session,
    *,
    username: str,
    full_name: str,
    role: Role,
    password: str | None,
    email: str | None = None,
    operator_id: int | None = None,
    commit: bool = True,
) -> User:
    """A new account, its password hashed (the rules of who has which are the services'); a
    username already taken is refused, the unique index deciding between racing requests."""
    if find_user(session, username) is not None:
        raise _username_taken(username)
    user = User(
        username=username,
        full_name=full_name,
        role=role.value,
        email=email,
        operator_id=operator_id,
        password_hash=security.hash_password(password) if password else None,
    )
    session.add(user)
    try:
        # The unique index decides between two requests for one username racing each other.
        session.commit() if commit else session.flush()
    except IntegrityError:
        session.rollback()
        raise _username_taken(username) from None
    return user


def _registration_taken(number: str) -> Conflict:
    return Conflict("operator.already_registered", registration_no=number)


def _repeated_registration(
    session: Session, *, number: str, name: str, kind: str, username: str, password: str
) -> tuple[Operator, User]:
    """The registration a repeated request made (the same business, name, first user and
    password: a client retrying after a lost answer); anything else is the business registered
    by somebody else, a 409."""
    operator = session.exec(
        select(Operator).where(Operator.business_registration_no == number)
    ).one()
    user = find_user(session, username)
    if (
        user is not None
        and user.operator_id == operator.id
        and (operator.name, operator.kind) == (name, kind)
        and security.verify_password(password, user.password_hash)
    ):
        return operator, user
    raise _registration_taken(number)


def register_operator(
    session: Session,
    *,
    name: str,
    kind: str,
    business_registration_no: str,
    username: str,
    full_name: str,
    password: str,
    email: str | None,
    commit: bool = True,
) -> tuple[Operator, User, bool]:
    """An operator and its first trader account, together or not at all, and whether this call
    made them (False: a repeated registration, answered with what the first one made). With
    ``commit=False`` they are flushed, to be committed with what the caller adds.

    The number is kept in its canonical form, on which the table's unique index sits: of two
    registrations of one business racing each other, however spelt, the database lets one
    commit and the other is told the business is registered (nothing of it is left behind)."""
    number = canonical_registration_no(business_registration_no)
    if session.exec(select(Operator).where(Operator.business_registration_no == number)).first():
        return *_repeated_registration(
            session, number=number, name=name, kind=kind, username=username, password=password
        ), False
    try:
        operator = Operator(name=name, kind=kind, business_registration_no=number)
        session.add(operator)
        session.flush()
        assert operator.id is not None
        user = create_user(
            session,
            username=username,
            full_name=full_name,
            role=Role.trader,
            password=password,
            email=email,
            operator_id=operator.id,
            commit=False,
        )
        session.commit() if commit else session.flush()
    except IntegrityError:
        # The operator row's one unique index is the number's (the username's is handled by
        # create_user): a registration of the same business, however spelt, committed first.
        session.rollback()
        return *_repeated_registration(
            session, number=number, name=name, kind=kind, username=username, password=password
        ), False
    except Exception:
        session.rollback()
        raise
    return operator, user, True


def deactivate(session: Session, user: User, *, commit: bool = True) -> User:
    """Stop ``user`` from logging in, unless it is the last active administrator
    (:func:`keep_an_admin`)."""
    assert user.id is not None
    try:
        keep_an_admin(session, user)
        user.is_active = False
        user.token_version += 1  # its tokens stay dead if the account is reactivated
        session.add(user)
        session.commit() if commit else session.flush()
    except Exception:
        session.rollback()
        raise
    return user


def keep_an_admin(session: Session, user: User) -> None:
    """Refuse (409) to take ``user`` away from the active administrators if it is the last one:
    the service would have nobody left to manage accounts.

    The first statement locks every active administrator's row (a no-op UPDATE: row locks on
    PostgreSQL, the write lock on SQLite), so two administrators deactivating or demoting each
    other at the same moment are decided one after the other and the second sees the first's
    result."""
    session.execute(
        update(User)
        .where(col(User.role) == Role.admin.value, col(User.is_active))
        .values(is_active=User.is_active)
    )
    session.refresh(user)
    if user.is_active and user.role == Role.admin.value:
        others = session.exec(
            select(func.count())
            .select_from(User)
            .where(col(User.role) == Role.admin.value, col(User.is_active), col(User.id) != user.id)
        ).one()
        if not others:
            raise Conflict("account.last_admin", username=user.username)


def set_password(
    session: Session, user_id: int, password_hash: str, *, commit: bool = True
) -> User:
    """A new password hash, and the next token version (earlier tokens stop working); one
    statement, so two changes at once both count."""
    session.execute(
        update(User)
        .where(col(User.id) == user_id)
        .values(password_hash=password_hash, token_version=User.token_version + 1)
    )
    if commit:
        session.commit()
    user = session.get(User, user_id, populate_existing=True)
    assert user is not None
    return user


def reactivate(session: Session, user: User, *, commit: bool = True) -> User:
    user.is_active = True
    session.add(user)
    session.commit() if commit else session.flush()
    return user


def create_api_key(
    session: Session, *, user: User, label: str, expires_at: datetime, commit: bool = True
) -> tuple[str, ApiKey]:
    """A new key for a system account; the full key is returned once and never stored."""
    key, prefix, key_hash = security.new_api_key()
    assert user.id is not None
    row = ApiKey(
        user_id=user.id, prefix=prefix, key_hash=key_hash, label=label, expires_at=expires_at
    )
    session.add(row)
    session.commit() if commit else session.flush()
    return key, row


def api_key_row(session: Session, key: str) -> ApiKey | None:
    """The stored key ``key`` is, unless it was revoked or is no key of ours."""
    prefix = security.api_key_prefix(key)
    if prefix is None:
        return None
    row = session.exec(select(ApiKey).where(ApiKey.prefix == prefix)).first()
    if row is None or row.revoked_at is not None or not security.api_key_matches(key, row.key_hash):
        return None
    return row


def mark_used(session: Session, row: ApiKey, at: datetime) -> None:
    row.last_used_at = at
    session.add(row)
    session.commit()


def api_keys(session: Session, user_id: int) -> list[ApiKey]:
    return list(
        session.exec(select(ApiKey).where(ApiKey.user_id == user_id).order_by(col(ApiKey.id)))
    )


def revoke_api_key(session: Session, *, key_id: int, commit: bool = True) -> tuple[ApiKey, bool]:
    """The key, revoked; and whether this call revoked it (False: it was already)."""
    row = session.get(ApiKey, key_id)
    if row is None:
        raise NotFound("account.api_key_not_found", key_id=key_id)
    if row.revoked_at is not None:
        return row, False
    row.revoked_at = utcnow()
    session.add(row)
    session.commit() if commit else session.flush()
    return row, True
