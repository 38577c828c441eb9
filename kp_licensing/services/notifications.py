"""A trader's notifications: what its cases told it, and which it has read."""

from __future__ import annotations

from sqlmodel import Session

from kp_licensing.store import notifications
from kp_licensing.store.models import Notification
from schemas.accounts import NotificationPublic


def of_operator(session: Session, operator_id: int, *, unread: bool) -> list[NotificationPublic]:
    """The operator's notifications, newest first (only unread ones if asked)."""
    rows = notifications.for_operator(session, operator_id, unread_only=unread)
    return [_public(r) for r in rows]


def mark_read(session: Session, operator_id: int, notification_id: int) -> NotificationPublic:
    """Mark one of the operator's notifications read (another operator's does not exist)."""
    row = notifications.mark_read(session, notification_id=notification_id, operator_id=operator_id)
    return _public(row)


def _public(row: Notification) -> NotificationPublic:
    """A notification as the API shows it: its message as data, rendered at the edge."""
    assert row.id is not None  # read from the database
    return NotificationPublic(
        id=row.id,
        case_no=row.case_no,
        kind=row.kind,
        message=notifications.message_of(row),
        created_at=row.created_at,
        read_at=row.read_at,
    )
