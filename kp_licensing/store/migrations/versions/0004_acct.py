"""business registration numbers in canonical form

Operators' numbers are stored canonical (letters and digits, upper-cased; see
``kp_licensing.domain.registration``) so the existing unique index compares businesses, not
spellings; the licences projection's copy is canonicalised too, so a search matches it. Two
operators whose numbers are one business under different spellings cannot be merged by a
migration: the upgrade stops and names them, for an administrator to resolve.

Revision ID: 0004_acct
Revises: 0004_ship
Create Date: 2026-12-04 11:00:00
"""

from collections import defaultdict

import sqlalchemy as sa
from alembic import op

from kp_licensing.domain.registration import canonical_registration_no

revision = "0004_acct"
down_revision = "0004_ship"
branch_labels = None
depends_on = None


def _canonicalise(table: str, key: str, *, unique: bool) -> None:
    """Rewrite ``business_registration_no`` of ``table`` canonically; where the numbers are
    ``unique``, first make sure no two rows become one number."""
    conn = op.get_bind()
    rows = sa.table(table, sa.column(key), sa.column("business_registration_no", sa.String))
    by_number: dict[str, list[tuple[object, str]]] = defaultdict(list)
    for row_key, number in conn.execute(sa.select(rows.c[key], rows.c.business_registration_no)):
        by_number[canonical_registration_no(number)].append((row_key, number))
    clashes = {n: found for n, found in by_number.items() if len(found) > 1}
    if unique and clashes:
        listed = "; ".join(
            f"{n}: " + ", ".join(f"{table} {k} ({spelt!r})" for k, spelt in found)
            for n, found in sorted(clashes.items())
        )
        raise RuntimeError(
            f"these {table} register one business under different spellings of its number; "
            f"merge or correct them, then upgrade again: {listed}"
        )
    for canonical, found in by_number.items():
        for row_key, number in found:
            if number != canonical:
                conn.execute(
                    rows.update()
                    .where(rows.c[key] == row_key)
                    .values(business_registration_no=canonical)
                )


def upgrade() -> None:
    _canonicalise("operators", "id", unique=True)
    _canonicalise("licences", "case_no", unique=False)


def downgrade() -> None:
    """Nothing to undo: a canonical number is a valid number of the previous schema."""
