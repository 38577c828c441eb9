"""Notifications for operators (written by the case projections, read through the API)."""

from __future__ import annotations

from sqlmodel import Session, col, select

from kp_licensing.domain.errors import NotFound
from kp_licensing.store.models import Notification, utcnow
from schemas.messages import Message


def for_operator(
    session: Session, operator_id: int, *, unread_only: bool = False, limit: int = 100
) -> list[Notification]:
    stmt = select(Notification).where(Notification.operator_id == operator_id)
    if unread_only:
        stmt = stmt.where(col(Notification.read_at).is_(None))
    stmt = stmt.order_by(col(Notification.created_at).desc(), col(Notification.id).desc())
    return list(session.exec(stmt.limit(limit)).all())


def message_of(row: Notification) -> Message:
    """What a notification says, as data (a row written before messages were data reads as
    ``verbatim``, its old sentence as param ``text``, since the migration made it so)."""
    return Message.model_validate(
        {"code": row.code, "params": row.params, "parts": row.parts or []}
    )


def mark_read(session: Session, *, notification_id: int, operator_id: int) -> Notification:
    row = session.get(Notification, notification_id)
    if row is None or row.operator_id != operator_id:
        raise NotFound("notification.not_found", notification_id=notification_id)
    if row.read_at is None:
        row.read_at = utcnow()
        session.add(row)
        session.commit()
    return row
