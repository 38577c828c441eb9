"""The service's OpenAPI document, built once per test process.

Building an app and its document takes a second or two; several test modules read the document
(one at collection, to parametrize), and none changes it. Built from the settings' defaults:
what the document says does not depend on where the database is."""

from __future__ import annotations

import functools
import tempfile
from typing import Any

from kp_licensing.api.app import create_app
from kp_licensing.support.settings import Settings


@functools.cache
def openapi_document() -> dict[str, Any]:
    """The document (shared: read it, never change it)."""
    settings = Settings(database_url="sqlite:///:memory:", data_dir=tempfile.mkdtemp())
    return create_app(settings).openapi()
