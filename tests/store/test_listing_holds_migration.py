"""Migration 0006: listings made before their holds ran in a workflow were signalled when made,
so they count as sent, and the sweep does not send them again."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from sqlalchemy import create_engine, text

from kp_licensing.store.migrate import alembic_config

LISTED = "'2026-11-01 00:00:00'"
WITHDRAWN = "'2026-11-02 00:00:00'"


def test_listings_made_before_count_as_sent(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    command.upgrade(alembic_config(url), "0005")
    engine = create_engine(url)
    with engine.begin() as conn:
        for number, withdrawn in (("AE1", "NULL"), ("AE2", WITHDRAWN)):
            conn.execute(
                text(
                    "INSERT INTO invalid_certificates (issuing_country, number, kind, reason, "
                    "source, listed_at, listed_by_user_id, listed_by, withdrawn_at) VALUES "
                    f"('AE', :number, 'forged', 'r', 's', {LISTED}, 1, 'o', {withdrawn})"
                ),
                {"number": number},
            )
    command.upgrade(alembic_config(url), "head")
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT number, holds_sent_at IS NOT NULL, releases_sent_at IS NOT NULL "
                "FROM invalid_certificates ORDER BY number"
            )
        ).all()
    assert [tuple(r) for r in rows] == [("AE1", True, False), ("AE2", True, True)]
