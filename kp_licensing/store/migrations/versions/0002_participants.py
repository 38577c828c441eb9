"""participant registry and invalid foreign certificates, seeded with the KP Participants

Creates both tables and inserts ``kp_licensing/store/data/participants.json`` (see its header: it
was compiled from the public KP list and must be checked against Despacho 23/2025). The seed is
read here, once per database, so ``kp-licensing db upgrade``, ``make run`` and the tests all get
it; later corrections are registry entries that officers add and end, with their own source.
A seed whose periods overlap for a country fails the upgrade rather than load half a registry.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 13:44:14.112188
"""

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import sqlmodel
from alembic import op

import kp_licensing.store.models
from kp_licensing.domain import participants as rules
from schemas.common import SYSTEM_ACTOR
from schemas.participants import ParticipantSeed, RegistryEntry

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

SEED_FILE = Path(kp_licensing.store.__file__).with_name("data") / "participants.json"


def seed_rows(now: datetime) -> list[dict[str, Any]]:
    """One row per country of each group of the seed file, checked for overlapping periods."""
    seed = ParticipantSeed.model_validate_json(SEED_FILE.read_text(encoding="utf-8"))
    rows: list[dict[str, Any]] = []
    drafts: list[RegistryEntry] = []
    for group in seed.participants:
        for country in group.countries:
            row = {
                "country": country,
                "participant": group.participant,
                "status": group.status.value,
                "effective_from": group.effective_from or seed.default_effective_from,
                "effective_to": group.effective_to,
                "source": seed.default_source,
                "note": group.note,
                "created_at": now,
                "created_by_user_id": SYSTEM_ACTOR.user_id,
                "created_by": SYSTEM_ACTOR.username,
            }
            draft = RegistryEntry.model_validate(
                {**row, "id": len(rows) + 1, "country_name": rules.country_name(country)}
            )
            rules.refuse_overlap(
                country=country,
                effective_from=draft.effective_from,
                effective_to=draft.effective_to,
                existing=drafts,
            )
            drafts.append(draft)
            rows.append(row)
    return rows


def upgrade() -> None:
    op.create_table(
        "invalid_certificates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("issuing_country", sqlmodel.sql.sqltypes.AutoString(length=2), nullable=False),
        sa.Column("number", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("series_prefix", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("series_first", sqlmodel.sql.sqltypes.AutoString(length=18), nullable=True),
        sa.Column("series_last", sqlmodel.sql.sqltypes.AutoString(length=18), nullable=True),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column(
            "listed_at", kp_licensing.store.models.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("listed_by_user_id", sa.Integer(), nullable=False),
        sa.Column("listed_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column(
            "withdrawn_at", kp_licensing.store.models.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("withdrawn_by_user_id", sa.Integer(), nullable=True),
        sa.Column("withdrawn_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("withdrawal_reason", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("invalid_certificates", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_invalid_certificates_issuing_country"),
            ["issuing_country"],
            unique=False,
        )

    entries = op.create_table(
        "participant_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("country", sqlmodel.sql.sqltypes.AutoString(length=2), nullable=False),
        sa.Column("participant", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("effective_to", sa.Date(), nullable=True),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column(
            "created_at", kp_licensing.store.models.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("created_by_user_id", sa.Integer(), nullable=False),
        sa.Column("created_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("ended_at", kp_licensing.store.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("ended_by_user_id", sa.Integer(), nullable=True),
        sa.Column("ended_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("end_reason", sa.Text(), nullable=True),
        sa.Column("end_source", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("effective_to_before_end", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("participant_entries", schema=None) as batch_op:
        batch_op.create_index(
            "ix_participant_entries_country_from", ["country", "effective_from"], unique=False
        )

    op.bulk_insert(entries, seed_rows(datetime.now(UTC)))


def downgrade() -> None:
    with op.batch_alter_table("participant_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_participant_entries_country_from")

    op.drop_table("participant_entries")
    with op.batch_alter_table("invalid_certificates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_invalid_certificates_issuing_country"))

    op.drop_table("invalid_certificates")
