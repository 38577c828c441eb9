"""The stock register: every foreign certificate presented (replay detection), the stock each
cleared import adds to its operator, and the carats exports draw from it.

Written by the shipment projection only (``store/permits.apply_record`` and its consequences):
a submission's claims with its first transition, in the submission's transaction; releases with
the transitions that end an export. Balances move only by conditional UPDATEs
(``drawn + x <= carats``), which serialise on the row in PostgreSQL and on the write lock in
SQLite: two exports racing for the same certificate can never both take more than it holds.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, NoReturn, cast

from sqlalchemy import CursorResult, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from kp_licensing.domain.errors import Conflict, RuleViolation
from kp_licensing.store.permit_models import PresentedCertificate, StockCertificate, StockDraw
from schemas.shipment import CertificateDraw, canonical_certificate_number

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
