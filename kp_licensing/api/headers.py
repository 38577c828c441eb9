"""Security headers on every response, set in one place.

* ``X-Content-Type-Options: nosniff``: a browser never guesses a type the service did not send
  (an uploaded file, a JSON error) and runs it as a page or a script.
* ``Content-Security-Policy`` and ``X-Frame-Options``: an API answer is data, never a page: it
  may load nothing and be framed by nobody. The HTML pages the service serves (the API
  documentation) send their own, narrower policy, which this middleware leaves as it is.
* ``Referrer-Policy: no-referrer``: case numbers in URLs do not travel to other sites.
* ``Cache-Control: no-store`` on everything but the documentation's static assets: answers hold
  personal data and tokens, which no shared or browser cache should keep.
* ``Strict-Transport-Security`` in production, where the service is reached over HTTPS only
  (the TLS proxy in front of it); never in development, whose plain HTTP it would break.

A plain ASGI middleware (no request object is built): it adds what a response lacks to the
start message and passes everything else through. It wraps the whole stack (``install``), so
that the framework's own answer to a crash, sent from its outermost layer, carries them too.
"""

from __future__ import annotations

from fastapi import FastAPI
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: The policy of an API answer: nothing to load, no framing, no base URL, no form target.
API_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
#: A year, the subdomains too: what HSTS preload lists expect.
HSTS = "max-age=31536000; includeSubDomains"


class SecurityHeaders:
    def __init__(self, app: ASGIApp, *, hsts: bool, cacheable_prefixes: tuple[str, ...]) -> None:
        self.app = app
        self.hsts = hsts
        self.cacheable = cacheable_prefixes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"].removeprefix(scope.get("root_path", ""))
        cacheable = path.startswith(self.cacheable)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("Content-Security-Policy", API_POLICY)
                headers.setdefault("X-Frame-Options", "DENY")
                headers.setdefault("Referrer-Policy", "no-referrer")
                if not cacheable:
                    headers.setdefault("Cache-Control", "no-store")
                if self.hsts:
                    headers.setdefault("Strict-Transport-Security", HSTS)
            await send(message)

        await self.app(scope, receive, send_with_headers)


def install(app: FastAPI, *, hsts: bool, cacheable: tuple[str, ...]) -> None:
    """Wrap the app's middleware stack, outside Starlette's crash handler (``add_middleware``
    would put it inside, where a 500 never passes)."""
    build = app.build_middleware_stack

    def build_with_headers() -> ASGIApp:
        return SecurityHeaders(build(), hsts=hsts, cacheable_prefixes=cacheable)

    app.build_middleware_stack = build_with_headers  # type: ignore[method-assign]
