"""The activities that hold and release shipment cases (see ``workflows.holds``)."""

from __future__ import annotations

import asyncio

from temporalio import activity
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from kp_licensing.domain import listings
from kp_licensing.store import participants, permits
from kp_licensing.store.db import SessionFactory
from schemas.permit import (
    HOLDABLE,
    ListingHolds,
    PermitState,
    PermitStatus,
    PlaceHold,
    ReleaseHold,
    ShipmentHold,
)
from workflows.permit import PermitWorkflow, workflow_id

#: Activity name of ``hold_operator_shipments`` (histories recorded it; see workflows.holds).
HOLD_OPERATOR_SHIPMENTS = "permit.hold_operator_shipments"

Order = PlaceHold | ReleaseHold


class HoldActivities:
    """Signals to other cases, each tolerant of a case that has closed meanwhile."""

    def __init__(self, sessions: SessionFactory, client: Client) -> None:
        self._sessions = sessions
        self._client = client

    @activity.defn(name=HOLD_OPERATOR_SHIPMENTS)
    async def hold_operator_shipments(self, order: ShipmentHold) -> int:
        """Hold (or release) every open shipment case of the operator."""
        statuses = _statuses(hold=order.hold)

        def orders() -> list[tuple[str, Order]]:
            with self._sessions() as session:
                cases = permits.pending_of(session, order.operator_id, statuses)
            message = PlaceHold if order.hold else ReleaseHold
            each = message(actor=order.actor, code=order.code, reason=order.reason)
            return [(case_no, each) for case_no in cases]

        return await self._signal(await asyncio.to_thread(orders))

    @activity.defn
    async def hold_listed_cases(self, order: ListingHolds) -> int:
        """Hold (or release) every open shipment case that refers to a certificate the listing
        covers."""

        def orders() -> list[tuple[str, Order]]:
            with self._sessions() as session:
                listing = participants.invalid_listing(session, order.listing_id)
                if listing is None:  # listings are never deleted: a wrong order
                    raise ValueError(f"no invalid-certificate listing {order.listing_id}")
                rows = permits.open_cases(session, _statuses(hold=order.hold))
            code = listings.listing_hold_code(listing.id)
            message = PlaceHold if order.hold else ReleaseHold
            found: list[tuple[str, Order]] = []
            for row in rows:
                state = PermitState.model_validate(row.state)
                reason = listings.listing_hold(listing, state, hold=order.hold)
                if reason is not None:
                    found.append(
                        (row.case_no, message(actor=order.actor, code=code, reason=reason))
                    )
            return found

        return await self._signal(await asyncio.to_thread(orders))

    async def _signal(self, orders: list[tuple[str, Order]]) -> int:
        """Send each case its order; a case whose workflow has closed is skipped. Any other
        failure fails the attempt, and the retry sends them all again (harmlessly)."""
        signalled = 0
        for case_no, order in orders:
            handle = self._client.get_workflow_handle(workflow_id(case_no))
            try:
                if isinstance(order, PlaceHold):
                    await handle.signal(PermitWorkflow.hold, order)
                else:
                    await handle.signal(PermitWorkflow.release, order)
            except RPCError as error:
                if error.status != RPCStatusCode.NOT_FOUND:  # a case that closed meanwhile
                    raise
                continue
            signalled += 1
        return signalled


def _statuses(*, hold: bool) -> list[str]:
    """Cases a hold applies to, or those a release may concern."""
    return [s.value for s in (HOLDABLE if hold else (PermitStatus.on_hold,))]
