"""when a case first referred to each document: unused uploads can be deleted

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04 20:00:00

``documents.used_at`` is set, in the transaction that hands a document to a case, the first
time a case refers to it; a document still unused some days after its upload is deleted by the
housekeeping schedule. Documents uploaded before this revision are taken as used (their upload
time): nothing recorded whether a case refers to them, and deleting one a case needs would be
worse than keeping one it does not.
"""

import sqlalchemy as sa
from alembic import op

from kp_licensing.store.models import UTCDateTime

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

UNUSED = "used_at IS NULL"


def upgrade() -> None:
    op.add_column("documents", sa.Column("used_at", UTCDateTime(), nullable=True))
    op.execute("UPDATE documents SET used_at = uploaded_at")
    op.create_index(
        "ix_documents_unused",
        "documents",
        ["uploaded_at"],
        sqlite_where=sa.text(UNUSED),
        postgresql_where=sa.text(UNUSED),
    )


def downgrade() -> None:
    op.drop_index("ix_documents_unused", table_name="documents")
    op.drop_column("documents", "used_at")
