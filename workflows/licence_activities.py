"""Activities of ``LicenceWorkflow``: the database side effects, each idempotent."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session
from temporalio import activity

from kp_licensing.domain.clock import macao_date
from kp_licensing.domain.numbering import licence_number
from kp_licensing.store import licences, sequences
from kp_licensing.store.db import SessionFactory
from schemas.licence import LicenceRecord, LicenceState, NumberRequest
from schemas.messages import Message, say
from workflows.ids import licence_workflow_id

#: Activity names, as recorded histories know them (the workflow reaches the activities by
#: method; the names stay what they were).
RECORD_ACTIVITY = "licence.record"
NUMBERED_RECORD_ACTIVITY = "licence.record_numbered"
#: Only histories recorded before ``LOCAL_WRITES_PATCH`` schedule this one.
NUMBER_ACTIVITY = "licence.allocate_number"


def number_key(case_no: str, seq: int) -> str:
    """The idempotency key of the number a transition allocates: a retry gets the same one."""
    return f"{licence_workflow_id(case_no)}/{seq}"


def approval_notice(state: LicenceState) -> Message:
    assert state.expires_on is not None
    return say(
        "notice.licence.approved",
        case_no=state.case_no,
        licence_no=state.licence_no,
        valid_until=state.expires_on - timedelta(days=1),
    )


def number_approval(record: LicenceRecord, number: str) -> None:
    """Give an approval its licence number, in the state and in the notice that announces it.

    Applied by the activity before it projects the record and by the workflow to the record it
    returns, so both hold the same notice."""
    record.state.licence_no = number
    record.notice = approval_notice(record.state)


class LicenceActivities:
    """Dependencies come in through ``__init__`` so the worker wires the real database and
    tests can wire a database of their own."""

    def __init__(self, sessions: SessionFactory) -> None:
        self._sessions = sessions

    @activity.defn(name=RECORD_ACTIVITY)
    def record(self, record: LicenceRecord) -> bool:
        """Project one transition (case row, event, notification); False if already there."""
        with self._sessions() as session:
            return licences.apply_record(session, record)

    @activity.defn(name=NUMBERED_RECORD_ACTIVITY)
    def record_numbered(self, record: LicenceRecord) -> str:
        """Allocate the licence number an approval issues and project the approval with it, in
        one transaction; a retry finds both written and returns the same number."""
        with self._sessions() as session:
            number = self._allocate(
                session,
                NumberRequest(
                    key=number_key(record.state.case_no, record.transition.seq),
                    year=macao_date(record.transition.at).year,
                ),
                commit=False,
            )
            number_approval(record, number)
            licences.apply_record(session, record)  # commits the allocation with it
            return number

    @activity.defn(name=NUMBER_ACTIVITY)
    def allocate_number(self, request: NumberRequest) -> str:
        """The next operating-licence number of the year, the same one on a retry (runs from
        before the combined activity still schedule it)."""
        with self._sessions() as session:
            return self._allocate(session, request, commit=True)

    @staticmethod
    def _allocate(session: Session, request: NumberRequest, *, commit: bool) -> str:
        return sequences.allocate_number(
            session,
            key=request.key,
            counter=f"licence-{request.year}",
            render=lambda n: licence_number(request.year, n),
            commit=commit,
        )
