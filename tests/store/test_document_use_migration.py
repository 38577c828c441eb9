"""Migration 0012: documents uploaded before uses were recorded count as used, so the first
housekeeping after the upgrade deletes none a case may hold."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from sqlalchemy import create_engine, text

from kp_licensing.store.migrate import alembic_config


def test_documents_uploaded_before_count_as_used(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    command.upgrade(alembic_config(url), "0011")
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO operators (id, name, kind, business_registration_no, created_at) "
                "VALUES (1, 'Op', 'company', 'BR1', '2026-01-01 00:00:00')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO users (id, username, full_name, role, operator_id, is_active, "
                "created_at) VALUES (1, 't', 'T', 'trader', 1, 1, '2026-01-01 00:00:00')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO documents (id, operator_id, uploaded_by, kind, filename, "
                "content_type, size, sha256, uploaded_at) VALUES ('d1', 1, 1, 'lease', 'a.pdf', "
                "'application/pdf', 5, :sha, '2026-02-03 04:05:06')"
            ),
            {"sha": "0" * 64},
        )
    command.upgrade(alembic_config(url), "head")
    with engine.connect() as conn:
        used_at = conn.execute(text("SELECT used_at FROM documents WHERE id = 'd1'")).scalar_one()
    assert str(used_at).startswith("2026-02-03 04:05:06")
