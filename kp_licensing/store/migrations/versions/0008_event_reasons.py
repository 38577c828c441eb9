"""a transition's reason is a message (code and params), not a sentence

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 17:00:00

The reason of a step in a case's history was text: what an officer or trader wrote, or an English
sentence the process built ("information not provided by the deadline ..."). It is now a
``schemas.messages.Message`` kept as JSON: the process's reasons carry a code and params, said in
the reader's language, and a person's words are the code ``verbatim`` with the words as param
``text``, shown as written. A reason written before is kept that way. Downgrading writes each
reason back as its English sentence.
"""

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

TABLES = ("licence_events", "permit_events")
#: Rows rewritten per statement, so a long table is never read into memory at once.
CHUNK = 1000


def _table(name: str) -> sa.TableClause:
    return sa.table(
        name,
        sa.column("id", sa.Integer()),
        sa.column("reason", sa.Text()),
        sa.column("said", sa.JSON()),
    )


def _copy(name: str, source: str, target: str, convert: Any) -> None:
    """Fill ``target`` from ``source`` on every row that has one, ``CHUNK`` rows at a time."""
    table = _table(name)
    conn = op.get_bind()
    update = (
        sa.update(table)
        .where(table.c.id == sa.bindparam("row_id"))
        .values({target: sa.bindparam("value")})
    )
    last = 0
    while True:
        rows = conn.execute(
            sa.select(table.c.id, table.c[source])
            .where(table.c[source].is_not(None), table.c.id > last)
            .order_by(table.c.id)
            .limit(CHUNK)
        ).all()
        if not rows:
            return
        conn.execute(update, [{"row_id": r.id, "value": convert(r[1])} for r in rows])
        last = rows[-1].id


def upgrade() -> None:
    for name in TABLES:
        with op.batch_alter_table(name) as batch:
            batch.add_column(sa.Column("said", sa.JSON(), nullable=True))
        _copy(name, "reason", "said", lambda text: {"code": "verbatim", "params": {"text": text}})
        with op.batch_alter_table(name) as batch:
            batch.drop_column("reason")
            batch.alter_column("said", new_column_name="reason", existing_type=sa.JSON())


def downgrade() -> None:
    from kp_licensing.support.catalogue import render
    from schemas.messages import Message

    for name in TABLES:
        with op.batch_alter_table(name) as batch:
            batch.alter_column("reason", new_column_name="said", existing_type=sa.JSON())
        with op.batch_alter_table(name) as batch:
            batch.add_column(sa.Column("reason", sa.Text(), nullable=True))
        _copy(name, "said", "reason", lambda said: render(Message.model_validate(said)))
        with op.batch_alter_table(name) as batch:
            batch.drop_column("said")
