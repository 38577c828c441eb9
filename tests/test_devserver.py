"""The embedded Temporal server never outlives the process that started it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from kp_licensing.run.devserver import free_port, port_open

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
