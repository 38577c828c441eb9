"""What the passing of time does to an operating licence: the information-request deadline
lapses an application (or a renewal), the expiry date ends the licence, a suspension with an end
date ends by itself, and renewal reminders go out 60 and 30 days before expiry.

The base of ``LicenceWorkflow``, kept apart from the human actions so each reads in one sitting.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from kp_licensing.domain.clock import macao_date, start_of_macao_day
    from schemas.common import SYSTEM_ACTOR
    from schemas.licence import LicenceState, LicenceStatus
    from schemas.messages import say
    from workflows.common import CaseWorkflow


class LicenceClock(CaseWorkflow):
    _state: LicenceState

    def _reminder_dates(self) -> dict[str, date]:
        """Renewal reminders still to send, by idempotency key."""
        s = self._state
        if s.expires_on is None or not s.status.is_licensed or s.renewal is not None:
            return {}
        dates = {
            f"{s.expires_on}:{d}": s.expires_on - timedelta(days=d) for d in s.policy.reminder_days
        }
        return {k: v for k, v in dates.items() if k not in s.reminders_sent}

    def _next_deadline(self) -> datetime | None:
        s = self._state
        moments: list[datetime] = []
        if s.info_request is not None:
            moments.append(s.info_request.deadline)
        if s.status.is_licensed and s.expires_on is not None:
            moments.append(start_of_macao_day(s.expires_on))
        if s.status == LicenceStatus.suspended and s.suspended_until is not None:
            moments.append(start_of_macao_day(s.suspended_until))
        moments.extend(start_of_macao_day(d) for d in self._reminder_dates().values())
        return min(moments, default=None)

    async def _on_clock(self) -> None:
        """Apply whatever the passing of time has made due, in order of consequence."""
        s = self._state
        now = workflow.now()
        today = macao_date(now)
        if s.info_request is not None and now >= s.info_request.deadline:
            deadline = s.info_request.deadline.isoformat()
            s.info_request = None
            if s.status == LicenceStatus.info_requested:
                await self._transition(
                    SYSTEM_ACTOR,
                    "lapsed",
                    LicenceStatus.lapsed,
                    reason=say("reason.not_answered_by", deadline=deadline),
                    notice=say("notice.case.lapsed", case_no=s.case_no),
                )
                return
            s.renewal = None
            await self._transition(
                SYSTEM_ACTOR,
                "renewal_lapsed",
                s.status,
                reason=say("reason.not_answered_by", deadline=deadline),
                notice=say("notice.licence.renewal_lapsed", licence_no=s.licence_no),
            )
        if s.status.is_licensed and s.expires_on is not None and today >= s.expires_on:
            s.renewal = None
            s.info_request = None
            s.suspended_until = None
            await self._transition(
                SYSTEM_ACTOR,
                "expired",
                LicenceStatus.expired,
                reason=say("reason.validity_ended", expires_on=s.expires_on),
                notice=say(
                    "notice.licence.expired", licence_no=s.licence_no, expires_on=s.expires_on
                ),
            )
            return
        if (
            s.status == LicenceStatus.suspended
            and s.suspended_until is not None
            and today >= s.suspended_until
        ):
            until = s.suspended_until.isoformat()
            s.suspended_until = None
            await self._transition(
                SYSTEM_ACTOR,
                "suspension_ended",
                LicenceStatus.active,
                reason=say("reason.suspension_ended", until=until),
                notice=say("notice.licence.suspension_ended", licence_no=s.licence_no),
            )
        due = [key for key, day in self._reminder_dates().items() if today >= day]
        if due:
            # Several may be due at once (a renewal refused after day -60 and day -30): all
            # count as sent, one message goes out.
            s.reminders_sent.extend(due)
            days_left = (s.expires_on - today).days if s.expires_on else 0
            await self._transition(
                SYSTEM_ACTOR,
                "renewal_reminder",
                s.status,
                reason=say("reason.days_before_expiry", days_left=days_left),
                notice=say(
                    "notice.licence.renewal_reminder",
                    licence_no=s.licence_no,
                    expires_on=s.expires_on,
                    days_left=days_left,
                ),
            )
