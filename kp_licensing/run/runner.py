"""Running the parts: the API, the worker, or everything at once on embedded defaults."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from datetime import timedelta

import uvicorn

from edi.pki import DevelopmentPki, load_signer
from edi.signer import Signer
from kp_licensing.api.app import create_app
from kp_licensing.run.devserver import TemporalDevServer, ensure_port_free
from kp_licensing.run.memory import freeze_start_up
from kp_licensing.run.reconnect import connect_until_up
from kp_licensing.store.db import make_engine, session_factory
from kp_licensing.store.documents import document_store
from kp_licensing.store.migrate import upgrade
from kp_licensing.support.private import private_folder
from kp_licensing.support.settings import Settings
from workflows.client import TemporalAccess
from workflows.customs_activities import CustomsLink
from workflows.housekeeping_activities import HousekeepingActivities
from workflows.mail_activities import MailActivities
from workflows.schedules import ensure_housekeeping, ensure_mail_delivery
from workflows.worker import build_worker

log = logging.getLogger("kp_licensing")


class _ApiServer(uvicorn.Server):
    """uvicorn without its own signal handling (which re-raises Ctrl-C after serving): the
    runner owns the signals and decides the order in which the parts stop."""

    @contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


async def serve_api(settings: Settings, stop: asyncio.Event) -> None:
    """Serve the HTTP API until ``stop`` is set, then finish the requests in flight."""
    config = uvicorn.Config(
        create_app(settings),
        host=settings.api_host,
        port=settings.api_port,
        log_level="info",
        # Longer than the idle timeout of the proxies and clients in front (60 s is common):
        # the side that closes an idle connection first races a request being sent on it, and
        # that must be the client, which then opens a new one, never the server (a reset).
        timeout_keep_alive=75,
        proxy_headers=True,
        forwarded_allow_ips=settings.trusted_proxies,
    )
    server = _ApiServer(config)
    freeze_start_up()

    async def watch() -> None:
        await stop.wait()
        server.should_exit = True

    watcher = asyncio.create_task(watch())
    try:
        await server.serve()
    finally:
        watcher.cancel()


async def run_worker(settings: Settings, stop: asyncio.Event) -> None:
    """Run the worker until ``stop`` is set, then let running tasks finish. Temporal need not be
    up yet: the worker keeps trying to connect (one log line per attempt) until it is."""
    settings.check_production()
    client = await connect_until_up(TemporalAccess.of(settings), stop=stop, who="worker")
    if client is None:  # stopped before Temporal ever answered
        return
    engine = make_engine(
        settings.resolved_database_url(),
        pool_size=settings.db_pool_size,
        pool_timeout=settings.db_pool_timeout,
    )
    sessions = session_factory(engine)
    with ThreadPoolExecutor(max_workers=16) as executor:
        worker = build_worker(
            client,
            task_queue=settings.task_queue,
            sessions=sessions,
            executor=executor,
            housekeeping=HousekeepingActivities(
                sessions,
                document_store(settings),
                unused_days=settings.documents_unused_days,
                portal_idle_minutes=settings.portal_idle_minutes,
            ),
            signer=worker_signer(settings),
            customs_link=CustomsLink.of(settings),
            mail=MailActivities(sessions, settings),
        )
        freeze_start_up()
        await ensure_housekeeping(
            client,
            task_queue=settings.task_queue,
            every=timedelta(hours=settings.housekeeping_every_hours),
        )
        await ensure_mail_delivery(
            client,
            task_queue=settings.task_queue,
            every=timedelta(seconds=settings.mail_every_seconds),
        )
        async with worker:
            log.info(
                "worker polling task queue %s on %s", settings.task_queue, settings.temporal_address
            )
            await stop.wait()
    engine.dispose()


def worker_signer(settings: Settings) -> Signer | None:
    """DSEDT's signer for the certificates this worker issues; unreadable, the worker runs
    without it (every other process goes on; an issue waits until a worker has it)."""
    try:
        return load_signer(*settings.signing_files())
    except (OSError, ValueError) as error:
        log.error("signing key unavailable, no certificate can be issued: %s", error)
        return None


def stop_on_signals(stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)


async def worker_main(settings: Settings) -> None:
    stop = asyncio.Event()
    stop_on_signals(stop)
    await run_worker(settings, stop)


async def api_main(settings: Settings) -> None:
    ensure_port_free(
        settings.api_host, settings.api_port, what="the API", setting="KP_API_PORT (or --port)"
    )
    stop = asyncio.Event()
    stop_on_signals(stop)
    await serve_api(settings, stop)


async def dev_main(settings: Settings) -> None:
    """Everything on one machine: migrate, Temporal dev server, worker, API; Ctrl-C stops all."""
    host, _, port = settings.temporal_address.rpartition(":")
    server = TemporalDevServer(
        host=host or "127.0.0.1",
        port=int(port),
        db_file=settings.data_dir / "temporal.db",
        ui_port=settings.temporal_ui_port,
        log_file=settings.data_dir / "temporal.log",
    )
    # Every port first: a taken one is one line naming its setting, before anything starts.
    ensure_port_free(settings.api_host, settings.api_port, what="the API", setting="KP_API_PORT")
    server.check_ports()
    private_folder(settings.data_dir)
    if DevelopmentPki(settings.pki_dir, customs_office=settings.customs_office).init():
        log.info("development PKI made in %s (kp-licensing pki init)", settings.pki_dir)
    upgrade(settings.resolved_database_url())
    await server.start()
    log.info(
        "Temporal dev server on %s, web UI on http://%s:%s",
        server.address,
        server.host,
        settings.temporal_ui_port,
    )
    stop = asyncio.Event()
    stop_on_signals(stop)
    worker = asyncio.create_task(run_worker(settings, stop))
    try:
        log.info("API on http://%s:%s (docs at /docs)", settings.api_host, settings.api_port)
        await serve_api(settings, stop)  # returns on Ctrl-C or SIGTERM
    finally:
        stop.set()
        with suppress(asyncio.CancelledError):
            await worker
        server.stop()
        log.info("stopped: API, worker and Temporal dev server")
