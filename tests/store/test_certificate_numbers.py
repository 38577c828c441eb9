"""KP certificate numbers: the ISO prefix and a sequence, unique and without gaps even when
many are issued at once (PostgreSQL in CI), and a failed issue gives its number back."""

from __future__ import annotations

import random
import string
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from edi.signer import KeySigner
from kp_licensing.store.certificate_models import KpCertificateRow
from kp_licensing.store.db import SessionFactory
from schemas.certificate import CertificateContent, Validation
from schemas.shipment import Party, ShipmentLine
from tests.factories import operator_row
from workflows import certificate_activities

ISSUES = 48


def content() -> CertificateContent:
    return CertificateContent(
        exporter=Party(name="Lotus Rough Diamonds Limitada", address="Macau", country="MO"),
        importer=Party(name="Antwerp Rough NV", address="Antwerpen", country="BE"),
        origin="BW",
        destination_country="BE",
        parcels=2,
        lines=[
            ShipmentLine(
                hs_code="7102.10", carats=Decimal("10.50"), value_usd=Decimal("4000"), origin="BW"
            )
        ],
        export_licence_no="EL-2026-00001-00",
        validation=Validation(officer="Chan Tai Man", validated_at=datetime.now(UTC)),
    )


@pytest.fixture
def prefix() -> str:
    """A prefix of this test's own, so its counter starts at one."""
    return "".join(random.choices(string.ascii_uppercase, k=2))


def _issue(
    sessions: SessionFactory, signer: object, prefix: str, operator_id: int
) -> certificate_activities.Issued:
    with sessions() as session:
        return certificate_activities.issue(
            session,
            signer,  # type: ignore[arg-type]
            content(),
            prefix=prefix,
            validity_days=60,
            case_no="PA-2026-00001",
            operator_id=operator_id,
            now=datetime(2031, 5, 1, tzinfo=UTC),
        )


def test_concurrent_issues_get_consecutive_numbers(
    sessions: SessionFactory, dsedt: KeySigner, prefix: str
) -> None:
    with sessions() as session:
        operator_id = operator_row(session).id
    assert operator_id is not None
    with ThreadPoolExecutor(16) as pool:
        issued = list(
            pool.map(lambda _: _issue(sessions, dsedt, prefix, operator_id), range(ISSUES))
        )
    numbers = sorted(i.number for i in issued)
    assert len(set(numbers)) == ISSUES
    first = int(numbers[0][6:])
    assert numbers == [f"{prefix}2031{n:06d}" for n in range(first, first + ISSUES)]
    assert len({i.sha256 for i in issued}) == ISSUES
    with sessions() as session:
        stored = session.get(KpCertificateRow, numbers[-1])
        assert stored is not None and stored.document.startswith(b"<?xml")


class FailingSigner:
    def __init__(self, inner: KeySigner) -> None:
        self.chain, self.algorithm = inner.chain, inner.algorithm

    def sign(self, data: bytes) -> bytes:
        raise OSError("the signing service is down")


def test_a_failed_issue_gives_its_number_back(
    sessions: SessionFactory, dsedt: KeySigner, prefix: str
) -> None:
    with sessions() as session:
        operator_id = operator_row(session).id
    assert operator_id is not None
    before = _issue(sessions, dsedt, prefix, operator_id).number
    with pytest.raises(OSError):
        _issue(sessions, FailingSigner(dsedt), prefix, operator_id)
    after = _issue(sessions, dsedt, prefix, operator_id).number
    assert int(after[6:]) == int(before[6:]) + 1
