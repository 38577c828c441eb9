"""``CustomsDeliveryWorkflow``: push one declaration to customs until customs acknowledges it.

Workflow id ``customs-delivery-<message id>``, started by the declaring ``PermitWorkflow`` (as
a child it abandons: delivery goes on whatever becomes of the case) when customs takes
declarations pushed. The activity is retried without limit, backing off to every ten minutes:
an endpoint that is down delays a declaration, never loses it; one pulled and acknowledged
meanwhile ends the pushing.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from workflows.customs_activities import CustomsActivities

PUSH_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=5),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(minutes=10),
)


@workflow.defn
class CustomsDeliveryWorkflow:
    @workflow.run
    async def run(self, message_id: str) -> None:
        await workflow.execute_activity_method(
            CustomsActivities.push,
            message_id,
            start_to_close_timeout=timedelta(minutes=2),
            retry_policy=PUSH_RETRY,
        )
