"""The worker: every workflow and activity of the service on one task queue."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from temporalio.client import Client
from temporalio.worker import Worker

from kp_licensing.store.db import SessionFactory
from workflows.licence import LicenceWorkflow
from workflows.licence_activities import LicenceActivities
from workflows.permit import PermitWorkflow
from workflows.permit_activities import PermitActivities

WORKFLOWS = [LicenceWorkflow, PermitWorkflow]


def build_worker(
    client: Client, *, task_queue: str, sessions: SessionFactory, executor: ThreadPoolExecutor
) -> Worker:
    """A worker for ``task_queue``; activities are synchronous (database calls), run on
    ``executor``."""
    licences = LicenceActivities(sessions)
    permits = PermitActivities(sessions, client)
    return Worker(
        client,
        task_queue=task_queue,
        workflows=WORKFLOWS,
        activities=[
            licences.record,
            licences.allocate_number,
            permits.record,
            permits.allocate_number,
            permits.hold_operator_shipments,
        ],
        activity_executor=executor,
        # Let activities in flight (a projection write) finish on shutdown rather than be
        # cancelled and retried by the next worker.
        graceful_shutdown_timeout=timedelta(seconds=10),
    )
