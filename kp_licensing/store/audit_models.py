"""The audit trail's tables: entries, each sealed to the one before it, and the chain's head.

Append-only: the migration adds triggers that refuse an UPDATE or DELETE of an entry, and the
seals make any change made around them (by someone who drops the triggers) detectable
(``domain.audit.verify``). No foreign keys: an entry outlives what it names.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Index
from sqlmodel import Field, SQLModel

from kp_licensing.store.models import UTCDateTime, utcnow


class AuditEntry(SQLModel, table=True):
    __tablename__ = "audit_entries"
    __table_args__ = (
        Index("ix_audit_entries_actor", "actor", "seq"),
        Index("ix_audit_entries_target", "target", "seq"),
        Index("ix_audit_entries_at", "at"),
    )

    #: Position in the chain, from 1, without gaps.
    seq: int = Field(default=0, primary_key=True, sa_column_kwargs={"autoincrement": False})
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    #: What was done (``sign_in``, ``account.deactivated``...) and how it ended.
    action: str = Field(max_length=64)
    outcome: str = Field(max_length=16)
    #: Who acted: the account (its id and login name, its role then), or nothing known.
    actor_id: int | None = None
    actor: str = Field(default="", max_length=64)
    actor_role: str | None = Field(default=None, max_length=20)
    #: What it was done to, as ``kind:id`` (``user:12``, ``api_key:3``, ``request:POST /...``).
    target: str = Field(max_length=200)
    address: str = Field(max_length=64)
    details: dict[str, str] = Field(default_factory=dict, sa_type=JSON)
    #: Set by ``store.audit.append`` when the entry takes its place in the chain.
    prev_hash: str = Field(default="", max_length=64)
    hash: str = Field(default="", max_length=64)


class AuditHead(SQLModel, table=True):
    """One row: the last entry's position and seal. Appending updates it first, so appenders
    queue on its row and the chain never forks."""

    __tablename__ = "audit_head"

    id: int = Field(default=1, primary_key=True)
    seq: int = 0
    hash: str = Field(max_length=64)
