"""A trader's notifications: what its cases told its operator (decisions, information
requests, fees due, reminders), newest first, each linking to its case; marked read one by one
or all at once. The same rows the API lists (``services.notifications``), which are also mailed
(``workflows.mail``)."""

from __future__ import annotations

from typing import Annotated

from anyio import to_thread
from fastapi import APIRouter, Depends, Path
from starlette.responses import Response

from kp_licensing.api.deps import SessionDep
from kp_licensing.api.permissions import Action
from kp_licensing.services import notifications
from kp_licensing.web.visit import Visit, may

router = APIRouter(include_in_schema=False)

Reader = Annotated[Visit, Depends(may(Action.notifications))]
NotificationId = Annotated[int, Path(ge=1, le=2**31 - 1)]


@router.get("/notifications")
def notification_list(visit: Reader, session: SessionDep) -> Response:
    listed = notifications.of_operator(session, visit.principal.operator_id, unread=False)
    return visit.page("trader/notifications.html", notifications=listed)


@router.post("/notifications/read")
async def mark_all_read(visit: Reader, session: SessionDep) -> Response:
    await visit.form()
    operator_id = visit.principal.operator_id

    def mark() -> None:
        for notice in notifications.of_operator(session, operator_id, unread=True):
            notifications.mark_read(session, operator_id, notice.id)

    await to_thread.run_sync(mark)
    return visit.redirect("/notifications")


@router.post("/notifications/{notification_id}/read")
async def mark_read(
    notification_id: NotificationId, visit: Reader, session: SessionDep
) -> Response:
    await visit.form()
    operator_id = visit.principal.operator_id
    await to_thread.run_sync(lambda: notifications.mark_read(session, operator_id, notification_id))
    return visit.redirect("/notifications")
