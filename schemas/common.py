"""Shared vocabulary: who acts, and what an automated check found."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, Field


class Role(StrEnum):
    """What a user account may do (see ``kp_licensing.api.permissions`` for the full table)."""

    trader = "trader"
    officer = "officer"
    supervisor = "supervisor"
    customs = "customs"
    admin = "admin"


class Actor(BaseModel):
    """Who performed an action; travels in every command so the audit trail names a person."""

    user_id: int
    username: str
    role: Role
    operator_id: int | None = None


#: The actor recorded for transitions the process makes by itself (expiry, lapse, reminders).
SYSTEM_ACTOR = Actor(user_id=0, username="system", role=Role.admin)


class CheckOutcome(StrEnum):
    passed = "passed"
    failed = "failed"
    flagged = "flagged"


class CheckResult(BaseModel):
    """One automated check, shown to trader and officer alike."""

    code: str
    outcome: CheckOutcome
    message: str


class DocumentRef(BaseModel):
    """An uploaded document as a case refers to it: enough to list and fetch it again."""

    id: str
    kind: str
    filename: str
    content_type: str
    size: int = Field(ge=0)
    sha256: str
