"""The mail outbox: one row per mail to send, written in the transaction that writes what it
tells (a case's notice), so a mail is never lost and never sent for something that did not
happen. The message is kept as data (code and params), rendered when sent."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from kp_licensing.store.models import UTCDateTime, utcnow


class OutgoingMail(SQLModel, table=True):
    __tablename__ = "mail_outbox"
    __table_args__ = (
        UniqueConstraint("notice_key", "recipient", name="uq_mail_outbox_notice_recipient"),
        Index("ix_mail_outbox_unsent", "sent_at", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    #: The notification it tells of (``Notification.key``): a retried projection adds nothing.
    notice_key: str = Field(max_length=200, index=True)
    recipient: str = Field(max_length=200)
    case_no: str = Field(max_length=32)
    code: str = Field(max_length=100)
    params: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    parts: list[dict[str, Any]] | None = Field(default=None, sa_column=Column(JSON))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    attempts: int = 0
    last_error: str | None = Field(default=None, max_length=500)
