"""Credentials: signing in with a password (the API's token, the portal's session), changing
it, and the account a request's bearer token or API key belongs to. The accounts themselves
(who may log in how, staff, colleagues, keys issued) are ``services/accounts``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from anyio import to_thread
from sqlmodel import Session

from kp_licensing.domain.errors import Unauthenticated
from kp_licensing.services import audit, throttle
from kp_licensing.services.accounts import actor_of, public
from kp_licensing.services.audit import Origin
from kp_licensing.store import people
from kp_licensing.store.db import SessionFactory
from kp_licensing.store.models import User
from kp_licensing.support import security
from kp_licensing.support.settings import Settings
from schemas.accounts import PasswordChange, Token, UserPublic

#: How finely a key's last use is kept: its requests do not each write.
KEY_USE_RESOLUTION = timedelta(minutes=1)


async def sign_in(
    sessions: SessionFactory, settings: Settings, username: str, password: str, *, address: str
) -> Token:
    """A short-lived bearer token for a username and password (``check_credentials``)."""
    return _token(await check_credentials(sessions, username, password, address=address), settings)


async def check_credentials(
    sessions: SessionFactory, username: str, password: str, *, address: str
) -> User:
    """The active account a username and password sign in to, the sign-in audited; the API's
    token and the portal's session are both opened on it.

    Asynchronous on purpose: Argon2 runs on the hashing threads (``security.slots``), and a
    sign-in waits for one holding neither a request thread nor a database connection, so a
    burst of sign-ins queues there without starving other requests. The lookups are short and
    run on request threads, each with a session of its own. A hash made with other (older,
    costlier) parameters is made again with today's. Guessing is throttled per account and
    client address (``services.throttle``)."""
    subjects = throttle.sign_in(username, address)
    user = await to_thread.run_sync(
        _let_through, sessions, subjects, lambda session: people.find_user(session, username)
    )
    password_hash = user.password_hash if user else None
    verified = await security.verify_password_async(password, password_hash)
    target = f"user:{user.id}" if user else f"username:{username}"
    if not verified or user is None or not user.is_active:
        failure = audit.Entry(
            Origin(actor=None, address=address),
            "sign_in",
            target=target,
            outcome=audit.Outcome.failed,
            actor_name=username,
            details={"reason": "account_deactivated" if verified else "wrong_credentials"},
        )
        await to_thread.run_sync(_in_session, sessions, throttle.failed, subjects, failure)
        raise audit.audited(Unauthenticated("auth.wrong_credentials"))
    assert user.id is not None and password_hash is not None
    success = audit.Entry(Origin(actor=actor_of(user), address=address), "sign_in", target=target)
    await to_thread.run_sync(_in_session, sessions, throttle.succeeded, subjects, success)
    if security.needs_rehash(password_hash):
        new_hash = await security.hash_password_async(password)
        await to_thread.run_sync(_store_hash, sessions, user.id, new_hash)
    return user


def _token(user: User, settings: Settings) -> Token:
    assert user.id is not None
    token, expires = security.issue_token(
        user_id=user.id,
        role=user.role,
        secret=settings.jwt_secret,
        minutes=settings.token_minutes,
        version=user.token_version,
    )
    return Token(access_token=token, expires_at=expires)


async def change_password(
    sessions: SessionFactory,
    settings: Settings,
    body: PasswordChange,
    *,
    by: Origin,
) -> Token:
    """The actor's new password, after its current one (a wrong one counts as a failed sign-in:
    ``services.throttle``). Every token issued before stops working (the account's token version
    goes up); the answer is a fresh token, so the person carries on."""
    actor = by.actor
    assert actor is not None, "someone signed in acts (MayChangePassword)"
    subjects = throttle.sign_in(actor.username, by.address)
    user = await to_thread.run_sync(
        _let_through, sessions, subjects, lambda session: people.get_user(session, actor.user_id)
    )
    assert user is not None and user.id is not None
    target = f"user:{user.id}"
    if not await security.verify_password_async(body.current_password, user.password_hash):
        failure = audit.Entry(by, "account.password_changed", target, audit.Outcome.failed)
        await to_thread.run_sync(_in_session, sessions, throttle.failed, subjects, failure)
        raise audit.audited(Unauthenticated("auth.wrong_password"))
    settings.password_policy().check(body.new_password, username=user.username)
    new_hash = await security.hash_password_async(body.new_password)
    changed = await to_thread.run_sync(
        _store_new_password,
        sessions,
        user.id,
        new_hash,
        audit.Entry(by, "account.password_changed", target),
    )
    return _token(changed, settings)


def _store_new_password(
    sessions: SessionFactory, user_id: int, password_hash: str, entry: audit.Entry
) -> User:
    """The new hash and its audit entry, committed together; the account's row is locked
    before the audit head, as everywhere (the head last: no deadlock on PostgreSQL)."""
    with sessions() as session:
        user = people.set_password(session, user_id, password_hash, commit=False)
        entry.add_to(session)
        session.commit()
        return user


def _in_session(
    sessions: SessionFactory,
    step: Callable[[Session, throttle.Subjects], None],
    subjects: Any,
    entry: audit.Entry,
) -> None:
    """The throttle's count and the audit entry, committed together (``step`` commits)."""
    with sessions() as session:
        entry.add_to(session)
        step(session, subjects)


def _let_through(
    sessions: SessionFactory, subjects: throttle.Subjects, find: Callable[[Session], User | None]
) -> User | None:
    """The account ``find`` looks up, unless the throttle makes this attempt wait (429): one
    session, one hop to a request thread."""
    with sessions() as session:
        throttle.check(session, subjects)
        return find(session)


def _store_hash(sessions: SessionFactory, user_id: int, password_hash: str) -> None:
    with sessions() as session:
        user = people.get_user(session, user_id)
        if user is not None:
            user.password_hash = password_hash
            session.add(user)
            session.commit()


def authenticate(
    session: Session, *, api_key: str | None, token: str | None, jwt_secret: str, address: str
) -> UserPublic:
    """The active account a request's API key (customs systems) or bearer token (everyone
    else) belongs to; Unauthenticated, saying why, otherwise. Keys that are not valid are
    throttled per client address (tokens are signed: there is nothing to guess)."""
    if api_key:
        subjects = throttle.api_key(address)
        throttle.check(session, subjects)
        key = people.api_key_row(session, api_key)
        if key is None:
            throttle.failed(session, subjects)
            raise Unauthenticated("auth.api_key_invalid")
        now = datetime.now(UTC)
        if key.expires_at is not None and key.expires_at <= now:
            raise Unauthenticated("auth.api_key_expired", expired_on=key.expires_at.date())
        if key.last_used_at is None or now - key.last_used_at >= KEY_USE_RESOLUTION:
            people.mark_used(session, key, now)
        user = people.account(session, key.user_id)
        if user is None:
            raise Unauthenticated("auth.account_gone")
    elif token:
        user_id, version = security.read_token(token, secret=jwt_secret)
        user = people.account(session, user_id)
        if user is None:
            raise Unauthenticated("auth.account_gone")
        if user.is_active and version != user.token_version:  # (a deactivated one: below)
            raise Unauthenticated("auth.token_superseded")
    else:
        raise Unauthenticated("auth.required")
    if not user.is_active:
        raise Unauthenticated("auth.account_deactivated")
    return public(user)
