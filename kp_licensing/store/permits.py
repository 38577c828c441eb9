"""Shipment licences: the projection written by ``PermitWorkflow``'s activity, with its
consequences on the stock register (``store/stock``: a submission's claims, an export's draws
released, a cleared import's stock), the import confirmations owed and their sending, and the
reads of lists and searches."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from kp_licensing.store import stock
from kp_licensing.store.models import Operator
from kp_licensing.store.paging import Page, Position, newest_first
from kp_licensing.store.permit_models import (
    ConfirmationDispatch,
    ImportConfirmationRow,
    Permit,
    PermitEvent,
    SignedApplication,
    StockCertificate,
)
from kp_licensing.store.projection import write
from schemas.common import CheckOutcome
from schemas.import_confirmation import ImportConfirmation
from schemas.permit import PermitRecord, PermitState, PermitStatus
from schemas.shipment import PermitKind, canonical_certificate_number

#: Statuses in which an export no longer holds the carats it drew.
RELEASING = {
    PermitStatus.rejected,
    PermitStatus.lapsed,
    PermitStatus.withdrawn,
    PermitStatus.cancelled,
    PermitStatus.expired,
}


def apply_record(session: Session, record: PermitRecord, *, commit: bool = True) -> bool:
    """Write one transition of a shipment case and its consequences (an export's draws
    released, a cleared import's stock and confirmation) idempotently (``projection.write``);
    False if it had already been written."""
    state = record.state
    app = state.application
    certificate = app.foreign_certificate

    def created() -> dict[str, Any]:
        return {
            "kind": state.kind.value,
            "licence_no": state.licence_no,
            "expected_date": app.expected_date,
            "carats": app.carats,
            "value_usd": app.value_usd,
        }

    def columns() -> dict[str, Any]:
        return {
            "permit_no": state.permit_no,
            "valid_until": state.valid_until,
            "certificate_number": certificate.number if certificate else None,  # canonical
            "flagged": any(c.outcome == CheckOutcome.flagged for c in state.checks),
        }

    def consequences() -> None:
        if record.transition.seq == 1:
            _claim(session, state)
        if state.kind == PermitKind.export and state.status in RELEASING:
            stock.release_draws(session, case_no=state.case_no)
        moved = record.transition.from_status != record.transition.to_status
        cleared = moved and record.transition.to_status == PermitStatus.cleared
        if cleared and certificate and state.arrival:  # once, by the transition that clears it
            _record_import(session, record)

    return write(
        session,
        record,
        table=Permit,
        event_model=PermitEvent,
        created=created,
        columns=columns,
        consequences=consequences,
        commit=commit,
    )


def _claim(session: Session, state: PermitState) -> None:
    """What a submitted case takes on the certificate registers, with its first transition
    (in the submission's transaction): an import's certificate is presented (a replay is
    refused), an export's draws are reserved (an overdraw is refused). Written again for the
    same case (a workflow recording a submission from before), it changes nothing."""
    app = state.application
    certificate = app.foreign_certificate
    if app.kind == PermitKind.import_ and certificate is not None:
        stock.claim_certificate(
            session,
            issuing_country=certificate.issuing_country,
            number=certificate.number,
            case_no=state.case_no,
        )
    if app.kind == PermitKind.export:
        stock.reserve(
            session,
            operator_id=state.operator_id,
            case_no=state.case_no,
            draws=app.source_certificates,
        )


def _record_import(session: Session, record: PermitRecord) -> None:
    """A cleared import adds its certificate to the operator's stock and owes a confirmation."""
    state = record.state
    certificate, arrival = state.application.foreign_certificate, state.arrival
    assert certificate is not None and arrival is not None and state.permit_no is not None
    session.add(
        StockCertificate(
            operator_id=state.operator_id,
            issuing_country=certificate.issuing_country,
            number=canonical_certificate_number(certificate.number),
            import_case_no=state.case_no,
            carats=arrival.carats,
            imported_on=arrival.date,
        )
    )
    confirmation = ImportConfirmation(
        certificate_number=certificate.number,
        issuing_country=certificate.issuing_country,
        parcels=arrival.parcels,
        carats=arrival.carats,
        value_usd=certificate.value_usd,
        hs_codes=sorted({line.hs_code for line in state.application.lines}),
        importer=certificate.importer,
        exporter=certificate.exporter,
        received_on=arrival.date,
        officer=record.transition.actor.username,
        permit_no=state.permit_no,
    )
    session.add(
        ImportConfirmationRow(
            case_no=state.case_no,
            issuing_country=certificate.issuing_country,
            certificate_number=canonical_certificate_number(certificate.number),
            payload=confirmation.model_dump(mode="json"),
        )
    )


def get(session: Session, case_no: str) -> Permit | None:
    return session.get(Permit, case_no)


def get_by_permit_no(session: Session, permit_no: str) -> tuple[Permit, str] | None:
    """The case that issued shipment licence ``permit_no`` (any case), and its holder's name."""
    stmt = (
        select(Permit, Operator.name)
        .join(Operator, col(Operator.id) == col(Permit.operator_id))
        .where(func.upper(Permit.permit_no) == permit_no.strip().upper())
    )
    found = session.exec(stmt).first()
    return (found[0], found[1]) if found else None


def _like(text: str) -> str:
    """A LIKE pattern for ``text`` anywhere, its own % and _ taken literally (escape ``\\``)."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _matching(text: str) -> Any:
    """Cases whose case number, licence number, holder's name or certificate number contain
    ``text`` (any case; a certificate number however it is punctuated)."""
    like = _like(text.strip().lower())
    holders = select(Operator.id).where(func.lower(Operator.name).like(like, escape="\\"))
    condition = (
        func.lower(Permit.case_no).like(like, escape="\\")
        | func.lower(func.coalesce(Permit.permit_no, "")).like(like, escape="\\")
        | col(Permit.operator_id).in_(holders)
    )
    number = canonical_certificate_number(text)
    if number:
        condition = condition | col(Permit.certificate_number).like(f"%{number}%")
    return condition


def search(
    session: Session,
    *,
    operator_id: int | None = None,
    kind: str | None = None,
    status: list[str] | None = None,
    text: str | None = None,
    flagged: bool | None = None,
    limit: int = 50,
    offset: int = 0,
    after: Position | None = None,
    count: bool = True,
) -> Page:
    """Summaries of the cases matching every given filter, newest first (``paging``)."""
    table = Permit.__table__  # type: ignore[attr-defined]
    where: list[ColumnElement[bool]] = []
    if operator_id is not None:
        where.append(table.c.operator_id == operator_id)
    if kind:
        where.append(table.c.kind == kind)
    if flagged is not None:
        where.append(table.c.flagged == flagged)
    if text and text.strip():
        where.append(_matching(text))
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


def pending_of(session: Session, operator_id: int, statuses: list[str]) -> list[str]:
    """The operator's cases in these statuses (for holds when its licence is suspended)."""
    stmt = select(Permit.case_no).where(
        Permit.operator_id == operator_id, col(Permit.status).in_(statuses)
    )
    return list(session.exec(stmt).all())


def open_cases(session: Session, statuses: list[str]) -> list[Permit]:
    """Every case in these statuses (the few open shipment cases, for holds)."""
    return list(session.exec(select(Permit).where(col(Permit.status).in_(statuses))).all())


def events(session: Session, case_no: str) -> list[PermitEvent]:
    stmt = select(PermitEvent).where(PermitEvent.case_no == case_no)
    return list(session.exec(stmt.order_by(col(PermitEvent.seq))).all())


# Import confirmations and their sending.

Confirmation = tuple[ImportConfirmationRow, ConfirmationDispatch | None]


def confirmations(session: Session, *, unsent_only: bool = False) -> list[Confirmation]:
    """Every import confirmation with the record of its sending (None: not sent), oldest
    first."""
    stmt = select(ImportConfirmationRow, ConfirmationDispatch).join(
        ConfirmationDispatch,
        col(ConfirmationDispatch.case_no) == col(ImportConfirmationRow.case_no),
        isouter=True,
    )
    if unsent_only:
        stmt = stmt.where(col(ConfirmationDispatch.id).is_(None))
    order = (col(ImportConfirmationRow.created_at), col(ImportConfirmationRow.id))
    return [(row, sent) for row, sent in session.exec(stmt.order_by(*order)).all()]


def confirmation(session: Session, case_no: str) -> Confirmation | None:
    row = session.exec(
        select(ImportConfirmationRow).where(ImportConfirmationRow.case_no == case_no)
    ).first()
    if row is None:
        return None
    sent = session.exec(
        select(ConfirmationDispatch).where(ConfirmationDispatch.case_no == case_no)
    ).first()
    return row, sent


def record_dispatch(session: Session, dispatch: ConfirmationDispatch) -> ConfirmationDispatch:
    """Record a sending once; if another recording won the race, return that one instead (the
    caller compares the two)."""
    try:
        with session.begin_nested():
            session.add(dispatch)
        session.commit()
        return dispatch
    except IntegrityError:
        session.rollback()
        first = session.exec(
            select(ConfirmationDispatch).where(ConfirmationDispatch.case_no == dispatch.case_no)
        ).one()
        return first


def signed_application(session: Session, case_no: str) -> SignedApplication | None:
    return session.get(SignedApplication, case_no)
