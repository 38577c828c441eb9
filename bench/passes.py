"""Each side's two passes for ``bench.licence_throughput``: the service's (applications, then
approvals, sent by ``bench.licence_driver`` from a process of its own) and the baseline's
(workflows started, then each sent its update, through a Temporal client), with the process
left to settle between them."""

from __future__ import annotations

import asyncio
import json
import sys
import time
from typing import Any

from temporalio.client import Client

from bench.load import Trader, bounded
from bench.report import CpuClock, CpuReading, Samples, settle
from bench.stack import BaselineWorkflow


class ServiceLoad:
    """The service's passes as ``bench.licence_driver`` ran them in its own process."""

    def __init__(self, result: dict[str, Any]) -> None:
        self.apply, self.approve = Samples(), Samples()
        self.apply.values, self.approve.values = result["apply"], result["approve"]
        self.apply.errors = [e for e in result["errors"] if e.startswith("apply")]
        self.approve.errors = [e for e in result["errors"] if not e.startswith("apply")]
        self.wall: float = result["apply_wall"] + result["approve_wall"]
        self.settled: float = result["settled"]
        self.generator: float = result["cpu"]


async def service_phase(
    base_url: str,
    traders: list[Trader],
    officer: dict[str, str],
    concurrency: int,
    cpu: CpuClock,
) -> tuple[ServiceLoad, CpuReading, CpuReading]:
    """The apply pass then the approve pass, driven by ``bench.licence_driver`` in a process of
    its own; with this process's CPU readings just before and after them (the driver connects
    first, so its start-up falls outside them)."""
    driver = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench.licence_driver",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    assert driver.stdin is not None and driver.stdout is not None
    job = {
        "base_url": base_url,
        "concurrency": concurrency,
        "officer": officer,
        "traders": [{"headers": t.headers, "application": t.application} for t in traders],
    }
    driver.stdin.write(json.dumps(job).encode() + b"\n")
    await driver.stdin.drain()
    if (await driver.stdout.readline()).strip() != b"ready":
        raise RuntimeError("the load driver did not start")
    before = cpu.read()
    driver.stdin.write(b"go\n")
    await driver.stdin.drain()
    if (await driver.stdout.readline()).strip() != b"applied":
        raise RuntimeError("the load driver stopped during the apply pass")
    settled = await settle(cpu)
    driver.stdin.write(b"go\n")
    await driver.stdin.drain()
    result = json.loads(await driver.stdout.readline())
    result["settled"] = settled
    after = cpu.read()
    await driver.wait()
    return ServiceLoad(result), before, after


async def baseline_phase(
    client: Client, task_queue: str, label: str, count: int, concurrency: int, cpu: CpuClock
) -> tuple[Samples, Samples, float, float, float]:
    """``count`` workflows started, then each sent its update, both passes at ``concurrency``;
    (start, update, start pass wall seconds, update pass wall seconds, seconds settling).

    Two passes rather than start-then-update per workflow, with the process left to settle in
    between (the first workflow task of every workflow started done): an update sent the moment
    its workflow starts waits for that task, which an approve (sent to a case whose workflow
    has long been waiting for a decision) never does. The service's passes settle the same way."""
    start, update = Samples(), Samples()
    handles: list[Any] = [None] * count

    async def start_one(i: int) -> None:
        try:
            t0 = time.perf_counter()
            handles[i] = await client.start_workflow(
                BaselineWorkflow.run, id=f"{task_queue}-{label}-{i}", task_queue=task_queue
            )
            start.values.append(time.perf_counter() - t0)
        except Exception as error:
            update.errors.append(f"start {i}: {type(error).__name__}: {error}")

    async def update_one(i: int) -> None:
        if handles[i] is None:
            return
        try:
            t0 = time.perf_counter()
            result = await handles[i].execute_update(BaselineWorkflow.touch, f"case-{i}")
            t1 = time.perf_counter()
            if result != f"case-{i}":
                raise RuntimeError(f"the update answered {result!r}")
            update.values.append(t1 - t0)
        except Exception as error:
            update.errors.append(f"update {i}: {type(error).__name__}: {error}")

    start_wall = await bounded(count, concurrency, start_one)
    settled = await settle(cpu)
    update_wall = await bounded(count, concurrency, update_one)
    return start, update, start_wall, update_wall, settled


# --------------------------------------------------------------------------------- the run
