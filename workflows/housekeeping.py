"""Housekeeping: deleting what nothing needs any more, run by a Temporal schedule.

Uploads that no case was given within ``KP_DOCUMENTS_UNUSED_DAYS`` go (anyone can register and
upload, so unreferenced files must not pile up), with their files and any partial upload a dead
request left; failed sign-in counts every throttle rule has forgotten; and the portal's
sessions that have ended. The schedule
(``workflows.schedules``) is made or brought up to date by every worker that starts, and
never runs two of these at once.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from schemas.housekeeping import HousekeepingReport
    from workflows.common import ACTIVITY_RETRY, ACTIVITY_TIMEOUT
    from workflows.housekeeping_activities import HousekeepingActivities

#: A whole store's files are checked in batches, each reporting progress.
SWEEP_TIMEOUT = timedelta(hours=1)
SWEEP_HEARTBEAT = timedelta(minutes=5)


@workflow.defn
class HousekeepingWorkflow:
    @workflow.run
    async def run(self) -> HousekeepingReport:
        documents = await workflow.execute_activity_method(
            HousekeepingActivities.delete_unused_documents,
            start_to_close_timeout=SWEEP_TIMEOUT,
            heartbeat_timeout=SWEEP_HEARTBEAT,
            retry_policy=ACTIVITY_RETRY,
        )
        attempts = await workflow.execute_activity_method(
            HousekeepingActivities.purge_failed_attempts,
            start_to_close_timeout=ACTIVITY_TIMEOUT,
            retry_policy=ACTIVITY_RETRY,
        )
        ended = 0
        if workflow.patched("portal-sessions"):
            ended = await workflow.execute_activity_method(
                HousekeepingActivities.end_portal_sessions,
                start_to_close_timeout=ACTIVITY_TIMEOUT,
                retry_policy=ACTIVITY_RETRY,
            )
        return HousekeepingReport(
            documents=documents, failed_attempts=attempts, portal_sessions=ended
        )
