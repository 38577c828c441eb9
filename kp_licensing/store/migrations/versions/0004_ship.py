"""certificate numbers in canonical form; the register of import confirmations sent

Revision ID: 0004_ship
Revises: 0004

Foreign certificate numbers were kept as typed (upper-cased at most), so "AE-123" and "AE123"
passed as two certificates. Every register now keeps the canonical form (upper case, letters
and digits only: ``schemas.shipment.canonical_certificate_number``, repeated here because a
migration must keep doing what it did when it was written).

* ``presented_certificates``: a number presented twice under two spellings is a replay that got
  through; the first presentation is kept (it is what refuses the next one), the later rows are
  deleted (their cases still name the certificate in ``permits``).
* ``stock_certificates``: two stocks under one canonical number cannot be merged without a
  decision about their carats and draws, so the migration stops and names them.

Import confirmations: ``sent_at`` was never written; sendings are recorded in
``confirmation_dispatches`` (when, how, reference, by whom).
"""

import re

import sqlalchemy as sa
import sqlmodel
from alembic import op

import kp_licensing.store.models

revision = "0004_ship"
down_revision = "0004"
branch_labels = None
depends_on = None


def _canonical(number: str) -> str:
    return re.sub(r"[^0-9A-Z]", "", number.upper())


def _canonicalise(table: str, column: str, *, unique_with: str | None, pk: str = "id") -> None:
    """Rewrite ``column`` in canonical form; ``unique_with``: the column it is unique with."""
    conn = op.get_bind()
    key = f", {unique_with}" if unique_with else ""
    rows = conn.execute(
        sa.text(f"SELECT {pk}, {column}{key} FROM {table} WHERE {column} IS NOT NULL ORDER BY {pk}")
    ).all()
    seen: dict[tuple[str, str], int] = {}
    duplicates: list[tuple[int, int]] = []
    changes = []
    for row in rows:
        canonical = _canonical(row[1])
        if unique_with is not None:
            first = seen.setdefault((row[2], canonical), row[0])
            if first != row[0]:
                duplicates.append((first, row[0]))
                continue
        if canonical != row[1]:
            changes.append({"id": row[0], "number": canonical})
    if duplicates and table == "stock_certificates":
        raise RuntimeError(
            "stock certificates with the same number written differently (ids, first and "
            f"later): {duplicates}; an officer must decide which stock stands before migrating"
        )
    for _, later in duplicates:
        conn.execute(sa.text(f"DELETE FROM {table} WHERE {pk} = :id"), {"id": later})
    if changes:
        conn.execute(sa.text(f"UPDATE {table} SET {column} = :number WHERE {pk} = :id"), changes)


def upgrade() -> None:
    _canonicalise("presented_certificates", "number", unique_with="issuing_country")
    _canonicalise("stock_certificates", "number", unique_with="issuing_country")
    _canonicalise("import_confirmations", "certificate_number", unique_with=None)
    _canonicalise("permits", "certificate_number", unique_with=None, pk="case_no")

    op.create_table(
        "confirmation_dispatches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_no", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("sent_at", kp_licensing.store.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("method", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("reference", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column(
            "recorded_at", kp_licensing.store.models.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("recorded_by_user_id", sa.Integer(), nullable=False),
        sa.Column("recorded_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.ForeignKeyConstraint(["case_no"], ["import_confirmations.case_no"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("case_no"),
    )
    with op.batch_alter_table("import_confirmations", schema=None) as batch_op:
        batch_op.drop_column("sent_at")


def downgrade() -> None:
    with op.batch_alter_table("import_confirmations", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "sent_at", kp_licensing.store.models.UTCDateTime(timezone=True), nullable=True
            )
        )
    op.drop_table("confirmation_dispatches")
