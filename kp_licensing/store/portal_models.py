"""The portal's sign-in sessions. A browser holds a random token in an HttpOnly cookie; only its
SHA-256 is stored, so a copy of the database opens no session. A row is the session: signing
out deletes it, and a password change (the account's token version) or a deactivation ends
every session of the account at its next request."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from kp_licensing.store.models import UTCDateTime, utcnow


class PortalSession(SQLModel, table=True):
    __tablename__ = "portal_sessions"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    user_id: int = Field(foreign_key="users.id", index=True)
    #: The account's token version when the session opened (a password change ends it).
    token_version: int
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    #: Refreshed at most once a minute; the session ends after the idle limit without use.
    last_seen_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    #: The session ends then whatever its use (the absolute limit).
    expires_at: datetime = Field(sa_type=UTCDateTime, index=True)
