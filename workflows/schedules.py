"""The service's standing workflows, made or updated by every worker as it starts: the
housekeeping's schedule and the mail delivery."""

from __future__ import annotations

from datetime import timedelta

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
from temporalio.common import WorkflowIDConflictPolicy

from workflows.housekeeping import HousekeepingWorkflow
from workflows.mail import MAIL_DELIVERY, MailDeliveryWorkflow

HOUSEKEEPING = "housekeeping"


async def ensure_housekeeping(client: Client, *, task_queue: str, every: timedelta) -> None:
    """Make the housekeeping schedule, or bring an existing one to these settings (workers
    starting together may each do it: the last one's settings hold, and they are the same).
    A run still going when the next is due makes that one skip."""
    schedule = Schedule(
        action=ScheduleActionStartWorkflow(
            HousekeepingWorkflow.run, id=HOUSEKEEPING, task_queue=task_queue
        ),
        spec=ScheduleSpec(intervals=[ScheduleIntervalSpec(every=every)]),
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP),
    )
    try:
        await client.create_schedule(HOUSEKEEPING, schedule)
    except ScheduleAlreadyRunningError:

        def update(_: ScheduleUpdateInput) -> ScheduleUpdate:
            return ScheduleUpdate(schedule=schedule)

        await client.get_schedule_handle(HOUSEKEEPING).update(update)


async def ensure_mail_delivery(client: Client, *, task_queue: str, every: timedelta) -> None:
    """Start the mail delivery workflow unless it runs already (workers starting together may
    each try: one starts it, the others find it)."""
    await client.start_workflow(
        MailDeliveryWorkflow.run,
        every.total_seconds(),
        id=MAIL_DELIVERY,
        task_queue=task_queue,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
    )
