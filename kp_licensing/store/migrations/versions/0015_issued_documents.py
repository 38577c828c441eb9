"""signed documents issued about licences (one per version of what they say)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04 21:15:00
"""

import sqlalchemy as sa
from alembic import op

from kp_licensing.store.models import UTCDateTime

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "issued_documents",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("reference", sa.String(40), nullable=False, index=True),
        sa.Column("version", sa.String(40), nullable=False),
        sa.Column("document", sa.LargeBinary(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("kind", "reference", "version"),
    )


def downgrade() -> None:
    op.drop_table("issued_documents")
