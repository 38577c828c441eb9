"""The Participant registry and the list of invalid foreign certificates, as officers and the
permit process use them: the rules of each change, and what a repeated request is.

For the permit process:

* rule 3.2: :func:`check_participant` for every counterparty country on the shipment date;
* rule 3.7: :func:`find_invalid` for a presented foreign certificate;
* rule 3.15: :func:`mark_invalid` makes the listing; its holds are ``services.holds``'.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Session

from kp_licensing.domain import participants as rules
from kp_licensing.domain.errors import Conflict, NotFound
from kp_licensing.services import audit
from kp_licensing.services.audit import Origin
from kp_licensing.store import participants as store
from kp_licensing.store.models import utcnow
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

list_entries = store.list_entries
list_invalid = store.list_invalid


def _actor(by: Origin) -> Actor:
    assert by.actor is not None, "an officer acts (MayManageRegistry)"
    return by.actor


def check_participant(session: Session, *, country: str, on: date) -> ParticipantCheck:
    """Rule 3.2: was ``country`` an active Participant on ``on``, and if not, why not."""
    code = country.strip().upper()
    return rules.check(code, on, store.country_entries(session, code))


def add_entry(session: Session, *, by: Origin, entry: RegistryEntryBody) -> RegistryEntry:
    """Add an entry; refused (409) if it shares a day with another entry of its country. The
    same entry sent again (a retried request) is the entry it added."""
    try:
        store.lock_country(session, entry.country)
        fields = entry.model_dump()
        existing = store.country_entries(session, entry.country)
        for current in existing:
            if current.ended_at is None and current.model_dump(include=set(fields)) == fields:
                session.rollback()
                return current
        rules.refuse_overlap(
            country=entry.country,
            effective_from=entry.effective_from,
            effective_to=entry.effective_to,
            existing=existing,
        )
        added = store.add_entry(session, actor=_actor(by), entry=entry)
        audit.record(
            session,
            by,
            "registry.entry_added",
            target=f"participant_entry:{added.id}",
            country=added.country,
            status=added.status,
        )
        session.commit()
    except Exception:
        session.rollback()
        raise
    return added


def end_entry(session: Session, *, by: Origin, entry_id: int, end: EndEntryBody) -> RegistryEntry:
    """End an entry from ``end.effective_to`` on, once, keeping the end date it had."""
    found = store.entry(session, entry_id)
    if found is None:
        raise NotFound("registry.entry_not_found", entry_id=entry_id)
    try:
        store.lock_country(session, found.country)
        current = store.entry(session, entry_id, fresh=True)
        assert current is not None, "entries are never deleted"
        rules.refuse_end(current, end.effective_to)
        ended = store.end_entry(session, actor=_actor(by), entry_id=entry_id, end=end)
        audit.record(
            session,
            by,
            "registry.entry_ended",
            target=f"participant_entry:{entry_id}",
            country=ended.country,
            effective_to=end.effective_to.isoformat(),
        )
        session.commit()
    except Exception:
        session.rollback()
        raise
    return ended


def find_invalid(
    session: Session, *, issuing_country: str, number: str, at: datetime | None = None
) -> InvalidCertificate | None:
    """Rule 3.7: the listing that covers certificate ``number`` of ``issuing_country``, as the
    list stood at ``at`` (default: now), or None. The oldest listing wins when several do."""
    code = issuing_country.strip().upper()
    for listing in store.in_force(session, issuing_country=code, at=at or utcnow()):
        if rules.matches(listing, issuing_country=code, number=number):
            return listing
    return None


def mark_invalid(
    session: Session, *, by: Origin, listing: InvalidCertificateBody
) -> InvalidCertificate:
    """List a number or series (in canonical form). The same listing sent again (a retried
    request: same kind, reason and source) is the listing it made; another one of a number or
    series listed and in force is a 409. The database's unique indexes decide between two
    requests racing each other: the loser reads again and meets the winner."""
    number = canonical_certificate_number(listing.number) if listing.number else None
    series = listing.series
    if series is not None:
        series = NumberSeries(
            prefix=canonical_certificate_number(series.prefix), first=series.first, last=series.last
        )
    while True:
        for current in store.list_invalid(session, issuing_country=listing.issuing_country):
            if _same_target(current, number, series):
                if (current.kind, current.reason, current.source) == (
                    listing.kind,
                    listing.reason,
                    listing.source,
                ):
                    return current
                if number:
                    raise Conflict(
                        "listing.number_already_listed",
                        details=[current.id],
                        listing_id=current.id,
                        kind=current.kind,
                        since=current.listed_at.date(),
                    )
                raise Conflict(
                    "listing.series_already_listed",
                    details=[current.id],
                    listing_id=current.id,
                    kind=current.kind,
                    since=current.listed_at.date(),
                )
        made = store.add_listing(
            session,
            actor=_actor(by),
            issuing_country=listing.issuing_country,
            number=number,
            series=series,
            kind=listing.kind.value,
            reason=listing.reason,
            source=listing.source,
        )
        if made is not None:
            audit.record(
                session,
                by,
                "invalid_list.listed",
                target=f"invalid_certificate:{made.id}",
                issuing_country=made.issuing_country,
                number=made.number or "",
                series=made.series.prefix if made.series else "",
                kind=made.kind,
            )
            session.commit()
            return made


def _same_target(
    current: InvalidCertificate, number: str | None, series: NumberSeries | None
) -> bool:
    if number is not None:
        return current.number == number
    return (
        series is not None
        and current.series is not None
        and (current.series.prefix, int(current.series.first), int(current.series.last))
        == (series.prefix, int(series.first), int(series.last))
    )


def withdraw_invalid(
    session: Session, *, by: Origin, listing_id: int, reason: str
) -> InvalidCertificate:
    """Withdraw a listing once (it stays, with who withdrew it, when and why). A second,
    concurrent withdrawal is a 409 rather than an overwrite, unless it is the same withdrawal
    sent again (same person, same reason): then it is that one."""
    if store.invalid_listing(session, listing_id) is None:
        raise NotFound("listing.not_found", listing_id=listing_id)
    actor = _actor(by)
    done, listing, withdrawer = store.withdraw_listing(
        session, actor=actor, listing_id=listing_id, reason=reason
    )
    if done:
        audit.record(
            session, by, "invalid_list.withdrawn", target=f"invalid_certificate:{listing_id}"
        )
    session.commit()
    repeated = (withdrawer, listing.withdrawal_reason) == (actor.user_id, reason)
    if not done and not repeated:
        assert listing.withdrawn_at is not None
        raise Conflict(
            "listing.already_withdrawn",
            listing_id=listing_id,
            on=listing.withdrawn_at.date(),
            withdrawn_by=listing.withdrawn_by,
        )
    return listing
