"""notifications keep their message as data (code and params), not as a sentence

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-08 10:00:00

A notification stored its message as an English sentence, which could only ever be shown in
English. It now stores the message's ``code``, ``params`` and ``parts``
(``schemas.messages.Message``), rendered from the message catalogue in the reader's language.
A notification written before is said as it was: code ``verbatim``, its sentence as param
``text``. Downgrading writes each message back as its English sentence.
"""

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

#: Rows rewritten per statement, so a long table is never read into memory at once.
CHUNK = 1000

notifications = sa.table(
    "notifications",
    sa.column("id", sa.Integer()),
    sa.column("message", sa.Text()),
    sa.column("code", sa.String()),
    sa.column("params", sa.JSON()),
    sa.column("parts", sa.JSON()),
)


def _rewrite(
    pending: sa.ColumnElement[bool],
    read: list[sa.ColumnElement[Any]],
    write: tuple[str, ...],
    values: Callable[[sa.Row[Any]], dict[str, Any]],
) -> None:
    """Set the ``write`` columns of every row still ``pending`` from its ``read`` columns,
    ``CHUNK`` rows at a time (in Python, so it runs the same on SQLite and PostgreSQL)."""
    conn = op.get_bind()
    statement = (
        sa.update(notifications)
        .where(notifications.c.id == sa.bindparam("row_id"))
        .values({name: sa.bindparam(f"new_{name}") for name in write})
    )
    while True:
        rows = conn.execute(
            sa.select(notifications.c.id, *read)
            .where(pending)
            .order_by(notifications.c.id)
            .limit(CHUNK)
        ).all()
        if not rows:
            return
        conn.execute(
            statement,
            [
                {"row_id": row.id, **{f"new_{name}": v for name, v in values(row).items()}}
                for row in rows
            ],
        )


def upgrade() -> None:
    with op.batch_alter_table("notifications") as batch:
        batch.add_column(sa.Column("code", AutoString(length=100), nullable=True))
        batch.add_column(sa.Column("params", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("parts", sa.JSON(), nullable=True))
    _rewrite(
        notifications.c.code.is_(None),
        [notifications.c.message],
        ("code", "params"),
        lambda row: {"code": "verbatim", "params": {"text": row.message}},
    )
    with op.batch_alter_table("notifications") as batch:
        batch.alter_column("code", existing_type=AutoString(length=100), nullable=False)
        batch.alter_column("params", existing_type=sa.JSON(), nullable=False)
        batch.drop_column("message")


def downgrade() -> None:
    from kp_licensing.support.catalogue import render
    from schemas.messages import Message

    with op.batch_alter_table("notifications") as batch:
        batch.add_column(sa.Column("message", sa.Text(), nullable=True))
    _rewrite(
        notifications.c.message.is_(None),
        [notifications.c.code, notifications.c.params, notifications.c.parts],
        ("message",),
        lambda row: {
            "message": render(
                Message(code=row.code, params=row.params or {}, parts=row.parts or [])
            )
        },
    )
    with op.batch_alter_table("notifications") as batch:
        batch.alter_column("message", existing_type=sa.Text(), nullable=False)
        batch.drop_column("parts")
        batch.drop_column("params")
        batch.drop_column("code")
