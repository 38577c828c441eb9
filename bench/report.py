"""The report: latency samples and their percentiles, table rows, the machine's context, and
CPU clocks for this process and the dev server."""

from __future__ import annotations

import asyncio
import math
import os
import platform
import sqlite3
import statistics
import subprocess
import time
from collections.abc import Iterable

import sqlalchemy
import temporalio

from kp_licensing.support.binaries import temporal_cli


class Samples:
    """Latencies (seconds) of one kind, and the failures met while taking them."""

    __slots__ = ("errors", "values")

    def __init__(self) -> None:
        self.values: list[float] = []
        self.errors: list[str] = []


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of a non-empty list."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:9.1f}"


def latency_row(label: str, samples: Samples) -> str:
    v = samples.values
    if not v:
        return f"  {label:<46}{0:>6}  {'-':>9}  {'-':>9}  {'-':>9}"
    p50, p95 = ms(percentile(v, 50)), ms(percentile(v, 95))
    return f"  {label:<46}{len(v):>6}  {p50}  {p95}  {ms(max(v))}"


def temporal_cli_version() -> str:
    try:
        out = subprocess.run(
            [str(temporal_cli()), "--version"], capture_output=True, text=True, timeout=10
        )
        return out.stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def load_average() -> str:
    try:
        return " / ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


def machine_context() -> list[str]:
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else "?"
    return [
        f"machine   {os.cpu_count()} CPUs ({usable} usable here), {platform.platform()}",
        f"python    {platform.python_implementation()} {platform.python_version()}",
        f"temporal  temporalio {temporalio.__version__}; dev server: {temporal_cli_version()}, "
        "in memory, headless",
        f"database  SQLite {sqlite3.sqlite_version} (file in a temp dir, WAL) via SQLAlchemy "
        f"{sqlalchemy.__version__}",
    ]


def _proc_stat(pid: str) -> list[str] | None:
    """The fields of /proc/<pid>/stat after the command name (Linux only)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            text = f.read()
    except OSError:
        return None
    return [text[text.index("(") + 1 : text.rindex(")")], *text[text.rindex(")") + 2 :].split()]


def dev_server_pid() -> str | None:
    """Our child process named ``temporal``: the dev server (None off Linux)."""
    if not os.path.isdir("/proc"):
        return None
    me = str(os.getpid())
    for pid in filter(str.isdigit, os.listdir("/proc")):
        fields = _proc_stat(pid)
        if fields and fields[0] == "temporal" and fields[2] == me:
            return pid
    return None


class CpuClock:
    """CPU seconds used so far by this process (every thread: API, worker, activities, load
    generator) and by the dev server: less sensitive to other tenants than wall time."""

    def __init__(self) -> None:
        self.server_pid = dev_server_pid()

    def read(self) -> tuple[float, float | None]:
        server = _proc_stat(self.server_pid) if self.server_pid else None
        ticks = os.sysconf("SC_CLK_TCK") if server else 1
        return (
            time.process_time(),
            (int(server[12]) + int(server[13])) / ticks if server else None,  # utime + stime
        )


CpuReading = tuple[float, float | None]


async def settle(
    cpu: CpuClock, *, busy: float = 0.1, window: float = 0.25, limit: float = 30
) -> float:
    """Wait until this process and the dev server together use less than ``busy`` of a core
    over ``window`` seconds (what a pass left behind, such as the first workflow task of every
    workflow it started, is done); the seconds waited, at most ``limit``."""
    started = time.perf_counter()
    before = cpu.read()
    while time.perf_counter() - started < limit:
        await asyncio.sleep(window)
        after = cpu.read()
        used = (after[0] - before[0]) + ((after[1] or 0.0) - (before[1] or 0.0))
        if used < busy * window:
            break
        before = after
    return time.perf_counter() - started


def cpu_per_case(before: CpuReading, after: CpuReading, cases: int) -> tuple[float, float | None]:
    """CPU milliseconds per case between two readings: (this process, dev server or None)."""
    python = (after[0] - before[0]) / max(cases, 1) * 1000
    if before[1] is None or after[1] is None:
        return python, None
    return python, (after[1] - before[1]) / max(cases, 1) * 1000


def cpu_row(label: str, before: CpuReading, after: CpuReading, cases: int) -> str:
    python, server = cpu_per_case(before, after, cases)
    total = "n/a" if server is None else f"{python + server:9.1f}"
    shown = "n/a" if server is None else f"{server:9.1f}"
    return f"  {label:<46}{cases:>6}  {python:9.1f}  {shown:>9}  {total:>9}"


def cpu_ratios(
    service: tuple[float, float | None], baseline: tuple[float, float | None]
) -> list[tuple[str, float]]:
    """Service / baseline CPU per case: Python, Temporal server, and both together."""
    ratios = [("python", service[0] / baseline[0])] if baseline[0] else []
    if service[1] is not None and baseline[1]:
        ratios.append(("temporal", service[1] / baseline[1]))
        ratios.append(
            ("python + temporal", (service[0] + service[1]) / (baseline[0] + baseline[1]))
        )
    return ratios


def pooled(parts: Iterable[Samples]) -> Samples:
    """Samples of one kind from several rounds, as one."""
    pool = Samples()
    for part in parts:
        pool.values += part.values
        pool.errors += part.errors
    return pool


def mean_cpu(readings: list[tuple[float, float | None]]) -> tuple[float, float | None]:
    """CPU milliseconds per case (this process, dev server or None), averaged over rounds."""
    python = statistics.fmean(r[0] for r in readings)
    servers = [r[1] for r in readings if r[1] is not None]
    return python, statistics.fmean(servers) if len(servers) == len(readings) else None


def cpu_line(label: str, cases: int, cpu: tuple[float, float | None]) -> str:
    python, server = cpu
    shown = "n/a" if server is None else f"{server:9.1f}"
    total = "n/a" if server is None else f"{python + server:9.1f}"
    return f"  {label:<46}{cases:>6}  {python:9.1f}  {shown:>9}  {total:>9}"
