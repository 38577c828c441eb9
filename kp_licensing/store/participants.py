"""The Participant registry and the list of invalid foreign certificates: the repository.

It stores and fetches; the rules (no overlapping entries, one listing in force per number, what
a repeated request is) are the registry service's (``services.registry``). It returns the
contracts of ``schemas.participants``, so the permit process can pass them through Temporal."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import func, or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from kp_licensing.domain.participants import country_name
from kp_licensing.store import sequences
from kp_licensing.store.models import utcnow
from kp_licensing.store.participant_models import InvalidCertificateListing, ParticipantEntry
from schemas.common import Actor
from schemas.participants import (
    EndEntryBody,
    InvalidCertificate,
    NumberSeries,
    RegistryEntry,
    RegistryEntryBody,
)

# ----------------------------------------------------------------------------- the registry


def _entry(row: ParticipantEntry) -> RegistryEntry:
    return RegistryEntry.model_validate(
        {**row.model_dump(), "country_name": country_name(row.country)}
    )


def country_entries(session: Session, country: str) -> list[RegistryEntry]:
    """Every entry of a country, oldest first."""
    stmt = select(ParticipantEntry).where(ParticipantEntry.country == country)
    return [_entry(r) for r in session.exec(stmt.order_by(col(ParticipantEntry.effective_from)))]


def lock_country(session: Session, country: str) -> None:
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


def entry(session: Session, entry_id: int, *, fresh: bool = False) -> RegistryEntry | None:
    row = session.get(ParticipantEntry, entry_id, populate_existing=fresh)
    return None if row is None else _entry(row)


def add_entry(session: Session, *, actor: Actor, entry: RegistryEntryBody) -> RegistryEntry:
    """Add an entry to the caller's transaction (flushed: it has its id)."""
    row = ParticipantEntry(
        **entry.model_dump(),
        created_at=utcnow(),
        created_by_user_id=actor.user_id,
        created_by=actor.username,
    )
    session.add(row)
    session.flush()
    return _entry(row)


def end_entry(session: Session, *, actor: Actor, entry_id: int, end: EndEntryBody) -> RegistryEntry:
    """End an entry from ``end.effective_to`` on, keeping the end date it had, in the caller's
    transaction."""
    row = session.get(ParticipantEntry, entry_id)
    assert row is not None, "entries are never deleted"
    row.effective_to_before_end = row.effective_to
    row.effective_to = end.effective_to
    row.ended_at = utcnow()
    row.ended_by_user_id = actor.user_id
    row.ended_by = actor.username
    row.end_reason = end.reason
    row.end_source = end.source
    session.add(row)
    session.flush()
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


def in_force(session: Session, *, issuing_country: str, at: datetime) -> list[InvalidCertificate]:
    """The country's listings in force at ``at``, oldest first."""
    stmt = (
        select(InvalidCertificateListing)
        .where(InvalidCertificateListing.issuing_country == issuing_country)
        .where(_in_force(at))
        .order_by(col(InvalidCertificateListing.id))
    )
    return [_listing(row) for row in session.exec(stmt)]


def add_listing(
    session: Session,
    *,
    actor: Actor,
    issuing_country: str,
    number: str | None,
    series: NumberSeries | None,
    kind: str,
    reason: str,
    source: str,
) -> InvalidCertificate | None:
    """Add a listing (number and series already in canonical form) to the caller's transaction;
    None, with nothing written, if a listing in force of that number or series got there first
    (the partial unique indexes)."""
    row = InvalidCertificateListing(
        issuing_country=issuing_country,
        number=number,
        series_prefix=series.prefix if series else None,
        series_first=series.first if series else None,
        series_last=series.last if series else None,
        kind=kind,
        reason=reason,
        source=source,
        listed_at=utcnow(),
        listed_by_user_id=actor.user_id,
        listed_by=actor.username,
    )
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        return None
    return _listing(row)


def withdraw_listing(
    session: Session, *, actor: Actor, listing_id: int, reason: str
) -> tuple[bool, InvalidCertificate, int | None]:
    """Withdraw a listing still in force, in the caller's transaction: (whether this call
    withdrew it, the listing as it now stands, the user id of who withdrew it). The UPDATE's
    condition, and its row lock, let only one of two concurrent calls withdraw it."""
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
    row = session.get(InvalidCertificateListing, listing_id, populate_existing=True)
    assert row is not None, "listings are never deleted"
    return done, _listing(row), row.withdrawn_by_user_id


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
