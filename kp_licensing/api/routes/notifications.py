"""Notifications for traders: decisions, information requests, renewal reminders."""

from __future__ import annotations

from fastapi import APIRouter

from kp_licensing.api.deps import DatabaseId, MayNotifications, SessionDep
from kp_licensing.store import notifications
from schemas.accounts import NotificationPublic

router = APIRouter(prefix="/notifications", tags=["notifications"])


@router.get("", response_model=list[NotificationPublic])
def list_notifications(
    principal: MayNotifications, session: SessionDep, unread: bool = False
) -> list[NotificationPublic]:
    rows = notifications.for_operator(session, principal.operator_id, unread_only=unread)
    return [NotificationPublic.model_validate(r, from_attributes=True) for r in rows]


@router.post("/{notification_id}/read", response_model=NotificationPublic)
def mark_read(
    notification_id: DatabaseId, principal: MayNotifications, session: SessionDep
) -> NotificationPublic:
    row = notifications.mark_read(
        session, notification_id=notification_id, operator_id=principal.operator_id
    )
    return NotificationPublic.model_validate(row, from_attributes=True)
