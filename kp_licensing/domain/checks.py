"""What every application's checks share: a refusal names every check that failed at once
(a trader fixes everything in one go), with each check as a detail."""

from __future__ import annotations

from typing import Literal

from kp_licensing.domain.errors import RuleViolation
from schemas.common import CheckOutcome, CheckResult

#: How a refusal is said: an operating-licence application "is incomplete", a shipment-licence
#: application "cannot be accepted".
Refusal = Literal["application.incomplete", "application.refused"]


def failed(checks: list[CheckResult]) -> list[CheckResult]:
    return [c for c in checks if c.outcome == CheckOutcome.failed]


def refuse_failed(checks: list[CheckResult], *, code: Refusal) -> None:
    """Refuse (422) with every failed check, if any, as the error's details: the edge says the
    refusal's sentence ("the application is incomplete") followed by each check's message."""
    refused = failed(checks)
    if not refused:
        return
    details = [c.model_dump(mode="json") for c in refused]
    if code == "application.refused":
        raise RuleViolation("application.refused", details=details)
    raise RuleViolation("application.incomplete", details=details)
