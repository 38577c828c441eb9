"""Effects that cross cases: holding and releasing shipment cases.

Two sources hold an operator's or a certificate's shipment cases, and both go through one
retried activity class (``workflows.hold_activities.HoldActivities``) that signals each case
and skips a case that closed meanwhile:

* a change in an operating licence's standing (suspended, reinstated, cancelled...):
  ``LicenceWorkflow`` runs ``HoldActivities.hold_operator_shipments`` itself (under the
  name recorded histories know it by, ``hold_activities.HOLD_OPERATOR_SHIPMENTS``);
* an invalid-certificate listing and its withdrawal (rule 15): the API starts
  :class:`ListingHoldsWorkflow` once the listing is committed (the sweep starts it for a
  request that died in between), and that workflow runs ``HoldActivities.hold_listed_cases``.

Signals are idempotent per hold code, so a retry (or a repeated order) changes nothing twice.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from schemas.permit import ListingHolds
    from workflows.common import ACTIVITY_RETRY
    from workflows.hold_activities import HoldActivities

#: Signalling every case a listing covers: one call per case, so give it time.
HOLDS_TIMEOUT = timedelta(minutes=5)


def listing_holds_id(listing_id: int, *, hold: bool) -> str:
    """One workflow per listing and direction: a repeated order finds it started or done."""
    return f"holds-invalid-certificate-{listing_id}-{'hold' if hold else 'release'}"


@workflow.defn
class ListingHoldsWorkflow:
    """Hold, or release, every open shipment case a listing covers; its result is how many
    cases were signalled."""

    @workflow.run
    async def run(self, order: ListingHolds) -> int:
        return await workflow.execute_activity_method(
            HoldActivities.hold_listed_cases,
            order,
            start_to_close_timeout=HOLDS_TIMEOUT,
            retry_policy=ACTIVITY_RETRY,
        )
