"""Rules of the Participant registry and of the list of invalid foreign certificates, without I/O.

Rule 3.2 asks whether every counterparty country was an active Participant on the shipment
date; rule 3.7 whether a presented foreign certificate is on the invalid list; rule 3.15 which
pending certificates a new listing covers. The store feeds these functions what it read; the
permit process may call them on data it already holds. What to do with a ``restricted`` country
(refuse, or hold for an officer to check the KP administrative decision) is the permit
process's decision: here it is simply "not active", with the reason. Country names come from
pycountry's bundled data, read once on first use.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import pycountry

from kp_licensing.domain.errors import Conflict, RuleViolation
from schemas.messages import Message, say
from schemas.participants import (
    InvalidCertificate,
    ParticipantCheck,
    ParticipantStatus,
    RegistryEntry,
)
from schemas.shipment import canonical_certificate_number


#: How a status that is not active reads: its name, and what it means for trade.
def country_name(code: str) -> str:
    """The ISO 3166-1 short name of an alpha-2 code (refused if the code does not exist)."""
    country = pycountry.countries.get(alpha_2=code.strip().upper())
    if country is None:
        raise RuleViolation("country.unknown", code=code)
    return str(country.name)


def in_force(entry: RegistryEntry, on: date) -> bool:
    """Whether ``on`` falls in the entry's half-open period [effective_from, effective_to)."""
    return entry.effective_from <= on and (entry.effective_to is None or on < entry.effective_to)


def _overlap(a_from: date, a_to: date | None, b_from: date, b_to: date | None) -> bool:
    """Half-open periods share a day (an empty period, from == to, shares none)."""
    return max(a_from, b_from) < min(a_to or date.max, b_to or date.max)


def refuse_overlap(
    *,
    country: str,
    effective_from: date,
    effective_to: date | None,
    existing: Iterable[RegistryEntry],
) -> None:
    """A country has one status on any day, so a new entry may not share a day with another."""
    clashes = [
        e
        for e in existing
        if e.country == country
        and _overlap(effective_from, effective_to, e.effective_from, e.effective_to)
    ]
    if not clashes:
        return
    ids = [e.id for e in clashes]
    if len(clashes) > 1:
        raise Conflict("registry.overlaps_entries", country=country, entries=ids, details=ids)
    clash = clashes[0]
    said = {"country": country, "entry": clash.id, "status": clash.status}
    start, end, participant = clash.effective_from, clash.effective_to, clash.participant
    if participant is None and end is None:
        raise Conflict("registry.overlaps_open_entry_of_none", details=ids, start=start, **said)
    if participant is None:
        raise Conflict("registry.overlaps_entry_of_none", details=ids, start=start, end=end, **said)
    if end is None:
        raise Conflict(
            "registry.overlaps_open_entry",
            details=ids,
            participant=participant,
            start=start,
            **said,
        )
    raise Conflict(
        "registry.overlaps_entry",
        details=ids,
        participant=participant,
        start=start,
        end=end,
        **said,
    )


def refuse_end(entry: RegistryEntry, effective_to: date) -> None:
    """An entry is ended once, never before it starts, and its end only moves earlier (a later
    end could overlap the entry that follows it; add a new entry instead)."""
    if entry.ended_at is not None:
        raise Conflict(
            "registry.entry_already_ended",
            entry=entry.id,
            ended_on=entry.ended_at.date(),
            ended_by=entry.ended_by,
        )
    if effective_to < entry.effective_from:
        raise RuleViolation("registry.end_before_start", entry=entry.id, start=entry.effective_from)
    if entry.effective_to is not None and effective_to > entry.effective_to:
        raise RuleViolation("registry.end_later", entry=entry.id, end=entry.effective_to)


def check(country: str, on: date, entries: Iterable[RegistryEntry]) -> ParticipantCheck:
    """Was ``country`` an active Participant on ``on``? No entry on that day means no."""
    code = country.strip().upper()
    name = country_name(code)
    current = sorted(
        (e for e in entries if e.country == code and in_force(e, on)),
        key=lambda e: e.effective_from,
    )
    if not current:
        return ParticipantCheck(
            country=code,
            country_name=name,
            on=on,
            active=False,
            status=ParticipantStatus.not_participant,
            reason=say("participant.not_in_registry", name=name, code=code, on=on),
        )
    entry = current[-1]  # the only one: overlapping entries are refused when added
    active = entry.status == ParticipantStatus.active
    return ParticipantCheck(
        country=code,
        country_name=name,
        on=on,
        active=active,
        status=entry.status,
        participant=entry.participant,
        source=entry.source,
        note=entry.note,
        entry_id=entry.id,
        reason=None if active else _reason(entry, name),
    )


def _reason(entry: RegistryEntry, name: str) -> Message:
    """Why ``entry`` does not let its country trade, and the officer's note if there is one."""
    said = {"name": name, "country": entry.country, "since": entry.effective_from}
    if entry.status == ParticipantStatus.self_suspended:
        reason = say(
            "participant.self_suspended",
            participant=entry.participant or name,
            source=entry.source,
            **said,
        )
    elif entry.status == ParticipantStatus.restricted:
        reason = say(
            "participant.restricted",
            participant=entry.participant or name,
            source=entry.source,
            **said,
        )
    else:
        reason = say("participant.not_participant", source=entry.source, **said)
    return say("participant.noted", note=entry.note, parts=[reason]) if entry.note else reason


def matches(listing: InvalidCertificate, *, issuing_country: str, number: str) -> bool:
    """Whether a certificate ``number`` of ``issuing_country`` is covered by ``listing``.

    Numbers are compared in their canonical form (``canonical_certificate_number``), whatever
    form the caller holds. A single listed number matches exactly. A series matches a number that
    starts with its prefix and continues with digits only whose value lies in [first, last]:
    leading zeros do not count (AE0123500 is AE123500), any other character after the prefix
    means "not this series". Whether the listing is still in force is the caller's question.
    """
    if listing.issuing_country != issuing_country.strip().upper():
        return False
    candidate = canonical_certificate_number(number)
    if listing.number is not None:
        return candidate == canonical_certificate_number(listing.number)
    if listing.series is None:
        return False
    prefix = canonical_certificate_number(listing.series.prefix)
    rest = candidate[len(prefix) :]
    if not candidate.startswith(prefix) or not rest.isdigit():
        return False
    return int(listing.series.first) <= int(rest) <= int(listing.series.last)
