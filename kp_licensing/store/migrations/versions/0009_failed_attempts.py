"""failed sign-ins, API keys and registrations, per account and client address

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 18:20:00

The throttle of ``services.throttle``: one row per (scope, subject), counting recent failures
and saying until when further attempts are refused. Kept in the database, so every API process
(and a restarted one) sees the same counts.
"""

import sqlalchemy as sa
from alembic import op

from kp_licensing.store.models import UTCDateTime

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "failed_attempts",
        sa.Column("scope", sa.String(length=20), nullable=False),
        sa.Column("subject", sa.String(length=320), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failure_at", UTCDateTime(), nullable=False),
        sa.Column("blocked_until", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("scope", "subject"),
    )


def downgrade() -> None:
    op.drop_table("failed_attempts")
