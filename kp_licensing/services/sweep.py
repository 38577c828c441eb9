"""What every API process does in the background: finish the hand-overs to the process engine
that a request left half-done (it died, or Temporal was down, between its commit and the
start): submissions whose workflow never started, listings whose holds were never sent."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta

from kp_licensing.domain.errors import DomainError
from kp_licensing.services import customs, holds, submissions
from kp_licensing.services.temporal import ProcessEngine
from kp_licensing.store.db import SessionFactory
from kp_licensing.support.catalogue import render

log = logging.getLogger(__name__)

Sweep = Callable[[SessionFactory, ProcessEngine, timedelta], Awaitable[int]]

SWEEPS: dict[str, Sweep] = {
    "submission": submissions.start_unstarted,
    "listing holds": holds.send_unsent,
    "customs responses": customs.deliver_undelivered,
}


async def sweep_forever(sessions: SessionFactory, engine: ProcessEngine, every: timedelta) -> None:
    """Run every sweep every ``every`` until cancelled; a failure of one (the engine or the
    database down) is logged in one line and tried again next time."""
    while True:
        await asyncio.sleep(every.total_seconds())
        for name, sweep in SWEEPS.items():
            try:
                await sweep(sessions, engine, every)
            except DomainError as error:
                log.warning("%s sweep: %s", name, render(error.message))
            except Exception as error:  # the sweep must outlive any one failure
                log.warning("%s sweep failed: %s: %s", name, type(error).__name__, error)
