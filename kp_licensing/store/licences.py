"""The licence projection: written by ``LicenceWorkflow``'s activity, read by lists and searches."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement, false
from sqlmodel import Session, col, func, select

from kp_licensing.domain.registration import canonical_registration_no
from kp_licensing.store.models import Licence, LicenceEvent, Operator
from kp_licensing.store.paging import Page, Position, newest_first
from kp_licensing.store.projection import write
from schemas.licence import LicenceRecord, LicenceState, LicenceStatus
from schemas.shipment import Party

OPEN_STATUSES = [s.value for s in LicenceStatus if not s.is_final]


def apply_record(session: Session, record: LicenceRecord, *, commit: bool = True) -> bool:
    """Write one transition of a licence case idempotently (``projection.write``); False if it
    had already been written."""
    state, app = record.state, record.state.application
    registration_no = canonical_registration_no(app.business_registration_no)

    def columns() -> dict[str, Any]:
        return {
            "licence_no": state.licence_no,
            "applicant_name": app.name,
            "business_registration_no": registration_no,
            "activities": [a.value for a in (state.activities or app.activities)],
            "issued_on": state.issued_on,
            "expires_on": state.expires_on,
            "renewal_status": state.renewal.status.value if state.renewal else None,
            "info_deadline": state.info_request.deadline if state.info_request else None,
        }

    return write(
        session,
        record,
        table=Licence,
        event_model=LicenceEvent,
        created=dict,
        columns=columns,
        commit=commit,
    )


def get(session: Session, case_no: str) -> Licence | None:
    return session.get(Licence, case_no)


def get_by_licence_no(session: Session, licence_no: str) -> Licence | None:
    return session.exec(select(Licence).where(Licence.licence_no == licence_no)).first()


def holder(session: Session, operator_id: int, licence_no: str) -> Party:
    """A Macao trader as its documents name and place it: the operator's name at the
    establishment its operating licence was granted for."""
    operator = session.get(Operator, operator_id)
    licence = get_by_licence_no(session, licence_no)
    if operator is None or licence is None:
        raise LookupError(f"no operator {operator_id} or no licence {licence_no}")
    address = LicenceState.model_validate(licence.state).application.establishment_address
    return Party(name=operator.name, address=address, country="MO")


def open_case_of(session: Session, operator_id: int) -> Licence | None:
    """The operator's case that is not finished (an application or a licence in force)."""
    stmt = select(Licence).where(
        Licence.operator_id == operator_id, col(Licence.status).in_(OPEN_STATUSES)
    )
    return session.exec(stmt).first()


def search(
    session: Session,
    *,
    operator_id: int | None = None,
    status: list[str] | None = None,
    expiring_before: date | None = None,
    text: str | None = None,
    limit: int = 50,
    offset: int = 0,
    after: Position | None = None,
    count: bool = True,
) -> Page:
    """Summaries of the cases matching every given filter, newest first (``paging``)."""
    table = Licence.__table__  # type: ignore[attr-defined]
    where: list[ColumnElement[bool]] = []
    if operator_id is not None:
        where.append(table.c.operator_id == operator_id)
    if expiring_before is not None:
        where += [
            table.c.expires_on.is_not(None),
            table.c.expires_on <= expiring_before,
            table.c.status.in_([LicenceStatus.active.value, LicenceStatus.suspended.value]),
        ]
    if text:
        like = f"%{text.lower()}%"
        # Stored canonical, so "so 12345" finds SO12345; punctuation alone matches no number.
        registration = canonical_registration_no(text)
        where.append(
            func.lower(table.c.applicant_name).like(like)
            | func.lower(table.c.case_no).like(like)
            | func.lower(func.coalesce(table.c.licence_no, "")).like(like)
            | (
                table.c.business_registration_no.like(f"%{registration}%")
                if registration
                else false()
            )
        )
    return newest_first(
        session,
        table,
        where,
        statuses=status,
        limit=limit,
        offset=offset,
        after=after,
        count=count,
    )


def expiring_before(today: date, days: int) -> date:
    """The last expiry date that counts as 'expiring within ``days`` days' of ``today``."""
    return today + timedelta(days=days)


def events(session: Session, case_no: str) -> list[LicenceEvent]:
    stmt = (
        select(LicenceEvent).where(LicenceEvent.case_no == case_no).order_by(col(LicenceEvent.seq))
    )
    return list(session.exec(stmt).all())
