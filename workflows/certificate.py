"""``CertificateWorkflow``: the KP certificate an export applies for, from its fee to the
destination's confirmation. A child of the export's ``PermitWorkflow``, which starts it when
the export is submitted; it outlives its parent (the export is used at departure, the
certificate then awaits the confirmation).

Workflow id ``certificate-<export case no>``.

Messages:

* query ``state``.
* officers: ``record_payment``, ``issue`` (validate; four-eyes where configured), ``void``
  (with or without a replacement), ``record_confirmation``.
* signals ``payment_notice`` (a payment system's notice; a repeat is harmless) and
  ``licence_news`` (its export case moved on: approved, information owed, held, used, ended).

It tells the export case what becomes of the certificate (signal ``certificate_news``: issued,
replaced, expired, voided) while that case is open.

Timers: the certificate's expiry (unused, it expires); after departure, the reminder and then
the escalation while the destination's confirmation is missing.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from kp_licensing.domain import certificate_guards as rules
    from kp_licensing.domain.authority import Authority
    from kp_licensing.domain.clock import macao_date, start_of_macao_day
    from schemas.certificate_case import (
        CertificateCaseState,
        CertificateCaseStatus,
        CertificateRecord,
        CertificateStart,
        CertificateTransition,
        ConfirmationReceived,
        IssueCertificate,
        IssuedCertificate,
        IssueRequest,
        Payment,
        PaymentNotice,
        RecordConfirmation,
        RecordPayment,
        VoidCertificate,
        VoidedCertificate,
        VoidRequest,
    )
    from schemas.common import SYSTEM_ACTOR, Actor
    from schemas.messages import Message, say
    from workflows.certificate_activities import CertificateActivities
    from workflows.certificate_export import ExportNews
    from workflows.common import CaseWorkflow, database_write, guarded
    from workflows.ids import certificate_workflow_id

Status = CertificateCaseStatus
#: How long after the end of a certificate's last day its own expiry waits, when its export
#: licence ends that same day (see ``_expiry``).
LICENCE_FIRST = timedelta(hours=1)


def fee_notice(state: CertificateCaseState) -> Message:
    """The invoice, as the trader is told of it."""
    return say(
        "notice.certificate.fee_due",
        case_no=state.case_no,
        amount=state.fee.amount,
        currency=state.fee.currency,
        reference=state.fee.reference,
    )


@workflow.defn
class CertificateWorkflow(ExportNews, CaseWorkflow):
    record_activity = staticmethod(CertificateActivities.record)
    numbered_record_activity = None
    transition_model = CertificateTransition
    record_model = CertificateRecord
    start_model = CertificateStart
    submitted_notice = staticmethod(fee_notice)

    @workflow.init
    def __init__(self, start: CertificateStart) -> None:
        self._begin(start.state)

    @workflow.run
    async def run(self, start: CertificateStart) -> CertificateCaseState:
        return await self._live(  # type: ignore[no-any-return]
            start.submitted_by, Status.pending, fee_notice(self._state)
        )

    # ------------------------------------------------------------------------------ clocks

    def _expiry(self) -> datetime | None:
        """The start of the day after the certificate's last day; an hour later when that is
        also its export licence's end, so the export (which expires then and tells this
        process) goes first, and the two do not signal each other at the same instant: this
        timer is then only the safety net."""
        s = self._state
        if s.certificate is None:
            return None
        end = start_of_macao_day(s.certificate.expires_on + timedelta(days=1))
        if s.licence_valid_until is not None and s.certificate.expires_on >= s.licence_valid_until:
            end += LICENCE_FIRST
        return end

    def _next_deadline(self) -> datetime | None:
        s = self._state
        if s.status is Status.valid:
            return self._expiry()
        if s.status is Status.used:
            day = rules.reminder_on(s) if s.reminded_at is None else None
            if day is None and s.escalated_at is None:
                day = rules.escalation_on(s)
            return None if day is None else start_of_macao_day(day)
        return None

    async def _on_clock(self) -> None:
        s = self._state
        now = workflow.now()
        deadline = self._next_deadline()
        if deadline is None or now < deadline:
            return
        if s.status is Status.valid and s.certificate is not None:
            expires_on = s.certificate.expires_on
            await self._transition(
                SYSTEM_ACTOR,
                "expired",
                Status.expired,
                reason=say("reason.certificate_not_used_by", expires_on=expires_on),
                notice=say(
                    "notice.certificate.expired", number=s.certificate.number, expires_on=expires_on
                ),
            )
            await self._tell_export(Status.expired)
        elif s.status is Status.used and s.reminded_at is None:
            s.reminded_at = now
            await self._transition(
                SYSTEM_ACTOR,
                "confirmation_reminder",
                Status.used,
                notice=say(
                    "notice.certificate.confirmation_reminder",
                    number=self._number(),
                    departed_on=s.departed_on,
                ),
            )
        elif s.status is Status.used:
            s.escalated_at = now
            await self._transition(
                SYSTEM_ACTOR,
                "confirmation_escalated",
                Status.used,
                reason=say("reason.confirmation_missing", departed_on=s.departed_on),
                notice=say("notice.certificate.confirmation_escalated", number=self._number()),
            )

    def _number(self) -> str:
        certificate = self._state.certificate
        return certificate.number if certificate else ""

    # ------------------------------------------------------------------------------ messages

    @workflow.query
    def state(self) -> CertificateCaseState:
        return self._state

    @workflow.update
    async def record_payment(self, cmd: RecordPayment) -> CertificateRecord:
        async with self._lock:
            guarded(lambda: rules.guard_payment(self._state, cmd.amount))
            return await self._paid(
                Payment(
                    amount=cmd.amount,
                    receipt=cmd.receipt,
                    paid_at=workflow.now(),
                    recorded_by=cmd.actor,
                ),
                cmd.actor,
            )

    @record_payment.validator
    def _check_payment(self, cmd: RecordPayment) -> None:
        self._authorise(cmd, Authority.decide)
        guarded(lambda: rules.guard_payment(self._state, cmd.amount))

    @workflow.signal
    async def payment_notice(self, notice: PaymentNotice) -> None:
        """A payment system says the invoice was paid: recorded once, if it is this invoice and
        its amount; anything else (a repeat, another invoice) changes nothing."""
        if not self._may(notice.actor, Authority.hold, "payment notice"):
            return
        async with self._lock:
            s = self._state
            if notice.invoice != s.fee.reference:
                workflow.logger.warning("payment notice for another invoice: %s", notice.invoice)
                return
            try:
                rules.guard_payment(s, notice.amount)
            except Exception as refused:  # a repeat, or a wrong amount: nothing to record
                workflow.logger.warning("payment notice not recorded: %s", refused)
                return
            payment = Payment(
                amount=notice.amount,
                receipt=notice.receipt,
                paid_at=notice.paid_at,
                recorded_by=notice.actor,
            )
            await self._paid(payment, notice.actor)

    async def _paid(self, payment: Payment, actor: Actor) -> CertificateRecord:
        s = self._state
        s.payment = payment
        return await self._transition(  # type: ignore[no-any-return]
            actor,
            "fee_paid",
            s.status,
            details={"amount": str(payment.amount), "receipt": payment.receipt},
            notice=say(
                "notice.certificate.fee_paid",
                case_no=s.case_no,
                amount=payment.amount,
                reference=s.fee.reference,
            ),
        )

    @workflow.update
    async def issue(self, cmd: IssueCertificate) -> CertificateRecord:
        """Validate and issue: numbered, signed and stored by the activity."""
        async with self._lock:
            self._check_issue(cmd)
            s = self._state
            issued = await self._issue(cmd.actor, replaces=None)
            s.certificate = issued
            s.service_ended_on = macao_date(workflow.now())
            record = await self._transition(
                cmd.actor,
                "issued",
                Status.valid,
                reason=cmd.note,
                details={"number": issued.number, "expires_on": str(issued.expires_on)},
                notice=say(
                    "notice.certificate.issued",
                    case_no=s.case_no,
                    number=issued.number,
                    expires_on=issued.expires_on,
                ),
            )
            await self._tell_export(Status.valid)
            return record  # type: ignore[no-any-return]

    @issue.validator
    def _validate_issue(self, cmd: IssueCertificate) -> None:
        """What does not depend on the export's news: a validator can run before a signal
        delivered just ahead of it is handled (the handler then checks everything, under the
        lock the news took first)."""
        self._authorise(cmd, Authority.decide)
        s = self._state
        guarded(lambda: rules.guard_issue_ahead(s))

    def _check_issue(self, cmd: IssueCertificate) -> None:
        today = macao_date(workflow.now())
        guarded(lambda: rules.guard_issue(self._state, cmd.actor, today))

    async def _issue(self, actor: Actor, *, replaces: str | None) -> IssuedCertificate:
        s = self._state
        assert s.permit_no is not None and s.licence_valid_until is not None  # guard_issue
        request = IssueRequest(
            key=f"{certificate_workflow_id(s.case_no)}/{s.seq + 1}",
            case_no=s.case_no,
            operator_id=s.operator_id,
            licence_no=s.licence_no,
            permit_no=s.permit_no,
            licence_valid_until=s.licence_valid_until,
            application=s.application,
            validated_by=actor,
            validated_at=workflow.now(),
            prefix=s.policy.prefix,
            validity_days=s.policy.validity_days,
            replaces=replaces,
        )
        return await database_write(CertificateActivities.issue, request)

    @workflow.update
    async def void(self, cmd: VoidCertificate) -> CertificateRecord:
        """Void the certificate in force, with a reason; with ``replace``, a new certificate
        (a new number, linked to this one) takes its place. Nothing is ever edited."""
        async with self._lock:
            self._check_void(cmd)
            s = self._state
            old = s.certificate
            assert old is not None
            now = workflow.now()
            await database_write(
                CertificateActivities.void,
                VoidRequest(number=old.number, reason=cmd.reason, at=now),
            )
            voided = VoidedCertificate(
                number=old.number, reason=cmd.reason, voided_at=now, voided_by=cmd.actor
            )
            s.voided.append(voided)
            if not cmd.replace:
                record = await self._transition(
                    cmd.actor,
                    "voided",
                    Status.voided,
                    reason=cmd.reason,
                    details={"number": old.number},
                    notice=say("notice.certificate.voided", number=old.number, reason=cmd.reason),
                )
                await self._tell_export(Status.voided)
                return record  # type: ignore[no-any-return]
            new = await self._issue(cmd.actor, replaces=old.number)
            voided.replaced_by = new.number
            s.certificate = new
            record = await self._transition(
                cmd.actor,
                "replaced",
                Status.valid,
                reason=cmd.reason,
                details={"number": new.number, "replaces": old.number},
                notice=say(
                    "notice.certificate.replaced",
                    number=old.number,
                    replaced_by=new.number,
                    reason=cmd.reason,
                ),
            )
            await self._tell_export(Status.valid)
            return record  # type: ignore[no-any-return]

    @void.validator
    def _validate_void(self, cmd: VoidCertificate) -> None:
        self._authorise(cmd, Authority.decide)
        s = self._state
        guarded(lambda: rules.guard_void_ahead(s))

    def _check_void(self, cmd: VoidCertificate) -> None:
        today = macao_date(workflow.now())
        guarded(lambda: rules.guard_void(self._state, cmd.actor, replace=cmd.replace, today=today))

    @workflow.update
    async def record_confirmation(self, cmd: RecordConfirmation) -> CertificateRecord:
        """The destination authority confirmed the import: the certificate's life is done."""
        async with self._lock:
            self._check_confirmation(cmd)
            s = self._state
            s.confirmation = ConfirmationReceived(
                received_on=cmd.received_on,
                documents=cmd.documents,
                note=cmd.note,
                recorded_by=cmd.actor,
            )
            number = s.certificate.number if s.certificate else ""
            return await self._transition(  # type: ignore[no-any-return]
                cmd.actor,
                "confirmed",
                Status.confirmed,
                reason=cmd.note,
                details={"received_on": str(cmd.received_on)},
                notice=say("notice.certificate.confirmed", number=number),
            )

    @record_confirmation.validator
    def _validate_confirmation(self, cmd: RecordConfirmation) -> None:
        """Not the departure's news (it may be delivered but not yet handled): the handler
        checks the rest, under the lock that news took first."""
        self._authorise(cmd, Authority.decide)
        guarded(lambda: rules.guard_not_final(self._state))

    def _check_confirmation(self, cmd: RecordConfirmation) -> None:
        today = macao_date(workflow.now())
        guarded(lambda: rules.guard_confirmation(self._state, cmd.received_on, today))
