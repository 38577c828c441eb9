"""What every case workflow shares: how a domain refusal crosses Temporal, and how activities
are retried."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, ClassVar, TypeVar

from pydantic import BaseModel
from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from kp_licensing.domain.authority import Authority, refuse_replay
    from kp_licensing.domain.authority import check as authorise
    from kp_licensing.domain.clock import macao_date, start_of_macao_day
    from kp_licensing.domain.errors import DomainError
    from schemas.case import InformationRequest, RequestInformation
    from schemas.common import SYSTEM_ACTOR, Actor
    from schemas.messages import Message, say

#: Activities write to our own database: retry them without limit (a database outage delays a
#: case, it never loses a transition), backing off to once a minute.
ACTIVITY_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(minutes=1),
)
ACTIVITY_TIMEOUT = timedelta(seconds=30)

T = TypeVar("T")

#: Patch id of the switch from activities to local activities for the database writes of a
#: transition (the projection, and the number an approval allocates). Histories recorded before it
#: schedule ordinary activities and replay that way; every run that starts after it writes
#: through local activities.
LOCAL_WRITES_PATCH = "local-database-writes"


async def database_write(activity: Callable[[Any, Any], T], arg: Any) -> T:
    """Run one short, idempotent database write of a transition, as a local activity.

    ``activity`` is the activity's method (``LicenceActivities.record``...): a reader and the
    type checker follow the workflow to it; its registered name is what histories record.

    A local activity runs in the worker that holds the workflow task, and its result is recorded
    as a marker when that task completes: an update that writes through local activities is
    accepted, written and answered in one workflow task, instead of one round trip through the
    server per activity (scheduled, polled, completed, then a new workflow task). The guarantees
    stay those of an activity: at least once (a worker that dies before the task completes loses
    the marker, and the next worker runs the write again, which its key makes a no-op), retried
    without limit (a retry whose backoff reaches a minute waits on a workflow timer),
    and the update answers only after the write is in the database.

    The first call in a run decides, through ``workflow.patched``, for the whole run (the SDK
    memoises it): runs recorded before the patch keep scheduling ordinary activities on replay.
    """
    if workflow.patched(LOCAL_WRITES_PATCH):
        return await workflow.execute_local_activity_method(
            activity,
            arg,
            start_to_close_timeout=ACTIVITY_TIMEOUT,
            retry_policy=ACTIVITY_RETRY,
        )
    return await workflow.execute_activity_method(
        activity,
        arg,
        start_to_close_timeout=ACTIVITY_TIMEOUT,
        retry_policy=ACTIVITY_RETRY,
    )


def information_request(
    case_no: str, cmd: RequestInformation, *, default_days: int, now: datetime
) -> tuple[InformationRequest, Message]:
    """An officer's request for information, due by the end of the Macao day the applicant is
    told (not mid-day), and the notice that tells them (the officer's words as they wrote them)."""
    days = cmd.deadline_days or default_days
    due = macao_date(now) + timedelta(days=days)
    request = InformationRequest(
        message=cmd.message,
        requested_by=cmd.actor,
        requested_at=now,
        deadline=start_of_macao_day(due + timedelta(days=1)),
    )
    notice = say("notice.case.information_requested", case_no=case_no, due=due, message=cmd.message)
    return request, notice


def guarded(check: Callable[[], T]) -> T:
    """Run a domain guard; a refusal crosses Temporal as an ApplicationError named after it, with
    its message (code and params) and details, which the API turns back into the same domain
    error (409, 422...)."""
    try:
        return check()
    except DomainError as error:
        raise ApplicationError(
            str(error.message),
            error.message.model_dump(),
            error.details,
            type=type(error).__name__,
            non_retryable=True,
        ) from None


class CaseWorkflow:
    """What every case workflow does the same way: one lock serialising its transitions, a loop
    that sleeps until the next deadline or the next change, continue-as-new when Temporal
    suggests it, and each transition projected to the database before the update returns.

    A subclass sets the class attributes, and provides ``_next_deadline`` and ``_on_clock``
    (what its timers do); ``_after_transition`` is its hook for consequences elsewhere."""

    #: The activity methods (``staticmethod`` of the activity class's method) that write a
    #: transition, and an approval's number with it.
    record_activity: ClassVar[Any]
    #: Allocates a number (keyed by workflow and transition) and projects the transition that
    #: carries it, in one database transaction; returns the number.
    numbered_record_activity: ClassVar[Any]
    transition_model: ClassVar[type[BaseModel]]
    record_model: ClassVar[type[BaseModel]]
    start_model: ClassVar[type[BaseModel]]

    @staticmethod
    def submitted_notice(state: Any) -> Message:
        """The notice that tells the applicant the case is received."""
        raise NotImplementedError

    @classmethod
    def submission_record(cls, state: Any, submitted_by: Any, at: datetime) -> Any:
        """The record of a new case's first transition ("submitted", number 1), made by the API
        and written in the transaction that commits the submission: the workflow then starts at
        transition 1 with nothing to record, and the case is in lists and searches the moment
        the submission commits, without a workflow task and a local activity to put it there.

        The same record as the first ``_transition`` of :meth:`_live`, which still runs for an
        input at transition 0 (histories and submissions from before)."""
        state.seq = 1
        state.updated_at = at
        transition = cls.transition_model(
            seq=1,
            at=at,
            actor=submitted_by,
            action="submitted",
            from_status=None,
            to_status=state.status,
        )
        return cls.record_model(
            state=state, transition=transition, notice=cls.submitted_notice(state)
        )

    def _authorise(self, command: Any, authority: Authority) -> None:
        """The second gate, in every update's validator: the command's actor must be one who
        may take this kind of decision on this case (``domain.authority``), and the command must
        be the one sent with this update (``schemas.common.Sent``: one copied from a history and
        sent again under another update is refused), whoever sent it to Temporal. Validators do
        not run on replay, so this changes no recorded history."""
        state = self._state
        actor: Actor = command.actor
        guarded(
            lambda: authorise(
                actor, authority, operator_id=state.operator_id, case_no=state.case_no
            )
        )
        update = workflow.current_update_info()
        sent_with = getattr(command, "update_id", None)
        if sent_with is not None and (update is None or update.id != sent_with):
            guarded(lambda: refuse_replay(actor, state.case_no))

    def _may(self, actor: Actor, authority: Authority, what: str) -> bool:
        """A signal cannot be refused: one from an actor without the authority it needs (to
        hold cases: officers, or the service on their behalf; to report a crossing: customs)
        is ignored, and logged."""
        try:
            authorise(actor, authority, operator_id=self._state.operator_id, case_no="")
        except DomainError:
            workflow.logger.warning("%s ignored: %s may not send it", what, actor)
            return False
        return True

    def _begin(self, state: Any) -> None:
        self._state = state
        self._lock = asyncio.Lock()
        self._changed = False

    def _next_deadline(self) -> datetime | None:
        raise NotImplementedError

    async def _on_clock(self) -> None:
        raise NotImplementedError

    async def _after_transition(self, transition: Any) -> None:
        """Consequences outside the case (none unless a subclass says so)."""

    async def _follow_up(self) -> None:
        """Work a change leaves to do once its update has answered (none unless a subclass says
        so): run by the case's loop after each change and once the case is final, so a slow
        step (signing, another service) never delays a decision's answer. It takes the lock
        itself for what it changes."""

    async def _live(self, submitted_by: Any, first_status: Any, notice: Message) -> Any:
        """Record the submission (a new case), then wait for deadlines and changes until the
        case is final; return its last state."""
        if self._state.seq == 0:
            async with self._lock:
                await self._transition(
                    submitted_by or SYSTEM_ACTOR, "submitted", first_status, notice=notice
                )
        while not self._state.status.is_final:
            self._changed = False
            deadline = self._next_deadline()
            timeout = None if deadline is None else max(deadline - workflow.now(), timedelta(0))
            with contextlib.suppress(TimeoutError):
                await workflow.wait_condition(lambda: self._changed, timeout=timeout)
            async with self._lock:
                await self._on_clock()
            await self._follow_up()
            if workflow.info().is_continue_as_new_suggested():
                await workflow.wait_condition(workflow.all_handlers_finished)
                workflow.continue_as_new(self.start_model(state=self._state))
        await self._follow_up()
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self._state

    async def _recorded(self) -> Any:
        """The case once its submission is in the database (for the ``recorded`` update)."""
        await workflow.wait_condition(lambda: self._state.seq > 0 and not self._lock.locked())
        return self._state

    async def _transition(
        self,
        actor: Any,
        action: str,
        to_status: Any,
        *,
        reason: Message | str | None = None,
        details: dict[str, str] | None = None,
        notice: Message | None = None,
        numbered: Callable[[Any, str], None] | None = None,
    ) -> Any:
        """Record one step: bump the transition number, project it, notify, wake the loop.

        A step that issues a number (an approval) passes ``numbered``, which writes the number
        into the record (state, notice, details): ``numbered_record_activity`` allocates it and
        applies the same function before projecting, so allocation and projection are one write
        and one transaction, and the record returned here is the one in the database.
        """
        s = self._state
        s.seq += 1
        transition = self.transition_model(
            seq=s.seq,
            at=workflow.now(),
            actor=actor,
            action=action,
            from_status=s.status if s.seq > 1 else None,
            to_status=to_status,
            reason=reason,
            details=details or {},
        )
        s.status = to_status
        s.updated_at = workflow.now()
        record = self.record_model(state=s, transition=transition, notice=notice)
        if numbered is None:
            await database_write(type(self).record_activity, record)
        else:
            number = await database_write(type(self).numbered_record_activity, record)
            numbered(record, number)
        await self._after_transition(transition)
        self._changed = True
        # A snapshot: the record holds the live state, which a handler awaiting something after
        # its transition (the certificate telling its export) may see change before it returns.
        # Dumped and validated again by pydantic-core: a deep copy (Python's copy.deepcopy of
        # every nested model) cost about a twentieth of an approval's CPU in the sandbox.
        return self.record_model.model_validate(record.model_dump())
