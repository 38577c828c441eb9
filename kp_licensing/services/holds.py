"""Handing an invalid-certificate listing's holds (and its withdrawal's releases) to the
process engine, durably.

The listing (or withdrawal) is committed first; then ``ListingHoldsWorkflow`` is started under
an id derived from the listing and the direction, and the request waits (with the deadline)
for it to have signalled every case; then the listing is marked as handed over. A request that
dies, or meets Temporal down, in between leaves the mark unset, and the sweep
(:func:`send_unsent`, run by every API process beside the submission sweep) starts it. A
repeated request finds the same workflow, started or done.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from anyio import to_thread
from sqlmodel import Session

from kp_licensing.domain.errors import Unavailable
from kp_licensing.services import registry
from kp_licensing.services.audit import Origin
from kp_licensing.services.temporal import ProcessEngine
from kp_licensing.store import participants
from kp_licensing.store.db import SessionFactory
from schemas.common import SYSTEM_ACTOR, Actor
from schemas.participants import InvalidCertificate, InvalidCertificateBody
from schemas.permit import ListingHolds
from workflows.holds import ListingHoldsWorkflow, listing_holds_id

log = logging.getLogger(__name__)


async def send_listing_holds(
    session: Session, engine: ProcessEngine, *, listing_id: int, hold: bool, actor: Actor
) -> int:
    """Hold (``hold``) or release every open shipment case the listing covers; the number of
    cases signalled (a repeat may count them again: signals change nothing twice)."""
    session.close()  # no pooled connection held while the holds are sent
    waiting: dict[str, Any] = {
        "listing_id": listing_id,
        "seconds": engine.seconds,
        "retry_after": engine.retry_after,
    }
    signalled: int = await engine.run(
        ListingHoldsWorkflow.run,
        ListingHolds(listing_id=listing_id, hold=hold, actor=actor),
        workflow_id=listing_holds_id(listing_id, hold=hold),
        late_start=Unavailable("engine.late_listing_start", **waiting),
        late=(
            Unavailable("engine.late_holds", **waiting)
            if hold
            else Unavailable("engine.late_releases", **waiting)
        ),
    )
    await to_thread.run_sync(lambda: participants.mark_holds_sent(session, listing_id, hold=hold))
    return signalled


async def send_unsent(sessions: SessionFactory, engine: ProcessEngine, older: timedelta) -> int:
    """Send the holds or releases of every listing left unsent for longer than ``older``; the
    number of listings sent. The person who made the listing is in the listing itself; the
    holds are placed by the system on their behalf."""
    before = datetime.now(UTC) - older
    with sessions() as session:
        waiting = await to_thread.run_sync(
            lambda: participants.unsent_holds(session, before=before)
        )
    for listing_id, hold in waiting:
        with sessions() as session:
            await send_listing_holds(
                session, engine, listing_id=listing_id, hold=hold, actor=SYSTEM_ACTOR
            )
        log.info("sent the %s of listing %s", "holds" if hold else "releases", listing_id)
    return len(waiting)


async def mark_invalid(
    session: Session, engine: ProcessEngine, *, by: Origin, listing: InvalidCertificateBody
) -> InvalidCertificate:
    """List a certificate number, or a series, as forged or invalid, then hold every open case
    that refers to one (rule 15)."""
    made = await to_thread.run_sync(lambda: registry.mark_invalid(session, by=by, listing=listing))
    assert by.actor is not None
    await send_listing_holds(session, engine, listing_id=made.id, hold=True, actor=by.actor)
    return made


async def withdraw_invalid(
    session: Session, engine: ProcessEngine, *, by: Origin, listing_id: int, reason: str
) -> InvalidCertificate:
    """Withdraw a listing made in error, then release the cases it held."""
    withdrawn = await to_thread.run_sync(
        lambda: registry.withdraw_invalid(session, by=by, listing_id=listing_id, reason=reason)
    )
    assert by.actor is not None
    await send_listing_holds(session, engine, listing_id=listing_id, hold=False, actor=by.actor)
    return withdrawn
