"""Activities of ``PermitWorkflow``: the database side effects, each idempotent."""

from __future__ import annotations

from sqlmodel import Session
from temporalio import activity

from kp_licensing.domain.clock import macao_date
from kp_licensing.domain.numbering import permit_number
from kp_licensing.store import permits, sequences
from kp_licensing.store.db import SessionFactory
from schemas.messages import Message, say
from schemas.permit import (
    PermitNumberRequest,
    PermitRecord,
    PermitState,
)
from schemas.shipment import PermitKind
from workflows.ids import permit_workflow_id

#: Activity names, as recorded histories know them (the workflow reaches the activities by
#: method; the names stay what they were).
RECORD_ACTIVITY = "permit.record"
NUMBERED_RECORD_ACTIVITY = "permit.record_numbered"
#: Only histories recorded before ``LOCAL_WRITES_PATCH`` schedule this one.
NUMBER_ACTIVITY = "permit.allocate_number"


def number_key(case_no: str, seq: int) -> str:
    """The idempotency key of the number a transition allocates: a retry gets the same one."""
    return f"{permit_workflow_id(case_no)}/{seq}"


def approval_details(state: PermitState) -> dict[str, str]:
    return {"permit_no": state.permit_no or "", "valid_until": str(state.valid_until)}


def approval_notice(state: PermitState) -> Message:
    """One sentence per kind of licence, so a language can name each kind its own way."""
    case_no, permit_no, valid_until = state.case_no, state.permit_no, state.valid_until
    match state.kind:
        case PermitKind.import_:
            return say(
                "notice.permit.import_approved",
                case_no=case_no,
                permit_no=permit_no,
                valid_until=valid_until,
            )
        case PermitKind.export:
            return say(
                "notice.permit.export_approved",
                case_no=case_no,
                permit_no=permit_no,
                valid_until=valid_until,
            )
        case PermitKind.transit:
            return say(
                "notice.permit.transit_approved",
                case_no=case_no,
                permit_no=permit_no,
                valid_until=valid_until,
            )


def number_approval(record: PermitRecord, number: str) -> None:
    """Give an approval its licence number: state, event details and notice (applied by the
    activity before it projects the record, and by the workflow to the record it returns)."""
    record.state.permit_no = number
    record.transition.details = approval_details(record.state)
    record.notice = approval_notice(record.state)


class PermitActivities:
    """Database side effects of a shipment case (holds on other cases: ``hold_activities``)."""

    def __init__(self, sessions: SessionFactory) -> None:
        self._sessions = sessions

    @activity.defn(name=RECORD_ACTIVITY)
    def record(self, record: PermitRecord) -> bool:
        """Project one transition and its consequences (stock, confirmations, releases)."""
        with self._sessions() as session:
            return permits.apply_record(session, record)

    @activity.defn(name=NUMBERED_RECORD_ACTIVITY)
    def record_numbered(self, record: PermitRecord) -> str:
        """Allocate the licence number an approval issues and project the approval with it, in
        one transaction; a retry finds both written and returns the same number."""
        request = PermitNumberRequest(
            key=number_key(record.state.case_no, record.transition.seq),
            year=macao_date(record.transition.at).year,
            kind=record.state.kind,
        )
        with self._sessions() as session:
            number = self._allocate(session, request, commit=False)
            number_approval(record, number)
            permits.apply_record(session, record)  # commits the allocation with it
            return number

    @activity.defn(name=NUMBER_ACTIVITY)
    def allocate_number(self, request: PermitNumberRequest) -> str:
        """The next licence number of that kind and year, the same one on a retry (runs from
        before the combined activity still schedule it)."""
        with self._sessions() as session:
            return self._allocate(session, request, commit=True)

    @staticmethod
    def _allocate(session: Session, request: PermitNumberRequest, *, commit: bool) -> str:
        kind = request.kind.value
        return sequences.allocate_number(
            session,
            key=request.key,
            counter=f"permit-{kind}-{request.year}",
            render=lambda n: permit_number(kind, request.year, n),
            commit=commit,
        )
