"""The interactive documentation (/docs, /redoc) served with no network: Swagger UI's and
ReDoc's scripts and styles come from the ``fastapi-offline`` package, not from a CDN, so the
pages work on an isolated network and in the field.

Each page sends its own Content-Security-Policy (the API's, from ``api.headers``, would blank
it): scripts from the service only, plus the page's own inline script by its hash; styles from
the service and inline (both tools style their elements); images from the service and data:
URLs; ReDoc's worker from a blob: URL; requests to the service only; no framing."""

from __future__ import annotations

import base64
import hashlib
import re
from importlib.resources import files

from fastapi import FastAPI, Request
from fastapi.openapi.docs import (
    get_redoc_html,
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

ASSETS = "/docs-assets"
_OAUTH2_REDIRECT = "/docs/oauth2-redirect"
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.S)


def with_policy(page: HTMLResponse) -> HTMLResponse:
    """The page with the policy that lets exactly it run."""
    hashes = "".join(
        f" 'sha256-{base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()}'"
        for script in _INLINE_SCRIPT.findall(bytes(page.body).decode())
    )
    page.headers["Content-Security-Policy"] = (
        f"default-src 'self'; script-src 'self'{hashes}; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; worker-src 'self' blob:; connect-src 'self'; "
        "frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
    )
    return page


def install(app: FastAPI) -> None:
    """/docs, /redoc and their assets; the app is built with ``docs_url=None, redoc_url=None``."""
    assert app.docs_url is None and app.redoc_url is None, "FastAPI's CDN pages are switched off"
    folder = files("fastapi_offline") / "static"
    app.mount(ASSETS, StaticFiles(directory=str(folder)), name="docs-assets")
    title = app.title

    def root(request: Request) -> str:
        """The prefix a proxy mounts the service under (``--root-path``), as FastAPI's own pages
        use it."""
        return str(request.scope.get("root_path", "")).rstrip("/")

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui(request: Request) -> HTMLResponse:
        prefix = root(request)
        page = get_swagger_ui_html(
            openapi_url=prefix + (app.openapi_url or "/openapi.json"),
            title=f"{title} - API",
            oauth2_redirect_url=prefix + _OAUTH2_REDIRECT,
            swagger_js_url=f"{prefix}{ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{prefix}{ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{prefix}{ASSETS}/favicon.png",
            # No badge fetched from the public validator service.
            swagger_ui_parameters={"validatorUrl": None},
        )
        return with_policy(page)

    @app.get(_OAUTH2_REDIRECT, include_in_schema=False)
    async def swagger_ui_redirect() -> HTMLResponse:
        return with_policy(get_swagger_ui_oauth2_redirect_html())

    @app.get("/redoc", include_in_schema=False)
    async def redoc(request: Request) -> HTMLResponse:
        prefix = root(request)
        page = get_redoc_html(
            openapi_url=prefix + (app.openapi_url or "/openapi.json"),
            title=f"{title} - API reference",
            redoc_js_url=f"{prefix}{ASSETS}/redoc.standalone.js",
            redoc_favicon_url=f"{prefix}{ASSETS}/favicon.png",
            with_google_fonts=False,
        )
        return with_policy(page)
