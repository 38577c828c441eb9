"""The service's Temporal schedules, made or updated by every worker as it starts."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleAlreadyRunningError,
    ScheduleIntervalSpec,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleSpec,
    ScheduleUpdate,
    ScheduleUpdateInput,
)

from workflows.housekeeping import HousekeepingWorkflow
from workflows.mail import MailDeliveryWorkflow

HOUSEKEEPING = "housekeeping"
MAIL = "mail-delivery"


async def ensure_housekeeping(client: Client, *, task_queue: str, every: timedelta) -> None:
    """The housekeeping schedule (``workflows.housekeeping``)."""
    await _ensure(
        client, HOUSEKEEPING, HousekeepingWorkflow.run, task_queue=task_queue, every=every
    )


async def ensure_mail_delivery(client: Client, *, task_queue: str, every: timedelta) -> None:
    """The schedule that drains the mail outbox (``workflows.mail``)."""
    await _ensure(client, MAIL, MailDeliveryWorkflow.run, task_queue=task_queue, every=every)


async def _ensure(
    client: Client, name: str, run: Any, *, task_queue: str, every: timedelta
) -> None:
    """Make a schedule, or bring an existing one to these settings (workers starting together
    may each do it: the last one's settings hold, and they are the same). A run still going
    when the next is due makes that one skip."""
    schedule = Schedule(
        action=ScheduleActionStartWorkflow(run, id=name, task_queue=task_queue),
        spec=ScheduleSpec(intervals=[ScheduleIntervalSpec(every=every)]),
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP),
    )
    try:
        await client.create_schedule(name, schedule)
    except ScheduleAlreadyRunningError:

        def update(_: ScheduleUpdateInput) -> ScheduleUpdate:
            return ScheduleUpdate(schedule=schedule)

        await client.get_schedule_handle(name).update(update)
