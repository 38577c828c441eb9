"""Opaque list cursors: where a page ended, signed so a client can hand it back but not forge
it (the API's lists, and the portal's, page the same way).

A cursor is ``<payload>.<tag>`` in URL-safe base64: the payload is the last row's
(submitted_at, case_no) and the list it belongs to; the tag an HMAC of both under a key derived
from the JWT secret. Clients treat it as opaque. A cursor that does not decode, carries another
list's name or a wrong tag is a 422 naming the ``cursor`` parameter, never a 500 or a silently
wrong page. Rotating the JWT secret invalidates open cursors: clients start again from page one.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from datetime import datetime
from functools import lru_cache

from kp_licensing.domain.errors import RuleViolation
from kp_licensing.store.paging import Page, Position
from schemas.messages import say

_TAG_BYTES = 16


@lru_cache(maxsize=4)
def _key(secret: str) -> bytes:
    """The cursor key, separate from the token key though derived from the same secret."""
    return hmac.new(secret.encode(), b"kp-licensing list cursor", hashlib.sha256).digest()


def _tag(payload: bytes, secret: str) -> bytes:
    return hmac.new(_key(secret), payload, hashlib.sha256).digest()[:_TAG_BYTES]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def encode(position: Position, *, scope: str, secret: str) -> str:
    """The cursor of the page after ``position`` in the list named ``scope``."""
    payload = json.dumps(
        [scope, position.submitted_at.isoformat(), position.case_no], separators=(",", ":")
    ).encode()
    return f"{_b64(payload)}.{_b64(_tag(payload, secret))}"


def decode(cursor: str, *, scope: str, secret: str) -> Position:
    """The position a cursor this service issued for ``scope`` names; RuleViolation otherwise."""
    try:
        payload_text, tag_text = cursor.split(".")
        payload, tag = _unb64(payload_text), _unb64(tag_text)
        if not hmac.compare_digest(tag, _tag(payload, secret)):
            raise ValueError("wrong tag")
        issued_for, submitted_at, case_no = json.loads(payload)
        if issued_for != scope:
            raise ValueError("another list's cursor")
        return Position(datetime.fromisoformat(submitted_at), str(case_no))
    except (ValueError, TypeError, binascii.Error, UnicodeError):
        problem = say("paging.cursor_not_returned")
        raise RuleViolation(
            "paging.cursor_invalid", details=[{"field": "query.cursor", "message": problem}]
        ) from None


def start(cursor: str | None, offset: int, *, scope: str, secret: str) -> Position | None:
    """Where a list request starts: after the cursor's position, if it brings one. A cursor
    already says where the page starts, so an offset beside it is refused, not combined."""
    if cursor is None:
        return None
    if offset:
        problem = say("paging.offset_with_cursor")
        raise RuleViolation(
            "paging.cursor_and_offset", details=[{"field": "query.offset", "message": problem}]
        )
    return decode(cursor, scope=scope, secret=secret)


def following(page: Page, *, scope: str, secret: str) -> str | None:
    """The cursor of the page after ``page``; None at the end of the list."""
    return None if page.next is None else encode(page.next, scope=scope, secret=secret)
