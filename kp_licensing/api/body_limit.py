"""The largest request body the service reads, refused with a 413 that states the limit.

Starlette's own limit answers in plain text without the number; this one answers in the
service's error shape. A declared ``Content-Length`` over the limit is refused before the
application runs; a body streamed without one is cut off when it passes the limit, which the
route's body reading raises as ``BodyTooLarge``.
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kp_licensing.api.errors import respond
from kp_licensing.domain.units import size
from schemas.messages import say


class BodyTooLarge(HTTPException):
    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.message = say("http.body_too_large", size=size(limit), limit=limit)
        super().__init__(413, str(self.message))


class BodyLimit:
    """ASGI middleware: no route sees more than ``max_bytes`` of a request body."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(scope, receive, send)
            return
        received = 0
        started = False

        async def limited() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge(self.max_bytes)
            return message

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited, watched)
        except BodyTooLarge:
            if started:
                raise
            await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        error = BodyTooLarge(self.max_bytes)
        response = respond(413, "payload_too_large", error.message, limit_bytes=error.limit)
        await response(scope, receive, send)
