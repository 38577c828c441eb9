"""``LicenceWorkflow``: one operating licence, from application to its end, for years.

Workflow id ``licence-<case no>`` (e.g. ``licence-OLA-2026-00001``).

Messages:

* query ``state``: the whole case (:class:`LicenceState`).
* update ``recorded``: waits until the submission is in the database, then returns the case.
  A case is now recorded with its submission and starts at transition 1, so it answers at once;
  it matters for submissions written before that, whose workflow records the first transition.
* updates for officers: ``request_information``, ``approve``, ``reject``.
* updates for the holder: ``answer_information``, ``renew``, ``withdraw``, ``surrender``.
* updates for supervisors: ``suspend``, ``reinstate``, ``cancel``.

Every update has a validator that runs the domain guard first, so an impossible transition is
refused before anything reaches history (the API answers 409 with the guard's reason). The guard
runs again inside the handler, under a lock, because two updates validated at the same moment
must still be applied one after the other.

Timers: the information-request deadline (lapse), renewal reminders, the end of a suspension,
and the expiry date. Each transition is projected to the database by one idempotent local
activity keyed by (case, transition number) before the update returns; an approval's number is
allocated in the same activity and transaction (``workflows.common.database_write``).
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow

# Our own deterministic modules pass through too: the sandbox would otherwise re-import them
# (and the hold activities' module, with the permit workflow behind it) for every licence.
with workflow.unsafe.imports_passed_through():
    from kp_licensing.domain import licences as rules
    from kp_licensing.domain.authority import Authority
    from kp_licensing.domain.clock import add_years, macao_date
    from schemas.case import AnswerInformation, Reason, RequestInformation
    from schemas.common import Actor
    from schemas.licence import (
        Approve,
        Cancel,
        LicenceRecord,
        LicenceStart,
        LicenceState,
        LicenceStatus,
        NumberRequest,
        PendingRenewal,
        Renew,
        RenewalStatus,
        Suspend,
        Transition,
    )
    from schemas.messages import Message, say
    from schemas.permit import ShipmentHold
    from workflows.common import (
        ACTIVITY_RETRY,
        ACTIVITY_TIMEOUT,
        LOCAL_WRITES_PATCH,
        database_write,
        guarded,
        information_request,
    )
    from workflows.hold_activities import HoldActivities
    from workflows.ids import licence_workflow_id
    from workflows.licence_activities import (
        LicenceActivities,
        approval_notice,
        number_approval,
        number_key,
    )
    from workflows.licence_clock import LicenceClock

workflow_id = licence_workflow_id


@workflow.defn
class LicenceWorkflow(LicenceClock):
    record_activity = staticmethod(LicenceActivities.record)
    numbered_record_activity = staticmethod(LicenceActivities.record_numbered)
    transition_model = Transition
    record_model = LicenceRecord
    start_model = LicenceStart

    @workflow.init
    def __init__(self, start: LicenceStart) -> None:
        self._begin(start.state)

    # ----------------------------------------------------------------------------- the process

    @workflow.run
    async def run(self, start: LicenceStart) -> LicenceState:
        return await self._live(  # type: ignore[no-any-return]
            start.submitted_by, LicenceStatus.under_review, self.submitted_notice(self._state)
        )

    @staticmethod
    def submitted_notice(state: LicenceState) -> Message:
        return say("notice.licence.submitted", case_no=state.case_no)

    async def _after_transition(self, transition: Transition) -> None:
        """Hold or release the operator's shipment cases when the licence's standing changes."""
        hold = rules.shipment_hold(transition.from_status, transition.to_status)
        if hold is None or self._state.licence_no is None:
            return
        code, holding = hold
        licence_no = self._state.licence_no
        reason = (
            say(
                "hold.licence_changed_because",
                licence_no=licence_no,
                action=transition.action,
                parts=[transition.reason],
            )
            if transition.reason
            else say("hold.licence_changed", licence_no=licence_no, action=transition.action)
        )
        order = ShipmentHold(
            operator_id=self._state.operator_id,
            licence_no=licence_no,
            code=code,
            reason=reason,
            hold=holding,
            actor=transition.actor,
        )
        await workflow.execute_activity_method(
            HoldActivities.hold_operator_shipments,
            order,
            start_to_close_timeout=ACTIVITY_TIMEOUT,
            retry_policy=ACTIVITY_RETRY,
        )

    # ------------------------------------------------------------------------------- messages

    @workflow.query
    def state(self) -> LicenceState:
        return self._state

    @workflow.update
    async def recorded(self) -> LicenceState:
        return await self._recorded()  # type: ignore[no-any-return]

    @workflow.update
    async def request_information(self, cmd: RequestInformation) -> LicenceRecord:
        async with self._lock:
            review = guarded(lambda: rules.guard_request_information(self._state))
            s = self._state
            s.info_request, notice = information_request(
                s.case_no, cmd, default_days=s.policy.info_request_days, now=workflow.now()
            )
            to_status = s.status
            if review == "renewal" and s.renewal is not None:
                s.renewal.status = RenewalStatus.info_requested
            else:
                to_status = LicenceStatus.info_requested
            return await self._transition(
                cmd.actor,
                "information_requested" if review == "initial" else "renewal_information_requested",
                to_status,
                reason=cmd.message,
                details={"deadline": s.info_request.deadline.isoformat()},
                notice=notice,
            )

    @request_information.validator
    def _check_request_information(self, cmd: RequestInformation) -> None:
        self._authorise(cmd, Authority.decide)
        guarded(lambda: rules.guard_request_information(self._state))

    @workflow.update
    async def answer_information(self, cmd: AnswerInformation) -> LicenceRecord:
        async with self._lock:
            guarded(lambda: rules.guard_answer(self._state, workflow.now()))
            s = self._state
            s.info_request = None
            to_status = s.status
            if s.status == LicenceStatus.info_requested:
                to_status = LicenceStatus.under_review
                s.documents.extend(cmd.documents)
            elif s.renewal is not None:
                s.renewal.status = RenewalStatus.under_review
                s.renewal.documents.extend(cmd.documents)
            return await self._transition(
                cmd.actor,
                "information_provided",
                to_status,
                reason=cmd.message,
                details={"documents": ", ".join(d.id for d in cmd.documents)}
                if cmd.documents
                else {},
            )

    @answer_information.validator
    def _check_answer(self, cmd: AnswerInformation) -> None:
        self._authorise(cmd, Authority.holder)
        guarded(lambda: rules.guard_answer(self._state, workflow.now()))

    @workflow.update
    async def approve(self, cmd: Approve) -> LicenceRecord:
        async with self._lock:
            review = guarded(lambda: rules.guard_decide(self._state, cmd.activities))
            s = self._state
            today = macao_date(workflow.now())
            details: dict[str, str] = {}
            numbered = None
            if review == "initial":
                if workflow.patched(LOCAL_WRITES_PATCH):
                    # The number comes with the projection: one write, one transaction.
                    numbered = number_approval
                else:  # histories from before the patch: an activity for the number first
                    s.licence_no = await database_write(
                        LicenceActivities.allocate_number,
                        NumberRequest(key=number_key(s.case_no, s.seq + 1), year=today.year),
                    )
                    today = macao_date(workflow.now())  # the allocation may have been retried
                s.activities = list(cmd.activities or s.application.activities)
                s.issued_on = today
                s.expires_on = add_years(today, s.policy.validity_years)
                action, to_status = "approved", LicenceStatus.active
                notice = None if numbered else approval_notice(s)
            else:
                assert s.renewal is not None and s.expires_on is not None
                s.application = s.renewal.application
                s.documents.extend(s.renewal.documents)
                s.activities = list(cmd.activities or s.renewal.application.activities)
                details["previous_expiry"] = s.expires_on.isoformat()
                s.expires_on = add_years(s.expires_on, s.policy.validity_years)
                s.renewal = None
                action, to_status = "renewed", s.status
                notice = say(
                    "notice.licence.renewed",
                    licence_no=s.licence_no,
                    valid_until=s.expires_on - timedelta(days=1),
                )
            details["activities"] = ", ".join(a.value for a in s.activities)
            details["expires_on"] = str(s.expires_on)
            return await self._transition(
                cmd.actor,
                action,
                to_status,
                reason=cmd.note,
                details=details,
                notice=notice,
                numbered=numbered,
            )

    @approve.validator
    def _check_approve(self, cmd: Approve) -> None:
        self._authorise(cmd, Authority.decide)
        guarded(lambda: rules.guard_decide(self._state, cmd.activities))

    @workflow.update
    async def reject(self, cmd: Reason) -> LicenceRecord:
        async with self._lock:
            review = guarded(lambda: rules.guard_decide(self._state))
            s = self._state
            if review == "initial":
                return await self._transition(
                    cmd.actor,
                    "rejected",
                    LicenceStatus.rejected,
                    reason=cmd.reason,
                    notice=say("notice.case.rejected", case_no=s.case_no, reason=cmd.reason),
                )
            s.renewal = None
            return await self._transition(
                cmd.actor,
                "renewal_rejected",
                s.status,
                reason=cmd.reason,
                notice=say(
                    "notice.licence.renewal_rejected", licence_no=s.licence_no, reason=cmd.reason
                ),
            )

    @reject.validator
    def _check_reject(self, cmd: Reason) -> None:
        self._authorise(cmd, Authority.decide)
        guarded(lambda: rules.guard_decide(self._state))

    @workflow.update
    async def withdraw(self, cmd: Reason) -> LicenceRecord:
        async with self._lock:
            review = guarded(lambda: rules.guard_withdraw(self._state))
            s = self._state
            s.info_request = None
            if review == "initial":
                return await self._transition(
                    cmd.actor, "withdrawn", LicenceStatus.withdrawn, reason=cmd.reason
                )
            s.renewal = None
            return await self._transition(
                cmd.actor, "renewal_withdrawn", s.status, reason=cmd.reason
            )

    @withdraw.validator
    def _check_withdraw(self, cmd: Reason) -> None:
        self._authorise(cmd, Authority.holder)
        guarded(lambda: rules.guard_withdraw(self._state))

    @workflow.update
    async def renew(self, cmd: Renew) -> LicenceRecord:
        async with self._lock:
            guarded(lambda: rules.guard_renew(self._state))
            s = self._state
            s.renewal = PendingRenewal(
                status=RenewalStatus.under_review,
                application=cmd.application,
                documents=cmd.documents,
                submitted_at=workflow.now(),
                checks=cmd.checks,
            )
            return await self._transition(
                cmd.actor,
                "renewal_submitted",
                s.status,
                notice=say("notice.licence.renewal_submitted", licence_no=s.licence_no),
            )

    @renew.validator
    def _check_renew(self, cmd: Renew) -> None:
        self._authorise(cmd, Authority.holder)
        guarded(lambda: rules.guard_renew(self._state))

    @workflow.update
    async def suspend(self, cmd: Suspend) -> LicenceRecord:
        async with self._lock:
            self._check_suspend(cmd)
            s = self._state
            s.suspended_until = cmd.until
            details = {"reason_code": cmd.reason_code}
            if cmd.until:
                details["until"] = cmd.until.isoformat()
            return await self._transition(
                cmd.actor,
                "suspended",
                LicenceStatus.suspended,
                reason=cmd.reason,
                details=details,
                notice=say(
                    "notice.licence.suspended_until",
                    licence_no=s.licence_no,
                    until=cmd.until,
                    reason=cmd.reason,
                )
                if cmd.until
                else say("notice.licence.suspended", licence_no=s.licence_no, reason=cmd.reason),
            )

    @suspend.validator
    def _check_suspend(self, cmd: Suspend) -> None:
        self._authorise(cmd, Authority.change_standing)
        today = macao_date(workflow.now())
        guarded(lambda: rules.guard_suspend(self._state, cmd.reason_code, cmd.until, today))

    @workflow.update
    async def reinstate(self, cmd: Reason) -> LicenceRecord:
        async with self._lock:
            guarded(lambda: rules.guard_reinstate(self._state))
            self._state.suspended_until = None
            return await self._transition(
                cmd.actor,
                "reinstated",
                LicenceStatus.active,
                reason=cmd.reason,
                notice=say(
                    "notice.licence.reinstated",
                    licence_no=self._state.licence_no,
                    reason=cmd.reason,
                ),
            )

    @reinstate.validator
    def _check_reinstate(self, cmd: Reason) -> None:
        self._authorise(cmd, Authority.change_standing)
        guarded(lambda: rules.guard_reinstate(self._state))

    @workflow.update
    async def cancel(self, cmd: Cancel) -> LicenceRecord:
        async with self._lock:
            guarded(lambda: rules.guard_cancel(self._state, cmd.reason_code))
            return await self._end(
                cmd.actor,
                "cancelled",
                LicenceStatus.cancelled,
                cmd.reason,
                say(
                    "notice.licence.cancelled",
                    licence_no=self._state.licence_no,
                    reason=cmd.reason,
                ),
                {"reason_code": cmd.reason_code},
            )

    @cancel.validator
    def _check_cancel(self, cmd: Cancel) -> None:
        self._authorise(cmd, Authority.change_standing)
        guarded(lambda: rules.guard_cancel(self._state, cmd.reason_code))

    @workflow.update
    async def surrender(self, cmd: Reason) -> LicenceRecord:
        async with self._lock:
            guarded(lambda: rules.guard_end(self._state, "surrendered"))
            return await self._end(
                cmd.actor,
                "surrendered",
                LicenceStatus.surrendered,
                cmd.reason,
                say(
                    "notice.licence.surrendered",
                    licence_no=self._state.licence_no,
                    reason=cmd.reason,
                ),
            )

    @surrender.validator
    def _check_surrender(self, cmd: Reason) -> None:
        self._authorise(cmd, Authority.holder)
        guarded(lambda: rules.guard_end(self._state, "surrendered"))

    async def _end(
        self,
        actor: Actor,
        action: str,
        to_status: LicenceStatus,
        reason: str,
        notice: Message,
        details: dict[str, str] | None = None,
    ) -> LicenceRecord:
        """Cancel or surrender: a final transition that drops anything still pending."""
        s = self._state
        s.renewal = None
        s.info_request = None
        s.suspended_until = None
        return await self._transition(
            actor,
            action,
            to_status,
            reason=reason,
            details=details,
            notice=notice,
        )
