"""Appending to the audit trail and reading it back (the seals: ``domain.audit``)."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import update
from sqlmodel import Session, col, select

from kp_licensing.domain import audit
from kp_licensing.store.audit_models import AuditEntry, AuditHead
from schemas.audit import AuditFilter


def append(session: Session, key: bytes, entry: AuditEntry) -> AuditEntry:
    """Seal ``entry`` as the next one and add it to the caller's transaction. The head is moved
    first, by one UPDATE that holds its row until the transaction ends, so appenders follow one
    another and the chain never forks."""
    entry.seq, entry.prev_hash = session.execute(
        update(AuditHead)
        .where(col(AuditHead.id) == 1)
        .values(seq=col(AuditHead.seq) + 1)
        .returning(col(AuditHead.seq), col(AuditHead.hash))
    ).one()
    entry.hash = audit.seal(key, entry.prev_hash, sealed_content(entry))
    session.execute(update(AuditHead).where(col(AuditHead.id) == 1).values(hash=entry.hash))
    session.add(entry)
    return entry


def page(
    session: Session, which: AuditFilter, *, before: int | None, limit: int
) -> list[AuditEntry]:
    """Entries matching ``which``, newest first, from position ``before`` (excluded) down."""
    query = select(AuditEntry)
    if which.actor is not None:
        query = query.where(col(AuditEntry.actor) == which.actor)
    if which.target is not None:
        query = query.where(col(AuditEntry.target) == which.target)
    if which.since is not None:
        query = query.where(col(AuditEntry.at) >= which.since)
    if which.until is not None:
        query = query.where(col(AuditEntry.at) < which.until)
    if before is not None:
        query = query.where(col(AuditEntry.seq) < before)
    return list(session.exec(query.order_by(col(AuditEntry.seq).desc()).limit(limit)).all())


def chain(session: Session) -> Iterator[audit.Sealed]:
    """Every entry in order of position, as sealed, read in batches."""
    rows = session.exec(
        select(AuditEntry).order_by(col(AuditEntry.seq)).execution_options(yield_per=1000)
    )
    for row in rows:
        yield audit.Sealed(content=sealed_content(row), prev_hash=row.prev_hash, hash=row.hash)


def sealed_content(row: AuditEntry) -> dict[str, object]:
    return audit.content(
        seq=row.seq,
        at=row.at,
        action=row.action,
        outcome=row.outcome,
        actor_id=row.actor_id,
        actor=row.actor,
        actor_role=row.actor_role,
        target=row.target,
        address=row.address,
        details=row.details,
    )


def head(session: Session) -> tuple[int, str]:
    row = session.get(AuditHead, 1)
    assert row is not None, "migration 0013 writes the head"
    return row.seq, row.hash
