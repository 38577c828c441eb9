"""customs: the outbox of declarations and the inbox of responses; signed applications

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-05 01:20:00
"""

import sqlalchemy as sa
from alembic import op

from kp_licensing.store.models import UTCDateTime

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "customs_outbox",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("message_id", sa.String(14), nullable=False, unique=True),
        sa.Column("case_no", sa.String(32), nullable=False, index=True),
        sa.Column("permit_no", sa.String(35), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("function", sa.String(1), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("recipient", sa.String(35), nullable=False),
        sa.Column("xml", sa.LargeBinary(), nullable=False),
        sa.Column("xml_sha256", sa.String(64), nullable=False),
        sa.Column("edifact", sa.LargeBinary(), nullable=False),
        sa.Column("edifact_sha256", sa.String(64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("acknowledged_at", UTCDateTime(), nullable=True),
        sa.Column("acknowledged_by", sa.String(100), nullable=True),
        sa.Column("push_attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("push_error", sa.String(500), nullable=True),
        sa.UniqueConstraint("case_no", "version", name="uq_customs_outbox_case_version"),
    )
    op.create_index("ix_customs_outbox_unacknowledged", "customs_outbox", ["acknowledged_at", "id"])
    op.create_table(
        "customs_inbox",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("sender", sa.String(35), nullable=False),
        sa.Column("message_id", sa.String(14), nullable=False),
        sa.Column("case_no", sa.String(32), nullable=False, index=True),
        sa.Column("declaration_message_id", sa.String(14), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("format", sa.String(8), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("response", sa.Text(), nullable=False),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.Column("received_by", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("delivered_at", UTCDateTime(), nullable=True),
        sa.UniqueConstraint("sender", "message_id", name="uq_customs_inbox_sender_message"),
    )
    op.create_index("ix_customs_inbox_undelivered", "customs_inbox", ["delivered_at", "id"])
    op.create_table(
        "signed_applications",
        sa.Column("case_no", sa.String(32), primary_key=True),
        sa.Column(
            "operator_id", sa.Integer(), sa.ForeignKey("operators.id"), nullable=False, index=True
        ),
        sa.Column("document", sa.LargeBinary(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("signer", sa.String(200), nullable=False),
        sa.Column("registration_no", sa.String(64), nullable=False),
        sa.Column("certificate_sha256", sa.String(64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("signed_applications")
    op.drop_table("customs_inbox")
    op.drop_table("customs_outbox")
