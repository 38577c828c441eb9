"""The audit trail as administrators and supervisors read it."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class AuditEntryPublic(BaseModel):
    seq: int = Field(description="Position in the chain, from 1.")
    at: datetime
    action: str = Field(description="What was done: sign_in, account.created, api_key.revoked...")
    outcome: str = Field(description="succeeded, failed (a sign-in) or refused (a 401 or 403).")
    actor_id: int | None = Field(description="The account that acted; empty if none was known.")
    actor: str = Field(description="Its login name (for a failed sign-in: the name tried).")
    actor_role: str | None
    target: str = Field(description="What it was done to, as kind:id (user:12, api_key:3...).")
    address: str = Field(description="The client's address (local: the command line).")
    details: dict[str, str]
    hash: str = Field(description="The entry's seal (HMAC-SHA256), chained to the one before.")


class AuditFilter(BaseModel):
    """Which entries to read: all of these that are given."""

    actor: str | None = None
    target: str | None = None
    since: datetime | None = None
    until: datetime | None = None


class AuditPage(BaseModel):
    items: list[AuditEntryPublic]
    #: Pass as ``before`` for the next (older) page; empty on the last one.
    next_before: int | None = None
