"""The portal's sign-in sessions: opened on the same credentials check as the API's tokens
(``credentials.check_credentials``: throttled, audited), kept server-side so that signing out ends
a session for good (``store.portal_sessions``).

A session ends at the first of: signing out, ``portal_idle_minutes`` without a request,
``portal_session_hours`` after signing in, a password change (the account's token version),
the account's deactivation. An ended session's row is deleted when it is next presented; the
housekeeping deletes those never presented again (``housekeeping.end_portal_sessions``)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from anyio import to_thread
from sqlmodel import Session

from kp_licensing.services import accounts, audit, credentials
from kp_licensing.services.audit import Origin
from kp_licensing.store import people, portal_sessions
from kp_licensing.store.db import SessionFactory
from kp_licensing.support.settings import Settings
from schemas.accounts import UserPublic

#: How finely a session's last use is kept: its requests do not each write.
SEEN_RESOLUTION = timedelta(minutes=1)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def open_session(
    sessions: SessionFactory, settings: Settings, username: str, password: str, *, address: str
) -> tuple[str, UserPublic]:
    """A new session's token (for the browser's cookie) and its account."""
    user = await credentials.check_credentials(sessions, username, password, address=address)
    assert user.id is not None
    token = secrets.token_urlsafe(32)
    expires = datetime.now(UTC) + timedelta(hours=settings.portal_session_hours)
    await to_thread.run_sync(_store, sessions, _hash(token), user.id, user.token_version, expires)
    return token, accounts.public(user)


def _store(
    sessions: SessionFactory, token_hash: str, user_id: int, version: int, expires: datetime
) -> None:
    with sessions() as session:
        portal_sessions.create(
            session,
            token_hash=token_hash,
            user_id=user_id,
            token_version=version,
            expires_at=expires,
        )


def viewer(session: Session, token: str, settings: Settings) -> UserPublic | None:
    """The account a session token stands for, or None if there is no such session or it
    has ended (then it is deleted)."""
    token_hash = _hash(token)
    row = portal_sessions.find(session, token_hash)
    if row is None:
        return None
    now = datetime.now(UTC)
    user = people.get_user(session, row.user_id)
    ended = (
        now >= row.expires_at
        or now - row.last_seen_at >= timedelta(minutes=settings.portal_idle_minutes)
        or user is None
        or not user.is_active
        or user.token_version != row.token_version
    )
    if ended:
        portal_sessions.remove(session, token_hash)
        return None
    assert user is not None
    if now - row.last_seen_at >= SEEN_RESOLUTION:
        portal_sessions.touch(session, row, now)
    return accounts.public(user)


def close_session(session: Session, token: str, *, by: Origin) -> None:
    """Sign out: the session ends now (audited; signing out twice changes nothing)."""
    token_hash = _hash(token)
    if portal_sessions.find(session, token_hash) is None:
        return
    audit.record(session, by, "sign_out", target=f"user:{by.actor.user_id}" if by.actor else "")
    portal_sessions.remove(session, token_hash)
