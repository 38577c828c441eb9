"""Waiting, in real time, for a worker to catch up: with time skipped by the test server, or
with signals, which are handled after the call that sent them has returned."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable


async def eventually(check: Callable[[], Awaitable[bool] | bool], seconds: float = 15) -> None:
    """Return once ``check`` holds; fail the test if it still does not after ``seconds``."""

    async def holds() -> bool:
        result = check()
        return await result if inspect.isawaitable(result) else result

    for _ in range(int(seconds / 0.05)):
        if await holds():
            return
        await asyncio.sleep(0.05)
    assert await holds()
