"""Notifications for operators (written by the licence projection, read through the API)."""

from __future__ import annotations

from sqlmodel import Session, col, select

from kp_licensing.domain.errors import NotFound
from kp_licensing.store.models import Notification, utcnow


def for_operator(
    session: Session, operator_id: int, *, unread_only: bool = False, limit: int = 100
) -> list[Notification]:
    stmt = select(Notification).where(Notification.operator_id == operator_id)
    if unread_only:
        stmt = stmt.where(col(Notification.read_at).is_(None))
    stmt = stmt.order_by(col(Notification.created_at).desc(), col(Notification.id).desc())
    return list(session.exec(stmt.limit(limit)).all())


def mark_read(session: Session, *, notification_id: int, operator_id: int) -> Notification:
    row = session.get(Notification, notification_id)
    if row is None or row.operator_id != operator_id:
        raise NotFound(f"no notification {notification_id}")
    if row.read_at is None:
        row.read_at = utcnow()
        session.add(row)
        session.commit()
    return row
