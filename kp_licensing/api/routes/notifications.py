"""Notifications for traders: decisions, information requests, renewal reminders."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel

from kp_licensing.api.deps import DatabaseId, MayNotifications, SessionDep
from kp_licensing.store import notifications

router = APIRouter(prefix="/notifications", tags=["notifications"])


class NotificationPublic(BaseModel):
    id: int
    case_no: str
    kind: str
    message: str
    created_at: datetime
    read_at: datetime | None


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
