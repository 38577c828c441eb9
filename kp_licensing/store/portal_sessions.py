"""Storing and finding the portal's sessions (``portal_models.PortalSession``); when a session
is still good is the service's rule (``services.portal``)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, delete, select

from kp_licensing.store.portal_models import PortalSession


def create(
    session: Session, *, token_hash: str, user_id: int, token_version: int, expires_at: datetime
) -> PortalSession:
    row = PortalSession(
        token_hash=token_hash, user_id=user_id, token_version=token_version, expires_at=expires_at
    )
    session.add(row)
    session.commit()
    return row


def find(session: Session, token_hash: str) -> PortalSession | None:
    return session.exec(select(PortalSession).where(PortalSession.token_hash == token_hash)).first()


def touch(session: Session, row: PortalSession, at: datetime) -> None:
    row.last_seen_at = at
    session.add(row)
    session.commit()


def remove(session: Session, token_hash: str) -> None:
    session.exec(delete(PortalSession).where(col(PortalSession.token_hash) == token_hash))
    session.commit()


def remove_ended(session: Session, *, now: datetime, idle_since: datetime) -> int:
    """Delete the sessions past their absolute end or idle since ``idle_since``."""
    result = session.exec(
        delete(PortalSession).where(
            (col(PortalSession.expires_at) <= now) | (col(PortalSession.last_seen_at) <= idle_since)
        )
    )
    session.commit()
    return int(result.rowcount or 0)
