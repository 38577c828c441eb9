"""The tables of the Participant registry and of the list of invalid foreign certificates.

Nothing here is updated in place or deleted: an entry is added, and ended at most once (its
former end date kept); a listing is added, and withdrawn at most once. Each row says who did
what and when."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, Index, Text, text
from sqlmodel import Field, SQLModel

from kp_licensing.store.models import UTCDateTime


class ParticipantEntry(SQLModel, table=True):
    """A country's status under a Participant for a half-open period [from, to)."""

    __tablename__ = "participant_entries"
    __table_args__ = (Index("ix_participant_entries_country_from", "country", "effective_from"),)

    id: int | None = Field(default=None, primary_key=True)
    country: str = Field(max_length=2)
    participant: str | None = Field(default=None, max_length=200)
    status: str = Field(max_length=20)
    effective_from: date
    effective_to: date | None = None
    source: str = Field(max_length=500)
    note: str | None = Field(default=None, sa_column=Column(Text))
    created_at: datetime = Field(sa_type=UTCDateTime)
    created_by_user_id: int
    created_by: str = Field(max_length=64)
    ended_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    ended_by_user_id: int | None = None
    ended_by: str | None = Field(default=None, max_length=64)
    end_reason: str | None = Field(default=None, sa_column=Column(Text))
    end_source: str | None = Field(default=None, max_length=500)
    effective_to_before_end: date | None = None


class InvalidCertificateListing(SQLModel, table=True):
    """One certificate number, or a series, of an issuing country marked forged or invalid."""

    __tablename__ = "invalid_certificates"

    id: int | None = Field(default=None, primary_key=True)
    issuing_country: str = Field(max_length=2, index=True)
    number: str | None = Field(default=None, max_length=64)
    series_prefix: str | None = Field(default=None, max_length=32)
    series_first: str | None = Field(default=None, max_length=18)
    series_last: str | None = Field(default=None, max_length=18)
    kind: str = Field(max_length=20)
    reason: str = Field(sa_column=Column(Text, nullable=False))
    source: str = Field(max_length=500)
    listed_at: datetime = Field(sa_type=UTCDateTime)
    listed_by_user_id: int
    listed_by: str = Field(max_length=64)
    withdrawn_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    withdrawn_by_user_id: int | None = None
    withdrawn_by: str | None = Field(default=None, max_length=64)
    withdrawal_reason: str | None = Field(default=None, sa_column=Column(Text))
    #: When the holds the listing places (and the releases its withdrawal makes) were handed
    #: to the process engine (``ListingHoldsWorkflow``); unset, the sweep hands them over.
    holds_sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    releases_sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)

    __table_args__ = (
        # One listing in force per number, and per series, whatever the code checks first.
        Index(
            "uq_invalid_certificates_number_in_force",
            "issuing_country",
            "number",
            unique=True,
            sqlite_where=text("withdrawn_at IS NULL AND number IS NOT NULL"),
            postgresql_where=text("withdrawn_at IS NULL AND number IS NOT NULL"),
        ),
        Index(
            "uq_invalid_certificates_series_in_force",
            "issuing_country",
            "series_prefix",
            "series_first",
            "series_last",
            unique=True,
            sqlite_where=text("withdrawn_at IS NULL AND series_prefix IS NOT NULL"),
            postgresql_where=text("withdrawn_at IS NULL AND series_prefix IS NOT NULL"),
        ),
    )
