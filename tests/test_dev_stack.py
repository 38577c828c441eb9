"""``kp-licensing dev`` as a person runs it: start, use, Ctrl-C, start again, nothing lost."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from kp_licensing.run.devserver import free_port, port_open
from tests.api.client import Api, web

pytestmark = pytest.mark.processes

CLI = str(Path(sys.executable).parent / "kp-licensing")


def start(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    out = log.open("ab")
    process = subprocess.Popen([CLI, "dev"], env=env, stdout=out, stderr=subprocess.STDOUT)
    for _ in range(600):
        if port_open("127.0.0.1", int(env["KP_API_PORT"])):
            try:
                if web.get(f"http://127.0.0.1:{env['KP_API_PORT']}/health").status_code == 200:
                    return process
            except httpx.HTTPError:
                pass
        if process.poll() is not None:
            pytest.fail(f"kp-licensing dev exited early:\n{log.read_text()[-3000:]}")
        time.sleep(0.1)
    process.kill()
    pytest.fail(f"kp-licensing dev did not become healthy:\n{log.read_text()[-3000:]}")


def interrupt(process: subprocess.Popen[bytes], log: Path) -> None:
    process.send_signal(signal.SIGINT)
    try:
        assert process.wait(60) == 0, log.read_text()[-3000:]
    except subprocess.TimeoutExpired:
        process.kill()
        pytest.fail("kp-licensing dev did not stop within 60 s of Ctrl-C")


def test_ctrl_c_stops_everything_and_a_restart_resumes_with_all_data(
    tmp_path: Path, database_url: str
) -> None:
    api_port, temporal_port, ui_port = free_port(), free_port(), free_port()
    env = {
        **os.environ,
        "KP_DATA_DIR": str(tmp_path / "var"),
        "KP_API_PORT": str(api_port),
        "KP_TEMPORAL_ADDRESS": f"127.0.0.1:{temporal_port}",
        "KP_TEMPORAL_UI_PORT": str(ui_port),
        "KP_TASK_QUEUE": f"dev-stack-{api_port}",
    }
    if database_url.startswith("postgresql"):
        env["KP_DATABASE_URL"] = database_url
    log = tmp_path / "dev.log"
    base = f"http://127.0.0.1:{api_port}"

    first = start(env, log)
    assert web.get(f"http://127.0.0.1:{ui_port}/").status_code == 200  # Temporal web UI
    trader = Api.register(base)
    case_no = trader.apply()["case_no"]
    interrupt(first, log)
    for port in (api_port, temporal_port, ui_port):
        assert not port_open("127.0.0.1", port), f"port {port} still open after Ctrl-C"
    assert (tmp_path / "var" / "temporal.db").exists()
    assert (tmp_path / "var" / "pki" / "ca.pem").exists()  # the first start made the PKI

    second = start(env, log)
    try:
        trader = Api.login(base, trader.username or "", "correct horse battery staple")
        assert trader.ok("GET", f"/licences/{case_no}")["status"] == "under_review"
        # The workflow survived too: it still takes updates.
        withdrawn = trader.ok("POST", f"/licences/{case_no}/withdraw", json={"reason": "test"})
        assert withdrawn["state"]["status"] == "withdrawn"
    finally:
        interrupt(second, log)
