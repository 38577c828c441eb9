"""What customs finds, judged against the licence (domain.md section 3, rules 7 and 12): the
discrepancies an arrival, entry or exit opens, an import certificate that expired before it
arrived, and when the import confirmation to the exporting authority is due and may have been
sent. Pure, like every rule: the workflow and the services bring the facts."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from kp_licensing.domain.errors import RuleViolation
from schemas.messages import Message, say
from schemas.permit import PermitApplication
from schemas.shipment import Arrival, PermitKind


def expired_on_arrival(app: PermitApplication, found: Arrival) -> Message | None:
    """Rule 7 at the real arrival: an import whose certificate had expired when it arrived is
    not cleared by the system but left to an officer (the goods are here; the exporting
    authority may confirm or replace the certificate), with the dates that differ."""
    certificate = app.foreign_certificate
    if app.kind != PermitKind.import_ or certificate is None:
        return None
    if found.date <= certificate.expires_on:
        return None
    return say(
        "incident.certificate_expired",
        number=certificate.number,
        expires_on=certificate.expires_on,
        arrived_on=found.date,
    )


def arrival_discrepancies(
    app: PermitApplication, found: Arrival, tolerance: Decimal
) -> list[Message]:
    """What an arrival (or transit exit) found that does not match the licence."""
    problems = []
    if abs(found.carats - app.carats) > tolerance:
        problems.append(say("incident.carats", found=found.carats, licensed=app.carats))
    if found.parcels != app.parcels:
        problems.append(say("incident.parcels", found=found.parcels, licensed=app.parcels))
    if not found.seals_intact:
        problems.append(say("incident.seals_broken"))
    if sorted(found.seals) != sorted(app.seals):
        problems.append(
            say("incident.seals", found=sorted(found.seals), licensed=sorted(app.seals))
        )
    if sorted(found.containers) != sorted(app.containers):
        problems.append(
            say(
                "incident.containers",
                found=sorted(found.containers),
                licensed=sorted(app.containers),
            )
        )
    return problems


#: How far ahead of the server's clock a reported sending time may be (clients' clocks drift).
CLOCK_SKEW = timedelta(minutes=5)


def check_sent_at(sent_at: datetime, *, produced_at: datetime, now: datetime) -> None:
    """A confirmation is sent after it was produced, and not in the future."""
    if produced_at <= sent_at <= now + CLOCK_SKEW:
        return
    first, last = f"{produced_at:%Y-%m-%d %H:%M}", f"{now:%Y-%m-%d %H:%M}"
    allowed = say("range.utc_times", first=first, last=last)
    raise RuleViolation(
        "confirmation.sent_at_outside",
        sent_at=sent_at.strftime("%Y-%m-%d %H:%M"),
        first=first,
        last=last,
        details=[{"field": "sent_at", "message": allowed.model_dump(mode="json")}],
    )
