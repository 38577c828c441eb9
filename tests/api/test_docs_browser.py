"""The documentation pages render in a real browser under their content policy.

A policy that blocks a page's own script leaves it blank without any error the server sees;
only a browser tells. Chromium (headless) loads each page, runs its scripts (with virtual time,
so the document is fetched and drawn before the DOM is dumped) and the DOM must hold the
operations. CI installs Chromium (``.ci/run``); without it these tests are skipped.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

pytestmark = pytest.mark.processes

BROWSER = next(
    (path for name in ("chromium", "chromium-browser") if (path := shutil.which(name))), None
)


def rendered(url: str, profile: Path) -> str:
    """The page's DOM once its scripts have run."""
    assert BROWSER is not None
    done = subprocess.run(
        [
            BROWSER,
            "--headless=new",
            "--no-sandbox",  # the tests may run as root
            "--disable-gpu",
            f"--user-data-dir={profile}",
            "--virtual-time-budget=15000",
            "--dump-dom",
            url,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


@pytest.mark.skipif(BROWSER is None, reason="no Chromium here (CI installs it)")
@pytest.mark.parametrize(
    ("page", "drawn"),
    [
        ("/docs", r'data-path="/api/v1/licences/\{case_no\}/approve"'),  # Swagger UI's
        ("/redoc", r'class="[^"]*\bapi-content\b.*/api/v1/licences/\{case_no\}/approve'),
    ],
)
def test_the_documentation_renders_in_a_browser(
    service: str, tmp_path: Path, page: str, drawn: str
) -> None:
    dom = rendered(service + page, tmp_path)
    assert re.search(drawn, dom, re.S), dom[-3000:]
