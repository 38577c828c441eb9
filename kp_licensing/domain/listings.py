"""Invalid foreign certificates (rule 15): how a listing is named, and which shipment cases it
holds or, once withdrawn, releases. Whether a number falls under a listing is
``participants.matches``."""

from __future__ import annotations

from kp_licensing.domain.participants import matches
from schemas.messages import Message, say
from schemas.participants import InvalidCertificate
from schemas.permit import PermitState


def certificates_of(state: PermitState) -> list[tuple[str, str]]:
    """The foreign certificates a case refers to: the one an import presents, those an export
    draws on."""
    app = state.application
    refs = [(d.issuing_country, d.number) for d in app.source_certificates]
    if app.foreign_certificate is not None:
        refs.append((app.foreign_certificate.issuing_country, app.foreign_certificate.number))
    return refs


def listed_as(listing: InvalidCertificate) -> Message:
    """How a listing reads in a refusal: "forged (listing 7, since 2026-11-30): reason"; its
    params are also those of the checks that name a listed certificate."""
    return say(
        "certificate.listing",
        kind=listing.kind,
        listing=listing.id,
        since=listing.listed_at.date(),
        reason=listing.reason,
    )


def listing_hold(listing: InvalidCertificate, state: PermitState, *, hold: bool) -> Message | None:
    """Why ``listing`` holds the case (or releases it, once withdrawn); None if the case refers
    to no certificate the listing covers."""
    hits = [
        number
        for country, number in certificates_of(state)
        if matches(listing, issuing_country=country, number=number)
    ]
    if not hits:
        return None
    if hold:
        return say(
            "hold.certificate_listed",
            number=hits[0],
            kind=listing.kind,
            listing=listing.id,
            since=listing.listed_at.date(),
            reason=listing.reason,
        )
    return say("hold.listing_withdrawn", listing=listing.id, reason=listing.withdrawal_reason)


def listing_hold_code(listing_id: int) -> str:
    """The hold a listing places: one per listing, so a repeated order changes nothing."""
    return f"invalid_certificate:{listing_id}"
