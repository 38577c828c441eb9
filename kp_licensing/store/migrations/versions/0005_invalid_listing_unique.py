"""one invalid-certificate listing in force per number and per series

Revision ID: 0005
Revises: 0004_lists
Create Date: 2026-12-04 12:00:00

The service refused a second listing of a number or series in force by reading first; two
requests at once could both pass the read. These partial unique indexes make it the database's
rule (a retried request then finds the listing its first attempt made).
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004_lists"
branch_labels = None
depends_on = None

NUMBER = "withdrawn_at IS NULL AND number IS NOT NULL"
SERIES = "withdrawn_at IS NULL AND series_prefix IS NOT NULL"


def upgrade() -> None:
    op.create_index(
        "uq_invalid_certificates_number_in_force",
        "invalid_certificates",
        ["issuing_country", "number"],
        unique=True,
        sqlite_where=sa.text(NUMBER),
        postgresql_where=sa.text(NUMBER),
    )
    op.create_index(
        "uq_invalid_certificates_series_in_force",
        "invalid_certificates",
        ["issuing_country", "series_prefix", "series_first", "series_last"],
        unique=True,
        sqlite_where=sa.text(SERIES),
        postgresql_where=sa.text(SERIES),
    )


def downgrade() -> None:
    op.drop_index("uq_invalid_certificates_series_in_force", table_name="invalid_certificates")
    op.drop_index("uq_invalid_certificates_number_in_force", table_name="invalid_certificates")
