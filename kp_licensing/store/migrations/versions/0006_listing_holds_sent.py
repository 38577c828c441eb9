"""when an invalid-certificate listing's holds and releases were handed to the process engine

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04 13:40:00

A listing's holds (and its withdrawal's releases) used to be signalled from inside the request;
they now run in a workflow, started after the listing commits. These columns say whether that
start happened, so a sweep can make it for a request that died in between. Listings made before
were signalled when made: they count as sent.
"""

import sqlalchemy as sa
from alembic import op

import kp_licensing.store.models

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("invalid_certificates") as batch:
        batch.add_column(
            sa.Column("holds_sent_at", kp_licensing.store.models.UTCDateTime(), nullable=True)
        )
        batch.add_column(
            sa.Column("releases_sent_at", kp_licensing.store.models.UTCDateTime(), nullable=True)
        )
    op.execute(sa.text("UPDATE invalid_certificates SET holds_sent_at = listed_at"))
    op.execute(
        sa.text(
            "UPDATE invalid_certificates SET releases_sent_at = withdrawn_at "
            "WHERE withdrawn_at IS NOT NULL"
        )
    )


def downgrade() -> None:
    with op.batch_alter_table("invalid_certificates") as batch:
        batch.drop_column("releases_sent_at")
        batch.drop_column("holds_sent_at")
