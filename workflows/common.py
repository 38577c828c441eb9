"""What every case workflow shares: how a domain refusal crosses Temporal, and how activities
are retried."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import TypeVar

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from kp_licensing.domain.errors import DomainError

#: Activities write to our own database: retry them without limit (a database outage delays a
#: case, it never loses a transition), backing off to once a minute.
ACTIVITY_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(minutes=1),
)
ACTIVITY_TIMEOUT = timedelta(seconds=30)

T = TypeVar("T")


def guarded(check: Callable[[], T]) -> T:
    """Run a domain guard; a refusal crosses Temporal as an ApplicationError named after it, which
    the API turns back into the same domain error (409, 422...)."""
    try:
        return check()
    except DomainError as error:
        raise ApplicationError(
            error.message, error.details, type=type(error).__name__, non_retryable=True
        ) from None
