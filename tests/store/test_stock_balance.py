"""Rule 6, the stock balance: the carats exported against an imported certificate never exceed
the carats imported under it. The store functions are driven by random sequences of imports,
reservations and releases and compared with an in-memory model; then exports race for the same
certificate from several threads, on SQLite and (with ``KP_DATABASE_URL``) on PostgreSQL."""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from sqlmodel import Session, col, select

from kp_licensing.domain.errors import Conflict, RuleViolation
from kp_licensing.store import stock
from kp_licensing.store.db import SessionFactory
from kp_licensing.store.permit_models import StockCertificate, StockDraw
from schemas.shipment import CertificateDraw, canonical_certificate_number
from tests.factories import operator_row, unique

ON_POSTGRES = (os.environ.get("KP_DATABASE_URL") or "").startswith("postgresql")
COUNTRY = "AE"
#: The refusals a racing export may get; anything else (a driver error) is a bug.
REFUSALS = (RuleViolation, Conflict)

# The operations, and the in-memory model they are checked against.


@dataclass(frozen=True)
class Import:
    """A cleared import: a stock certificate row, as ``_record_import`` writes it."""

    carats: Decimal


@dataclass(frozen=True)
class Reserve:
    """An export drawing on certificates by index, modulo one more than the imported ones (that
    one: a certificate the operator never imported); ``None`` carats: all that remains. A
    certificate named twice is drawn on once, as the schema requires."""

    draws: tuple[tuple[int, Decimal | None], ...]


@dataclass(frozen=True)
class Release:
    """Releasing an export's draws, by index among the exports tried so far."""

    case: int


Operation = Import | Reserve | Release


@dataclass
class Certificate:
    number: str
    carats: Decimal
    drawn: Decimal = Decimal(0)

    @property
    def balance(self) -> Decimal:
        return self.carats - self.drawn


@dataclass
class Model:
    prefix: str
    operator_id: int
    certificates: list[Certificate] = field(default_factory=list)
    #: case number -> its draws (certificate number, carats); empty for a refused export.
    cases: dict[str, list[tuple[str, Decimal]]] = field(default_factory=dict)
    released: set[str] = field(default_factory=set)

    def number(self, index: int) -> str:
        index %= len(self.certificates) + 1
        if index < len(self.certificates):
            return self.certificates[index].number
        return f"{self.prefix}NEVER"

    def balance(self, number: str) -> Decimal:
        found = [c for c in self.certificates if c.number == number]
        return found[0].balance if found else Decimal(0)

    def certificate(self, number: str) -> Certificate:
        return next(c for c in self.certificates if c.number == number)


def quarters(high: int) -> st.SearchStrategy[Decimal]:
    """Carats in quarters: exact in binary floating point too, so any backend adds them
    exactly and only the logic is under test."""
    return st.integers(1, high).map(lambda n: Decimal(n) / 4)


def thousandths(high: int) -> st.SearchStrategy[Decimal]:
    """Carats to the thousandth, the precision the schema and the columns allow."""
    return st.integers(1, high).map(lambda n: Decimal(n).scaleb(-3))


def operations(
    imported: st.SearchStrategy[Decimal], taken: st.SearchStrategy[Decimal]
) -> st.SearchStrategy[list[Operation]]:
    """One to three imports, then any mix of imports, exports and releases."""
    draw = st.tuples(st.integers(0, 3), st.none() | taken)
    anything = st.one_of(
        st.builds(Import, imported),
        st.builds(Reserve, st.lists(draw, min_size=1, max_size=3).map(tuple)),
        st.builds(Release, st.integers(0, 9)),
    )
    first = st.lists(st.builds(Import, imported), min_size=1, max_size=3)
    return st.tuples(first, st.lists(anything, max_size=10)).map(lambda ops: ops[0] + ops[1])


# Running the operations against the store.


def run(sessions: SessionFactory, ops: list[Operation]) -> None:
    """Apply ``ops`` to the store and to the model, one session (one transaction) each, as the
    service does, and compare the two after every step."""
    with sessions() as session:
        operator = operator_row(session)
    assert operator.id is not None
    model = Model(prefix=uuid.uuid4().hex[:10].upper(), operator_id=operator.id)
    for op in ops:
        if isinstance(op, Import):
            add_certificate(sessions, model, op.carats)
        elif isinstance(op, Reserve):
            reserve(sessions, model, op)
        else:
            release(sessions, model, op)  # checks after each of its two releases
            continue
        check(sessions, model)


def add_certificate(sessions: SessionFactory, model: Model, carats: Decimal) -> None:
    number = f"{model.prefix}C{len(model.certificates)}"  # canonical, as the store keeps them
    with sessions() as session:
        session.add(
            StockCertificate(
                operator_id=model.operator_id,
                issuing_country=COUNTRY,
                number=number,
                import_case_no=f"IMP-{number}",
                carats=carats,
                imported_on=date(2026, 1, 5),
            )
        )
        session.commit()
    model.certificates.append(Certificate(number=number, carats=carats))


def reserve(sessions: SessionFactory, model: Model, op: Reserve) -> None:
    case_no = f"EXP-{model.prefix}-{len(model.cases)}"
    draws: list[CertificateDraw] = []
    for index, carats in op.draws:
        number = model.number(index)
        if any(d.number == number for d in draws):
            continue
        if carats is None:  # all that remains, or (none left) more than there ever was
            balance = model.balance(number)
            imported = [c.carats for c in model.certificates if c.number == number]
            carats = balance if balance > 0 else (imported or [Decimal(1)])[0]
        draws.append(CertificateDraw(issuing_country=COUNTRY, number=number, carats=carats))
    # Certificates are distinct within one export, so the first draw that does not fit on its
    # own is the one refused.
    short = next((d for d in draws if d.carats > model.balance(d.number)), None)
    with sessions() as session:
        if short is None:
            stock.reserve(session, operator_id=model.operator_id, case_no=case_no, draws=draws)
            session.commit()
            for d in draws:
                model.certificate(d.number).drawn += d.carats
            model.cases[case_no] = [(d.number, d.carats) for d in draws]
            return
        with pytest.raises(RuleViolation) as e:
            stock.reserve(session, operator_id=model.operator_id, case_no=case_no, draws=draws)
        session.commit()  # whatever the refused reservation left behind would be kept now
    said = e.value.message
    assert (said.code, said.params["number"]) == ("stock.overdrawn", short.number)
    assert Decimal(said.params["requested"]) == short.carats
    assert Decimal(said.params["remaining"]) == model.balance(short.number)
    model.cases[case_no] = []


def release(sessions: SessionFactory, model: Model, op: Release) -> None:
    cases = list(model.cases)
    case_no = cases[op.case % len(cases)] if cases else f"EXP-{model.prefix}-NONE"
    for _ in range(2):  # the second release must change nothing
        with sessions() as session:
            stock.release_draws(session, case_no=case_no)
            session.commit()
        if case_no not in model.released:
            for number, carats in model.cases.get(case_no, []):
                model.certificate(number).drawn -= carats
            model.released.add(case_no)
        check(sessions, model)


def check(sessions: SessionFactory, model: Model) -> None:
    with sessions() as session:
        rows = session.exec(
            select(StockCertificate).where(StockCertificate.operator_id == model.operator_id)
        ).all()
        for row in rows:
            assert row.drawn >= 0, f"{row.number} drawn {row.drawn}: more released than taken"
            assert row.drawn <= row.carats, f"{row.number} overdrawn: {row.drawn}/{row.carats}"
        assert {r.number: (r.carats, r.drawn) for r in rows} == {
            c.number: (c.carats, c.drawn) for c in model.certificates
        }
        asked = [model.number(i) for i in range(len(model.certificates) + 1)]  # + one never seen
        got = stock.balances(
            session,
            operator_id=model.operator_id,
            draws=[
                CertificateDraw(issuing_country=COUNTRY, number=n, carats=Decimal(1)) for n in asked
            ],
        )
        assert got == {(COUNTRY, n): model.balance(n) for n in asked}
        ledger = session.exec(
            select(StockDraw, StockCertificate.number)
            .join(StockCertificate, col(StockDraw.stock_id) == col(StockCertificate.id))
            .where(StockCertificate.operator_id == model.operator_id)
        ).all()
    assert sorted((d.case_no, n, d.carats, d.released) for d, n in ledger) == sorted(
        (case_no, n, carats, case_no in model.released)
        for case_no, draws in model.cases.items()
        for n, carats in draws
    )


@settings(max_examples=60, deadline=None)
@given(operations(quarters(400), quarters(160)))
def test_balances_follow_the_model(sessions: SessionFactory, ops: list[Operation]) -> None:
    run(sessions, ops)


@settings(max_examples=60, deadline=None)
@given(operations(thousandths(2000), thousandths(800)))
@example([Import(Decimal("0.3")), Reserve(((0, Decimal("0.1")),)), Reserve(((0, None),))])
@example(
    [
        Import(Decimal(1)),
        Reserve(((0, Decimal("0.001")),)),
        Reserve(((0, Decimal("0.009")),)),
        Release(0),
        Release(1),
    ]
)
def test_balances_follow_the_model_to_the_thousandth(
    sessions: SessionFactory, ops: list[Operation]
) -> None:
    run(sessions, ops)


# Exports racing for the same stock.


def stock_certificate(sessions: SessionFactory, operator_id: int, carats: str) -> str:
    number = canonical_certificate_number(unique("RACE-"))  # the form the store keeps
    with sessions() as session:
        session.add(
            StockCertificate(
                operator_id=operator_id,
                issuing_country=COUNTRY,
                number=number,
                import_case_no=f"IMP-{number}",
                carats=Decimal(carats),
                imported_on=date(2026, 1, 5),
            )
        )
        session.commit()
    return number


def stock_row(sessions: SessionFactory, operator_id: int, number: str) -> StockCertificate:
    with sessions() as session:
        row = stock.stock(session, operator_id=operator_id, issuing_country=COUNTRY, number=number)
    assert row is not None
    return row


def drawn(sessions: SessionFactory, operator_id: int, number: str) -> Decimal:
    return stock_row(sessions, operator_id, number).drawn


def held_by(sessions: SessionFactory, case_no: str) -> list[StockDraw]:
    with sessions() as session:
        return list(session.exec(select(StockDraw).where(StockDraw.case_no == case_no)).all())


def draw(number: str, carats: str) -> CertificateDraw:
    return CertificateDraw(issuing_country=COUNTRY, number=number, carats=Decimal(carats))


@pytest.mark.parametrize("round_", range(3))
def test_exports_racing_for_one_certificate_never_overdraw_it(
    sessions: SessionFactory, round_: int
) -> None:
    """Eight exports of 60 ct each reach a 100 ct certificate at the same moment: exactly one
    takes its carats, every other one is refused with a reason a person can act on."""
    with sessions() as session:
        operator = operator_row(session)
    assert operator.id is not None
    operator_id = operator.id
    number = stock_certificate(sessions, operator_id, "100")
    threads = 8
    barrier = threading.Barrier(threads, timeout=30)

    def export(i: int) -> str:
        case_no = f"RACE-{number}-{i}"
        with sessions() as session:
            session.connection()  # connected before the start, so the threads really race
            barrier.wait()
            stock.reserve(
                session, operator_id=operator_id, case_no=case_no, draws=[draw(number, "60")]
            )
            session.commit()
        return case_no

    with ThreadPoolExecutor(threads) as pool:
        futures = [pool.submit(export, i) for i in range(threads)]
        outcomes = [f.exception() or f.result() for f in futures]
    won = [o for o in outcomes if isinstance(o, str)]
    refused = [o for o in outcomes if isinstance(o, REFUSALS)]
    others = [o for o in outcomes if isinstance(o, BaseException) and not isinstance(o, REFUSALS)]
    assert not others, f"a racing export failed with something else than a refusal: {others!r}"
    assert len(won) == 1 and len(refused) == threads - 1
    assert all(
        (r.message.code, r.message.params["number"]) == ("stock.overdrawn", number) for r in refused
    )
    assert drawn(sessions, operator_id, number) == Decimal(60)
    assert [(d.carats, d.released) for d in held_by(sessions, won[0])] == [(Decimal(60), False)]
    for i in range(threads):
        if f"RACE-{number}-{i}" != won[0]:
            assert held_by(sessions, f"RACE-{number}-{i}") == []


# Races that need an exact interleaving: the sessions are made to wait for each other between
# a read and the write that depends on it.


class _Rows:
    def __init__(self, rows: list[Any]) -> None:
        self._rows = rows

    def all(self) -> list[Any]:
        return self._rows


def after_reads(
    monkeypatch: pytest.MonkeyPatch, session: Session, then: Callable[[list[Any]], None]
) -> None:
    """Call ``then(rows)`` each time ``session.exec`` has read its rows."""
    read = session.exec

    def exec_then(*args: Any, **kwargs: Any) -> _Rows:
        rows = list(read(*args, **kwargs).all())
        then(rows)
        return _Rows(rows)

    monkeypatch.setattr(session, "exec", exec_then)


def wait(barrier: threading.Barrier) -> None:
    """Meet the other session; on SQLite, whose one writer at a time may keep it from coming,
    go on alone after the barrier's timeout."""
    with suppress(threading.BrokenBarrierError):
        barrier.wait()


def test_a_case_released_twice_at_once_gives_its_carats_back_once(
    sessions: SessionFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    with sessions() as session:
        operator = operator_row(session)
    assert operator.id is not None
    operator_id = operator.id
    number = stock_certificate(sessions, operator_id, "100")
    withdrawn, kept = f"W-{number}", f"K-{number}"
    with sessions() as session:
        stock.reserve(
            session, operator_id=operator_id, case_no=withdrawn, draws=[draw(number, "30")]
        )
        stock.reserve(session, operator_id=operator_id, case_no=kept, draws=[draw(number, "50")])
        session.commit()
    barrier = threading.Barrier(2, timeout=2)

    def release_once() -> None:
        with sessions() as session:
            after_reads(monkeypatch, session, lambda _: wait(barrier))
            stock.release_draws(session, case_no=withdrawn)
            session.commit()

    with ThreadPoolExecutor(2) as pool:
        futures = [pool.submit(release_once) for _ in range(2)]
        errors = [f.exception() for f in futures]
    assert [e for e in errors if e is not None and not isinstance(e, REFUSALS)] == []
    assert drawn(sessions, operator_id, number) == Decimal(50)  # 80 - 30, given back once


def test_a_release_and_a_reservation_crossing_two_certificates_both_complete(
    sessions: SessionFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An export is withdrawn (the workflow's activity releases its draws, outside the
    operator's submission lock) while the operator applies for another export drawing on the
    same two certificates."""
    with sessions() as session:
        operator = operator_row(session)
    assert operator.id is not None
    operator_id = operator.id
    a = stock_certificate(sessions, operator_id, "100")
    b = stock_certificate(sessions, operator_id, "100")
    withdrawn, applied = f"W-{a}", f"A-{a}"
    with sessions() as session:
        stock.reserve(
            session,
            operator_id=operator_id,
            case_no=withdrawn,
            draws=[draw(b, "30"), draw(a, "30")],
        )
        session.commit()
    numbers = {stock_row(sessions, operator_id, n).id: n for n in (a, b)}
    barrier = threading.Barrier(2, timeout=1)
    first_released: list[str] = []
    known = threading.Event()

    def release() -> None:
        with sessions() as session:

            def note_first(rows: list[Any]) -> None:
                first_released.append(numbers[rows[0].stock_id])
                known.set()

            after_reads(monkeypatch, session, note_first)
            execute = session.execute
            calls = 0

            def execute_then_wait(*args: Any, **kwargs: Any) -> Any:
                nonlocal calls
                result = execute(*args, **kwargs)
                calls += 1
                if calls == 2:  # claimed its first draw, holds the certificate it gives back to
                    wait(barrier)
                return result

            monkeypatch.setattr(session, "execute", execute_then_wait)
            stock.release_draws(session, case_no=withdrawn)
            session.commit()

    move = stock._move
    takes = 0
    applying = threading.local()

    def take_then_wait(session: Session, **kwargs: Any) -> bool:
        nonlocal takes
        taken = move(session, **kwargs)
        if getattr(applying, "yes", False):
            takes += 1
            if takes == 1:  # holds the first certificate it draws on
                wait(barrier)
        return taken

    def apply() -> None:
        applying.yes = True
        assert known.wait(10)
        first = first_released[0]
        other = b if first == a else a
        with sessions() as session:
            stock.reserve(
                session,
                operator_id=operator_id,
                case_no=applied,
                draws=[draw(other, "10"), draw(first, "10")],
            )
            session.commit()

    monkeypatch.setattr(stock, "_move", take_then_wait)  # only the applying thread waits
    with ThreadPoolExecutor(2) as pool:
        futures = [pool.submit(release), pool.submit(apply)]
        failures = [e for e in (f.exception() for f in futures) if e is not None]
    assert not failures, f"the release or the reservation failed: {failures!r}"
    assert drawn(sessions, operator_id, a) == drawn(sessions, operator_id, b) == Decimal(10)


def test_a_case_claiming_again_what_it_holds_changes_nothing(sessions: SessionFactory) -> None:
    """The claims of a submitted case are written with its first transition; written again for
    the same case (a workflow recording a submission made before), they change nothing."""
    with sessions() as session:
        operator = operator_row(session)
    assert operator.id is not None
    number = stock_certificate(sessions, operator.id, "100")
    case_no = unique("EXP-")
    presented = f"{COUNTRY}{unique('')[:6].upper()}"
    for _ in range(2):
        with sessions() as session:
            stock.reserve(
                session, operator_id=operator.id, case_no=case_no, draws=[draw(number, "40")]
            )
            session.commit()
    assert drawn(sessions, operator.id, number) == Decimal("40")
    assert len(held_by(sessions, case_no)) == 1
    with sessions() as session:
        for typed in (presented, presented.lower()):
            stock.claim_certificate(session, issuing_country=COUNTRY, number=typed, case_no=case_no)
        session.commit()
        assert stock.presented_in(session, issuing_country=COUNTRY, number=presented) == case_no
