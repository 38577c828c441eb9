"""Cross-origin calls to the codec endpoint only: Temporal's web UI, served from its own
origin (``KP_CODEC_CORS_ORIGINS``), asks the service to decode the payloads it shows. Every
other path stays same-origin (no CORS header at all)."""

from __future__ import annotations

from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

CODEC_PATHS = "/api/v1/codec/"


class CodecCors:
    def __init__(self, app: ASGIApp, *, origins: list[str]) -> None:
        self.app = app
        self.cors = CORSMiddleware(
            app,
            allow_origins=origins,
            allow_methods=["POST"],
            # What the UI sends: its token, the JSON type, and the namespace it reads.
            allow_headers=["Authorization", "Content-Type", "X-Namespace"],
            allow_credentials=True,
            max_age=600,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith(CODEC_PATHS):
            await self.cors(scope, receive, send)
        else:
            await self.app(scope, receive, send)
