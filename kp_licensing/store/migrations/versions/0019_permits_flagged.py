"""permits: whether a check flagged the application (the worklist's filter)

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-05 04:10:00

Existing cases get the flag from their stored state's checks.
"""

import json

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ALTERs (no batch copy of the table: its events' foreign keys point at it).
    op.add_column(
        "permits", sa.Column("flagged", sa.Boolean(), nullable=False, server_default=sa.false())
    )
    op.create_index("ix_permits_flagged", "permits", ["flagged"])
    permits = sa.table(
        "permits",
        sa.column("case_no", sa.String),
        sa.column("state", sa.JSON),
        sa.column("flagged", sa.Boolean),
    )
    connection = op.get_bind()
    flagged = []
    for case_no, state in connection.execute(sa.select(permits.c.case_no, permits.c.state)):
        if isinstance(state, str):
            state = json.loads(state)
        checks = (state or {}).get("checks") or []
        if any(c.get("outcome") == "flagged" for c in checks if isinstance(c, dict)):
            flagged.append(case_no)
    if flagged:
        connection.execute(
            permits.update().where(permits.c.case_no.in_(flagged)).values(flagged=True)
        )


def downgrade() -> None:
    op.drop_index("ix_permits_flagged", table_name="permits")
    op.drop_column("permits", "flagged")
