"""Shared vocabulary: who acts, and what an automated check found."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from schemas.messages import Message

Email = Annotated[
    str,
    StringConstraints(strip_whitespace=True, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=200),
]


DocumentId = Annotated[str, StringConstraints(pattern=r"^[0-9a-f-]{36}$")]
"""A document's id as the service hands it out (a UUID). Request bodies take only this shape:
an id of any length would be echoed back in the refusal (megabytes of it). The models kept in
workflow state keep plain strings, so recorded histories replay whatever they hold."""


class Body(BaseModel):
    """A request body: a misspelt field is refused, never silently dropped (an officer's
    ``"activites"`` must not approve every activity applied for)."""

    model_config = ConfigDict(extra="forbid")


class Command(BaseModel):
    """A workflow payload: unknown fields are ignored, so histories keep replaying when a field
    is retired."""

    model_config = ConfigDict(extra="ignore")


class Sent(BaseModel):
    """What every command a person sends to a case carries besides its content: the id of the
    Temporal update that carries it, set by the service as it sends it. The workflow refuses the
    command under any other update id, so one copied from a history and sent again is refused
    (under its own id, Temporal answers with the first result and does nothing twice)."""

    update_id: str | None = None


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
    """One automated check, shown to trader and officer alike: ``code`` names the check,
    ``message`` says what it found (a stored plain sentence is read as said verbatim)."""

    code: str
    outcome: CheckOutcome
    message: Message


class DocumentRef(BaseModel):
    """An uploaded document as a case refers to it: enough to list and fetch it again."""

    id: str
    kind: str
    filename: str
    content_type: str
    size: int = Field(ge=0)
    sha256: str


Item = TypeVar("Item", bound=BaseModel)


class Page(BaseModel, Generic[Item]):
    """One page of a list: its rows, the cursor of the next page, and (if asked) the total."""

    total: int | None = Field(description="Cases matching the filters; null if not asked for.")
    items: list[Item]
    next_cursor: str | None = Field(
        default=None, description="Pass as `cursor` for the next page; null on the last page."
    )
