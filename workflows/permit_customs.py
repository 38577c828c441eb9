"""What a shipment licence tells customs and hears back (a part of ``PermitWorkflow``, kept
apart so the shipment case's own steps stay readable).

**Declaring.** After each change (``_follow_up``, once the change's update has answered), the
case asks ``domain.customs.next_declaration`` whether customs must be told something: the
licence became usable (original), what customs needs changed or it became usable again
(replacement), or it stopped being usable before use (cancellation). The activity
``customs.declare`` builds, signs and puts the declaration in the outbox; a transition records
it in the case's history; if customs takes declarations pushed, a ``CustomsDeliveryWorkflow``
pushes it until customs acknowledges it.

**Responses** (signal ``customs_response``, from the inbox, by customs accounts only): each
applied once (by its inbox row); received, accepted, rejected (the coded errors told to the
trader) and held are recorded; a release clears the licence as an officer's record of the
crossing would (an import cleared, a transit entered or left, an export departed), checked the
same way; a discrepancy, or a release that those checks refuse, puts the case before an
officer. A release is never undone by news that arrives after it, a second one changes nothing,
and a response the case is in no state for is recorded for the officers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from temporalio import workflow
from temporalio.exceptions import ActivityError
from temporalio.workflow import ParentClosePolicy

with workflow.unsafe.imports_passed_through():
    from kp_licensing.domain import clearance, customs
    from kp_licensing.domain import permit_guards as guards
    from kp_licensing.domain.authority import Authority
    from kp_licensing.domain.clock import macao_date
    from kp_licensing.domain.errors import DomainError
    from schemas.common import SYSTEM_ACTOR, Actor
    from schemas.customs import (
        CustomsResponse,
        CustomsStatus,
        MessageFunction,
        ReceivedResponse,
        Stage,
    )
    from schemas.messages import Message, say
    from schemas.permit import (
        DeclarationRequest,
        PermitState,
        PermitStatus,
        RecordCrossing,
    )
    from schemas.shipment import Arrival, PermitKind
    from workflows.common import ACTIVITY_RETRY, ACTIVITY_TIMEOUT
    from workflows.customs_activities import CustomsActivities
    from workflows.ids import customs_delivery_workflow_id

#: Patch id: cases declare themselves to customs from this version on; histories recorded
#: before replay without declaring.
CUSTOMS_PATCH = "customs-declarations"
#: The pushing process's type, by name: one workflow definition does not import another.
DELIVERY_WORKFLOW = "CustomsDeliveryWorkflow"
#: How many applied responses a case remembers (a redelivery comes soon after its delivery).
APPLIED_KEPT = 100
#: Statuses in which customs may release or report what it found.
AT_THE_BORDER = (PermitStatus.approved, PermitStatus.in_transit)


class CustomsExchange:
    """``PermitWorkflow``'s exchange with customs (a mixin of that workflow)."""

    _state: PermitState
    _lock: Any

    if TYPE_CHECKING:  # provided by PermitWorkflow's other parts and CaseWorkflow

        async def _transition(self, *args: Any, **kwargs: Any) -> Any: ...

        async def _found(
            self,
            cmd: RecordCrossing,
            action: str,
            ok: PermitStatus,
            details: dict[str, str] | None = None,
        ) -> Any: ...

        async def _open_discrepancy(
            self,
            actor: Actor,
            action: str,
            problems: list[Message],
            details: dict[str, str] | None = None,
        ) -> Any: ...

        async def _depart(
            self, actor: Actor, on: Any, note: str | None, details: dict[str, str] | None = None
        ) -> Any: ...

        def _departure_allowed(self, on: Any, *, certificate: bool = True) -> None: ...

        def _may(self, actor: Actor, authority: Authority, what: str) -> bool: ...

    async def _follow_up(self) -> None:
        await self._declare()

    async def _declare(self) -> None:
        """Tell customs what changed, if anything did. The declaring runs outside the lock (a
        decision is never kept waiting on it); what it declared is recorded under the lock,
        and the next turn of the case's loop declares again if the case changed meanwhile."""
        s = self._state
        function = customs.next_declaration(s)
        if function is None or not workflow.patched(CUSTOMS_PATCH):
            return
        version, key = s.customs.version + 1, customs.declared_key(s)
        request = DeclarationRequest(state=s, function=function, version=version, at=workflow.now())
        try:
            # An activity, not a local one: it is scheduled only once the change that asks for
            # it is in the history for good, so customs is never told of a decision a crashed
            # workflow task took and its retry did not (a local activity would run, and write
            # the outbox, before that task completes).
            declared = await workflow.execute_activity_method(
                CustomsActivities.declare,
                request,
                start_to_close_timeout=ACTIVITY_TIMEOUT,
                retry_policy=ACTIVITY_RETRY,
            )
        except ActivityError as failed:
            declared, reason = None, str(failed.cause or failed)
        async with self._lock:
            track = s.customs
            track.version = version
            if function is MessageFunction.cancellation:
                track.cancelled = True
            else:
                track.declared, track.cancelled = key, False
            details = {"function": function.name, "version": str(version)}
            if declared is None:  # recorded, so that the case does not try again and again
                await self._transition(
                    SYSTEM_ACTOR,
                    "customs_declaration_failed",
                    s.status,
                    reason=say("reason.customs_declaration_failed", error=reason),
                    details=details,
                )
                return
            track.message_id = declared.message_id
            await self._transition(
                SYSTEM_ACTOR,
                "declared_to_customs",
                s.status,
                details={"message_id": declared.message_id, **details},
            )
        if declared.push:
            await workflow.start_child_workflow(
                DELIVERY_WORKFLOW,
                declared.message_id,
                id=customs_delivery_workflow_id(declared.message_id),
                parent_close_policy=ParentClosePolicy.ABANDON,
            )

    @workflow.signal
    async def customs_response(self, received: ReceivedResponse) -> None:
        """A response from customs, verified and kept in the inbox by the API."""
        if not self._may(received.actor, Authority.customs, "customs response"):
            return
        async with self._lock:
            track = self._state.customs
            if received.inbox_id in track.applied:
                return
            track.applied = [*track.applied[-(APPLIED_KEPT - 1) :], received.inbox_id]
            await self._respond(received.actor, received.response)

    async def _respond(self, actor: Actor, response: CustomsResponse) -> None:
        s = self._state
        if s.status.is_final:
            return  # as once the case has closed: the response is kept, nothing changes
        track = s.customs
        status = response.status
        late = track.status is CustomsStatus.released and status in (
            CustomsStatus.received,
            CustomsStatus.accepted,
        )
        if not late:
            track.status = status
        details = {
            "message_id": response.message_id,
            "status": status.value,
            "stage": response.stage.value,
        }
        if status is CustomsStatus.released:
            await self._released(actor, response, details)
        elif status is CustomsStatus.discrepancy:
            await self._reported(actor, response, details)
        elif status is CustomsStatus.rejected:
            track.errors = list(response.errors)
            errors = [_error(e.code, e.text) for e in response.errors]
            await self._transition(
                actor,
                "customs_rejected",
                s.status,
                reason=say("reason.customs_rejected", parts=errors),
                details=details,
                notice=say("notice.permit.customs_rejected", permit_no=s.permit_no, parts=errors),
            )
        elif status is CustomsStatus.held:
            await self._transition(
                actor,
                "customs_held",
                s.status,
                reason=response.note,
                details=details,
                notice=say("notice.permit.customs_held", permit_no=s.permit_no),
            )
        else:  # received, accepted
            await self._transition(
                actor, f"customs_{status.value}", s.status, reason=response.note, details=details
            )

    async def _released(
        self, actor: Actor, response: CustomsResponse, details: dict[str, str]
    ) -> None:
        """Customs let the goods cross: the licence is used as the crossing says."""
        s = self._state
        if s.status not in AT_THE_BORDER:
            await self._out_of_turn(actor, response, details)
            return
        crossing = customs.crossing(s, response)
        cmd = RecordCrossing(actor=actor, arrival=crossing)
        try:
            self._check_crossing(crossing)
        except DomainError as refused:
            await self._incident(actor, crossing, [refused.message], details)
            return
        match s.kind:
            case PermitKind.import_:
                s.arrival = crossing
                await self._found(cmd, "arrived", PermitStatus.cleared, details)
            case PermitKind.export:
                await self._depart(actor, crossing.date, response.note, details)
            case PermitKind.transit:
                if s.status == PermitStatus.approved:
                    s.arrival = crossing
                    await self._found(cmd, "entered", PermitStatus.in_transit, details)
                if response.stage is Stage.exit and s.status == PermitStatus.in_transit:
                    s.exit = crossing  # an exit reported before its entry: both, in order
                    await self._found(cmd, "left", PermitStatus.completed, details)

    def _check_crossing(self, crossing: Arrival) -> None:
        """The checks an officer's record of the same crossing passes (raises the refusal)."""
        s = self._state
        today = macao_date(workflow.now())
        if s.kind == PermitKind.export:
            self._departure_allowed(crossing.date)
            return
        if s.status == PermitStatus.in_transit:
            guards.guard_exit(s)
        else:
            guards.guard_arrival(s, s.kind, crossing.date)
        guards.guard_found_on(s, crossing.date, today)

    async def _reported(
        self, actor: Actor, response: CustomsResponse, details: dict[str, str]
    ) -> None:
        """Customs found the goods other than licensed: an officer decides."""
        s = self._state
        if s.status not in AT_THE_BORDER:
            await self._out_of_turn(actor, response, details)
            return
        crossing = customs.crossing(s, response)
        problems = clearance.arrival_discrepancies(
            s.application, crossing, s.policy.carat_tolerance
        )
        problems = problems or [say("incident.customs_reported")]
        await self._incident(actor, crossing, problems, details)

    async def _incident(
        self, actor: Actor, crossing: Arrival, problems: list[Message], details: dict[str, str]
    ) -> None:
        s = self._state
        if s.status == PermitStatus.in_transit:
            s.exit = crossing
        else:
            s.arrival = crossing
        await self._open_discrepancy(actor, "customs_discrepancy", problems, details)

    async def _out_of_turn(
        self, actor: Actor, response: CustomsResponse, details: dict[str, str]
    ) -> None:
        """A release or a finding for a licence that customs should not be clearing (held,
        ended, not yet approved): nothing changes, and the officers see it in the history."""
        s = self._state
        await self._transition(
            actor,
            "customs_out_of_turn",
            s.status,
            reason=say(
                "reason.customs_out_of_turn", status=response.status.value, case_status=s.status
            ),
            details=details,
        )


def _error(code: str, text: str | None) -> Message:
    if text:
        return say("customs.error", code=code, text=text)
    return say("customs.error_code", code=code)
