"""``PermitWorkflow``: one import, export or transit licence (准照), from application to use.

Workflow id ``permit-<case no>`` (e.g. ``permit-PA-2026-00007``).

Messages:

* query ``state``; update ``recorded`` (waits until the submission is in the database).
* officers: ``request_information``, ``approve``, ``reject``; ``record_arrival`` (import),
  ``record_entry`` and ``record_exit`` (transit), ``resolve`` (a discrepancy).
* the holder: ``answer_information``, ``withdraw``.
* supervisors: ``cancel``.
* signals ``hold`` / ``release``: the operating licence was suspended or cancelled, or a
  foreign certificate was declared invalid; a held case cannot move on until released.
* signal ``customs_response``: what customs did with the licence's declaration
  (``workflows/permit_customs.py``: declaring the licence to customs whenever what customs
  must hold changes, and applying customs' responses).

Timers: the information-request deadline (lapse), the last day of validity (an unused licence
expires; a transit not out by then becomes a discrepancy for an officer).

An export is applied for together with its KP certificate: ``CertificateWorkflow``, started
as a child when the export is submitted (``workflows/permit_export.py``: what the two tell each
other, and the export's departure under a valid certificate, after which its carats are
consumed for good; an export that ends unused gives them back).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from kp_licensing.domain import permit_guards as guards
    from kp_licensing.domain import permits as rules
    from kp_licensing.domain.authority import Authority
    from kp_licensing.domain.clock import macao_date, start_of_macao_day
    from kp_licensing.domain.errors import Conflict
    from schemas.case import AnswerInformation, Reason, RequestInformation
    from schemas.common import SYSTEM_ACTOR, Actor
    from schemas.messages import Message, say
    from schemas.permit import (
        ApprovePermit,
        Hold,
        PermitNumberRequest,
        PermitRecord,
        PermitStart,
        PermitState,
        PermitStatus,
        PermitTransition,
        PlaceHold,
        ReleaseHold,
    )
    from schemas.shipment import PermitKind
    from workflows.common import (
        LOCAL_WRITES_PATCH,
        CaseWorkflow,
        database_write,
        guarded,
        information_request,
    )
    from workflows.ids import permit_workflow_id
    from workflows.permit_activities import (
        PermitActivities,
        approval_details,
        approval_notice,
        number_approval,
        number_key,
    )
    from workflows.permit_crossings import BorderCrossings
    from workflows.permit_customs import CustomsExchange
    from workflows.permit_export import ExportCertificate

workflow_id = permit_workflow_id


@workflow.defn
class PermitWorkflow(BorderCrossings, ExportCertificate, CustomsExchange, CaseWorkflow):
    record_activity = staticmethod(PermitActivities.record)
    numbered_record_activity = staticmethod(PermitActivities.record_numbered)
    transition_model = PermitTransition
    record_model = PermitRecord
    start_model = PermitStart

    @workflow.init
    def __init__(self, start: PermitStart) -> None:
        self._begin(start.state)

    @workflow.run
    async def run(self, start: PermitStart) -> PermitState:
        await self._start_certificate(recorded=start.state.seq >= 1)
        return await self._live(  # type: ignore[no-any-return]
            start.submitted_by, PermitStatus.under_review, self.submitted_notice(self._state)
        )

    @staticmethod
    def submitted_notice(state: PermitState) -> Message:
        """One sentence per kind of licence, so a language can name each kind its own way."""
        match state.kind:
            case PermitKind.import_:
                return say("notice.permit.import_submitted", case_no=state.case_no)
            case PermitKind.export:
                return say("notice.permit.export_submitted", case_no=state.case_no)
            case PermitKind.transit:
                return say("notice.permit.transit_submitted", case_no=state.case_no)

    async def _after_transition(self, transition: PermitTransition) -> None:
        await self._tell_certificate(transition)

    def _validity_end(self) -> datetime | None:
        """When the licence stops being usable: the start of the day after its last day."""
        s = self._state
        if s.valid_until is None:
            return None
        return start_of_macao_day(s.valid_until + timedelta(days=1))

    def _next_deadline(self) -> datetime | None:
        s = self._state
        moments = []
        if s.info_request is not None:
            moments.append(s.info_request.deadline)
        live = (PermitStatus.approved, PermitStatus.in_transit)
        if (s.status in live or s.held_from in live) and (end := self._validity_end()):
            moments.append(end)
        return min(moments, default=None)

    async def _on_clock(self) -> None:
        s = self._state
        now = workflow.now()
        if s.info_request is not None and now >= s.info_request.deadline:
            s.info_request = None
            await self._transition(
                SYSTEM_ACTOR,
                "lapsed",
                PermitStatus.lapsed,
                reason=say("reason.not_answered"),
                notice=say("notice.case.lapsed", case_no=s.case_no),
            )
            return
        end = self._validity_end()
        if end is None or now < end:
            return
        if PermitStatus.approved in (s.status, s.held_from):
            s.held_from = None
            await self._transition(
                SYSTEM_ACTOR,
                "expired",
                PermitStatus.expired,
                reason=say("reason.not_used_by", valid_until=s.valid_until),
                notice=say(
                    "notice.permit.expired_unused", permit_no=s.permit_no, valid_until=s.valid_until
                ),
            )
        elif s.status == PermitStatus.in_transit:
            s.incident = say("incident.not_left_by", valid_until=s.valid_until)
            await self._transition(
                SYSTEM_ACTOR,
                "exit_overdue",
                PermitStatus.discrepancy,
                reason=s.incident,
                notice=say(
                    "notice.permit.exit_overdue", permit_no=s.permit_no, valid_until=s.valid_until
                ),
            )

    # ------------------------------------------------------------------------------- messages

    @workflow.query
    def state(self) -> PermitState:
        return self._state

    @workflow.update
    async def recorded(self) -> PermitState:
        return await self._recorded()  # type: ignore[no-any-return]

    @workflow.update
    async def request_information(self, cmd: RequestInformation) -> PermitRecord:
        async with self._lock:
            guarded(lambda: guards.guard_review(self._state))
            s = self._state
            s.info_request, notice = information_request(
                s.case_no, cmd, default_days=s.policy.info_request_days, now=workflow.now()
            )
            return await self._transition(
                cmd.actor,
                "information_requested",
                PermitStatus.info_requested,
                reason=cmd.message,
                notice=notice,
            )

    @request_information.validator
    def _check_request_information(self, cmd: RequestInformation) -> None:
        self._authorise(cmd, Authority.decide)
        guarded(lambda: guards.guard_review(self._state))

    @workflow.update
    async def answer_information(self, cmd: AnswerInformation) -> PermitRecord:
        async with self._lock:
            guarded(lambda: guards.guard_answer(self._state))
            s = self._state
            s.info_request = None
            s.documents.extend(cmd.documents)
            return await self._transition(
                cmd.actor, "information_provided", PermitStatus.under_review, reason=cmd.message
            )

    @answer_information.validator
    def _check_answer(self, cmd: AnswerInformation) -> None:
        self._authorise(cmd, Authority.holder)
        guarded(lambda: guards.guard_answer(self._state))

    @workflow.update
    async def approve(self, cmd: ApprovePermit) -> PermitRecord:
        async with self._lock:
            self._check_approve(cmd)
            s = self._state
            numbered = None
            if workflow.patched(LOCAL_WRITES_PATCH):
                # The number comes with the projection: one write, one transaction.
                numbered = number_approval
            else:  # histories from before the patch: an activity for the number first
                s.permit_no = await database_write(
                    PermitActivities.allocate_number,
                    PermitNumberRequest(
                        key=number_key(s.case_no, s.seq + 1),
                        year=macao_date(workflow.now()).year,
                        kind=s.kind,
                    ),
                )
            today = macao_date(workflow.now())
            s.issued_on = today
            s.approved_by = cmd.actor
            s.valid_until = rules.valid_until(today, s.policy.validity_days, s.licence_expires_on)
            return await self._transition(
                cmd.actor,
                "approved",
                PermitStatus.approved,
                reason=cmd.note,
                details=approval_details(s),
                notice=None if numbered else approval_notice(s),
                numbered=numbered,
            )

    @approve.validator
    def _check_approve(self, cmd: ApprovePermit) -> None:
        self._authorise(cmd, Authority.decide)
        guarded(lambda: guards.guard_review(self._state))
        today = macao_date(workflow.now())
        if self._state.licence_expires_on <= today:
            guarded(_holder_licence_expired)

    @workflow.update
    async def reject(self, cmd: Reason) -> PermitRecord:
        async with self._lock:
            guarded(lambda: guards.guard_review(self._state))
            return await self._transition(
                cmd.actor,
                "rejected",
                PermitStatus.rejected,
                reason=cmd.reason,
                notice=say("notice.case.rejected", case_no=self._state.case_no, reason=cmd.reason),
            )

    @reject.validator
    def _check_reject(self, cmd: Reason) -> None:
        self._authorise(cmd, Authority.decide)
        guarded(lambda: guards.guard_review(self._state))

    @workflow.update
    async def withdraw(self, cmd: Reason) -> PermitRecord:
        async with self._lock:
            guarded(lambda: guards.guard_withdraw(self._state))
            self._state.info_request = None
            return await self._transition(
                cmd.actor, "withdrawn", PermitStatus.withdrawn, reason=cmd.reason
            )

    @withdraw.validator
    def _check_withdraw(self, cmd: Reason) -> None:
        self._authorise(cmd, Authority.holder)
        guarded(lambda: guards.guard_withdraw(self._state))

    @workflow.update
    async def cancel(self, cmd: Reason) -> PermitRecord:
        async with self._lock:
            guarded(lambda: guards.guard_cancel(self._state))
            self._state.info_request = None
            return await self._transition(
                cmd.actor,
                "cancelled",
                PermitStatus.cancelled,
                reason=cmd.reason,
                notice=say(
                    "notice.permit.cancelled", case_no=self._state.case_no, reason=cmd.reason
                ),
            )

    @cancel.validator
    def _check_cancel(self, cmd: Reason) -> None:
        self._authorise(cmd, Authority.change_standing)
        guarded(lambda: guards.guard_cancel(self._state))

    def _holds_from(self, actor: Actor) -> bool:
        """Holds and releases only from who may hold cases (``_may``); histories recorded
        before this check replay without it."""
        return not workflow.patched("hold-authority") or self._may(
            actor, Authority.hold, "hold or release"
        )

    @workflow.signal
    async def hold(self, cmd: PlaceHold) -> None:
        if not self._holds_from(cmd.actor):
            return
        async with self._lock:
            s = self._state
            if s.status.is_final or any(h.code == cmd.code for h in s.holds):
                return
            s.holds.append(Hold(code=cmd.code, reason=cmd.reason, since=workflow.now()))
            if s.status != PermitStatus.on_hold:
                s.held_from = s.status
                await self._transition(
                    cmd.actor,
                    "held",
                    PermitStatus.on_hold,
                    reason=cmd.reason,
                    notice=say("notice.permit.held", case_no=s.case_no, parts=[cmd.reason]),
                )

    @workflow.signal
    async def release(self, cmd: ReleaseHold) -> None:
        if not self._holds_from(cmd.actor):
            return
        async with self._lock:
            s = self._state
            if not any(h.code == cmd.code for h in s.holds):
                return
            s.holds = [h for h in s.holds if h.code != cmd.code]
            if not s.holds and s.status == PermitStatus.on_hold and s.held_from is not None:
                back, s.held_from = s.held_from, None
                await self._transition(cmd.actor, "released", back, reason=cmd.reason)


def _holder_licence_expired() -> None:
    raise Conflict("permit.holder_licence_expired")
