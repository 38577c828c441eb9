"""Licence throughput: apply -> approve over HTTP, against a bare Temporal update, in one run.

    .venv/bin/python -m bench.licence_throughput [--applications N] [--concurrency C] [--rounds R]

Starts the embedded stack the way ``kp-licensing dev`` does (Temporal dev server, in memory and
headless, on a free port; a migrated SQLite database in a temp dir; ``run_worker`` and
``serve_api``, sharing one event loop in a background thread), registers operators over HTTP
with their documents and runs a few warm-up cases (setup, not measured), then measures R rounds,
each on fresh cases:

* the service: N cases applied for (``POST /licences``), then each approved as an officer
  (``POST /licences/{case}/approve``), each pass with at most C requests in flight, sent by
  ``bench.licence_driver`` from a process of its own (httpx);
* a baseline on the same Temporal server: N tiny workflows started, then each sent one update
  whose handler runs one trivial activity (two passes), at the same concurrency, straight
  through a Temporal client, on a task queue of its own served by a worker of its own in the
  same process.

Between each side's two passes the process is left to settle (``bench.report.settle``). It
prints latencies, throughput, CPU per case and the ratios service/baseline, per round and their
median; it asserts nothing about time. See ``bench/README.md`` for what the figures mean.

The stack and the baseline workflow live in ``bench.stack``, each side's two passes in
``bench.passes``, the load generator's pieces in ``bench.load`` and ``bench.licence_driver``,
the figures' formatting in ``bench.report``.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
from temporalio.client import Client

from bench.load import PASSWORD, Trader, bounded, login, register_trader
from bench.passes import baseline_phase, service_phase
from bench.report import (
    CpuClock,
    Samples,
    cpu_line,
    cpu_per_case,
    cpu_ratios,
    latency_row,
    load_average,
    machine_context,
    mean_cpu,
    percentile,
    pooled,
)
from bench.stack import Stack
from kp_licensing.store import people
from kp_licensing.store.db import make_engine, session_factory
from schemas.common import Role
from workflows.client import connect


async def setup(
    stack: Stack, http: httpx.AsyncClient, count: int, concurrency: int
) -> tuple[dict[str, str], list[Trader]]:
    """An officer (straight into the database, as an administrator would) and ``count``
    operators registered over HTTP."""
    officer_name = f"officer-{uuid.uuid4().hex[:6]}"
    engine = make_engine(stack.settings.resolved_database_url())
    with session_factory(engine)() as session:
        people.create_user(
            session,
            username=officer_name,
            full_name="Bench Officer",
            role=Role.officer,
            password=PASSWORD,
        )
    engine.dispose()
    officer = await login(http, officer_name)
    tag = uuid.uuid4().hex[:6]
    traders: list[Trader | None] = [None] * count

    async def one(i: int) -> None:
        traders[i] = await register_trader(http, stack.settings, f"{tag}-{i:05d}")

    await bounded(count, concurrency, one)
    return officer, [t for t in traders if t is not None]


class Round:
    """One measured round: the service's two passes, then the baseline's, on fresh cases."""

    def __init__(self) -> None:
        self.apply, self.approve, self.start, self.update = (Samples() for _ in range(4))
        self.service_wall = self.baseline_wall = self.generator = 0.0
        #: Seconds waited between each side's two passes for the process to settle.
        self.service_settled = self.baseline_settled = 0.0
        self.service_cpu: tuple[float, float | None] = (0.0, None)
        self.baseline_cpu: tuple[float, float | None] = (0.0, None)

    def ratios(self) -> dict[str, float]:
        """Service / baseline for this round: approve p50 / update p50, and CPU per case."""
        found: dict[str, float] = {}
        if self.approve.values and self.update.values:
            found["approve->active p50 / baseline update p50"] = percentile(
                self.approve.values, 50
            ) / percentile(self.update.values, 50)
        for part, ratio in cpu_ratios(self.service_cpu, self.baseline_cpu):
            found[f"CPU per case, {part}"] = ratio
        return found


async def measure_round(
    stack: Stack,
    temporal: Client,
    cpu: CpuClock,
    traders: list[Trader],
    officer: dict[str, str],
    label: str,
    concurrency: int,
) -> Round:
    """The service on ``traders`` (apply pass, approve pass), then as many baseline workflows
    (start pass, update pass), each side's CPU read around its own passes."""
    n = len(traders)
    measured = Round()
    load, cpu_0, cpu_1 = await service_phase(
        stack.base_url + "/api/v1", traders, officer, concurrency, cpu
    )
    measured.apply, measured.approve = load.apply, load.approve
    measured.generator = load.generator
    (
        measured.start,
        measured.update,
        start_wall,
        update_wall,
        measured.baseline_settled,
    ) = await baseline_phase(temporal, stack.baseline_queue, label, n, concurrency, cpu)
    measured.service_settled = load.settled
    cpu_2 = cpu.read()
    measured.service_cpu = cpu_per_case(cpu_0, cpu_1, len(measured.approve.values))
    measured.baseline_cpu = cpu_per_case(cpu_1, cpu_2, len(measured.update.values))
    measured.service_wall = load.wall
    measured.baseline_wall = start_wall + update_wall
    return measured


async def benchmark(args: argparse.Namespace, data_dir: Path) -> int:
    n, c, warmup, count = args.applications, args.concurrency, args.warmup, args.rounds
    load_at_start = load_average()
    stack = Stack(data_dir)
    limits = httpx.Limits(max_connections=2 * c + 4, max_keepalive_connections=2 * c + 4)
    rounds: list[Round] = []
    round_loads: list[str] = []
    try:
        t = time.perf_counter()
        await stack.start()
        started_in = time.perf_counter() - t
        cpu = CpuClock()
        temporal = await connect(stack.settings)
        async with httpx.AsyncClient(
            base_url=stack.base_url + "/api/v1", timeout=120, limits=limits
        ) as http:
            t = time.perf_counter()
            officer, traders = await setup(stack, http, warmup + count * n, c)
            setup_in = time.perf_counter() - t

            # Warm-up (not measured): connections, thread pools, caches, first-time imports.
            if warmup:
                warm, _, _ = await service_phase(
                    stack.base_url + "/api/v1", traders[:warmup], officer, c, cpu
                )
                _, warm_base, *_ = await baseline_phase(
                    temporal, stack.baseline_queue, "warmup", warmup, c, cpu
                )
                for error in (warm.apply.errors + warm.approve.errors + warm_base.errors)[:5]:
                    print(f"warm-up failure: {error}", file=sys.stderr)

            # Measured: in each round the service, then the baseline, on the same server.
            for r in range(count):
                first = warmup + r * n
                rounds.append(
                    await measure_round(
                        stack,
                        temporal,
                        cpu,
                        traders[first : first + n],
                        officer,
                        f"run{r}",
                        c,
                    )
                )
                round_loads.append(load_average().split(" / ")[0])
    finally:
        await stack.stop()

    apply, approve = pooled(r.apply for r in rounds), pooled(r.approve for r in rounds)
    start, update = pooled(r.start for r in rounds), pooled(r.update for r in rounds)
    service_wall = sum(r.service_wall for r in rounds)
    baseline_wall = sum(r.baseline_wall for r in rounds)
    service_rate = len(approve.values) / service_wall
    baseline_rate = len(update.values) / baseline_wall
    generator = sum(r.generator for r in rounds)
    documents = (warmup + count * n) * len(stack.settings.licence_required_documents)
    lines = [
        "kp-licensing licence throughput (bench.licence_throughput)",
        "",
        *machine_context(),
        f"load      {load_at_start} at start, {load_average()} at end (1/5/15 min averages)",
        f"run       {count} round(s) of {n} applications, concurrency {c}, warm-up {warmup} "
        f"cases per side; stack up in {started_in:.1f} s, setup {setup_in:.1f} s "
        f"({warmup + count * n} operators, {documents} documents)",
        "",
        f"  {'latency (all rounds)':<46}{'n':>6}  {'p50 ms':>9}  {'p95 ms':>9}  {'max ms':>9}",
        latency_row("service  apply (POST /licences)", apply),
        latency_row("service  approve -> active", approve),
        latency_row("baseline start_workflow", start),
        latency_row("baseline update (idle workflow, 1 activity)", update),
        "",
        f"  {'throughput':<46}{'cases':>6}  {'cases/s':>9}  {'wall s':>9}",
        f"  {'service  (apply pass + approve pass)':<46}{len(approve.values):>6}  "
        f"{service_rate:9.1f}  {service_wall:9.2f}",
        f"  {'baseline (start pass + update pass)':<46}{len(update.values):>6}  "
        f"{baseline_rate:9.1f}  {baseline_wall:9.2f}",
        "",
        f"  {'CPU per case, ms (mean of rounds)':<46}{'cases':>6}  {'python':>9}  "
        f"{'temporal':>9}  {'total':>9}",
        cpu_line(
            "service  (apply + approve)",
            len(approve.values),
            mean_cpu([r.service_cpu for r in rounds]),
        ),
        cpu_line(
            "baseline (start + update)",
            len(update.values),
            mean_cpu([r.baseline_cpu for r in rounds]),
        ),
        f"  {'load generator (HTTP client, its own process)':<46}{len(approve.values):>6}  "
        f"{generator / max(len(approve.values), 1) * 1000:9.1f}",
        "",
        "  settled between the passes (s, each round): service "
        + ", ".join(f"{r.service_settled:.1f}" for r in rounds)
        + "; baseline "
        + ", ".join(f"{r.baseline_settled:.1f}" for r in rounds),
        "",
        "  ratios, service / baseline"
        + (
            ""
            if count == 1
            else f"  (each round; median; load average after each round: {', '.join(round_loads)})"
        ),
    ]
    per_round = [r.ratios() for r in rounds]
    for name in per_round[0] if per_round else []:
        values = [found[name] for found in per_round if name in found]
        each = "" if count == 1 else "  ".join(f"{v:5.2f}" for v in values) + "  median"
        lines.append(
            f"  {name:<44}{each:>{8 * count if count > 1 else 0}}{statistics.median(values):8.2f}"
        )
    if baseline_rate:
        ratio = service_rate / baseline_rate
        lines.append(f"  {'service throughput / baseline throughput':<44}{ratio:8.2f}")
    errors = apply.errors + approve.errors + update.errors
    if errors:
        failed = len(apply.errors) + len(approve.errors)
        lines += ["", f"  FAILURES: {failed} service, {len(update.errors)} baseline"]
        lines += [f"    {error}" for error in errors[:10]]
    print("\n".join(lines), flush=True)
    return 1 if errors else 0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.licence_throughput",
        description="Licence apply -> approve throughput over HTTP, against a bare Temporal "
        "update, on an embedded stack (Temporal dev server in memory, SQLite in a temp dir).",
    )
    parser.add_argument("--applications", "-n", type=int, default=200, help="cases (200)")
    parser.add_argument("--concurrency", "-c", type=int, default=16, help="in flight (16)")
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="measured rounds, each the service's passes then the baseline's on fresh cases; "
        "ratios are reported per round and as their median (3)",
    )
    parser.add_argument(
        "--warmup",
        type=int,
        default=None,
        help="unmeasured cases per side before measuring (default: 8, at most C)",
    )
    parser.add_argument(
        "--verbose", action="store_true", help="show the stack's INFO logs (access log too)"
    )
    parser.add_argument(
        "--keep-data", action="store_true", help="keep the temp dir (database, server log)"
    )
    args = parser.parse_args(argv)
    if args.applications < 1 or args.concurrency < 1 or args.rounds < 1:
        parser.error("--applications, --concurrency and --rounds must be at least 1")
    if args.warmup is None:
        args.warmup = min(8, args.concurrency)
    if args.warmup < 0:
        parser.error("--warmup must not be negative")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.verbose:
        logging.basicConfig(
            level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
        )
    else:
        # uvicorn configures its loggers at INFO inside serve_api; this global switch (which
        # logging.config leaves alone) keeps the access log and start-up chatter off the output.
        logging.disable(logging.INFO)
    data_dir = Path(tempfile.mkdtemp(prefix="kp-bench-"))
    try:
        return asyncio.run(benchmark(args, data_dir))
    finally:
        if args.keep_data:
            print(f"data kept in {data_dir}", file=sys.stderr)
        else:
            shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
