"""Login bursts: the API process's peak memory while N logins arrive at once.

    .venv/bin/python -m bench.logins [--bursts 16 64] [--compare]

Starts the embedded stack as ``bench.licence_throughput`` does (``bench.stack.Stack``: Temporal
dev server, migrated SQLite, worker and API in this process), creates one account per login
of the largest burst, then for each burst size fires that many ``POST /auth/token`` at once and
reports the API process's resident memory: before the burst, the peak during it (the kernel's
high-water mark, reset just before the burst), and the difference, which is what the burst
cost; with the latencies and the machine's load average.

``--compare`` runs every burst a second time as the service hashed before issue 6: the
library's default Argon2 parameters (RFC 9106 low memory: 64 MiB, t=3, p=4), as many at once
as there were request threads to run them (AnyIO's default, 40). The API runs in this
process, so switching ``kp_licensing.support.security`` switches the API. See ``bench/README.md``.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import shutil
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
from argon2 import Parameters, profiles

from bench.load import PASSWORD, expect
from bench.report import Samples, latency_row, load_average, machine_context
from bench.stack import Stack
from kp_licensing.store import people
from kp_licensing.store.db import make_engine, session_factory
from kp_licensing.support import security
from schemas.common import Role

#: Before issue 6, logins hashed on the request threads, AnyIO's default limit of 40.
BEFORE_THREADS = 40


def _status_kib(field: str) -> int:
    """A ``VmRSS``/``VmHWM`` line of /proc/self/status, in KiB (Linux only)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"no {field} in /proc/self/status")


def reset_peak() -> None:
    """Reset the kernel's resident-memory high-water mark of this process (Linux >= 4.0), so
    VmHWM afterwards is the peak of the burst alone, every page counted, no sampling."""
    with open("/proc/self/clear_refs", "w") as clear_refs:
        clear_refs.write("5")


def create_accounts(stack: Stack, count: int) -> list[str]:
    """``count`` officers sharing one password hash (made once: setup is not what is measured)."""
    password_hash = security.hash_password(PASSWORD)
    tag = uuid.uuid4().hex[:6]
    names = [f"login-{tag}-{i:03d}" for i in range(count)]
    engine = make_engine(stack.settings.resolved_database_url())
    with session_factory(engine)() as session:
        for name in names:
            user = people.create_user(
                session,
                username=name,
                full_name="Bench Officer",
                role=Role.officer,
                password=None,
                commit=False,
            )
            user.password_hash = password_hash
        session.commit()
    engine.dispose()
    return names


async def burst(http: httpx.AsyncClient, names: list[str]) -> tuple[Samples, int, int, float]:
    """All logins at once; (latencies, RSS before in KiB, peak RSS in KiB, wall seconds)."""
    samples = Samples()

    async def one(name: str) -> None:
        started = time.perf_counter()
        try:
            response = await http.post("/auth/token", data={"username": name, "password": PASSWORD})
            expect(response, 200)
            samples.values.append(time.perf_counter() - started)
        except Exception as error:
            samples.errors.append(f"{name}: {type(error).__name__}: {error}")

    before = _status_kib("VmRSS")
    reset_peak()
    started = time.perf_counter()
    await asyncio.gather(*(one(name) for name in names))
    wall = time.perf_counter() - started
    return samples, before, _status_kib("VmHWM"), wall


def _mib(kib: int) -> str:
    return f"{kib / 1024:8.1f}"


async def benchmark(args: argparse.Namespace, data_dir: Path) -> int:
    load_at_start = load_average()
    stack = Stack(data_dir)
    stack.settings = stack.settings.model_copy(
        update={"password_hash_concurrency": args.concurrency_limit}
    )
    configs: list[tuple[str, int, Parameters]] = [
        (
            f"now: m=19 MiB t=2 p=1, {args.concurrency_limit} at once",
            args.concurrency_limit,
            security.PARAMETERS,
        )
    ]
    if args.compare:
        configs.append(
            (
                f"before: m=64 MiB t=3 p=4, up to {BEFORE_THREADS} at once",
                BEFORE_THREADS,
                profiles.RFC_9106_LOW_MEMORY,
            )
        )
    limits = httpx.Limits(max_connections=max(args.bursts) + 4)
    rows: list[str] = []
    errors: list[str] = []
    try:
        await stack.start()
        names = create_accounts(stack, max(args.bursts))
        async with httpx.AsyncClient(
            base_url=stack.base_url + "/api/v1", timeout=300, limits=limits
        ) as http:
            for label, concurrency, parameters in configs:
                security.configure(concurrency=concurrency, parameters=parameters)
                await burst(http, names[:2])  # warm-up: connections, threads, first hashes
                for size in args.bursts:
                    samples, before, peak, wall = await burst(http, names[:size])
                    errors += samples.errors
                    rows += [
                        f"  {label}",
                        f"    {size:>3} logins   RSS before {_mib(before)} MiB   peak "
                        f"{_mib(peak)} MiB   burst cost {_mib(peak - before)} MiB   wall "
                        f"{wall:6.2f} s   load {load_average()}",
                        latency_row(f"    latency of {size} concurrent logins", samples),
                    ]
    finally:
        security.configure(concurrency=args.concurrency_limit)
        await stack.stop()
    lines = [
        "kp-licensing login bursts (bench.logins)",
        "",
        *machine_context(),
        f"load      {load_at_start} at start, {load_average()} at end (1/5/15 min averages)",
        f"API       one process; thread limit KP_DB_POOL_SIZE={stack.settings.db_pool_size}",
        "",
        f"  {'':<46}{'n':>6}  {'p50 ms':>9}  {'p95 ms':>9}  {'max ms':>9}",
        *rows,
    ]
    if errors:
        lines += ["", f"  FAILURES: {len(errors)}", *[f"    {e}" for e in errors[:10]]]
    print("\n".join(lines), flush=True)
    return 1 if errors else 0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.logins",
        description="Peak memory of the API process under bursts of concurrent logins.",
    )
    parser.add_argument(
        "--bursts", type=int, nargs="+", default=[16, 64], help="logins at once (16 64)"
    )
    parser.add_argument(
        "--concurrency-limit",
        type=int,
        default=security.slots.limit,
        help=f"KP_PASSWORD_HASH_CONCURRENCY for the run ({security.slots.limit})",
    )
    parser.add_argument(
        "--compare",
        action="store_true",
        help="also run each burst as before issue 6 (64 MiB parameters, 40 at once)",
    )
    parser.add_argument("--keep-data", action="store_true", help="keep the temp dir")
    args = parser.parse_args(argv)
    if min(args.bursts) < 1 or args.concurrency_limit < 1:
        parser.error("--bursts and --concurrency-limit must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if not Path("/proc/self/clear_refs").exists():
        print(
            "bench.logins needs Linux (/proc/self/status, /proc/self/clear_refs)", file=sys.stderr
        )
        return 2
    logging.disable(logging.INFO)  # uvicorn's access log and start-up chatter
    data_dir = Path(tempfile.mkdtemp(prefix="kp-bench-logins-"))
    try:
        return asyncio.run(benchmark(args, data_dir))
    finally:
        if args.keep_data:
            print(f"data kept in {data_dir}", file=sys.stderr)
        else:
            shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
