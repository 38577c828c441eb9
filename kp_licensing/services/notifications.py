"""A trader's notifications: what its cases told it, and which it has read."""

from __future__ import annotations

from sqlmodel import Session

from kp_licensing.store import notifications
from schemas.accounts import NotificationPublic


def of_operator(session: Session, operator_id: int, *, unread: bool) -> list[NotificationPublic]:
    """The operator's notifications, newest first (only unread ones if asked)."""
    rows = notifications.for_operator(session, operator_id, unread_only=unread)
    return [NotificationPublic.model_validate(r, from_attributes=True) for r in rows]


def mark_read(session: Session, operator_id: int, notification_id: int) -> NotificationPublic:
    """Mark one of the operator's notifications read (another operator's does not exist)."""
    row = notifications.mark_read(session, notification_id=notification_id, operator_id=operator_id)
    return NotificationPublic.model_validate(row, from_attributes=True)
