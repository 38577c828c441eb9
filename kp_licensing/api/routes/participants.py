"""The KP Participant registry and the list of invalid foreign certificates.

Everyone who deals with shipments reads them; officers and supervisors add and end entries, mark
and withdraw listings. Nothing can be edited or deleted: history is the point of both lists.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated

from fastapi import APIRouter, Query

from kp_licensing.api.deps import (
    DatabaseId,
    MayManageRegistry,
    MayViewRegistry,
    SessionDep,
    TemporalDep,
)
from kp_licensing.domain.clock import macao_date
from kp_licensing.services import holds, registry
from schemas.participants import (
    CountryCode,
    EndEntryBody,
    InvalidCertificate,
    InvalidCertificateBody,
    InvalidCertificateCheck,
    ParticipantCheck,
    RegistryEntry,
    RegistryEntryBody,
    WithdrawBody,
)
from schemas.shipment import CertificateNumber

router = APIRouter(tags=["KP Participants and invalid certificates"])

Country = Annotated[CountryCode, Query(description="ISO 3166-1 alpha-2 code")]


@router.get("/participants", response_model=list[RegistryEntry])
def list_entries(
    _: MayViewRegistry,
    session: SessionDep,
    country: Annotated[CountryCode | None, Query()] = None,
    participant: Annotated[str | None, Query(max_length=200)] = None,
    on: Annotated[date | None, Query(description="only entries that apply on this day")] = None,
) -> list[RegistryEntry]:
    """Registry entries, ended ones included, by country, Participant and day."""
    return registry.list_entries(session, country=country, participant=participant, on=on)


@router.get("/participants/check", response_model=ParticipantCheck)
def check(
    _: MayViewRegistry,
    session: SessionDep,
    country: Country,
    on: Annotated[date | None, Query(description="default: today in Macao")] = None,
) -> ParticipantCheck:
    """Was the country an active KP Participant on that day? If not, the reason says why."""
    day = on or macao_date(datetime.now(UTC))
    return registry.check_participant(session, country=country, on=day)


@router.post("/participants", status_code=201, response_model=RegistryEntry)
def add_entry(
    body: RegistryEntryBody, principal: MayManageRegistry, session: SessionDep
) -> RegistryEntry:
    """Add an entry (effective_to is exclusive); one sharing a day with another entry of the
    same country is refused (409): end that one first."""
    return registry.add_entry(session, by=principal.origin, entry=body)


@router.post("/participants/{entry_id}/end", response_model=RegistryEntry)
def end_entry(
    entry_id: DatabaseId, body: EndEntryBody, principal: MayManageRegistry, session: SessionDep
) -> RegistryEntry:
    """End an entry from ``effective_to`` on (once; its former end is kept)."""
    return registry.end_entry(session, by=principal.origin, entry_id=entry_id, end=body)


@router.get("/invalid-certificates", response_model=list[InvalidCertificate])
def list_invalid(
    _: MayViewRegistry,
    session: SessionDep,
    issuing_country: Annotated[CountryCode | None, Query()] = None,
    include_withdrawn: bool = False,
) -> list[InvalidCertificate]:
    """Foreign certificate numbers and series marked forged or invalid, newest first."""
    return registry.list_invalid(
        session, issuing_country=issuing_country, include_withdrawn=include_withdrawn
    )


@router.get("/invalid-certificates/check", response_model=InvalidCertificateCheck)
def check_certificate(
    _: MayViewRegistry,
    session: SessionDep,
    issuing_country: Country,
    number: Annotated[CertificateNumber, Query()],
) -> InvalidCertificateCheck:
    """Is this foreign certificate on the list now, and under which listing?"""
    listing = registry.find_invalid(session, issuing_country=issuing_country, number=number)
    return InvalidCertificateCheck(
        issuing_country=issuing_country, number=number, invalid=listing is not None, listing=listing
    )


@router.post("/invalid-certificates", status_code=201, response_model=InvalidCertificate)
async def mark_invalid(
    body: InvalidCertificateBody,
    principal: MayManageRegistry,
    session: SessionDep,
    client: TemporalDep,
) -> InvalidCertificate:
    """Mark a certificate number, or a series, of an issuing country forged or invalid; every
    open shipment case referring to one is put on hold (rule 15), and new ones are refused."""
    return await holds.mark_invalid(session, client, by=principal.origin, listing=body)


@router.post("/invalid-certificates/{listing_id}/withdraw", response_model=InvalidCertificate)
async def withdraw(
    listing_id: DatabaseId,
    body: WithdrawBody,
    principal: MayManageRegistry,
    session: SessionDep,
    client: TemporalDep,
) -> InvalidCertificate:
    """Withdraw a listing made in error (it stays in the history, with who, when and why); the
    cases it held are released."""
    return await holds.withdraw_invalid(
        session, client, by=principal.origin, listing_id=listing_id, reason=body.reason
    )
