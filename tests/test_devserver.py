"""The embedded Temporal server never outlives the process that started it."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kp_licensing.run.devserver import TemporalDevServer, free_port, port_open

pytestmark = pytest.mark.processes

STARTER = """
import asyncio, sys, time
from kp_licensing.run.devserver import TemporalDevServer
server = TemporalDevServer(port=int(sys.argv[1]))
asyncio.run(server.start())
print(server._process.pid, flush=True)
time.sleep(120)
"""


@pytest.mark.skipif(sys.platform != "linux", reason="parent-death signal is Linux-only")
def test_a_killed_starter_takes_its_server_with_it() -> None:
    port = free_port()
    starter = subprocess.Popen(
        [sys.executable, "-c", STARTER, str(port)], stdout=subprocess.PIPE, text=True
    )
    assert starter.stdout is not None
    server_pid = int(starter.stdout.readline())
    assert port_open("127.0.0.1", port)
    starter.send_signal(signal.SIGKILL)  # no cleanup code runs
    starter.wait(10)
    for _ in range(200):
        try:
            os.kill(server_pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.05)
    else:
        os.kill(server_pid, signal.SIGKILL)
        pytest.fail("the Temporal server outlived the process that started it")
    assert not port_open("127.0.0.1", port)


async def test_the_servers_database_and_log_are_owner_only(tmp_path: Path) -> None:
    """Workflow histories hold names and ID numbers: the Temporal server's file, its journals
    and its log are readable by the service's user only."""
    folder = tmp_path / "var"
    server = TemporalDevServer(
        port=free_port(), db_file=folder / "temporal.db", log_file=folder / "temporal.log"
    )
    await server.start()
    try:
        modes = {}
        for path in folder.iterdir():
            if not path.name.startswith("temporal."):
                continue
            try:  # SQLite removes a rollback journal at the end of each transaction
                modes[path.name] = stat.S_IMODE(path.stat().st_mode)
            except FileNotFoundError:
                continue
        assert {"temporal.db", "temporal.log"} <= modes.keys(), modes
        assert all(mode == 0o600 for mode in modes.values()), {n: oct(m) for n, m in modes.items()}
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    finally:
        server.stop()
