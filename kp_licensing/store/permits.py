"""Shipment licences: the projection written by ``PermitWorkflow``'s activity, and the registers
the service writes when a trader applies (a presented certificate, an export's stock draws).

Stock balances move only by conditional UPDATEs (``drawn + x <= carats``), which serialise on
the row in PostgreSQL and on the write lock in SQLite: two exports racing for the same
certificate can never both take more than it holds.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, NoReturn, cast

from sqlalchemy import ColumnElement, CursorResult, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from kp_licensing.domain.errors import Conflict, RuleViolation
from kp_licensing.store.models import Operator
from kp_licensing.store.paging import Page, Position, newest_first
from kp_licensing.store.permit_models import (
    ConfirmationDispatch,
    ImportConfirmationRow,
    Permit,
    PermitEvent,
    PresentedCertificate,
    SignedApplication,
    StockCertificate,
    StockDraw,
)
from kp_licensing.store.projection import write
from schemas.common import CheckOutcome
from schemas.import_confirmation import ImportConfirmation
from schemas.permit import PermitRecord, PermitState, PermitStatus
from schemas.shipment import CertificateDraw, PermitKind, canonical_certificate_number

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
            release_draws(session, case_no=state.case_no)
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
        claim_certificate(
            session,
            issuing_country=certificate.issuing_country,
            number=certificate.number,
            case_no=state.case_no,
        )
    if app.kind == PermitKind.export:
        reserve(
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


# Presented certificates (replay detection).


def presented_in(session: Session, *, issuing_country: str, number: str) -> str | None:
    """The case a certificate was first presented in, however its number is typed."""
    stmt = select(PresentedCertificate.case_no).where(
        PresentedCertificate.issuing_country == issuing_country.strip().upper(),
        PresentedCertificate.number == canonical_certificate_number(number),
    )
    return session.exec(stmt).first()


def claim_certificate(session: Session, *, issuing_country: str, number: str, case_no: str) -> None:
    """Record the presentation in the caller's transaction; a second one is refused. The number
    is kept in canonical form, so the unique constraint catches a replay typed differently.
    The same case presenting it again changes nothing."""
    if presented_in(session, issuing_country=issuing_country, number=number) == case_no:
        return
    try:
        with session.begin_nested():
            session.add(
                PresentedCertificate(
                    issuing_country=issuing_country.strip().upper(),
                    number=canonical_certificate_number(number),
                    case_no=case_no,
                )
            )
    except IntegrityError:
        raise Conflict(
            "stock.certificate_presented", number=number, issuing_country=issuing_country
        ) from None


# Stock: imported certificates and the carats exports draw from them.


def stock(
    session: Session, *, operator_id: int, issuing_country: str, number: str
) -> StockCertificate | None:
    stmt = select(StockCertificate).where(
        StockCertificate.operator_id == operator_id,
        StockCertificate.issuing_country == issuing_country.strip().upper(),
        StockCertificate.number == canonical_certificate_number(number),
    )
    return session.exec(stmt).first()


def stock_of(session: Session, operator_id: int) -> list[StockCertificate]:
    """Every certificate the operator imported under, with carats left, oldest first."""
    stmt = (
        select(StockCertificate)
        .where(
            StockCertificate.operator_id == operator_id,
            col(StockCertificate.drawn) < col(StockCertificate.carats),
        )
        .order_by(col(StockCertificate.imported_on), col(StockCertificate.id))
    )
    return list(session.exec(stmt).all())


def _drawn_on(
    session: Session, *, operator_id: int, draw: CertificateDraw
) -> StockCertificate | None:
    return stock(
        session, operator_id=operator_id, issuing_country=draw.issuing_country, number=draw.number
    )


def balances(
    session: Session, *, operator_id: int, draws: list[CertificateDraw]
) -> dict[tuple[str, str], Decimal]:
    """Carats still available under each certificate (0 for one the operator never imported)."""
    result = {}
    for draw in draws:
        row = _drawn_on(session, operator_id=operator_id, draw=draw)
        result[(draw.issuing_country, draw.number)] = row.carats - row.drawn if row else Decimal(0)
    return result


def reserve(
    session: Session, *, operator_id: int, case_no: str, draws: list[CertificateDraw]
) -> None:
    """Take every draw in the caller's transaction, or none: a draw that would overdraw its
    certificate refuses the whole export with the numbers. Certificates are taken in the order
    of their ids, as releases take them, so two transactions never wait on each other in a
    circle. A case that holds its draws already keeps them."""
    held = select(StockDraw.id).where(StockDraw.case_no == case_no)
    if session.exec(held).first() is not None:
        return
    found = []
    for draw in draws:
        row = _drawn_on(session, operator_id=operator_id, draw=draw)
        if row is None or row.id is None:
            _refuse(session, operator_id=operator_id, draws=draws, failed=draw)
        found.append((row.id, draw))
    for stock_id, draw in sorted(found, key=lambda pair: pair[0]):
        if not _move(session, stock_id=stock_id, carats=draw.carats):
            _refuse(session, operator_id=operator_id, draws=draws, failed=draw)
        session.add(StockDraw(case_no=case_no, stock_id=stock_id, carats=draw.carats))


def _refuse(
    session: Session, *, operator_id: int, draws: list[CertificateDraw], failed: CertificateDraw
) -> NoReturn:
    """Undo the draws taken so far and name the first certificate, in the applicant's order,
    that cannot give what is asked of it."""
    session.rollback()
    available = balances(session, operator_id=operator_id, draws=draws)
    short = next((d for d in draws if d.carats > available[(d.issuing_country, d.number)]), failed)
    raise RuleViolation(
        "stock.overdrawn",
        number=short.number,
        requested=short.carats,
        remaining=available[(short.issuing_country, short.number)],
    )


def _move(session: Session, *, stock_id: int, carats: Decimal) -> bool:
    """Add ``carats`` (negative to give back) to what is drawn on a stock certificate, only if
    the result stays within what was imported. Rounded to the thousandth in SQL: SQLite keeps
    NUMERIC columns as binary floating point, where 0.1 + 0.2 is not 0.3."""
    drawn = func.round(col(StockCertificate.drawn) + carats, 3)
    result = session.execute(
        update(StockCertificate)
        .where(
            col(StockCertificate.id) == stock_id,
            drawn <= col(StockCertificate.carats),
            drawn >= 0,
        )
        .values(drawn=drawn)
    )
    return int(cast(CursorResult[Any], result).rowcount) == 1


def release_draws(session: Session, *, case_no: str) -> None:
    """Give back what an export held. Each draw is claimed by a conditional update before its
    carats go back, so two releases of one case running at once give them back only once."""
    held = session.exec(
        select(StockDraw)
        .where(StockDraw.case_no == case_no, col(StockDraw.released).is_(False))
        .order_by(col(StockDraw.stock_id))
    ).all()
    for draw in held:
        claimed = session.execute(
            update(StockDraw)
            .where(col(StockDraw.id) == draw.id, col(StockDraw.released).is_(False))
            .values(released=True)
        )
        if int(cast(CursorResult[Any], claimed).rowcount) == 1:
            _move(session, stock_id=draw.stock_id, carats=-draw.carats)


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
