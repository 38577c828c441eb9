"""submissions and licence claims

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04 11:10:00

The register of submissions (a case's number and workflow input, written before its workflow
starts) and the claim on each operator's one operating licence. Existing open licence cases
take their operators' claims (the newest, if an operator has several).
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

import kp_licensing.store.models

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

OPEN = ("under_review", "info_requested", "active", "suspended")


def upgrade() -> None:
    op.create_table(
        "submissions",
        sa.Column("case_no", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("operator_id", sa.Integer(), nullable=False),
        sa.Column("fingerprint", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("idempotency_key", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.Column("start", sa.JSON(), nullable=False),
        sa.Column("created_at", kp_licensing.store.models.UTCDateTime(), nullable=False),
        sa.Column("started_at", kp_licensing.store.models.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["operator_id"], ["operators.id"]),
        sa.PrimaryKeyConstraint("case_no"),
        sa.UniqueConstraint("operator_id", "idempotency_key", name="uq_submissions_operator_key"),
    )
    op.create_index(
        "ix_submissions_operator_fingerprint", "submissions", ["operator_id", "fingerprint"]
    )
    op.create_index(op.f("ix_submissions_started_at"), "submissions", ["started_at"])
    op.create_table(
        "licence_claims",
        sa.Column("operator_id", sa.Integer(), nullable=False),
        sa.Column("case_no", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("claimed_at", kp_licensing.store.models.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["operator_id"], ["operators.id"]),
        sa.PrimaryKeyConstraint("operator_id"),
    )
    statuses = ", ".join(f"'{s}'" for s in OPEN)
    op.execute(
        f"""
        INSERT INTO licence_claims (operator_id, case_no, claimed_at)
        SELECT l.operator_id, l.case_no, l.submitted_at FROM licences l
        WHERE l.status IN ({statuses})
          AND l.submitted_at = (
            SELECT MAX(o.submitted_at) FROM licences o
            WHERE o.operator_id = l.operator_id AND o.status IN ({statuses})
          )
        """
    )


def downgrade() -> None:
    op.drop_table("licence_claims")
    op.drop_index(op.f("ix_submissions_started_at"), table_name="submissions")
    op.drop_index("ix_submissions_operator_fingerprint", table_name="submissions")
    op.drop_table("submissions")
