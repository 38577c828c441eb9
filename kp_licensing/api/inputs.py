"""Text no person types is refused at the door, whatever the route: a control character (NUL
above all, which PostgreSQL cannot store and answers with an error) or an unpaired surrogate
(which no database encoding can store) in any path segment, query parameter, form field, file
name or JSON string is a 422 naming every field where it was found.

It is one dependency of the whole application (:func:`refuse_control_characters`), so a route
added tomorrow is covered without remembering to be. It runs before the route's own
dependencies and before anything is read from or written to the database; it reads the body
only where the route reads one (FastAPI has parsed it already, and the parse is cached).

Single-line values (path, query, form fields) allow no control character at all; JSON strings,
which carry multi-line free text (reasons, messages, addresses), may hold tab, line feed and
carriage return.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.params import Form
from starlette.datastructures import UploadFile

# C0 controls, DEL and C1 controls; unpaired surrogates (only JSON's "\ud800" escapes make them).
_SINGLE_LINE = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_MULTI_LINE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")

Problem = tuple[tuple[str | int, ...], str]


def _problem(value: str, *, multi_line: bool = False) -> str | None:
    found = (_MULTI_LINE if multi_line else _SINGLE_LINE).search(value)
    if found is None:
        return None
    char = ord(found.group())
    if 0xD800 <= char <= 0xDFFF:
        return (
            f"contains U+{char:04X}, half of a character (an unpaired surrogate); send valid text"
        )
    return f"contains the control character U+{char:04X}; remove it (send plain text)"


def _json(document: Any, loc: tuple[str | int, ...]) -> Iterator[Problem]:
    """Every bad string in a parsed JSON document, keys included, at FastAPI's ``loc``. A
    stack, not recursion: a document nested as deep as the parser allows is walked too."""
    stack = [(loc, document)]
    while stack:
        where, value = stack.pop()
        if isinstance(value, str):
            if message := _problem(value, multi_line=True):
                yield where, message
        elif isinstance(value, dict):
            for key, item in reversed(value.items()):
                if message := _problem(key):
                    yield where, f"a field name {message}"
                else:
                    stack.append(((*where, key), item))
        elif isinstance(value, list):
            stack.extend(((*where, i), item) for i, item in reversed(list(enumerate(value))))


async def _body(request: Request) -> list[Problem]:
    """The problems of the body the route reads, if it reads one."""
    body_field = getattr(request.scope.get("route"), "body_field", None)
    if body_field is None:
        return []
    if isinstance(body_field.field_info, Form):
        form = await request.form()  # the route's own parse, cached on the request
        found: list[Problem] = []
        for name, value in form.multi_items():
            if message := _problem(name):
                found.append((("body",), f"a field name {message}"))
            elif isinstance(value, UploadFile):
                if value.filename and (message := _problem(value.filename)):
                    found.append((("body", name), f"the file name {message}"))
            elif message := _problem(value):
                found.append((("body", name), message))
        return found
    try:
        document = await request.json()
    except ValueError:  # not JSON: the route's own validation says so
        return []
    return list(_json(document, ("body",)))


async def refuse_control_characters(request: Request) -> None:
    """Refuse the request (422) if any value it carries holds a control character."""
    problems: list[Problem] = []
    for name, value in request.path_params.items():
        if isinstance(value, str) and (message := _problem(value)):
            problems.append((("path", name), message))
    for name, value in request.query_params.multi_items():
        if message := _problem(name):
            problems.append((("query",), f"a parameter name {message}"))
        elif message := _problem(value):
            problems.append((("query", name), message))
    problems.extend(await _body(request))
    if problems:
        raise RequestValidationError(
            [{"type": "control_character", "loc": loc, "msg": message} for loc, message in problems]
        )
