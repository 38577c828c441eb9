"""The tables. People and documents are owned by the API; licences, their events and the
notifications are the searchable projection that ``LicenceWorkflow``'s activities keep in step.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    Index,
    String,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlmodel import Field, SQLModel

from kp_licensing.domain.registration import canonical_registration_no


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC on every backend (SQLite otherwise hands back naive datetimes)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; use UTC-aware ones")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class RegistrationNumber(TypeDecorator[str]):
    """A business registration number as the database holds it: canonical only
    (``domain.registration``), whichever code writes or compares it, so the unique index sees
    ``SO-12345`` and ``so 12345`` as the one value they are."""

    impl = String(32)
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Any) -> str | None:
        return None if value is None else canonical_registration_no(value)


class Operator(SQLModel, table=True):
    """A company or individual entrepreneur trading in rough diamonds."""

    __tablename__ = "operators"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    kind: str = Field(max_length=40)
    business_registration_no: str = Field(max_length=32, unique=True, sa_type=RegistrationNumber)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class User(SQLModel, table=True):
    __tablename__ = "users"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64, unique=True)
    full_name: str = Field(max_length=200)
    email: str | None = Field(default=None, max_length=200)
    role: str = Field(max_length=20, index=True)
    operator_id: int | None = Field(default=None, foreign_key="operators.id", index=True)
    password_hash: str | None = Field(default=None, max_length=200)
    #: Carried in every token; a password change raises it, so earlier tokens stop working.
    token_version: int = 0
    is_active: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ApiKey(SQLModel, table=True):
    """A customs system's key: only its SHA-256 is stored; the prefix finds the row."""

    __tablename__ = "api_keys"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True)
    prefix: str = Field(max_length=16, unique=True)
    key_hash: str = Field(max_length=64)
    label: str = Field(max_length=200)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    #: To the minute: a key's every request does not write.
    last_used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class FailedAttempts(SQLModel, table=True):
    """Recent failed sign-ins (or API keys, or registrations of a taken name) of one subject: an
    account, a client address, or both. Written by the API (``services.throttle``)."""

    __tablename__ = "failed_attempts"

    scope: str = Field(max_length=20, primary_key=True)
    subject: str = Field(max_length=320, primary_key=True)
    failures: int = 0
    last_failure_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    blocked_until: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Document(SQLModel, table=True):
    """An uploaded file; the bytes live in the data folder under their SHA-256."""

    __tablename__ = "documents"
    __table_args__ = (
        Index(
            "ix_documents_unused",
            "uploaded_at",
            sqlite_where=text("used_at IS NULL"),
            postgresql_where=text("used_at IS NULL"),
        ),
    )

    id: str = Field(primary_key=True, max_length=36)
    operator_id: int = Field(foreign_key="operators.id", index=True)
    uploaded_by: int = Field(foreign_key="users.id")
    kind: str = Field(max_length=64)
    filename: str = Field(max_length=255)
    content_type: str = Field(max_length=100)
    size: int
    sha256: str = Field(max_length=64, index=True)
    uploaded_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    #: When a case first referred to it; still empty some days after the upload, the
    #: housekeeping schedule deletes it (``store.documents.delete_unused``).
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Sequence(SQLModel, table=True):
    """Counters behind the numbers people read (formatted by ``domain.numbering``)."""

    __tablename__ = "sequences"

    name: str = Field(primary_key=True, max_length=64)
    value: int = 0


class NumberAllocation(SQLModel, table=True):
    """Which number a workflow's request got, so a retried activity gets the same one."""

    __tablename__ = "number_allocations"

    key: str = Field(primary_key=True, max_length=200)
    number: str = Field(max_length=64, unique=True)


class Licence(SQLModel, table=True):
    """One operating-licence case as of its latest transition (``seq``)."""

    __tablename__ = "licences"
    # Lists filter on status or operator and sort newest first with case_no breaking ties
    # (store.paging): each composite index serves one filter's pages from an index walk.
    __table_args__ = (
        Index("ix_licences_status_expires", "status", "expires_on"),
        Index("ix_licences_submitted", "submitted_at", "case_no"),
        Index("ix_licences_status_submitted", "status", "submitted_at", "case_no"),
        Index("ix_licences_operator_submitted", "operator_id", "submitted_at", "case_no"),
    )

    case_no: str = Field(primary_key=True, max_length=32)
    operator_id: int = Field(foreign_key="operators.id", index=True)
    status: str = Field(max_length=20, index=True)
    licence_no: str | None = Field(default=None, max_length=32, unique=True)
    applicant_name: str = Field(max_length=200)
    business_registration_no: str = Field(max_length=32, index=True)
    activities: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    issued_on: date | None = None
    expires_on: date | None = Field(default=None, index=True)
    renewal_status: str | None = Field(default=None, max_length=20)
    info_deadline: datetime | None = Field(default=None, sa_type=UTCDateTime)
    submitted_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)
    seq: int
    state: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))


class CaseEventColumns(SQLModel):
    """The columns every case's audit trail has (licence events, permit events): one transition,
    who made it, when and why. Each table adds its own ``case_no`` and foreign key."""

    id: int | None = Field(default=None, primary_key=True)
    seq: int
    at: datetime = Field(sa_type=UTCDateTime)
    actor_user_id: int
    actor_username: str = Field(max_length=64)
    actor_role: str = Field(max_length=20)
    action: str = Field(max_length=64)
    from_status: str | None = Field(default=None, max_length=20)
    to_status: str = Field(max_length=20)
    #: A ``schemas.messages.Message`` (a person's words: code ``verbatim``).
    reason: dict[str, Any] | None = Field(default=None, sa_type=JSON)
    details: dict[str, str] = Field(default_factory=dict, sa_type=JSON)


class LicenceEvent(CaseEventColumns, table=True):
    """One transition of an operating-licence case: its history."""

    __tablename__ = "licence_events"
    __table_args__ = (UniqueConstraint("case_no", "seq", name="uq_licence_events_case_seq"),)

    case_no: str = Field(foreign_key="licences.case_no", max_length=32, index=True)


class Notification(SQLModel, table=True):
    """A message for an operator's users (decisions, information requests, reminders), kept as
    data: its ``code`` and ``params`` (a :class:`~schemas.messages.Message`), rendered in the
    reader's language when read. A sentence stored before is code ``verbatim``, param ``text``."""

    __tablename__ = "notifications"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=200, unique=True)
    operator_id: int = Field(foreign_key="operators.id", index=True)
    case_no: str = Field(max_length=32, index=True)
    kind: str = Field(max_length=64)
    code: str = Field(max_length=100)
    params: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    #: The messages it lists (``Message.parts``), as dicts; none is stored as null.
    parts: list[dict[str, Any]] | None = Field(default=None, sa_column=Column(JSON))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    read_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Submission(SQLModel, table=True):
    """A request that opens a case, written with its case number and its workflow's input in one
    transaction before the workflow is started.

    It makes a submission survive whatever fails next (the engine down, the API killed between
    the commit and the start): a retry, a later application of the same operator, or the sweep
    starts the workflow from ``start`` (a workflow id per case makes a second start harmless).
    ``fingerprint`` (the application's hash) and ``idempotency_key`` (the client's
    ``Idempotency-Key``) recognise a retried request, so it gets the case it created instead of
    opening another."""

    __tablename__ = "submissions"
    __table_args__ = (
        UniqueConstraint("operator_id", "idempotency_key", name="uq_submissions_operator_key"),
        Index("ix_submissions_operator_fingerprint", "operator_id", "fingerprint"),
    )

    case_no: str = Field(primary_key=True, max_length=32)
    kind: str = Field(max_length=20)
    operator_id: int = Field(foreign_key="operators.id")
    fingerprint: str = Field(max_length=64)
    idempotency_key: str | None = Field(default=None, max_length=100)
    start: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    started_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)


class LicenceClaim(SQLModel, table=True):
    """The case that holds an operator's one operating licence (an application or a licence in
    force). The primary key makes "one per operator" a database rule across API replicas; a new
    application takes the claim over only from a case that has ended, by a conditional update."""

    __tablename__ = "licence_claims"

    operator_id: int = Field(primary_key=True, foreign_key="operators.id")
    case_no: str = Field(max_length=32)
    claimed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
