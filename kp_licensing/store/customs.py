"""Storing what goes to customs and what comes back (``customs_models``), and finding it again.

Every write is idempotent by a business key: a declaration by (case, version), a response by
(sender, message id), an acknowledgement by its message. The caller commits unless a function
says it does.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from kp_licensing.store.customs_models import CustomsInbox, CustomsOutbox
from kp_licensing.store.models import utcnow


def add_declaration(session: Session, row: CustomsOutbox) -> CustomsOutbox:
    """Put a declaration in the outbox, committed; a retry of the same version finds the row
    it wrote (the same message id: customs drops the repeat)."""
    found = declaration_of(session, row.case_no, row.version)
    if found is not None:
        return found
    session.add(row)
    try:
        session.commit()
    except IntegrityError:  # a concurrent retry wrote it first
        session.rollback()
        found = declaration_of(session, row.case_no, row.version)
        if found is None:
            raise
        return found
    session.refresh(row)
    return row


def declaration_of(session: Session, case_no: str, version: int) -> CustomsOutbox | None:
    return session.exec(
        select(CustomsOutbox).where(
            CustomsOutbox.case_no == case_no, CustomsOutbox.version == version
        )
    ).first()


def declaration(session: Session, message_id: str) -> CustomsOutbox | None:
    return session.exec(select(CustomsOutbox).where(CustomsOutbox.message_id == message_id)).first()


def declarations_after(
    session: Session, after: int, limit: int, *, unacknowledged: bool
) -> list[CustomsOutbox]:
    """The outbox in the order written, after a cursor (the last ``id`` the caller saw)."""
    query = select(CustomsOutbox).where(col(CustomsOutbox.id) > after)
    if unacknowledged:
        query = query.where(col(CustomsOutbox.acknowledged_at).is_(None))
    return list(session.exec(query.order_by(col(CustomsOutbox.id)).limit(limit)))


def declarations_of_case(session: Session, case_no: str) -> list[CustomsOutbox]:
    return list(
        session.exec(
            select(CustomsOutbox)
            .where(CustomsOutbox.case_no == case_no)
            .order_by(col(CustomsOutbox.version))
        )
    )


def acknowledge(session: Session, message_id: str, by: str, at: datetime | None = None) -> bool:
    """Mark a declaration acknowledged, committed: True the first time, False for a repeat
    (the first acknowledgement stays what the row says)."""
    done = session.execute(
        update(CustomsOutbox)
        .where(
            col(CustomsOutbox.message_id) == message_id,
            col(CustomsOutbox.acknowledged_at).is_(None),
        )
        .values(acknowledged_at=at or utcnow(), acknowledged_by=by)
    )
    session.commit()
    return bool(done.rowcount)  # type: ignore[attr-defined]


def push_failed(session: Session, message_id: str, error: str) -> None:
    """Count a failed push and keep its reason, committed."""
    session.execute(
        update(CustomsOutbox)
        .where(col(CustomsOutbox.message_id) == message_id)
        .values(push_attempts=CustomsOutbox.push_attempts + 1, push_error=error[:500])
    )
    session.commit()


def add_response(session: Session, row: CustomsInbox) -> tuple[CustomsInbox, bool]:
    """Keep a response as received, committed: the row and True, or the row received before
    under the same (sender, message id) and False."""
    found = response(session, row.sender, row.message_id)
    if found is not None:
        return found, False
    session.add(row)
    try:
        session.commit()
    except IntegrityError:  # the same response, received at the same moment by another process
        session.rollback()
        found = response(session, row.sender, row.message_id)
        if found is None:
            raise
        return found, False
    session.refresh(row)
    return row, True


def response(session: Session, sender: str, message_id: str) -> CustomsInbox | None:
    return session.exec(
        select(CustomsInbox).where(
            CustomsInbox.sender == sender, CustomsInbox.message_id == message_id
        )
    ).first()


def responses_of_case(session: Session, case_no: str) -> list[CustomsInbox]:
    return list(
        session.exec(
            select(CustomsInbox)
            .where(CustomsInbox.case_no == case_no)
            .order_by(col(CustomsInbox.id))
        )
    )


def undelivered(session: Session, *, before: datetime, limit: int = 100) -> list[CustomsInbox]:
    """Responses received before ``before`` whose workflow was never told (the request that
    received them died, or Temporal was down)."""
    return list(
        session.exec(
            select(CustomsInbox)
            .where(col(CustomsInbox.delivered_at).is_(None), col(CustomsInbox.received_at) < before)
            .order_by(col(CustomsInbox.id))
            .limit(limit)
        )
    )


def delivered(session: Session, inbox_id: int) -> None:
    """Mark a response delivered to its workflow, committed."""
    session.execute(
        update(CustomsInbox)
        .where(col(CustomsInbox.id) == inbox_id, col(CustomsInbox.delivered_at).is_(None))
        .values(delivered_at=utcnow())
    )
    session.commit()
