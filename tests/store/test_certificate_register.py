"""The register of presented foreign certificates (replay detection, rule 7) keeps one form of
a number, and migration 0004 brings rows written before it to that form."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import create_engine, text

from kp_licensing.domain.errors import Conflict
from kp_licensing.store import stock
from kp_licensing.store.db import SessionFactory
from kp_licensing.store.migrate import alembic_config


def test_a_presentation_is_found_and_refused_however_the_number_is_written(
    sessions: SessionFactory,
) -> None:
    n = f"{uuid.uuid4().int % 10**9:09d}"
    with sessions() as session:
        stock.claim_certificate(session, issuing_country="AE", number=f"AE{n}", case_no="PA-1")
        session.commit()
    with sessions() as session:
        for typed in (f"AE-{n}", f"ae {n}", f"AE/{n[:3]}.{n[3:]}"):
            assert stock.presented_in(session, issuing_country="ae", number=typed) == "PA-1"
            with pytest.raises(Conflict) as e:
                stock.claim_certificate(session, issuing_country="AE", number=typed, case_no="PA-2")
            assert e.value.message.code == "stock.certificate_presented"
            assert e.value.message.params == {"number": typed, "issuing_country": "AE"}
        assert stock.presented_in(session, issuing_country="BE", number=f"AE{n}") is None


def _migrated_to_0003(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    command.upgrade(alembic_config(url), "0003")
    return url


def test_the_migration_keeps_the_first_presentation_under_the_canonical_number(
    tmp_path: Path,
) -> None:
    url = _migrated_to_0003(tmp_path)
    engine = create_engine(url)
    with engine.begin() as conn:
        for number, case_no in (("AE-123", "PA-1"), ("AE123", "PA-2"), ("be.9 9", "PA-3")):
            conn.execute(
                text(
                    "INSERT INTO presented_certificates (issuing_country, number, case_no, "
                    "presented_at) VALUES ('AE', :number, :case_no, '2026-11-01 00:00:00')"
                ),
                {"number": number, "case_no": case_no},
            )
    command.upgrade(alembic_config(url), "head")
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT number, case_no FROM presented_certificates ORDER BY id")
        ).all()
    engine.dispose()
    assert [tuple(r) for r in rows] == [("AE123", "PA-1"), ("BE99", "PA-3")]


def test_the_migration_stops_on_two_stocks_under_one_number(tmp_path: Path) -> None:
    url = _migrated_to_0003(tmp_path)
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO operators (name, kind, business_registration_no, created_at) "
                "VALUES ('Lotus', 'company', 'BR1', '2026-11-01 00:00:00')"
            )
        )
        for number in ("AE-5", "AE5"):
            conn.execute(
                text(
                    "INSERT INTO stock_certificates (operator_id, issuing_country, number, "
                    "import_case_no, carats, drawn, imported_on) "
                    "VALUES (1, 'AE', :number, 'PA-1', 10, 0, '2026-11-01')"
                ),
                {"number": number},
            )
    engine.dispose()
    with pytest.raises(RuntimeError, match="stock certificates with the same number"):
        command.upgrade(alembic_config(url), "head")
