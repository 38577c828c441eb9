"""Connecting to Temporal until it answers, for the processes that must outlive its outages.

A worker or an API replica is often started before Temporal is ready (a cluster rollout, a
``docker compose up``, a restart of the dev server): giving up on the first refusal would leave
the process running and useless, or crash-looping. Instead each attempt that fails is logged as
one line (the reason, not a traceback) and the next one comes after a delay that doubles from
1 s up to 30 s, so a long outage costs one line every half minute.
"""

from __future__ import annotations

import asyncio
import logging
from contextlib import suppress

from temporalio.client import Client

from workflows.client import TemporalAccess

log = logging.getLogger(__name__)

FIRST_DELAY = 1.0
MAX_DELAY = 30.0


def delay_after(attempt: int) -> float:
    """Seconds to wait after failed attempt number ``attempt`` (1, 2, 4, ... capped at 30)."""
    return min(FIRST_DELAY * 2 ** min(attempt - 1, 16), MAX_DELAY)


async def connect_until_up(
    access: TemporalAccess,
    *,
    stop: asyncio.Event,
    who: str,
    tried: asyncio.Event | None = None,
) -> Client | None:
    """A connected client, retrying with capped exponential backoff; None if ``stop`` is set
    first. ``who`` names the process in the log lines (``worker``, ``API``); ``tried`` is set
    once the first attempt has succeeded or failed, for a caller that waits only that long."""
    address = access.address
    attempt = 0
    while not stop.is_set():
        attempt += 1
        try:
            client = await access.connect()
        except RuntimeError as error:  # the SDK's "Failed client connect: ..." (one line)
            reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        else:
            if attempt > 1:
                log.info("%s: connected to Temporal at %s (attempt %d)", who, address, attempt)
            return client
        finally:
            if tried is not None:
                tried.set()
        delay = delay_after(attempt)
        log.warning(
            "%s: Temporal at %s is not reachable (attempt %d: %s); retrying in %.0f s",
            who,
            address,
            attempt,
            reason,
            delay,
        )
        with suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), delay)
    return None
