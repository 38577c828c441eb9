"""a submission counts as started once its case is recorded

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04 13:00:00

``submissions.started_at`` used to be set by the request right after starting the workflow; it
is now set by the projection of the case's first transition, in the same transaction. A case
recorded before this change whose request died between the start and that mark would be offered
to the sweep forever: mark every submission whose case is in a projection.
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        sa.text(
            "UPDATE submissions SET started_at = created_at WHERE started_at IS NULL AND ("
            "case_no IN (SELECT case_no FROM licences) OR case_no IN (SELECT case_no FROM permits))"
        )
    )


def downgrade() -> None:
    """Nothing to undo: the mark means the same under both rules."""
