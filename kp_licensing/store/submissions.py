"""The register of submissions (requests that open cases) and of operating-licence claims.

Both tables belong to the API: they are written before a case's workflow exists, which is what
lets a submission be recognised and finished after any failure (see ``services.submissions``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from typing import Any

from sqlalchemy import bindparam, insert, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from kp_licensing.store.models import LicenceClaim, Submission


def get(session: Session, case_no: str) -> Submission | None:
    return session.get(Submission, case_no)


def by_key(session: Session, *, operator_id: int, key: str) -> Submission | None:
    """The operator's submission sent with this ``Idempotency-Key``."""
    stmt = select(Submission).where(
        Submission.operator_id == operator_id, Submission.idempotency_key == key
    )
    return session.exec(stmt).first()


def with_fingerprint(
    session: Session, *, operator_id: int, kind: str, fingerprint: str
) -> list[Submission]:
    """The operator's submissions of this kind with the same content, newest first."""
    stmt = (
        select(Submission)
        .where(
            Submission.operator_id == operator_id,
            Submission.kind == kind,
            Submission.fingerprint == fingerprint,
        )
        .order_by(col(Submission.created_at).desc())
    )
    return list(session.exec(stmt).all())


SUBMISSIONS = Submission.__table__  # type: ignore[attr-defined]
CLAIMS = LicenceClaim.__table__  # type: ignore[attr-defined]

# The statements every submission runs, built once and executed with parameters (Core: no
# object to track for rows written once).
NEW_SUBMISSION = insert(SUBMISSIONS)
STARTED = (
    update(SUBMISSIONS)
    .where(SUBMISSIONS.c.case_no == bindparam("case"), SUBMISSIONS.c.started_at.is_(None))
    .values(started_at=bindparam("at"))
)
CLAIM_OF = select(CLAIMS.c.case_no).where(CLAIMS.c.operator_id == bindparam("operator"))
CLAIM_TAKEN_OVER = (
    update(CLAIMS)
    .where(CLAIMS.c.operator_id == bindparam("operator"), CLAIMS.c.case_no == bindparam("ended"))
    .values(case_no=bindparam("case"), claimed_at=bindparam("at"))
)


def add(session: Session, row: Submission) -> None:
    """Write a new submission in the caller's transaction (the row stays a plain object)."""
    session.connection().execute(NEW_SUBMISSION, row.model_dump())


def mark_started(session: Session, case_no: str) -> None:
    """Record that the case's workflow exists (the sweep then leaves it alone)."""
    session.connection().execute(STARTED, {"case": case_no, "at": datetime.now(UTC)})
    session.commit()


def unstarted(session: Session, *, before: datetime, limit: int = 100) -> list[Submission]:
    """Submissions written before ``before`` whose workflow is not known to have started."""
    stmt = (
        select(Submission)
        .where(col(Submission.started_at).is_(None), col(Submission.created_at) < before)
        .order_by(col(Submission.created_at))
        .limit(limit)
    )
    return list(session.exec(stmt).all())


def licence_claim(session: Session, operator_id: int) -> str | None:
    """The case holding the operator's claim, if any (it may have ended since)."""
    case_no = session.connection().execute(CLAIM_OF, {"operator": operator_id}).scalar()
    return None if case_no is None else str(case_no)


def claim_licence(
    session: Session, *, operator_id: int, case_no: str, replacing: str | None
) -> bool:
    """Give the operator's claim to ``case_no`` in the caller's transaction: a first claim, or
    one taken over from ``replacing`` (a case that has ended). False if another submission got
    there first, whichever replica it ran on."""
    db = session.connection()
    values = {"operator": operator_id, "case": case_no, "at": datetime.now(UTC)}
    if replacing is None:
        # INSERT ... ON CONFLICT DO NOTHING: a claim someone else holds is a row not written,
        # without the savepoint a caught IntegrityError would need (both dialects have it).
        claimed = db.execute(_first_claim(db.dialect.name), values)
        return claimed.first() is not None  # (psycopg reports no row count for it)
    result = db.execute(CLAIM_TAKEN_OVER, {**values, "ended": replacing})
    return int(result.rowcount) == 1


@cache
def _first_claim(dialect: str) -> Any:
    insert_ = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return (
        insert_(CLAIMS)
        .values(
            operator_id=bindparam("operator"),
            case_no=bindparam("case"),
            claimed_at=bindparam("at"),
        )
        .on_conflict_do_nothing(index_elements=["operator_id"])
        .returning(CLAIMS.c.operator_id)
    )
