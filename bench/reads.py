"""Authenticated reads per second beside ``/health``, on the same API process, in one run.

    .venv/bin/python -m bench.reads [--cases 300] [--seconds 4] [--rounds 3] [--concurrency 16]

Starts the embedded stack of ``bench.stack`` (Temporal dev server, migrated SQLite in a temp dir,
worker and API on one event loop), writes an operator, an officer and ``--cases`` licence cases
under review straight into the database (valid ``LicenceState`` JSON, as the projection writes
it), mints the officer's bearer token as ``/auth/token`` would, then measures requests per
second, ``--concurrency`` requests in flight on kept-alive connections, for:

* ``GET /health`` (database and Temporal answer; no authentication);
* ``GET /api/v1/licences/{case_no}``: one case, as the officer;
* ``GET /api/v1/licences?status=under_review&limit=50``: a 50-row worklist page, as the officer.

The load comes from a separate process (httpx), so it does not share the API's GIL. The three
are measured in turn, ``--rounds`` times over (each ``--seconds`` long, after a warm-up); the
figure is each one's median, and the ratios divide by ``/health``'s. Beside the rates, the CPU
time this process (the API; the load is elsewhere) spent per answered request, and the rate
that would give relative to ``/health`` (``/health``'s CPU per request / the read's): on a
loaded machine the rates swing with other tenants, the CPU per request much less. Every
response must be a 200, or the run says how many were not. See ``bench/README.md``.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import shutil
import statistics
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from bench.lists import sample_state
from bench.report import load_average
from bench.stack import Stack
from kp_licensing.store import people
from kp_licensing.store.db import make_engine, session_factory
from kp_licensing.store.models import Licence, Operator
from kp_licensing.support import security
from kp_licensing.support.settings import Settings
from schemas.common import Role


def hammer(url: str, headers: dict[str, str], seconds: float, concurrency: int) -> tuple[int, int]:
    """(200s, other answers) for ``url`` with ``concurrency`` requests in flight for ``seconds``
    (runs in the load process)."""

    async def run() -> tuple[int, int]:
        ok = failed = 0
        limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
        async with httpx.AsyncClient(headers=headers, limits=limits, timeout=30) as http:
            deadline = time.perf_counter() + seconds

            async def lane() -> None:
                nonlocal ok, failed
                while time.perf_counter() < deadline:
                    response = await http.get(url)
                    if response.status_code == 200:
                        ok += 1
                    else:
                        failed += 1

            await asyncio.gather(*(lane() for _ in range(concurrency)))
        return ok, failed

    return asyncio.run(run())


def prepare(settings: Settings, cases: int) -> tuple[dict[str, str], str]:
    """An operator's ``cases`` cases under review and an officer; (officer's headers, a case)."""
    engine = make_engine(settings.resolved_database_url())
    with session_factory(engine)() as session:
        operator = Operator(name="Bench Diamonds", kind="company", business_registration_no="BR1")
        session.add(operator)
        session.commit()
        assert operator.id is not None
        start = datetime.now(UTC) - timedelta(days=30)
        for i in range(cases):
            at = start + timedelta(minutes=i)
            state = sample_state(f"OLA-BENCH-{i:06d}", operator.id, at)
            session.add(
                Licence(
                    case_no=state.case_no,
                    operator_id=operator.id,
                    status=state.status.value,
                    applicant_name=state.application.name,
                    business_registration_no=state.application.business_registration_no,
                    activities=[a.value for a in state.application.activities],
                    submitted_at=at,
                    updated_at=at,
                    seq=1,
                    state=state.model_dump(mode="json"),
                )
            )
        session.commit()
        officer = people.create_user(
            session, username="bench-officer", full_name="Bench", role=Role.officer, password=None
        )
        assert officer.id is not None
        token, _ = security.issue_token(
            user_id=officer.id,
            role=officer.role,
            secret=settings.jwt_secret,
            minutes=settings.token_minutes,
        )
    engine.dispose()
    return {"Authorization": f"Bearer {token}"}, f"OLA-BENCH-{cases // 2:06d}"


async def measure(args: argparse.Namespace, stack: Stack) -> None:
    headers, case_no = prepare(stack.settings, args.cases)
    api = stack.base_url + "/api/v1"
    targets = [
        ("/health", stack.base_url + "/health", {}),
        ("one case", f"{api}/licences/{case_no}", headers),
        ("50-row list", f"{api}/licences?status=under_review&limit=50", headers),
    ]
    rates: dict[str, list[float]] = {name: [] for name, _, _ in targets}
    cpu: dict[str, list[float]] = {name: [] for name, _, _ in targets}
    failures = 0
    loop = asyncio.get_running_loop()
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=spawn) as load:
        for _name, url, h in targets:  # warm-up: imports, connections, caches
            await loop.run_in_executor(load, hammer, url, h, 1.0, args.concurrency)
        print(f"load average at start: {load_average()}")
        for round_no in range(args.rounds):
            for name, url, h in targets:
                used = time.process_time()
                ok, failed = await loop.run_in_executor(
                    load, hammer, url, h, args.seconds, args.concurrency
                )
                used = time.process_time() - used
                failures += failed
                rates[name].append(ok / args.seconds)
                cpu[name].append(used / max(ok, 1) * 1000)
            print(
                f"  round {round_no + 1}: "
                + ", ".join(f"{name} {rates[name][-1]:.0f}/s" for name, _, _ in targets)
                + f"  (load average {load_average()})"
            )
    health, health_cpu = statistics.median(rates["/health"]), statistics.median(cpu["/health"])
    print(f"\nmedian of {args.rounds} rounds, {args.concurrency} in flight:")
    print(f"  {'':<12} {'req/s':>8} {'x /health':>10} {'CPU ms/req':>11} {'x /health':>10}")
    for name, _, _ in targets:
        rate, used = statistics.median(rates[name]), statistics.median(cpu[name])
        print(
            f"  {name:<12} {rate:8.0f} {rate / health:10.2f} {used:11.2f} {health_cpu / used:10.2f}"
        )
    print(f"load average at end: {load_average()}")
    if failures:
        print(f"WARNING: {failures} responses were not 200: the figures are not what they claim")


async def main_async(args: argparse.Namespace) -> None:
    data_dir = Path(tempfile.mkdtemp(prefix="kp-bench-reads-"))
    stack = Stack(data_dir)
    try:
        await stack.start()
        await measure(args, stack)
    finally:
        await stack.stop()
        shutil.rmtree(data_dir, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--cases", type=int, default=300)
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=16)
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
