"""Activities of ``PermitWorkflow``: the database side effects, each idempotent."""

from __future__ import annotations

import asyncio

from sqlmodel import Session
from temporalio import activity
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from kp_licensing.domain.clock import macao_date
from kp_licensing.domain.numbering import permit_number
from kp_licensing.store import permits, sequences
from kp_licensing.store.db import SessionFactory
from schemas.permit import (
    PermitNumberRequest,
    PermitRecord,
    PermitStatus,
    PlaceHold,
    ReleaseHold,
    ShipmentHold,
)
from workflows.permit import (
    HOLD_ACTIVITY,
    HOLDABLE,
    NUMBER_ACTIVITY,
    NUMBERED_RECORD_ACTIVITY,
    RECORD_ACTIVITY,
    PermitWorkflow,
    number_approval,
    number_key,
    workflow_id,
)


class PermitActivities:
    """Database side effects, and the signals that reach other cases (holds)."""

    def __init__(self, sessions: SessionFactory, client: Client) -> None:
        self._sessions = sessions
        self._client = client

    @activity.defn(name=HOLD_ACTIVITY)
    async def hold_operator_shipments(self, order: ShipmentHold) -> int:
        """Signal every open shipment case of the operator to hold (or release); signals are
        idempotent per hold code, so a retried activity changes nothing twice."""
        statuses = [s.value for s in (HOLDABLE if order.hold else (PermitStatus.on_hold,))]

        def cases() -> list[str]:
            with self._sessions() as session:
                return permits.pending_of(session, order.operator_id, statuses)

        signalled = 0
        for case_no in await asyncio.to_thread(cases):
            handle = self._client.get_workflow_handle(workflow_id(case_no))
            try:
                if order.hold:
                    await handle.signal(
                        PermitWorkflow.hold,
                        PlaceHold(actor=order.actor, code=order.code, reason=order.reason),
                    )
                else:
                    await handle.signal(
                        PermitWorkflow.release,
                        ReleaseHold(actor=order.actor, code=order.code, reason=order.reason),
                    )
                signalled += 1
            except RPCError as error:
                if error.status != RPCStatusCode.NOT_FOUND:  # a case that closed meanwhile
                    raise
        return signalled

    @activity.defn(name=RECORD_ACTIVITY)
    def record(self, record: PermitRecord) -> bool:
        """Project one transition and its consequences (stock, confirmations, releases)."""
        with self._sessions() as session:
            return permits.apply_record(session, record)

    @activity.defn(name=NUMBERED_RECORD_ACTIVITY)
    def record_numbered(self, record: PermitRecord) -> str:
        """Allocate the licence number an approval issues and project the approval with it, in
        one transaction; a retry finds both written and returns the same number."""
        request = PermitNumberRequest(
            key=number_key(record.state.case_no, record.transition.seq),
            year=macao_date(record.transition.at).year,
            kind=record.state.kind,
        )
        with self._sessions() as session:
            number = self._allocate(session, request, commit=False)
            number_approval(record, number)
            permits.apply_record(session, record)  # commits the allocation with it
            return number

    @activity.defn(name=NUMBER_ACTIVITY)
    def allocate_number(self, request: PermitNumberRequest) -> str:
        """The next licence number of that kind and year, the same one on a retry (runs from
        before the combined activity still schedule it)."""
        with self._sessions() as session:
            return self._allocate(session, request, commit=True)

    @staticmethod
    def _allocate(session: Session, request: PermitNumberRequest, *, commit: bool) -> str:
        kind = request.kind.value
        return sequences.allocate_number(
            session,
            key=request.key,
            counter=f"permit-{kind}-{request.year}",
            render=lambda n: permit_number(kind, request.year, n),
            commit=commit,
        )
