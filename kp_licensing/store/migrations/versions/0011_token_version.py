"""each account's token version: a password change ends every earlier token

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 19:00:00

Tokens carry the account's ``token_version``; a password change raises it, and a token of an
older version is refused. Every account starts at 0, which is what tokens issued before this
carry (they have no version), so nobody is signed out by the upgrade.
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


# Plain ALTER TABLE on both databases (SQLite has dropped columns since 3.35): a batch copy
# of ``users`` would have to drop a table other tables' foreign keys point at.
def upgrade() -> None:
    op.add_column(
        "users", sa.Column("token_version", sa.Integer(), nullable=False, server_default="0")
    )


def downgrade() -> None:
    op.drop_column("users", "token_version")
