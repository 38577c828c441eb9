"""list indexes: each list filter followed by the newest-first order (submitted_at, case_no)

Revision ID: 0004_lists
Revises: 0004_acct
"""

from alembic import op

revision = "0004_lists"
down_revision = "0004_acct"
branch_labels = None
depends_on = None

#: (index, table, columns): the composite indexes of ``store.paging``'s lists.
INDEXES = [
    ("ix_licences_submitted", "licences", ["submitted_at", "case_no"]),
    ("ix_licences_status_submitted", "licences", ["status", "submitted_at", "case_no"]),
    ("ix_licences_operator_submitted", "licences", ["operator_id", "submitted_at", "case_no"]),
    ("ix_permits_submitted", "permits", ["submitted_at", "case_no"]),
    ("ix_permits_status_submitted", "permits", ["status", "submitted_at", "case_no"]),
    ("ix_permits_operator_submitted", "permits", ["operator_id", "submitted_at", "case_no"]),
    ("ix_permits_kind_submitted", "permits", ["kind", "submitted_at", "case_no"]),
]


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)


def downgrade() -> None:
    for name, table, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
