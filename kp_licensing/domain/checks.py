"""What every application's checks share: a refusal names every check that failed at once
(a trader fixes everything in one go), with each check as a detail."""

from __future__ import annotations

from kp_licensing.domain.errors import RuleViolation
from schemas.common import CheckOutcome, CheckResult


def failed(checks: list[CheckResult]) -> list[CheckResult]:
    return [c for c in checks if c.outcome == CheckOutcome.failed]


def refuse_failed(checks: list[CheckResult], *, verdict: str) -> None:
    """Refuse (422) with every failed check, if any: "the application <verdict>: ..."."""
    refused = failed(checks)
    if refused:
        raise RuleViolation(
            f"the application {verdict}: " + "; ".join(c.message for c in refused),
            details=[c.model_dump(mode="json") for c in refused],
        )
