"""Mail delivery: one long-lived workflow (id ``mail-delivery``, started by every worker, the
running one kept) that drains the outbox (``workflows.mail_activities``) every
``KP_MAIL_EVERY_SECONDS``. The activity is retried with backoff while the mail server is down;
meanwhile the mails wait in the outbox. It continues as new now and then, so its history stays
short. (Not a schedule: a scheduled run's workflow id changes every time, and the previous
run's result it is handed would be bound to another workflow, `support/payloads`.)"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from workflows.mail_activities import MailActivities

MAIL_DELIVERY = "mail-delivery"
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
#: Rounds per run before continuing as new (a round is about five events of history).
ROUNDS = 200


@workflow.defn
class MailDeliveryWorkflow:
    @workflow.run
    async def run(self, every_seconds: float) -> None:
        for _ in range(ROUNDS):
            await workflow.execute_activity_method(
                MailActivities.deliver_pending,
                start_to_close_timeout=ROUND_TIMEOUT,
                heartbeat_timeout=ROUND_HEARTBEAT,
                retry_policy=UNTIL_SENT,
            )
            await workflow.sleep(timedelta(seconds=every_seconds))
        workflow.continue_as_new(every_seconds)
