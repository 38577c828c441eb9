"""Mail delivery: drains the outbox (``workflows.mail_activities``), run by a Temporal schedule
every ``KP_MAIL_EVERY_SECONDS``. The activity is retried with backoff while the mail server is
down; meanwhile the next runs are skipped, and the mails wait in the outbox."""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from workflows.mail_activities import MailActivities

#: A round sends at most a batch; each mail is a few seconds at worst.
ROUND_TIMEOUT = timedelta(minutes=10)
ROUND_HEARTBEAT = timedelta(minutes=2)
#: Tried again and again, at most every five minutes: mail waits, never goes.
UNTIL_SENT = RetryPolicy(
    initial_interval=timedelta(seconds=5),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(minutes=5),
    maximum_attempts=0,
)


@workflow.defn
class MailDeliveryWorkflow:
    @workflow.run
    async def run(self) -> int:
        sent: int = await workflow.execute_activity_method(
            MailActivities.deliver_pending,
            start_to_close_timeout=ROUND_TIMEOUT,
            heartbeat_timeout=ROUND_HEARTBEAT,
            retry_policy=UNTIL_SENT,
        )
        return sent
