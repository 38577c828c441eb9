"""Operators, user accounts and API keys."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from kp_licensing import security
from kp_licensing.domain.errors import Conflict, NotFound, RuleViolation
from kp_licensing.store.models import ApiKey, Operator, User, utcnow
from schemas.common import Role


def get_user(session: Session, user_id: int) -> User | None:
    return session.get(User, user_id)


def find_user(session: Session, username: str) -> User | None:
    return session.exec(select(User).where(User.username == username)).first()


def get_operator(session: Session, operator_id: int) -> Operator:
    operator = session.get(Operator, operator_id)
    if operator is None:
        raise NotFound(f"no operator {operator_id}")
    return operator


def list_users(session: Session, *, operator_id: int | None = None) -> list[User]:
    stmt = select(User).order_by(col(User.id))
    if operator_id is not None:
        stmt = stmt.where(User.operator_id == operator_id)
    return list(session.exec(stmt).all())


def _commit_unique(session: Session, what: str) -> None:
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise Conflict(f"{what} already exists") from None


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
    """A new account; traders belong to exactly one operator, staff to none."""
    if (role == Role.trader) != (operator_id is not None):
        raise RuleViolation("a trader account needs an operator, and only traders have one")
    if find_user(session, username) is not None:
        raise Conflict(f"the username {username!r} is taken")
    user = User(
        username=username,
        full_name=full_name,
        role=role.value,
        email=email,
        operator_id=operator_id,
        password_hash=security.hash_password(password) if password else None,
    )
    session.add(user)
    if commit:
        _commit_unique(session, f"the username {username!r}")
    else:
        session.flush()
    return user


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
) -> tuple[Operator, User]:
    """An operator and its first trader account, together or not at all."""
    taken = session.exec(
        select(Operator).where(Operator.business_registration_no == business_registration_no)
    ).first()
    if taken is not None:
        raise Conflict(
            f"an operator with business registration {business_registration_no} is already "
            "registered; ask one of its users to add you"
        )
    operator = Operator(name=name, kind=kind, business_registration_no=business_registration_no)
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
    _commit_unique(session, "that operator or username")
    return operator, user


def set_active(session: Session, user: User, active: bool) -> User:
    user.is_active = active
    session.add(user)
    session.commit()
    return user


def create_api_key(session: Session, *, user: User, label: str) -> tuple[str, ApiKey]:
    """A new key for a system account; the full key is returned once and never stored."""
    key, prefix, key_hash = security.new_api_key()
    assert user.id is not None
    row = ApiKey(user_id=user.id, prefix=prefix, key_hash=key_hash, label=label)
    session.add(row)
    session.commit()
    return key, row


def user_for_api_key(session: Session, key: str) -> User | None:
    prefix = security.api_key_prefix(key)
    if prefix is None:
        return None
    row = session.exec(select(ApiKey).where(ApiKey.prefix == prefix)).first()
    if row is None or row.revoked_at is not None or not security.api_key_matches(key, row.key_hash):
        return None
    return session.get(User, row.user_id)


def revoke_api_key(session: Session, *, key_id: int) -> ApiKey:
    row = session.get(ApiKey, key_id)
    if row is None:
        raise NotFound(f"no API key {key_id}")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        session.add(row)
        session.commit()
    return row
