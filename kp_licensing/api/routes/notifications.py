"""Notifications for traders: decisions, information requests, renewal reminders."""

from __future__ import annotations

from fastapi import APIRouter

from kp_licensing.api.deps import DatabaseId, MayNotifications, SessionDep
from kp_licensing.services import notifications
from schemas.accounts import NotificationPublic

router = APIRouter(prefix="/notifications", tags=["notifications"])


@router.get("", response_model=list[NotificationPublic])
def list_notifications(
    principal: MayNotifications, session: SessionDep, unread: bool = False
) -> list[NotificationPublic]:
    return notifications.of_operator(session, principal.operator_id, unread=unread)


@router.post("/{notification_id}/read", response_model=NotificationPublic)
def mark_read(
    notification_id: DatabaseId, principal: MayNotifications, session: SessionDep
) -> NotificationPublic:
    return notifications.mark_read(session, principal.operator_id, notification_id)
