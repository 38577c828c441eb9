"""the audit trail: sealed, append-only entries and the chain's head

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04 20:30:00

Triggers refuse to change or delete an entry on both databases: the trail is append-only for
the service's own connections. Someone who can drop the triggers can still change rows, which
is what the seals (``kp-licensing audit verify``) are for.
"""

import sqlalchemy as sa
from alembic import op

from kp_licensing.store.models import UTCDateTime

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

REFUSAL = "audit entries are append-only"
GENESIS = "0" * 64  # domain.audit.GENESIS, fixed here as the revision wrote it


def upgrade() -> None:
    op.create_table(
        "audit_entries",
        sa.Column("seq", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("actor_role", sa.String(20), nullable=True),
        sa.Column("target", sa.String(200), nullable=False),
        sa.Column("address", sa.String(64), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    op.create_index("ix_audit_entries_actor", "audit_entries", ["actor", "seq"])
    op.create_index("ix_audit_entries_target", "audit_entries", ["target", "seq"])
    op.create_index("ix_audit_entries_at", "audit_entries", ["at"])
    head = op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    op.bulk_insert(head, [{"id": 1, "seq": 0, "hash": GENESIS}])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN RAISE EXCEPTION '{REFUSAL}'; END $$"
        )
        op.execute(
            "CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON audit_entries "
            "FOR EACH ROW EXECUTE FUNCTION audit_append_only()"
        )
        # TRUNCATE fires no row trigger: it needs a statement trigger of its own.
        op.execute(
            "CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit_entries "
            "FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only()"
        )
    else:
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_no_{event.lower()} BEFORE {event} ON audit_entries "
                f"BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER audit_no_truncate ON audit_entries")
        op.execute("DROP TRIGGER audit_append_only ON audit_entries")
        op.execute("DROP FUNCTION audit_append_only()")
    op.drop_table("audit_head")
    op.drop_table("audit_entries")
