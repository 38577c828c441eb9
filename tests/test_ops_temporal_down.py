"""Temporal down when the worker and the API start: both keep trying (one log line per
attempt, no traceback), the API serves meanwhile (Temporal-bound requests get 503), and once a
Temporal server appears on that address both connect and cases are processed."""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

from kp_licensing.run.devserver import TemporalDevServer, free_port, port_open
from kp_licensing.run.runner import run_worker, serve_api
from kp_licensing.support.settings import Settings
from tests.api.client import Api, web
from tests.api.conftest import BackgroundLoop

pytestmark = pytest.mark.processes


def _until(condition: Callable[[], bool], what: str, seconds: float = 90) -> None:
    for _ in range(int(seconds / 0.1)):
        if condition():
            return
        threading.Event().wait(0.1)
    pytest.fail(f"gave up waiting: {what}")


def _lines(caplog: pytest.LogCaptureFixture, who: str) -> list[logging.LogRecord]:
    return [
        r
        for r in caplog.records
        if r.name == "kp_licensing.run.reconnect" and r.getMessage().startswith(f"{who}: ")
    ]


def test_worker_and_api_wait_for_temporal_then_process_cases(
    caplog: pytest.LogCaptureFixture, database_url: str, data_dir: Path
) -> None:
    caplog.set_level(logging.INFO)
    port = free_port()
    settings = Settings(
        database_url=database_url,
        data_dir=data_dir,
        temporal_address=f"127.0.0.1:{port}",  # nothing listens there yet
        task_queue=f"kp-down-{uuid.uuid4().hex[:6]}",
        api_port=free_port(),
    )
    base = f"http://{settings.api_host}:{settings.api_port}"
    background = BackgroundLoop()
    stop = background.event()
    worker = background.submit(run_worker(settings, stop))
    api = background.submit(serve_api(settings, stop))
    server = TemporalDevServer(port=port, log_file=data_dir / f"down-{port}.log")
    try:
        _until(lambda: port_open(settings.api_host, settings.api_port), "the API to listen")
        _until(lambda: len(_lines(caplog, "worker")) >= 2, "two failed worker attempts")
        assert not worker.done(), "the worker gave up"

        # The API serves without Temporal: alive, not ready, and a case is refused with 503.
        assert web.get(f"{base}/health/live", timeout=5).status_code == 200
        ready = web.get(f"{base}/health/ready", timeout=5)
        assert ready.status_code == 503
        assert ready.json()["database"] == "ok"
        assert ready.json()["temporal"].startswith("unavailable")
        trader = Api.register(base)
        refused = trader.request("POST", "/licences", json=trader.application())
        assert refused.status_code == 503, refused.text

        background.submit(server.start()).result(90)
        _until(
            lambda: web.get(f"{base}/health/ready", timeout=5).status_code == 200,
            "the API to connect",
        )
        _until(lambda: any("connected" in r.getMessage() for r in _lines(caplog, "worker")), "")
        assert trader.apply()["status"] == "under_review"  # the worker ran the workflow
    finally:
        background.loop.call_soon_threadsafe(stop.set)
        api.result(30)
        worker.result(30)
        server.stop()
        background.close()

    attempts = [r for r in _lines(caplog, "worker") if "not reachable" in r.getMessage()]
    assert [f"attempt {n}:" in r.getMessage() for n, r in enumerate(attempts, 1)] == [True] * len(
        attempts
    )
    assert all("retrying in" in r.getMessage() for r in attempts)
    assert _lines(caplog, "API"), "the API logs its attempts too"
    # One line per attempt and per refused request: no tracebacks anywhere.
    noisy = [r for r in caplog.records if r.exc_info or "\n" in r.getMessage()]
    assert noisy == []
    outage = [r for r in caplog.records if r.name == "kp_licensing.api.errors"]
    assert outage and all("process engine" in r.getMessage() for r in outage)


def test_backoff_doubles_from_one_second_to_thirty() -> None:
    from kp_licensing.run.reconnect import delay_after

    assert [delay_after(n) for n in range(1, 9)] == [1, 2, 4, 8, 16, 30, 30, 30]
    assert delay_after(10_000) == 30
