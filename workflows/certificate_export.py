"""What a KP certificate hears from its export case and tells it (a part of
``CertificateWorkflow``, kept apart so the certificate's own steps stay readable).

The export sends ``licence_news`` on every change of status: approved (with its number,
validity and approver), information owed (the service clock stops), held, used at departure,
ended. The certificate tells the export what became of it (``certificate_news``) while the
export is open.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from kp_licensing.domain.clock import macao_date
    from schemas.certificate_case import (
        CertificateCaseState,
        CertificateCaseStatus,
        CertificateNews,
        LicenceNews,
        Pause,
        VoidedCertificate,
        VoidRequest,
    )
    from schemas.common import SYSTEM_ACTOR
    from schemas.messages import say
    from schemas.permit import PermitStatus
    from workflows.certificate_activities import CertificateActivities
    from workflows.common import database_write
    from workflows.ids import permit_workflow_id

Status = CertificateCaseStatus
#: The export licence's status in which the applicant owes information (the clock stops).
OWES_INFORMATION = PermitStatus.info_requested.value


class ExportNews:
    """``CertificateWorkflow``'s part about its export case (a mixin of that workflow)."""

    _state: CertificateCaseState
    _lock: Any

    if TYPE_CHECKING:  # provided by CaseWorkflow, after this class in the workflow's bases

        async def _transition(self, *args: Any, **kwargs: Any) -> Any: ...

    @workflow.signal
    async def licence_news(self, news: LicenceNews) -> None:
        """The export case moved on. Only that case (the service itself) sends this."""
        if news.actor != SYSTEM_ACTOR:
            workflow.logger.warning("licence news ignored from %s", news.actor)
            return
        async with self._lock:
            s = self._state
            if s.status.is_final or news.status == s.licence_status:
                return
            today = macao_date(workflow.now())
            s.licence_status = news.status
            s.permit_no = news.permit_no or s.permit_no
            s.licence_valid_until = news.valid_until or s.licence_valid_until
            if news.approved_by is not None:
                s.approved_by = news.approved_by
            open_pause = next((p for p in s.pauses if p.end is None), None)
            if news.status == OWES_INFORMATION and open_pause is None:
                s.pauses.append(Pause(start=today))
            elif news.status != OWES_INFORMATION and open_pause is not None:
                open_pause.end = today
            ended = PermitStatus(news.status)
            details = {"licence_status": news.status}
            if ended is PermitStatus.used and s.status is Status.valid:
                s.departed_on = news.departed_on or today
                number = s.certificate.number if s.certificate else ""
                await self._transition(
                    SYSTEM_ACTOR,
                    "used",
                    Status.used,
                    details=details,
                    notice=say("notice.certificate.used", number=number, departed_on=s.departed_on),
                )
            elif ended.is_final:
                await self._licence_ended(ended, details)
            else:
                await self._transition(SYSTEM_ACTOR, "licence_changed", s.status, details=details)

    async def _licence_ended(self, ended: PermitStatus, details: dict[str, str]) -> None:
        """The export ended unused: a certificate not yet issued never will be; one issued
        can no longer be used (it expires with its licence, or is void with it)."""
        s = self._state
        reason = say("reason.export_ended", case_no=s.case_no, status=ended.value)
        if s.status is Status.pending:
            await self._transition(
                SYSTEM_ACTOR, "not_issued", Status.not_issued, reason=reason, details=details
            )
            return
        if s.status is not Status.valid or s.certificate is None:
            return
        number = s.certificate.number
        if ended is PermitStatus.expired:
            await self._transition(
                SYSTEM_ACTOR,
                "expired",
                Status.expired,
                reason=reason,
                details=details,
                notice=say(
                    "notice.certificate.expired",
                    number=number,
                    expires_on=s.certificate.expires_on,
                ),
            )
            return
        now = workflow.now()
        why = f"export case {s.case_no} {ended.value}"
        await database_write(
            CertificateActivities.void, VoidRequest(number=number, reason=why, at=now)
        )
        s.voided.append(
            VoidedCertificate(number=number, reason=why, voided_at=now, voided_by=SYSTEM_ACTOR)
        )
        await self._transition(
            SYSTEM_ACTOR,
            "voided",
            Status.voided,
            reason=reason,
            details=details,
            notice=say("notice.certificate.voided_with_export", number=number, case_no=s.case_no),
        )

    async def _tell_export(self, status: Status) -> None:
        """Tell the export case what became of its certificate, while that case is open."""
        s = self._state
        if PermitStatus(s.licence_status).is_final:
            return
        news = CertificateNews(
            actor=SYSTEM_ACTOR,
            status=status,
            number=s.certificate.number if s.certificate else None,
            expires_on=s.certificate.expires_on if s.certificate else None,
        )
        handle = workflow.get_external_workflow_handle(permit_workflow_id(s.case_no))
        try:
            await handle.signal("certificate_news", news)
        except Exception as failed:  # the export case closed meanwhile: nothing to tell
            workflow.logger.warning("export case not told of its certificate: %s", failed)
