"""A cleared import's stock and confirmation are written by the transition that clears it,
once: a later transition of the same case (customs' news recorded while the case closes) adds
nothing and does not fail."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import select

from kp_licensing.store import permits
from kp_licensing.store.db import SessionFactory
from kp_licensing.store.permit_models import ImportConfirmationRow
from schemas.common import SYSTEM_ACTOR
from schemas.permit import PermitRecord, PermitState, PermitStatus, PermitTransition
from schemas.shipment import Arrival
from tests.factories import macao_today, operator_row, permit_start
from tests.workflows.test_customs_exchange import foreign_certificate


def record(state: PermitState, action: str, to: PermitStatus) -> PermitRecord:
    before = state.status if state.seq else None
    state.seq += 1
    state.status = to
    at = datetime.now(UTC)
    transition = PermitTransition(
        seq=state.seq, at=at, actor=SYSTEM_ACTOR, action=action, from_status=before, to_status=to
    )
    return PermitRecord(state=state.model_copy(deep=True), transition=transition)


def test_a_transition_after_clearing_writes_no_second_confirmation(
    sessions: SessionFactory,
) -> None:
    with sessions() as session:
        operator = operator_row(session)
    assert operator.id is not None
    today = macao_today()
    state = permit_start(
        operator.id, "import", today=today, foreign_certificate=foreign_certificate(today)
    ).state
    state.status = PermitStatus.under_review
    with sessions() as session:
        assert permits.apply_record(session, record(state, "submitted", PermitStatus.under_review))
        state.permit_no, state.issued_on = "IL-2026-00901-11", today
        state.valid_until = today + timedelta(days=29)
        assert permits.apply_record(session, record(state, "approved", PermitStatus.approved))
        state.arrival = Arrival(
            date=today,
            carats=state.application.carats,
            parcels=1,
            containers=["C1"],
            seals=["S1"],
            seals_intact=True,
        )
        assert permits.apply_record(session, record(state, "arrived", PermitStatus.cleared))
        assert permits.apply_record(
            session, record(state, "customs_accepted", PermitStatus.cleared)
        )
        rows = session.exec(
            select(ImportConfirmationRow).where(ImportConfirmationRow.case_no == state.case_no)
        ).all()
    assert len(rows) == 1
