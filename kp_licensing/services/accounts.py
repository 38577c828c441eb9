"""Accounts as administrators and traders manage them: the rules of who logs in how (a customs
system with API keys, everyone else with a password), staff and colleagues, API keys. Signing
in, passwords and the credentials a request presents: ``services/credentials``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import Session

from kp_licensing.domain.errors import Conflict, NotFound, RuleViolation
from kp_licensing.domain.passwords import PasswordPolicy
from kp_licensing.domain.registration import MIN_SIGNIFICANT, registration_no_problem
from kp_licensing.services import audit, throttle
from kp_licensing.services.audit import Origin
from kp_licensing.store import people
from kp_licensing.store.models import User
from schemas.accounts import (
    AccountChange,
    ApiKeyIssued,
    ApiKeyPublic,
    NewApiKey,
    NewColleague,
    NewUser,
    OperatorPublic,
    Registration,
    RegistrationResult,
    UserPublic,
)
from schemas.common import Actor, Role


def public(user: User | people.Account) -> UserPublic:
    """An account as the API shows it, from its ORM object or its row (``people.account``)."""
    return UserPublic.model_validate(user, from_attributes=True)


def actor_of(user: User) -> Actor:
    assert user.id is not None
    return Actor(
        user_id=user.id, username=user.username, role=Role(user.role), operator_id=user.operator_id
    )


def create_user(
    session: Session, body: NewUser, *, policy: PasswordPolicy, by: Origin
) -> UserPublic:
    """Create any account: staff, a customs system (no password: it uses API keys), a trader."""
    if body.role != Role.customs and body.password is None:
        raise RuleViolation("account.password_required")
    if body.role == Role.customs and body.password is not None:
        raise RuleViolation("account.password_not_for_customs")
    if (body.role == Role.trader) != (body.operator_id is not None):
        raise RuleViolation("account.trader_operator")
    if body.password is not None:
        policy.check(body.password, username=body.username)
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
        commit=False,
    )
    audit.record(
        session,
        by,
        "account.created",
        target=f"user:{user.id}",
        username=user.username,
        role=user.role,
        operator_id=user.operator_id or "",
    )
    session.commit()
    return public(user)


def operator(session: Session, operator_id: int) -> OperatorPublic:
    """An operator's name, kind and registration number."""
    return OperatorPublic.model_validate(
        people.get_operator(session, operator_id), from_attributes=True
    )


def list_users(session: Session, *, operator_id: int | None = None) -> list[UserPublic]:
    """Every account, or an operator's."""
    return [public(u) for u in people.list_users(session, operator_id=operator_id)]


def _user(session: Session, user_id: int) -> User:
    user = people.get_user(session, user_id)
    if user is None:
        raise NotFound("account.not_found", user_id=user_id)
    return user


def deactivate(session: Session, user_id: int, *, by: Origin) -> UserPublic:
    """Stop an account from logging in (its history stays); never the last active administrator."""
    return _deactivate(session, _user(session, user_id), by=by)


def _deactivate(session: Session, user: User, *, by: Origin) -> UserPublic:
    deactivated = people.deactivate(session, user, commit=False)
    audit.record(session, by, "account.deactivated", target=f"user:{user.id}")
    session.commit()
    return public(deactivated)


def deactivate_colleague(session: Session, user_id: int, *, by: Origin) -> UserPublic:
    """A trader stops a colleague of the same operator from logging in (someone who left the
    company). Another operator's account does not exist for it (404); itself it may not stop,
    so an operator always keeps an active trader who asked for nothing of the bureau."""
    actor = by.actor
    assert actor is not None, "a trader acts (MayManageColleagues)"
    user = people.get_user(session, user_id)
    if user is None or user.operator_id != actor.operator_id or user.role != Role.trader:
        raise NotFound("account.not_found", user_id=user_id)
    if user.id == actor.user_id:
        raise Conflict("account.colleague_is_self")
    return _deactivate(session, user, by=by)


#: The roles an account may be moved between: staff. A trader belongs to its operator and a
#: customs system has no password, so neither becomes anything else, nor anything them.
CHANGEABLE_ROLES = frozenset({Role.officer, Role.supervisor, Role.admin})


def change(session: Session, user_id: int, body: AccountChange, *, by: Origin) -> UserPublic:
    """Change an account's name, e-mail or role (between staff roles; never the last active
    administrator's away). Each change is an audit entry, a role's with what it was."""
    user = _user(session, user_id)
    old_role = user.role
    try:
        if body.role is not None and body.role.value != user.role:
            if Role(user.role) not in CHANGEABLE_ROLES or body.role not in CHANGEABLE_ROLES:
                raise RuleViolation(
                    "account.role_not_changeable", role=user.role, new_role=body.role.value
                )
            people.keep_an_admin(session, user)
            user.role = body.role.value
        changed = [
            name
            for name in ("full_name", "email")
            if name in body.model_fields_set and getattr(body, name) != getattr(user, name)
        ]
        for name in changed:
            setattr(user, name, getattr(body, name))
        session.add(user)
        session.flush()  # the account's row before the audit head, as everywhere
        target = f"user:{user_id}"
        if user.role != old_role:
            audit.record(
                session,
                by,
                "account.role_changed",
                target=target,
                old_role=old_role,
                new_role=user.role,
            )
        if changed:
            audit.record(session, by, "account.changed", target=target, fields=", ".join(changed))
        session.commit()
    except Exception:
        session.rollback()
        raise
    return public(user)


def reactivate(session: Session, user_id: int, *, by: Origin) -> UserPublic:
    """Let a deactivated account log in again, as it was (role, operator, password); its API
    keys that were not revoked work again too."""
    user = _user(session, user_id)
    if user.is_active:  # nothing to do, and nothing to record
        return public(user)
    people.reactivate(session, user, commit=False)
    audit.record(session, by, "account.reactivated", target=f"user:{user_id}")
    session.commit()
    return public(user)


def issue_api_key(
    session: Session, user_id: int, body: NewApiKey, *, days: int, by: Origin
) -> ApiKeyIssued:
    """A new API key for a customs system account, valid ``days`` (setting ``api_key_days``);
    shown once, stored only as a hash."""
    user = _user(session, user_id)
    if user.role != Role.customs:
        raise RuleViolation("account.api_key_for_customs_only", user_id=user_id, role=user.role)
    expires_at = datetime.now(UTC) + timedelta(days=days)
    key, row = people.create_api_key(
        session, user=user, label=body.label, expires_at=expires_at, commit=False
    )
    assert row.id is not None and row.expires_at is not None
    audit.record(
        session,
        by,
        "api_key.issued",
        target=f"api_key:{row.id}",
        user=f"user:{user_id}",
        expires_at=row.expires_at.isoformat(),
    )
    session.commit()
    return ApiKeyIssued(
        id=row.id, label=row.label, key=key, created_at=row.created_at, expires_at=row.expires_at
    )


def api_keys(session: Session, user_id: int) -> list[ApiKeyPublic]:
    """An account's keys, revoked and expired ones too, never their secret."""
    _user(session, user_id)
    return [
        ApiKeyPublic.model_validate(row, from_attributes=True)
        for row in people.api_keys(session, user_id)
    ]


def revoke_api_key(session: Session, key_id: int, *, by: Origin) -> None:
    row, revoked = people.revoke_api_key(session, key_id=key_id, commit=False)
    if revoked:  # revoking it again changes nothing, and records nothing
        audit.record(
            session, by, "api_key.revoked", target=f"api_key:{key_id}", user=f"user:{row.user_id}"
        )
        session.commit()


def add_colleague(
    session: Session, body: NewColleague, *, by: Origin, policy: PasswordPolicy
) -> UserPublic:
    """Another trader account of the actor's own operator."""
    assert by.actor is not None, "a trader acts (MayManageColleagues)"
    account = NewUser(**body.model_dump(), role=Role.trader, operator_id=by.actor.operator_id)
    return create_user(session, account, policy=policy, by=by)


def register(
    session: Session, body: Registration, *, policy: PasswordPolicy, by: Origin
) -> RegistrationResult:
    """Register an operator (company or individual entrepreneur) with its first trader user.

    A taken user name is refused as any taken name is (staff or trader alike), and counts as a
    failed attempt of the caller's address (``services.throttle``): trying names to learn which
    accounts exist is slow."""
    subjects = throttle.registration(by.address)
    throttle.check(session, subjects)
    problem = registration_no_problem(body.business_registration_no)
    if problem is not None:  # too short, the one problem a number can have
        raise RuleViolation(
            "registration.number_too_short",
            min_significant=MIN_SIGNIFICANT,
            details=[{"field": "body.business_registration_no", "message": problem}],
        )
    policy.check(body.password, username=body.username)
    try:
        operator, user, created = people.register_operator(
            session,
            name=body.operator_name,
            kind=body.operator_kind.value,
            business_registration_no=body.business_registration_no,
            username=body.username,
            full_name=body.full_name,
            password=body.password,
            email=body.email,
            commit=False,
        )
    except Conflict as taken:
        if taken.message.code == "account.username_taken":
            session.rollback()
            throttle.failed(session, subjects)
        raise
    assert operator.id is not None
    if created:
        audit.record(
            session,
            by,
            "account.registered",
            target=f"user:{user.id}",
            actor_name=user.username,
            operator_id=operator.id,
        )
        session.commit()
    return RegistrationResult(operator_id=operator.id, user=public(user))
