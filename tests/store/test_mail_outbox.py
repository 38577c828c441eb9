"""The mail outbox is written with the notices it tells of: one mail per trader of the operator
with an address; a step that needs an officer mails the bureau's staff too (in words for
them); a notice written again leaves what was sent as sent and rewrites the rest."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlmodel import select

from kp_licensing.store import people
from kp_licensing.store.db import SessionFactory, make_engine, session_factory
from kp_licensing.store.mail import mark_sent, pending
from kp_licensing.store.mail_models import OutgoingMail
from kp_licensing.store.models import LicenceEvent
from kp_licensing.store.projection import add_notice, rewrite
from schemas.case import CaseTransition
from schemas.common import SYSTEM_ACTOR, Role
from schemas.licence import LicenceStatus
from schemas.messages import say
from tests.conftest import migrated_database
from tests.factories import operator_row


@pytest.fixture
def own(tmp_path: Path) -> Iterator[SessionFactory]:
    """A database of its own: a service of this test process drains the suite's outbox."""
    name = f"kp_mail_store_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
    with migrated_database(name, tmp_path) as url:
        engine = make_engine(url)
        yield session_factory(engine)
        engine.dispose()


def _person(session, role: Role, email: str | None, operator_id: int | None = None) -> None:  # type: ignore[no-untyped-def]
    people.create_user(
        session,
        username=f"{role.value}-{uuid.uuid4().hex[:6]}",
        full_name="Someone",
        role=role,
        password="correct horse battery staple" if role != Role.customs else None,
        email=email,
        operator_id=operator_id,
    )


def _step(action: str) -> CaseTransition[LicenceStatus]:
    return CaseTransition[LicenceStatus](
        seq=7,
        at=datetime.now(UTC),
        actor=SYSTEM_ACTOR,
        action=action,
        from_status=LicenceStatus.active,
        to_status=LicenceStatus.active,
    )


def _mails(session) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {m.recipient: m.code for m in session.exec(select(OutgoingMail)).all()}


def test_traders_are_mailed_every_notice_and_staff_what_needs_an_officer(
    own: SessionFactory,
) -> None:
    with own() as session:
        operator = operator_row(session)
        assert operator.id is not None
        _person(session, Role.trader, "one@jade.mo", operator.id)
        _person(session, Role.trader, None, operator.id)  # no address: no mail
        _person(session, Role.trader, "other@elsewhere.mo", operator_row(session).id)
        _person(session, Role.officer, "officer@dsedt.gov.mo")
        _person(session, Role.admin, "admin@dsedt.gov.mo")  # not an officer
        notice = say("notice.certificate.confirmation_escalated", number="MO2026000001")
        add_notice(
            session.connection(),
            case_no="PA-2026-00001",
            operator_id=operator.id,
            transition=_step("renewal_reminder"),
            message=notice,
        )
        session.commit()
        assert _mails(session) == {"one@jade.mo": notice.code}

        add_notice(
            session.connection(),
            case_no="PA-2026-00002",
            operator_id=operator.id,
            transition=_step("confirmation_escalated"),
            message=notice,
            series="C",
        )
        session.commit()
        escalated = {
            m.recipient: m.code
            for m in session.exec(
                select(OutgoingMail).where(OutgoingMail.case_no == "PA-2026-00002")
            ).all()
        }
        assert escalated == {
            "one@jade.mo": notice.code,
            "officer@dsedt.gov.mo": "mail.staff.confirmation_escalated",
        }

        # Written again: the officer's mail, sent meanwhile, stays as sent; the trader's says
        # the new words.
        row = next(m for m in pending(session, limit=10) if m.recipient == "officer@dsedt.gov.mo")
        mark_sent(session, row, datetime.now(UTC))
        again = say("notice.certificate.confirmation_escalated", number="MO2026000002")
        rewrite(
            session.connection(),
            LicenceEvent.__table__,  # type: ignore[attr-defined]
            case_no="PA-2026-00002",
            transition=_step("confirmation_escalated"),
            message=again,
            series="C",
        )
        session.commit()
        rows = session.exec(
            select(OutgoingMail).where(OutgoingMail.case_no == "PA-2026-00002")
        ).all()
        assert sorted((r.recipient, r.sent_at is not None) for r in rows) == [
            ("officer@dsedt.gov.mo", True),
            ("one@jade.mo", False),
        ]
        trader_mail = next(r for r in rows if r.recipient == "one@jade.mo")
        assert trader_mail.params["number"] == "MO2026000002"
