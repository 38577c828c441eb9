"""The worker: every workflow and activity of the service on one task queue."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from temporalio.client import Client
from temporalio.worker import Worker
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

from edi.signer import Signer
from kp_licensing.store.db import SessionFactory
from kp_licensing.support.settings import get_settings
from workflows.certificate import CertificateWorkflow
from workflows.certificate_activities import CertificateActivities
from workflows.customs_activities import CustomsActivities, CustomsLink
from workflows.customs_delivery import CustomsDeliveryWorkflow
from workflows.hold_activities import HoldActivities
from workflows.holds import ListingHoldsWorkflow
from workflows.housekeeping import HousekeepingWorkflow
from workflows.housekeeping_activities import HousekeepingActivities
from workflows.licence import LicenceWorkflow
from workflows.licence_activities import LicenceActivities
from workflows.mail import MailDeliveryWorkflow
from workflows.mail_activities import MailActivities
from workflows.permit import PermitWorkflow
from workflows.permit_activities import PermitActivities

WORKFLOWS = [
    LicenceWorkflow,
    PermitWorkflow,
    CertificateWorkflow,
    CustomsDeliveryWorkflow,
    ListingHoldsWorkflow,
    HousekeepingWorkflow,
    MailDeliveryWorkflow,
]

#: The sandbox, with our workflow modules passed through: by default it re-imports (and, with no
#: bytecode cache, compiles) the module of a workflow class for every run it starts, about an
#: eighth of the process's busy CPU in a profiled benchmark. Our workflow modules hold constants
#: and classes only (no state at module level, no I/O at import), and every module they import is
#: passed through already; the sandbox's other checks (restricted calls, builtins) still apply.
WORKFLOW_RUNNER = SandboxedWorkflowRunner(
    restrictions=SandboxRestrictions.default.with_passthrough_modules("workflows")
)


def build_worker(
    client: Client,
    *,
    task_queue: str,
    sessions: SessionFactory,
    executor: ThreadPoolExecutor,
    housekeeping: HousekeepingActivities | None = None,
    signer: Signer | None = None,
    customs_link: CustomsLink | None = None,
    mail: MailActivities | None = None,
) -> Worker:
    """A worker for ``task_queue``; activities are synchronous (database calls), run on
    ``executor``. The service's worker runs the ``housekeeping`` too (it needs the documents
    folder); workers of tests about cases leave it out. ``signer`` signs the KP certificates
    issued and the declarations to customs (without it, an issue or a declaration waits, retried,
    until a worker that has it runs); ``customs_link``: the EDI codes and the push endpoint
    (default: the settings' defaults, pull only); ``mail``: the outbox's sender (the service's
    worker; without it, mail waits in the outbox)."""
    licences = LicenceActivities(sessions)
    permits = PermitActivities(sessions)
    certificates = CertificateActivities(sessions, signer)
    holds = HoldActivities(sessions, client)
    exchange = CustomsActivities(sessions, signer, customs_link or CustomsLink.of(get_settings()))
    chores = (
        []
        if housekeeping is None
        else [
            housekeeping.delete_unused_documents,
            housekeeping.purge_failed_attempts,
            housekeeping.end_portal_sessions,
        ]
    ) + ([] if mail is None else [mail.deliver_pending])
    return Worker(
        client,
        task_queue=task_queue,
        workflows=WORKFLOWS,
        workflow_runner=WORKFLOW_RUNNER,
        activities=[
            licences.record,
            licences.record_numbered,
            licences.allocate_number,
            permits.record,
            permits.record_numbered,
            permits.allocate_number,
            certificates.record,
            certificates.issue,
            certificates.void,
            exchange.declare,
            exchange.push,
            holds.hold_operator_shipments,
            holds.hold_listed_cases,
            *chores,
        ],
        activity_executor=executor,
        # Let activities in flight (a projection write) finish on shutdown rather than be
        # cancelled and retried by the next worker.
        graceful_shutdown_timeout=timedelta(seconds=10),
    )
