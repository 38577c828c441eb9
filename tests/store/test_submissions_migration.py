"""Migration 0006: a submission counts as started once its case is recorded, so cases recorded
before it are marked, and the sweep does not offer them again for ever."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from sqlalchemy import create_engine, text

from kp_licensing.store.migrate import alembic_config

T = "'2026-11-01 00:00:00'"


def test_the_migration_marks_the_submissions_of_recorded_cases_only(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    command.upgrade(alembic_config(url), "0005")
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO operators (id, name, kind, business_registration_no, created_at) "
                f"VALUES (1, 'Lotus Limitada', 'company', 'BR1', {T})"
            )
        )
        for case_no in ("OLA-2026-00001", "OLA-2026-00002"):
            conn.execute(
                text(
                    "INSERT INTO submissions (case_no, kind, operator_id, fingerprint, start, "
                    f"created_at) VALUES (:case_no, 'licence', 1, 'f', '{{}}', {T})"
                ),
                {"case_no": case_no},
            )
        # Only the first case reached the projection; the second still waits for its start.
        conn.execute(
            text(
                "INSERT INTO licences (case_no, operator_id, status, applicant_name, "
                "business_registration_no, activities, submitted_at, updated_at, seq, state) "
                f"VALUES ('OLA-2026-00001', 1, 'under_review', 'Lotus Limitada', 'BR1', '[]', "
                f"{T}, {T}, 1, '{{}}')"
            )
        )
    command.upgrade(alembic_config(url), "head")
    with engine.connect() as conn:
        rows = dict(
            conn.execute(text("SELECT case_no, started_at FROM submissions ORDER BY case_no")).all()
        )
    assert rows["OLA-2026-00001"] is not None
    assert rows["OLA-2026-00002"] is None
