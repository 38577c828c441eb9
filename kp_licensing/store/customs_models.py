"""What passes between the service and customs (``edi.md`` section 5): the outbox of signed
declarations, written before anything is sent, and the inbox of customs' responses, written
before any workflow hears of them. Nothing here is ever re-serialised: each row keeps the exact
bytes sent or received, with their SHA-256."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, LargeBinary, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from kp_licensing.store.models import UTCDateTime, utcnow


class CustomsOutbox(SQLModel, table=True):
    """One declaration to customs, in both its renderings: the signed XML and the CUSDEC.
    ``id`` is the cursor customs systems pull after; (case, version) makes a retried
    declaration find the row it wrote."""

    __tablename__ = "customs_outbox"
    __table_args__ = (
        UniqueConstraint("case_no", "version", name="uq_customs_outbox_case_version"),
        Index("ix_customs_outbox_unacknowledged", "acknowledged_at", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    message_id: str = Field(max_length=14, unique=True)
    case_no: str = Field(max_length=32, index=True)
    permit_no: str = Field(max_length=35)
    kind: str = Field(max_length=8)
    #: UN/EDIFACT 1225: 9 original, 5 replacement, 1 cancellation.
    function: str = Field(max_length=1)
    version: int
    recipient: str = Field(max_length=35)
    xml: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    xml_sha256: str = Field(max_length=64)
    edifact: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    edifact_sha256: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    #: The first acknowledgement (pulled and acknowledged, or accepted by a push); repeats
    #: change nothing.
    acknowledged_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    acknowledged_by: str | None = Field(default=None, max_length=100)
    #: Pushing: the attempts made and the last failure, for an officer wondering why.
    push_attempts: int = 0
    push_error: str | None = Field(default=None, max_length=500)


class CustomsInbox(SQLModel, table=True):
    """One response from customs, as received, deduplicated on (sender, message id).
    ``delivered_at``: when its shipment's workflow was signalled (the sweep signals those left
    undelivered; the workflow applies each response once, by ``id``)."""

    __tablename__ = "customs_inbox"
    __table_args__ = (
        UniqueConstraint("sender", "message_id", name="uq_customs_inbox_sender_message"),
        Index("ix_customs_inbox_undelivered", "delivered_at", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    sender: str = Field(max_length=35)
    message_id: str = Field(max_length=14)
    case_no: str = Field(max_length=32, index=True)
    declaration_message_id: str = Field(max_length=14)
    status: str = Field(max_length=16)
    #: ``xml`` (signed) or ``edifact`` (CUSRES or CONTRL, authenticated by the channel).
    format: str = Field(max_length=8)
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    sha256: str = Field(max_length=64)
    #: The response as parsed (``schemas.customs.CustomsResponse``), what the workflow is sent.
    response: str = Field(sa_column=Column(Text, nullable=False))
    received_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    received_by: int = Field(foreign_key="users.id")
    delivered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
