"""What customs and DSEDT find at Macao's border, as ``PermitWorkflow`` records it (a part of
that workflow, kept apart so the shipment case's own steps stay readable): an import's
arrival, a transit's entry and exit, each checked against the licence, and an officer's
resolution of what did not match.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from kp_licensing.domain import clearance
    from kp_licensing.domain import permit_guards as guards
    from kp_licensing.domain.authority import Authority
    from kp_licensing.domain.clock import macao_date
    from schemas.common import Actor
    from schemas.messages import Message, say
    from schemas.permit import PermitRecord, PermitState, PermitStatus, RecordCrossing, Resolve
    from schemas.shipment import PermitKind
    from workflows.common import guarded

#: Patches: histories recorded before these checks replay as they ran (see ``_found_on`` and
#: ``_found``).
DATES_PATCH = "permit-found-on-bounded"
EXPIRY_PATCH = "permit-certificate-expiry-at-arrival"


class BorderCrossings:
    """``PermitWorkflow``'s updates about crossings of the border (a mixin of that workflow)."""

    _state: PermitState
    _lock: Any

    if TYPE_CHECKING:  # provided by CaseWorkflow, after this class in PermitWorkflow's bases

        async def _transition(self, *args: Any, **kwargs: Any) -> Any: ...

        def _authorise(self, command: Any, authority: Authority) -> None: ...

    @workflow.update
    async def record_arrival(self, cmd: RecordCrossing) -> PermitRecord:
        """Import: what arrived. As licensed, the import is cleared (its certificate enters the
        operator's stock, and the confirmation for the exporting authority is produced)."""
        async with self._lock:
            self._check_arrival(cmd)
            self._found_on(cmd, patched=True)
            self._state.arrival = cmd.arrival
            return await self._found(cmd, "arrived", PermitStatus.cleared)

    @record_arrival.validator
    def _validate_arrival(self, cmd: RecordCrossing) -> None:
        self._authorise(cmd, Authority.decide)
        self._check_arrival(cmd)
        self._found_on(cmd)

    def _check_arrival(self, cmd: RecordCrossing) -> None:
        guarded(lambda: guards.guard_arrival(self._state, PermitKind.import_, cmd.arrival.date))

    @workflow.update
    async def record_entry(self, cmd: RecordCrossing) -> PermitRecord:
        """Transit: the shipment entered Macao; its seals and containers are recorded."""
        async with self._lock:
            self._check_entry(cmd)
            self._found_on(cmd, patched=True)
            self._state.arrival = cmd.arrival
            return await self._found(cmd, "entered", PermitStatus.in_transit)

    @record_entry.validator
    def _validate_entry(self, cmd: RecordCrossing) -> None:
        self._authorise(cmd, Authority.decide)
        self._check_entry(cmd)
        self._found_on(cmd)

    def _check_entry(self, cmd: RecordCrossing) -> None:
        guarded(lambda: guards.guard_arrival(self._state, PermitKind.transit, cmd.arrival.date))

    @workflow.update
    async def record_exit(self, cmd: RecordCrossing) -> PermitRecord:
        """Transit: the shipment left; it must leave exactly as it entered."""
        async with self._lock:
            guarded(lambda: guards.guard_exit(self._state))
            self._found_on(cmd, patched=True)
            self._state.exit = cmd.arrival
            return await self._found(cmd, "left", PermitStatus.completed)

    @record_exit.validator
    def _check_exit(self, cmd: RecordCrossing) -> None:
        self._authorise(cmd, Authority.decide)
        guarded(lambda: guards.guard_exit(self._state))
        self._found_on(cmd)

    def _found_on(self, cmd: RecordCrossing, *, patched: bool = False) -> None:
        """The date found lies within the licence's validity and not after today (Macao).
        Validators do not run on replay; the handler's own check does, so there it applies only
        to histories recorded since it exists (``patched``)."""
        if patched and not workflow.patched(DATES_PATCH):
            return
        today = macao_date(workflow.now())
        guarded(lambda: guards.guard_found_on(self._state, cmd.arrival.date, today))

    async def _found(
        self,
        cmd: RecordCrossing,
        action: str,
        ok: PermitStatus,
        details: dict[str, str] | None = None,
    ) -> PermitRecord:
        """Move on if what was found matches the licence, else open a discrepancy (``details``:
        of the customs response that reported it)."""
        s = self._state
        problems = clearance.arrival_discrepancies(
            s.application, cmd.arrival, s.policy.carat_tolerance
        )
        expired = clearance.expired_on_arrival(s.application, cmd.arrival)
        if expired is not None and workflow.patched(EXPIRY_PATCH):
            problems.append(expired)
        if not problems:
            return await self._transition(
                cmd.actor, action, ok, reason=cmd.arrival.note, details=details
            )
        return await self._open_discrepancy(
            cmd.actor, f"{action}_with_discrepancy", problems, details
        )

    async def _open_discrepancy(
        self,
        actor: Actor,
        action: str,
        problems: list[Message],
        details: dict[str, str] | None = None,
    ) -> PermitRecord:
        """Put the case before an officer with what did not match."""
        s = self._state
        s.incident = say("incident.found", parts=problems)
        return await self._transition(
            actor,
            action,
            PermitStatus.discrepancy,
            reason=s.incident,
            details=details,
            notice=say("notice.permit.discrepancy", permit_no=s.permit_no, parts=problems),
        )

    @workflow.update
    async def resolve(self, cmd: Resolve) -> PermitRecord:
        """An officer accepts the shipment as found, or cancels the licence."""
        async with self._lock:
            guarded(lambda: guards.guard_resolve(self._state))
            s = self._state
            if not cmd.accept:
                return await self._transition(
                    cmd.actor,
                    "refused_as_found",
                    PermitStatus.cancelled,
                    reason=cmd.reason,
                    notice=say(
                        "notice.permit.refused_as_found", permit_no=s.permit_no, reason=cmd.reason
                    ),
                )
            done = PermitStatus.cleared if s.kind == PermitKind.import_ else PermitStatus.completed
            if s.kind == PermitKind.transit and s.exit is None:
                done = PermitStatus.in_transit  # a discrepancy found on entry
            if s.kind == PermitKind.export:  # customs found it other than licensed, as it left
                done = PermitStatus.used
                s.departed_on = s.arrival.date if s.arrival else macao_date(workflow.now())
            s.incident = None
            return await self._transition(cmd.actor, "accepted_as_found", done, reason=cmd.reason)

    @resolve.validator
    def _check_resolve(self, cmd: Resolve) -> None:
        self._authorise(cmd, Authority.decide)
        guarded(lambda: guards.guard_resolve(self._state))
