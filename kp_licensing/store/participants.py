"""The Participant registry and the list of invalid foreign certificates: tables and repository.

Nothing here is ever updated in place or deleted: an entry is added, and ended at most once
(its former end date kept); a listing is added, and withdrawn at most once. Each row says who
did what and when. The functions return the contracts of ``schemas.participants``, so the
permit process can pass them through Temporal as they are.

For the permit process:

* rule 3.2: :func:`check_participant` for every counterparty country on the shipment date;
* rule 3.7: :func:`find_invalid` for a presented foreign certificate;
* rule 3.15: :func:`mark_invalid` returns the new listing; the permit process then holds every
  pending case whose certificate ``domain.participants.matches`` it (not done here).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Column, Index, Text, func, or_, text, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, Session, SQLModel, col, select

from kp_licensing.domain import participants as rules
from kp_licensing.domain.errors import Conflict, NotFound
from kp_licensing.store import sequences
from kp_licensing.store.models import UTCDateTime, utcnow
from schemas.common import Actor
from schemas.participants import (
    EndEntryBody,
    InvalidCertificate,
    InvalidCertificateBody,
    NumberSeries,
    ParticipantCheck,
    RegistryEntry,
    RegistryEntryBody,
)
from schemas.shipment import canonical_certificate_number


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


# ----------------------------------------------------------------------------- the registry


def _entry(row: ParticipantEntry) -> RegistryEntry:
    return RegistryEntry.model_validate(
        {**row.model_dump(), "country_name": rules.country_name(row.country)}
    )


def _country_entries(session: Session, country: str) -> list[RegistryEntry]:
    stmt = select(ParticipantEntry).where(ParticipantEntry.country == country)
    return [_entry(r) for r in session.exec(stmt.order_by(col(ParticipantEntry.effective_from)))]


def _lock_country(session: Session, country: str) -> None:
    """Serialise writers of one country's entries until the transaction ends, so two officers
    cannot both pass the overlap check: the counter's UPDATE takes a row lock (PostgreSQL) or
    the write lock (SQLite) before anything is read."""
    sequences.next_value(session, f"participant-registry-{country}")


def list_entries(
    session: Session,
    *,
    country: str | None = None,
    participant: str | None = None,
    on: date | None = None,
) -> list[RegistryEntry]:
    """Entries by country, Participant (any case) and the day they apply on, oldest first."""
    stmt = select(ParticipantEntry)
    if country is not None:
        stmt = stmt.where(ParticipantEntry.country == country.upper())
    if participant is not None:
        stmt = stmt.where(func.lower(ParticipantEntry.participant) == participant.strip().lower())
    if on is not None:
        stmt = stmt.where(col(ParticipantEntry.effective_from) <= on).where(
            or_(
                col(ParticipantEntry.effective_to).is_(None),
                col(ParticipantEntry.effective_to) > on,
            )
        )
    order = (col(ParticipantEntry.country), col(ParticipantEntry.effective_from))
    return [_entry(r) for r in session.exec(stmt.order_by(*order))]


def check_participant(session: Session, *, country: str, on: date) -> ParticipantCheck:
    """Rule 3.2: was ``country`` an active Participant on ``on``, and if not, why not."""
    code = country.strip().upper()
    return rules.check(code, on, _country_entries(session, code))


def add_entry(session: Session, *, actor: Actor, entry: RegistryEntryBody) -> RegistryEntry:
    """Add an entry; refused (409) if it shares a day with another entry of its country. The
    same entry sent again (a retried request) is the entry it added."""
    try:
        _lock_country(session, entry.country)
        fields = entry.model_dump()
        for existing in _country_entries(session, entry.country):
            if existing.ended_at is None and existing.model_dump(include=set(fields)) == fields:
                session.rollback()
                return existing
        rules.refuse_overlap(
            country=entry.country,
            effective_from=entry.effective_from,
            effective_to=entry.effective_to,
            existing=_country_entries(session, entry.country),
        )
    except Exception:
        session.rollback()
        raise
    row = ParticipantEntry(
        **entry.model_dump(),
        created_at=utcnow(),
        created_by_user_id=actor.user_id,
        created_by=actor.username,
    )
    session.add(row)
    session.commit()
    return _entry(row)


def end_entry(session: Session, *, actor: Actor, entry_id: int, end: EndEntryBody) -> RegistryEntry:
    """End an entry from ``end.effective_to`` on, once, keeping the end date it had."""
    found = session.get(ParticipantEntry, entry_id)
    if found is None:
        raise NotFound(f"no registry entry {entry_id}")
    try:
        _lock_country(session, found.country)
        row = session.get(ParticipantEntry, entry_id, populate_existing=True)
        assert row is not None, "entries are never deleted"
        rules.refuse_end(_entry(row), end.effective_to)
    except Exception:
        session.rollback()
        raise
    row.effective_to_before_end = row.effective_to
    row.effective_to = end.effective_to
    row.ended_at = utcnow()
    row.ended_by_user_id = actor.user_id
    row.ended_by = actor.username
    row.end_reason = end.reason
    row.end_source = end.source
    session.add(row)
    session.commit()
    return _entry(row)


# ------------------------------------------------------------ invalid foreign certificates


def _listing(row: InvalidCertificateListing) -> InvalidCertificate:
    series = None
    if row.series_prefix is not None:
        series = NumberSeries(
            prefix=row.series_prefix, first=row.series_first or "", last=row.series_last or ""
        )
    return InvalidCertificate.model_validate({**row.model_dump(), "series": series})


def _in_force(at: datetime) -> Any:
    return (col(InvalidCertificateListing.listed_at) <= at) & or_(
        col(InvalidCertificateListing.withdrawn_at).is_(None),
        col(InvalidCertificateListing.withdrawn_at) > at,
    )


def list_invalid(
    session: Session, *, issuing_country: str | None = None, include_withdrawn: bool = False
) -> list[InvalidCertificate]:
    """Listings, newest first; withdrawn ones only when asked for."""
    stmt = select(InvalidCertificateListing)
    if issuing_country is not None:
        stmt = stmt.where(InvalidCertificateListing.issuing_country == issuing_country.upper())
    if not include_withdrawn:
        stmt = stmt.where(col(InvalidCertificateListing.withdrawn_at).is_(None))
    return [
        _listing(r) for r in session.exec(stmt.order_by(col(InvalidCertificateListing.id).desc()))
    ]


def find_invalid(
    session: Session, *, issuing_country: str, number: str, at: datetime | None = None
) -> InvalidCertificate | None:
    """Rule 3.7: the listing that covers certificate ``number`` of ``issuing_country``, as the
    list stood at ``at`` (default: now), or None. The oldest listing wins when several do."""
    code = issuing_country.strip().upper()
    stmt = (
        select(InvalidCertificateListing)
        .where(InvalidCertificateListing.issuing_country == code)
        .where(_in_force(at or utcnow()))
        .order_by(col(InvalidCertificateListing.id))
    )
    for row in session.exec(stmt):
        listing = _listing(row)
        if rules.matches(listing, issuing_country=code, number=number):
            return listing
    return None


def mark_invalid(
    session: Session, *, actor: Actor, listing: InvalidCertificateBody
) -> InvalidCertificate:
    """List a number or series (in canonical form, as the body's types give them). The same
    listing sent again (a retried request: same kind, reason and source) is the listing it
    made, so the caller re-sends its holds; another one of a number or series listed and in
    force is a 409. A unique index per number and per series in force decides between two
    requests racing each other."""
    number = canonical_certificate_number(listing.number) if listing.number else None
    series = listing.series
    prefix = canonical_certificate_number(series.prefix) if series else None
    for current in list_invalid(session, issuing_country=listing.issuing_country):
        same_series = (
            series is not None
            and current.series is not None
            and (current.series.prefix, int(current.series.first), int(current.series.last))
            == (prefix, int(series.first), int(series.last))
        )
        if (number is not None and current.number == number) or same_series:
            if (current.kind, current.reason, current.source) == (
                listing.kind,
                listing.reason,
                listing.source,
            ):
                return current
            raise Conflict(
                f"listing {current.id} already marks that {'number' if number else 'series'} "
                f"as {current.kind.value} (since {current.listed_at:%Y-%m-%d})",
                details=[current.id],
            )
    row = InvalidCertificateListing(
        issuing_country=listing.issuing_country,
        number=number,
        series_prefix=prefix,
        series_first=series.first if series else None,
        series_last=series.last if series else None,
        kind=listing.kind.value,
        reason=listing.reason,
        source=listing.source,
        listed_at=utcnow(),
        listed_by_user_id=actor.user_id,
        listed_by=actor.username,
    )
    session.add(row)
    try:
        session.commit()
    except IntegrityError:  # the same number or series listed by a concurrent request
        session.rollback()
        return mark_invalid(session, actor=actor, listing=listing)
    return _listing(row)


def withdraw_invalid(
    session: Session, *, actor: Actor, listing_id: int, reason: str
) -> InvalidCertificate:
    """Withdraw a listing once (it stays, with who withdrew it, when and why); the UPDATE's
    condition makes a second, concurrent withdrawal a 409 rather than an overwrite, unless it
    is the same withdrawal sent again (same person, same reason): then it is that one, so the
    caller re-sends its releases."""
    if session.get(InvalidCertificateListing, listing_id) is None:
        raise NotFound(f"no invalid-certificate listing {listing_id}")
    withdraw = (
        update(InvalidCertificateListing)
        .where(col(InvalidCertificateListing.id) == listing_id)
        .where(col(InvalidCertificateListing.withdrawn_at).is_(None))
        .values(
            withdrawn_at=utcnow(),
            withdrawn_by_user_id=actor.user_id,
            withdrawn_by=actor.username,
            withdrawal_reason=reason,
        )
        .returning(col(InvalidCertificateListing.id))
    )
    done = session.execute(withdraw).scalar_one_or_none() is not None
    session.commit()
    row = session.get(InvalidCertificateListing, listing_id, populate_existing=True)
    assert row is not None, "listings are never deleted"
    repeated = (row.withdrawn_by_user_id, row.withdrawal_reason) == (actor.user_id, reason)
    if not done and not repeated:
        raise Conflict(
            f"listing {listing_id} was already withdrawn on {row.withdrawn_at:%Y-%m-%d} "
            f"by {row.withdrawn_by}"
        )
    return _listing(row)


# Handing a listing's holds and releases over to the process engine (durable once handed).


def invalid_listing(session: Session, listing_id: int) -> InvalidCertificate | None:
    row = session.get(InvalidCertificateListing, listing_id)
    return None if row is None else _listing(row)


def mark_holds_sent(session: Session, listing_id: int, *, hold: bool) -> None:
    """Note that the listing's holds (``hold``) or releases are with the process engine."""
    column = "holds_sent_at" if hold else "releases_sent_at"
    session.execute(
        update(InvalidCertificateListing)
        .where(col(InvalidCertificateListing.id) == listing_id)
        .where(col(getattr(InvalidCertificateListing, column)).is_(None))
        .values({column: utcnow()})
    )
    session.commit()


def unsent_holds(session: Session, *, before: datetime, limit: int = 100) -> list[tuple[int, bool]]:
    """(listing id, hold) of every listing made, or withdrawn, before ``before`` whose holds,
    or releases, were never handed to the process engine."""
    rows = InvalidCertificateListing
    holds = select(col(rows.id)).where(col(rows.holds_sent_at).is_(None), rows.listed_at < before)
    releases = select(col(rows.id)).where(
        col(rows.releases_sent_at).is_(None),
        col(rows.withdrawn_at).is_not(None),
        col(rows.withdrawn_at) < before,
    )
    found = [(i, True) for i in session.exec(holds.limit(limit)).all()]
    found += [(i, False) for i in session.exec(releases.limit(limit)).all()]
    return [(i, hold) for i, hold in found if i is not None]
