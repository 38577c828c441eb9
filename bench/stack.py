"""The in-process embedded stack, and the baseline it is measured against.

``Stack`` starts what ``kp-licensing dev`` runs (Temporal dev server, in memory and headless, on
a free port; a migrated SQLite database in a temp dir; ``run_worker`` and ``serve_api``, sharing
one event loop in a background thread), plus a worker of its own for ``BaselineWorkflow``: N tiny
workflows, each sent one update whose handler runs one trivial activity, on the same server.

This module is also the baseline workflow's module. Its worker passes it through the workflow
sandbox (``BASELINE_RUNNER``) as the service's worker passes ``workflows``, so neither side
re-imports its workflow's module for every workflow it starts; the imports beyond the standard
library are passed through too, and nothing at module level does work.
"""

from __future__ import annotations

import asyncio
import sys
import threading
import time
import uuid
from collections.abc import Coroutine
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import Any

from temporalio import activity, workflow

with workflow.unsafe.imports_passed_through():
    from temporalio.worker import Worker
    from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

    from edi.pki import DevelopmentPki
    from kp_licensing.run.devserver import TemporalDevServer, free_port, port_open
    from kp_licensing.run.runner import run_worker, serve_api
    from kp_licensing.store.migrate import upgrade
    from kp_licensing.support.settings import Settings
    from workflows.client import connect


# ------------------------------------------------------------------------------- the baseline


@activity.defn(name="bench.echo")
def echo(value: str) -> str:
    """The trivial activity: synchronous, on a thread pool, like the service's activities."""
    return value


@workflow.defn(name="BenchBaseline")
class BaselineWorkflow:
    """Started, sent one update that runs one activity, then done."""

    def __init__(self) -> None:
        self._updated = False

    @workflow.run
    async def run(self) -> None:
        await workflow.wait_condition(lambda: self._updated)
        await workflow.wait_condition(workflow.all_handlers_finished)

    @workflow.update
    async def touch(self, value: str) -> str:
        result = await workflow.execute_activity(
            echo, value, start_to_close_timeout=timedelta(seconds=30)
        )
        self._updated = True
        return result


#: The sandbox as the service's worker has it (``workflows.worker.WORKFLOW_RUNNER``), with this
#: module passed through as the service passes its workflow modules: the default runner would
#: re-import this module for every baseline workflow (about 4 ms of CPU each, more than the rest
#: of the workflow's Python), a cost the service does not pay.
BASELINE_RUNNER = SandboxedWorkflowRunner(
    restrictions=SandboxRestrictions.default.with_passthrough_modules("bench")
)


async def run_baseline_worker(settings: Settings, task_queue: str, stop: asyncio.Event) -> None:
    """The baseline's worker, built like ``run_worker`` builds the service's (own client,
    pydantic converter, 16 activity threads, the sandbox with its workflow module passed
    through), until ``stop`` is set."""
    client = await connect(settings)
    with ThreadPoolExecutor(max_workers=16) as executor:
        worker = Worker(
            client,
            task_queue=task_queue,
            workflows=[BaselineWorkflow],
            activities=[echo],
            activity_executor=executor,
            workflow_runner=BASELINE_RUNNER,
        )
        async with worker:
            await stop.wait()


# ------------------------------------------------------------------------- the embedded stack


class Stack:
    """Dev server, migrated SQLite, service worker, API and baseline worker. Everything but the
    load runs on one event loop in a background thread, as ``kp-licensing dev`` runs the worker
    and the API on one loop; the load generator keeps the main thread's loop to itself."""

    def __init__(self, data_dir: Path) -> None:
        tag = uuid.uuid4().hex[:6]
        self.settings = Settings(
            database_url=f"sqlite:///{data_dir / 'kp-licensing.db'}",
            data_dir=data_dir,
            temporal_address=f"127.0.0.1:{free_port()}",
            task_queue=f"kp-bench-{tag}",
            api_port=free_port(),
        )
        self.baseline_queue = f"kp-bench-baseline-{tag}"
        host, _, port = self.settings.temporal_address.rpartition(":")
        self.server = TemporalDevServer(
            host=host, port=int(port), db_file=None, ui_port=None, log_file=data_dir / "t.log"
        )
        self.loop: asyncio.AbstractEventLoop | None = None
        self.thread: threading.Thread | None = None
        self.stop_event: asyncio.Event | None = None
        self.ended: asyncio.Event | None = None
        self.parts: dict[str, Future[None]] = {}

    @property
    def base_url(self) -> str:
        return f"http://{self.settings.api_host}:{self.settings.api_port}"

    def _submit(self, coro: Coroutine[Any, Any, Any]) -> Future[Any]:
        assert self.loop is not None
        return asyncio.run_coroutine_threadsafe(coro, self.loop)

    async def start(self) -> None:
        self.settings.data_dir.mkdir(parents=True, exist_ok=True)
        upgrade(self.settings.resolved_database_url())
        # As ``kp-licensing dev`` does: the worker then has its signer, as the service's has.
        DevelopmentPki(self.settings.pki_dir, customs_office=self.settings.customs_office).init()
        self.loop = asyncio.new_event_loop()
        events: Future[tuple[asyncio.Event, asyncio.Event]] = Future()
        self.thread = threading.Thread(
            target=self.loop.run_until_complete,
            args=(self._lifetime(events),),
            name="kp-stack",
            daemon=True,
        )
        self.thread.start()
        stop, ended = await asyncio.wrap_future(events)
        self.stop_event, self.ended = stop, ended
        await asyncio.wrap_future(self._submit(self.server.start()))
        self.parts = {
            "worker": self._submit(run_worker(self.settings, stop)),
            "api": self._submit(serve_api(self.settings, stop)),
            "baseline worker": self._submit(
                run_baseline_worker(self.settings, self.baseline_queue, stop)
            ),
        }
        deadline = time.monotonic() + 60
        while not port_open(self.settings.api_host, self.settings.api_port):
            for name, part in self.parts.items():
                if part.done():
                    part.result()  # raises what stopped it
                    raise RuntimeError(f"the {name} stopped during start-up")
            if time.monotonic() > deadline:
                raise RuntimeError("the API did not open its port within 60 s")
            await asyncio.sleep(0.05)

    async def _lifetime(self, events: Future[tuple[asyncio.Event, asyncio.Event]]) -> None:
        """The stack loop's main task, run by ``run_until_complete`` as ``asyncio.run`` runs
        ``kp-licensing dev``'s: AnyIO ties its worker threads to that task. A loop run with
        ``run_forever`` has no such task, and AnyIO then ties a new thread to each request's
        task, one thread started and stopped per request, which the service never does."""
        ended = asyncio.Event()
        events.set_result((asyncio.Event(), ended))
        await ended.wait()
        await _drain_loop()

    async def stop(self) -> None:
        """Stop event (API finishes its requests, workers their tasks), then the dev server."""
        problems: list[str] = []
        if self.loop is not None and self.stop_event is not None:
            self.loop.call_soon_threadsafe(self.stop_event.set)
        for name, part in self.parts.items():
            try:
                await asyncio.wait_for(asyncio.wrap_future(part), 30)
            except Exception as error:
                problems.append(f"{name}: {type(error).__name__}: {error}")
        self.server.stop()
        if self.loop is not None and self.thread is not None and self.ended is not None:
            if self.loop.is_running():
                self.loop.call_soon_threadsafe(self.ended.set)
            self.thread.join(10)
            if not self.thread.is_alive():
                self.loop.close()
        for problem in problems:
            print(f"warning: stopping the {problem}", file=sys.stderr)


async def _drain_loop() -> None:
    """Cancel whatever the stopped parts left on the stack's loop, so it closes cleanly."""
    others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
    for task in others:
        task.cancel()
    await asyncio.gather(*others, return_exceptions=True)
    loop = asyncio.get_running_loop()
    await loop.shutdown_asyncgens()
    await loop.shutdown_default_executor()
