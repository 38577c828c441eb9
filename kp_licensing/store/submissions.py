"""The register of submissions (requests that open cases) and of operating-licence claims.

Both tables belong to the API: they are written before a case's workflow exists, which is what
lets a submission be recognised and finished after any failure (see ``services.submissions``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import CursorResult, update
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


def mark_started(session: Session, case_no: str) -> None:
    """Record that the case's workflow exists (the sweep then leaves it alone)."""
    session.execute(
        update(Submission)
        .where(col(Submission.case_no) == case_no, col(Submission.started_at).is_(None))
        .values(started_at=datetime.now(UTC))
    )
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
    row = session.get(LicenceClaim, operator_id)
    return row.case_no if row else None


def claim_licence(
    session: Session, *, operator_id: int, case_no: str, replacing: str | None
) -> bool:
    """Give the operator's claim to ``case_no`` in the caller's transaction: a first claim, or
    one taken over from ``replacing`` (a case that has ended). False if another submission got
    there first, whichever replica it ran on."""
    if replacing is None:
        # INSERT ... ON CONFLICT DO NOTHING: a claim someone else holds is a row not written,
        # without the savepoint a caught IntegrityError would need (both dialects have it).
        dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
        claimed = session.execute(
            dialect.insert(LicenceClaim)
            .values(operator_id=operator_id, case_no=case_no, claimed_at=datetime.now(UTC))
            .on_conflict_do_nothing(index_elements=["operator_id"])
            .returning(col(LicenceClaim.operator_id))
        )
        return claimed.first() is not None  # (psycopg reports no row count for it)
    result = session.execute(
        update(LicenceClaim)
        .where(col(LicenceClaim.operator_id) == operator_id, col(LicenceClaim.case_no) == replacing)
        .values(case_no=case_no, claimed_at=datetime.now(UTC))
    )
    return int(cast(CursorResult[Any], result).rowcount) == 1
