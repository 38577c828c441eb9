"""the certificate an export applies for, as a case of its own; a certificate's issue key

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-04 23:00:00
"""

import sqlalchemy as sa
from alembic import op

from kp_licensing.store.models import UTCDateTime

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("kp_certificates") as batch:
        batch.add_column(sa.Column("issue_key", sa.String(80), nullable=True))
        batch.create_unique_constraint("uq_kp_certificates_issue_key", ["issue_key"])
    op.create_table(
        "certificate_cases",
        sa.Column("case_no", sa.String(32), primary_key=True),
        sa.Column(
            "operator_id", sa.Integer(), sa.ForeignKey("operators.id"), nullable=False, index=True
        ),
        sa.Column("status", sa.String(20), nullable=False, index=True),
        sa.Column("permit_no", sa.String(32), nullable=True),
        sa.Column("licence_status", sa.String(20), nullable=False),
        sa.Column("certificate_no", sa.String(40), nullable=True, index=True),
        sa.Column("fee_paid", sa.Boolean(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("expires_on", sa.Date(), nullable=True),
        sa.Column("departed_on", sa.Date(), nullable=True),
        sa.Column("confirmation_due_on", sa.Date(), nullable=True, index=True),
        sa.Column("escalated", sa.Boolean(), nullable=False),
        sa.Column("submitted_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("state", sa.JSON(), nullable=False),
    )
    op.create_index(
        "ix_certificate_cases_status_due", "certificate_cases", ["status", "due_on", "case_no"]
    )
    op.create_index("ix_certificate_cases_updated", "certificate_cases", ["updated_at", "case_no"])
    op.create_table(
        "certificate_events",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "case_no",
            sa.String(32),
            sa.ForeignKey("certificate_cases.case_no"),
            nullable=False,
            index=True,
        ),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("actor_user_id", sa.Integer(), nullable=False),
        sa.Column("actor_username", sa.String(64), nullable=False),
        sa.Column("actor_role", sa.String(20), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("from_status", sa.String(20), nullable=True),
        sa.Column("to_status", sa.String(20), nullable=False),
        sa.Column("reason", sa.JSON(), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.UniqueConstraint("case_no", "seq", name="uq_certificate_events_case_seq"),
    )


def downgrade() -> None:
    op.drop_table("certificate_events")
    op.drop_table("certificate_cases")
    with op.batch_alter_table("kp_certificates") as batch:
        batch.drop_constraint("uq_kp_certificates_issue_key", type_="unique")
        batch.drop_column("issue_key")
