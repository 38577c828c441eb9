"""Commands every case shares, whatever it licenses: information requests and their answers,
and commands whose only content is a reason."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from schemas.common import Actor, Body, Command, DocumentId, DocumentRef, Sent
from schemas.messages import Message

LongText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]
#: Days an applicant has to answer an information request (the default is a setting).
DaysToAnswer = Annotated[int, Field(ge=1, le=365)]


Status = TypeVar("Status", bound=StrEnum)


class CaseTransition(BaseModel, Generic[Status]):
    """One step in a case's history: who did what, when, why, from which status to which
    (every kind of case, with its own statuses)."""

    seq: int
    at: datetime
    actor: Actor
    action: str
    from_status: Status | None
    to_status: Status
    #: Why: a person's words (kept as said: a plain string validates as a ``verbatim``
    #: message) or the process's own reason (a code and params).
    reason: Message | None = None
    details: dict[str, str] = Field(default_factory=dict)


class InformationRequest(BaseModel):
    message: str
    requested_by: Actor
    requested_at: datetime
    deadline: datetime


class RequestInformationBody(Body):
    message: LongText
    deadline_days: DaysToAnswer | None = Field(
        default=None, description="Days to answer; the policy default if omitted."
    )


class RequestInformation(RequestInformationBody, Sent):
    model_config = ConfigDict(extra="ignore")

    actor: Actor


class AnswerBody(Body):
    message: LongText
    document_ids: list[DocumentId] = Field(default_factory=list, max_length=50)


class AnswerInformation(Command, Sent):
    actor: Actor
    message: LongText
    documents: list[DocumentRef] = Field(default_factory=list)


class ReasonBody(Body):
    """A command whose only content is why (reject, reinstate, surrender, withdraw)."""

    reason: LongText


class Reason(ReasonBody, Sent):
    model_config = ConfigDict(extra="ignore")

    actor: Actor
