"""Certificate cases: the projection written by ``CertificateWorkflow``'s activity, with the
consequences of its transitions on the certificates themselves (used, expired), and the
officers' queue of certificates read from its columns."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select, update
from sqlmodel import Session, col

from kp_licensing.domain import certificate_guards as rules
from kp_licensing.store.certificate_models import (
    CertificateCase,
    CertificateEvent,
    KpCertificateRow,
)
from kp_licensing.store.projection import write
from schemas.certificate_case import CertificateCaseStatus, CertificateRecord

#: Notices of a certificate's transitions are keyed apart from its export case's own.
SERIES = "kp"
#: Transitions that change the status of the certificate in force.
MARKS = {"used": "used", "expired": "expired"}


def apply_record(session: Session, record: CertificateRecord, *, commit: bool = True) -> bool:
    """Write one transition of a certificate case idempotently (``projection.write``), and
    mark the certificate used or expired with the transition that makes it so; ``commit=False``
    leaves the first in the export's submission transaction."""
    state = record.state

    def columns() -> dict[str, Any]:
        return {
            "permit_no": state.permit_no,
            "licence_status": state.licence_status,
            "certificate_no": state.certificate.number if state.certificate else None,
            "fee_paid": state.payment is not None,
            "due_on": rules.due_on(state),
            "expires_on": state.certificate.expires_on if state.certificate else None,
            "departed_on": state.departed_on,
            "confirmation_due_on": (
                rules.reminder_on(state) if state.status is CertificateCaseStatus.used else None
            ),
            "escalated": state.escalated_at is not None,
        }

    def consequences() -> None:
        mark = MARKS.get(record.transition.to_status.value)
        if mark is not None and state.certificate is not None:
            set_status(session, state.certificate.number, mark, only_from="valid")

    return write(
        session,
        record,
        table=CertificateCase,
        event_model=CertificateEvent,
        created=dict,
        columns=columns,
        consequences=consequences,
        commit=commit,
        series=SERIES,
    )


def set_status(session: Session, number: str, status: str, *, only_from: str) -> None:
    """Move a certificate from ``only_from`` to ``status`` (a repeat changes nothing)."""
    session.execute(
        update(KpCertificateRow)
        .where(col(KpCertificateRow.number) == number, col(KpCertificateRow.status) == only_from)
        .values(status=status)
    )


def get(session: Session, case_no: str) -> CertificateCase | None:
    return session.get(CertificateCase, case_no)


def events(session: Session, case_no: str) -> list[CertificateEvent]:
    stmt = select(CertificateEvent).where(col(CertificateEvent.case_no) == case_no)
    return list(session.scalars(stmt.order_by(col(CertificateEvent.seq))).all())


def worklist(
    session: Session,
    *,
    today: date,
    status: list[str] | None = None,
    late: bool | None = None,
    confirmation_overdue: bool | None = None,
    operator_id: int | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[CertificateCase], int]:
    """The certificate cases matching every filter, the most urgent first (earliest due day,
    then earliest confirmation day, then oldest), and how many match."""
    where: list[ColumnElement[bool]] = []
    if status:
        where.append(col(CertificateCase.status).in_(status))
    if operator_id is not None:
        where.append(col(CertificateCase.operator_id) == operator_id)
    is_late = col(CertificateCase.due_on) < today
    if late is True:
        where.append(is_late)
    elif late is False:
        where.append(or_(col(CertificateCase.due_on).is_(None), ~is_late))
    overdue = (col(CertificateCase.status) == CertificateCaseStatus.used.value) & (
        col(CertificateCase.confirmation_due_on) < today
    )
    if confirmation_overdue is True:
        where.append(overdue)
    elif confirmation_overdue is False:
        where.append(~overdue)
    total = session.scalar(select(func.count()).select_from(CertificateCase).where(*where)) or 0
    query: Any = (
        select(CertificateCase)
        .where(*where)
        .order_by(
            col(CertificateCase.due_on).is_(None),
            col(CertificateCase.due_on),
            col(CertificateCase.confirmation_due_on).is_(None),
            col(CertificateCase.confirmation_due_on),
            col(CertificateCase.submitted_at),
            col(CertificateCase.case_no),
        )
        .limit(limit)
        .offset(offset)
    )
    return list(session.scalars(query).all()), total


def issued_for(session: Session, key: str) -> KpCertificateRow | None:
    """The certificate an issue with this key made, if it committed."""
    stmt = select(KpCertificateRow).where(col(KpCertificateRow.issue_key) == key)
    return session.scalars(stmt).first()
