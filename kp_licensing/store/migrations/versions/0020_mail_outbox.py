"""mail: the outbox of mails telling people what their cases say

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-05 04:05:00
"""

import sqlalchemy as sa
from alembic import op

from kp_licensing.store.models import UTCDateTime

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "mail_outbox",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("notice_key", sa.String(200), nullable=False, index=True),
        sa.Column("recipient", sa.String(200), nullable=False),
        sa.Column("case_no", sa.String(32), nullable=False),
        sa.Column("code", sa.String(100), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("parts", sa.JSON(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("sent_at", UTCDateTime(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("last_error", sa.String(500), nullable=True),
        sa.UniqueConstraint("notice_key", "recipient", name="uq_mail_outbox_notice_recipient"),
    )
    op.create_index("ix_mail_outbox_unsent", "mail_outbox", ["sent_at", "id"])


def downgrade() -> None:
    op.drop_table("mail_outbox")
