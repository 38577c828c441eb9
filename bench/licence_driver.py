"""The service's load for ``bench.licence_throughput``, in a process of its own.

    (started by the benchmark: ``python -m bench.licence_driver``; not a command for people)

The HTTP client that plays the traders and the officer runs outside the measured process, as
``bench.reads``'s does: inside, it took the GIL from the service it measured (about 4.5 ms of
CPU per case, a sixth of the service's own), which slowed the service's answers but not the
baseline's, whose client is the Temporal client doing the baseline's own work.

Protocol, one JSON document per line: the benchmark writes the job (base URL, concurrency, the
officer's headers, the traders' headers and applications); the driver connects, answers
``ready``; the benchmark reads its CPU clocks and writes ``go``; the driver runs the apply pass
and writes ``applied``; the benchmark waits until the service has settled and writes ``go``; the
driver runs the approve pass and writes the latencies, walls, failures and its own CPU seconds.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from typing import Any

import httpx

from bench.load import bounded, expect


async def between_passes() -> None:
    """Tell the benchmark the first pass is done; go on when it says the service has settled."""
    print("applied", flush=True)
    if (await asyncio.to_thread(sys.stdin.readline)).strip() != "go":
        raise SystemExit("the benchmark stopped the driver")


async def service_phase(
    http: httpx.AsyncClient,
    traders: list[dict[str, Any]],
    officer: dict[str, str],
    concurrency: int,
) -> dict[str, Any]:
    """Every trader applies, then every case is approved, both passes at ``concurrency``: the
    baseline's two passes (start, then update), so an approval meets other approvals in flight
    as a baseline update meets other updates, not applications. Between the passes the
    benchmark waits for the service to settle (:func:`between_passes`)."""
    apply: list[float] = []
    approve: list[float] = []
    errors: list[str] = []
    cases: list[str | None] = [None] * len(traders)

    async def apply_one(i: int) -> None:
        trader = traders[i]
        try:
            t0 = time.perf_counter()
            response = await http.post(
                "/licences", json=trader["application"], headers=trader["headers"]
            )
            t1 = time.perf_counter()
            state = expect(response, 201)
            if state["status"] != "under_review":
                raise RuntimeError(f"apply answered status {state['status']}")
            apply.append(t1 - t0)
            cases[i] = state["case_no"]
        except Exception as error:
            errors.append(f"apply {i}: {type(error).__name__}: {error}")

    async def approve_one(i: int) -> None:
        if cases[i] is None:
            return
        try:
            t0 = time.perf_counter()
            response = await http.post(
                f"/licences/{cases[i]}/approve",
                json={"note": "Benchmark approval."},
                headers=officer,
            )
            t1 = time.perf_counter()
            record = expect(response, 200)
            if record["state"]["status"] != "active":
                raise RuntimeError(f"approve answered status {record['state']['status']}")
            approve.append(t1 - t0)
        except Exception as error:
            errors.append(f"approve {i}: {type(error).__name__}: {error}")

    cpu = time.process_time()
    apply_wall = await bounded(len(traders), concurrency, apply_one)
    await between_passes()
    approve_wall = await bounded(len(traders), concurrency, approve_one)
    return {
        "apply": apply,
        "approve": approve,
        "errors": errors,
        "apply_wall": apply_wall,
        "approve_wall": approve_wall,
        "cpu": time.process_time() - cpu,
    }


async def main() -> None:
    job = json.loads(sys.stdin.readline())
    c = job["concurrency"]
    limits = httpx.Limits(max_connections=2 * c + 4, max_keepalive_connections=2 * c + 4)
    async with httpx.AsyncClient(base_url=job["base_url"], timeout=120, limits=limits) as http:
        print("ready", flush=True)
        if sys.stdin.readline().strip() != "go":
            return
        result = await service_phase(http, job["traders"], job["officer"], c)
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    asyncio.run(main())
