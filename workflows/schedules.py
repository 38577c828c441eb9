"""The service's Temporal schedules, made or updated by every worker as it starts."""

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

from workflows.housekeeping import HousekeepingWorkflow

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
