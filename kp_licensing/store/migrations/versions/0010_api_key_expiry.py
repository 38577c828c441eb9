"""API keys expire and show when they were last used

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 18:50:00

A key issued from now on expires after ``KP_API_KEY_DAYS`` (365 by default). A key issued
before gets the same year from the day it was issued, so none keeps working forever; one
already past it must be replaced (the administrator lists the account's keys and issues a new
one). ``last_used_at`` starts empty.
"""

from datetime import timedelta

import sqlalchemy as sa
from alembic import op

from kp_licensing.store.models import UTCDateTime

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

YEAR = timedelta(days=365)


def upgrade() -> None:
    op.add_column("api_keys", sa.Column("expires_at", UTCDateTime(), nullable=True))
    op.add_column("api_keys", sa.Column("last_used_at", UTCDateTime(), nullable=True))
    keys = sa.table(
        "api_keys",
        sa.column("id", sa.Integer()),
        sa.column("created_at", UTCDateTime()),
        sa.column("expires_at", UTCDateTime()),
    )
    connection = op.get_bind()
    for key_id, created_at in connection.execute(sa.select(keys.c.id, keys.c.created_at)).all():
        connection.execute(
            keys.update().where(keys.c.id == key_id).values(expires_at=created_at + YEAR)
        )


def downgrade() -> None:
    op.drop_column("api_keys", "last_used_at")
    op.drop_column("api_keys", "expires_at")
