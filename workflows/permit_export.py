"""What an export licence does with its KP certificate (a part of ``PermitWorkflow``, kept
apart so the shipment case's own steps stay readable).

The export starts ``CertificateWorkflow`` as a child when it is submitted (the certificate is
applied for together with the licence) and tells it every change of status
(``licence_news``); the child tells the export what became of the certificate
(``certificate_news``). The child is abandoned, not ended, when the export closes: it still
awaits the destination's confirmation. The export is used when it leaves Macao
(``record_departure``, an officer's update until customs' EDI records it), only under a valid
certificate; its carats are then consumed for good.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from temporalio import workflow
from temporalio.workflow import ParentClosePolicy

with workflow.unsafe.imports_passed_through():
    from kp_licensing.domain import permit_guards as guards
    from kp_licensing.domain.authority import Authority
    from kp_licensing.domain.clock import macao_date
    from kp_licensing.domain.errors import Conflict
    from schemas.certificate_case import (
        CertificateCaseState,
        CertificateCaseStatus,
        CertificateNews,
        CertificateStart,
        Fee,
        LicenceNews,
    )
    from schemas.common import SYSTEM_ACTOR, Actor
    from schemas.messages import say
    from schemas.permit import PermitRecord, PermitState, PermitStatus, RecordDeparture
    from schemas.shipment import PermitKind
    from workflows.common import guarded
    from workflows.ids import certificate_workflow_id

#: Patch id: exports submitted since certificates are issued start their certificate's process.
CERTIFICATE_PATCH = "export-certificate"
#: The status an export is submitted in, as its certificate's process starts knowing it.
SUBMITTED = PermitStatus.under_review
#: The child's type, by name: one workflow definition does not import another.
CERTIFICATE_WORKFLOW = "CertificateWorkflow"


def fee_reference(case_no: str) -> str:
    """The invoice's reference, quoted by whoever pays it."""
    return f"KPF-{case_no}"


def certificate_start(state: PermitState, *, recorded: bool = False) -> CertificateStart:
    """The certificate's process as the export's submission makes it: its export under review
    (whatever the export has become since is news, told once the process runs). ``recorded``:
    its first transition is in the database already, written with the export's submission
    (``services/permits``), so the certificate is in the export's case and the officers' queue
    from that commit."""
    policy = state.policy.certificate
    assert policy is not None
    start = CertificateStart(
        state=CertificateCaseState(
            case_no=state.case_no,
            operator_id=state.operator_id,
            status=CertificateCaseStatus.pending,
            policy=policy,
            application=state.application,
            licence_no=state.licence_no,
            submitted_at=state.submitted_at,
            licence_status=SUBMITTED.value,
            fee=Fee(amount=policy.fee_mop, reference=fee_reference(state.case_no)),
            service_started_on=macao_date(state.submitted_at),
        ),
        submitted_by=SYSTEM_ACTOR,
    )
    if recorded:
        start.state.seq, start.state.updated_at = 1, state.submitted_at
    return start


class ExportCertificate:
    """``PermitWorkflow``'s part about an export's certificate (a mixin of that workflow)."""

    _state: PermitState
    _lock: Any

    if TYPE_CHECKING:  # provided by CaseWorkflow, after this class in PermitWorkflow's bases

        async def _transition(self, *args: Any, **kwargs: Any) -> Any: ...

        def _authorise(self, command: Any, authority: Authority) -> None: ...

    async def _start_certificate(self, *, recorded: bool) -> None:
        """An export applied for with its certificate starts the certificate's process, once
        (a run continued as new has started it already); ``recorded``: the submission wrote
        the certificate's first transition with the export's."""
        s = self._state
        if s.kind != PermitKind.export or s.policy.certificate is None or s.certificate_started:
            return
        if not workflow.patched(CERTIFICATE_PATCH):
            return
        await workflow.start_child_workflow(
            CERTIFICATE_WORKFLOW,
            certificate_start(s, recorded=recorded),
            id=certificate_workflow_id(s.case_no),
            parent_close_policy=ParentClosePolicy.ABANDON,
        )
        s.certificate_started = True
        async with self._lock:  # a decision made while the child was starting: once recorded
            if s.status != SUBMITTED:
                await self._send_news()

    async def _tell_certificate(self, transition: Any) -> None:
        """Tell the certificate's process that the export changed status."""
        s = self._state
        if s.certificate_started and transition.from_status != transition.to_status:
            await self._send_news()

    async def _send_news(self) -> None:
        s = self._state
        news = LicenceNews(
            actor=SYSTEM_ACTOR,
            status=s.status.value,
            permit_no=s.permit_no,
            valid_until=s.valid_until,
            approved_by=s.approved_by,
            departed_on=s.departed_on,
        )
        handle = workflow.get_external_workflow_handle(certificate_workflow_id(s.case_no))
        try:
            await handle.signal("licence_news", news)
        except Exception as failed:  # the certificate's process has ended: nothing to tell
            workflow.logger.warning("certificate not told of its export: %s", failed)

    @workflow.signal
    async def certificate_news(self, news: CertificateNews) -> None:
        """What became of the export's certificate (only its own process sends this)."""
        if news.actor != SYSTEM_ACTOR:
            workflow.logger.warning("certificate news ignored from %s", news.actor)
            return
        async with self._lock:
            s = self._state
            if s.status.is_final:
                return
            s.certificate_status = news.status.value
            s.certificate_no = news.number
            s.certificate_expires_on = news.expires_on
            details = {"number": news.number or "", "status": news.status.value}
            if news.status is CertificateCaseStatus.expired and PermitStatus.approved in (
                s.status,
                s.held_from,
            ):
                s.held_from = None
                await self._transition(
                    SYSTEM_ACTOR,
                    "expired",
                    PermitStatus.expired,
                    reason=say("reason.certificate_expired", number=news.number),
                    details=details,
                    notice=say(
                        "notice.permit.expired_with_certificate",
                        permit_no=s.permit_no,
                        number=news.number,
                    ),
                )
                return
            await self._transition(SYSTEM_ACTOR, "certificate_changed", s.status, details=details)

    @workflow.update
    async def record_departure(self, cmd: RecordDeparture) -> PermitRecord:
        """The export left Macao under its certificate (an officer's record of it)."""
        async with self._lock:
            self._check_departure(cmd.departed_on)
            return await self._depart(cmd.actor, cmd.departed_on, cmd.note)

    @record_departure.validator
    def _validate_departure(self, cmd: RecordDeparture) -> None:
        """The licence's own checks; the certificate's wait for the handler, under the lock:
        news of a certificate just issued may be delivered but not yet handled."""
        self._authorise(cmd, Authority.decide)
        self._check_departure(cmd.departed_on, certificate=False)

    def _check_departure(self, on: date, *, certificate: bool = True) -> None:
        guarded(lambda: self._departure_allowed(on, certificate=certificate))

    def _departure_allowed(self, on: date, *, certificate: bool = True) -> None:
        """Raise the domain's refusal of a departure on ``on`` (customs' release of an export
        passes the same checks)."""
        s = self._state
        today = macao_date(workflow.now())
        guards.guard_arrival(s, PermitKind.export, on)
        guards.guard_departed_on(s, on, today)
        if not certificate:
            return
        if s.certificate_status != CertificateCaseStatus.valid.value or not s.certificate_no:
            raise Conflict("permit.no_valid_certificate", case_no=s.case_no)
        expires_on = s.certificate_expires_on
        if expires_on is not None and on > expires_on:
            raise Conflict(
                "permit.certificate_expired", number=s.certificate_no, expires_on=expires_on
            )

    async def _depart(
        self, actor: Actor, on: date, note: str | None, details: dict[str, str] | None = None
    ) -> PermitRecord:
        """The licence and the certificate are used, the carats drawn consumed for good
        (``details``: of the customs response that released it)."""
        s = self._state
        s.departed_on = on
        return await self._transition(  # type: ignore[no-any-return]
            actor,
            "departed",
            PermitStatus.used,
            reason=note,
            details={
                **(details or {}),
                "departed_on": str(on),
                "certificate": s.certificate_no or "",
            },
            notice=say(
                "notice.permit.departed",
                permit_no=s.permit_no,
                number=s.certificate_no,
                departed_on=on,
            ),
        )
