"""The API's language: every message in a response is said in the language the request asks for.

A response carries messages as data (``{"code", "params"}``: notices, check results, errors).
At this edge each one also gets its ``text``, rendered from the message catalogue in the
language negotiated from ``Accept-Language`` (English when nothing better is available), and the
response says which with ``Content-Language``. Nothing below the edge knows the reader's language.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

from fastapi.responses import JSONResponse
from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import cookie_parser
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kp_licensing.support.catalogue import DEFAULT_LOCALE, locales, negotiate, render
from schemas.messages import Message as Said

#: The language of the request being answered (set by :class:`Language` for each request).
LOCALE: ContextVar[str] = ContextVar("locale", default=DEFAULT_LOCALE)

_MESSAGE_KEYS = frozenset(Said.model_fields)
_REQUIRED_KEYS = frozenset({"code", "params"})


def text(message: Said) -> str:
    """``message`` in the language of the request being answered."""
    return render(message, LOCALE.get())


def with_text(content: Any) -> Any:
    """``content`` (JSON data) with a ``text`` beside every message's code and params."""
    if isinstance(content, list):
        return [with_text(item) for item in content]
    if not isinstance(content, dict):
        return content
    keys = content.keys()
    if _REQUIRED_KEYS <= keys <= _MESSAGE_KEYS and isinstance(content["params"], dict):
        return {**content, "text": text(Said.model_validate(content))}
    return {key: with_text(value) for key, value in content.items()}


class SayingJSONResponse(JSONResponse):
    """The API's JSON response: its messages said in the request's language."""

    def render(self, content: Any) -> bytes:
        return super().render(with_text(content))


#: The cookie in which the portal remembers the language a visitor chose.
CHOSEN_LANGUAGE = "kp_lang"


def _chosen(path: str, headers: Headers) -> str | None:
    """The language a portal visitor chose (its cookie), which outranks the browser's
    ``Accept-Language``; the API answers as each request asks."""
    if path.startswith("/api/") or "cookie" not in headers:
        return None
    chosen = cookie_parser(headers["cookie"]).get(CHOSEN_LANGUAGE)
    return chosen if chosen in locales() else None


class Language:
    """ASGI middleware: negotiate the request's language, and say it in the response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        locale = _chosen(scope["path"], headers) or negotiate(headers.get("accept-language"))
        token = LOCALE.set(locale)

        async def send_with_language(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("Content-Language", locale)
                headers.add_vary_header("Accept-Language")
            await send(message)

        try:
            await self.app(scope, receive, send_with_language)
        finally:
            LOCALE.reset(token)
