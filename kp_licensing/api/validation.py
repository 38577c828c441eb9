"""Request validation errors as a person reads them: which field, and what it must be.

Pydantic's messages are written for programmers ("Input should be a valid dictionary or object
to extract fields from", "String should match pattern '^[A-Z]{2}$'"); each is turned into a
phrase that follows the field's name ("must be an object", "must be 2 letters"). The submitted
values are never repeated: they may be passwords.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from kp_licensing.api.patterns import safe_describe


def _expected(ctx: Mapping[str, Any]) -> str:
    return str(ctx["expected"])  # a KeyError falls back to pydantic's own words


def _json(ctx: Mapping[str, Any]) -> str:
    reason = ctx.get("error")
    return "is not valid JSON" + (f" ({reason})" if reason else "") + "; send a JSON object"


Phrase = Callable[[Mapping[str, Any]], str]

_DATE = "must be a date written YYYY-MM-DD"
_DATETIME = "must be a date and time such as 2026-05-01T09:30:00+08:00"
_NUMBER = "must be a number"
_WHOLE = "must be a whole number"

#: pydantic error type -> the phrase that follows the field's name.
PHRASES: dict[str, Phrase] = {
    "missing": lambda _: "is required",
    "extra_forbidden": lambda _: "is not a field of this request; remove it",
    "string_type": lambda _: "must be text",
    "string_too_short": lambda x: f"must be at least {x['min_length']} characters long",
    "string_too_long": lambda x: f"must be at most {x['max_length']} characters long",
    "string_pattern_mismatch": lambda x: f"must {safe_describe(str(x['pattern']))}",
    "string_unicode": lambda _: "must be text in UTF-8",
    "enum": lambda x: f"must be one of {_expected(x)}",
    "literal_error": lambda x: f"must be {_expected(x)}",
    "bool_type": lambda _: "must be true or false",
    "bool_parsing": lambda _: "must be true or false",
    "int_type": lambda _: _WHOLE,
    "int_parsing": lambda _: _WHOLE,
    "int_from_float": lambda _: _WHOLE,
    "int_parsing_size": lambda _: "is too large a number",
    "float_type": lambda _: _NUMBER,
    "float_parsing": lambda _: _NUMBER,
    "finite_number": lambda _: "must be a finite number",
    "decimal_type": lambda _: _NUMBER,
    "decimal_parsing": lambda _: _NUMBER,
    "decimal_max_digits": lambda x: f"must have at most {x['max_digits']} digits",
    "decimal_max_places": lambda x: f"must have at most {x['decimal_places']} decimal places",
    "decimal_whole_digits": lambda x: (
        f"must have at most {x['whole_digits']} digits before the point"
    ),
    "multiple_of": lambda x: f"must be a multiple of {x['multiple_of']}",
    "greater_than": lambda x: f"must be greater than {x['gt']}",
    "greater_than_equal": lambda x: f"must be at least {x['ge']}",
    "less_than": lambda x: f"must be less than {x['lt']}",
    "less_than_equal": lambda x: f"must be at most {x['le']}",
    "too_short": lambda x: f"must have at least {x['min_length']} item(s)",
    "too_long": lambda x: f"must have at most {x['max_length']} item(s)",
    "list_type": lambda _: "must be a list (a JSON array)",
    "tuple_type": lambda _: "must be a list (a JSON array)",
    "set_type": lambda _: "must be a list (a JSON array) without repeats",
    "dict_type": lambda _: "must be an object (JSON {...})",
    "model_type": lambda _: "must be an object (JSON {...})",
    "model_attributes_type": lambda _: "must be an object (JSON {...})",
    "date_type": lambda _: _DATE,
    "date_parsing": lambda _: _DATE,
    "date_from_datetime_parsing": lambda _: _DATE,
    "date_from_datetime_inexact": lambda _: _DATE + " (without a time)",
    "date_past": lambda _: "must be a date in the past",
    "date_future": lambda _: "must be a date in the future",
    "datetime_type": lambda _: _DATETIME,
    "datetime_parsing": lambda _: _DATETIME,
    "datetime_from_date_parsing": lambda _: _DATETIME,
    "timezone_aware": lambda _: "must include a time zone, such as +08:00",
    "uuid_type": lambda _: "must be an id such as 123e4567-e89b-12d3-a456-426614174000",
    "uuid_parsing": lambda _: "must be an id such as 123e4567-e89b-12d3-a456-426614174000",
    "url_parsing": lambda _: "must be a web address such as https://example.org/",
    "url_scheme": lambda x: f"must be a web address starting with {x['expected_schemes']}",
    "json_invalid": _json,
    "json_type": lambda _: "must be JSON text",
    "bytes_type": lambda _: "must be a file or text",
    "union_tag_invalid": lambda x: f"must have {x['discriminator']} set to {x['expected_tags']}",
    "union_tag_not_found": lambda x: f"must say which kind it is (with {x['discriminator']})",
}


def _custom(message: str) -> str:
    """A schema's own validator wrote a sentence ("Value error, the end must follow the start"):
    it is already for people, without pydantic's prefix."""
    for prefix in ("Value error, ", "Assertion failed, "):
        if message.startswith(prefix):
            return message[len(prefix) :]
    return message


def _generic(message: str) -> str:
    """A type this table has not met: pydantic's own sentence, in the table's voice."""
    for prefix, replacement in (("Input should ", "must "), ("Value should ", "must ")):
        if message.startswith(prefix):
            return replacement + message[len(prefix) :]
    return message[:1].lower() + message[1:]


def phrase(error: Mapping[str, Any]) -> str:
    """The phrase for one pydantic error, to follow the field's name."""
    kind = str(error.get("type", ""))
    ctx = error.get("ctx") or {}
    if kind in ("value_error", "assertion_error"):
        return _custom(str(error.get("msg", "")))
    if kind in PHRASES:
        try:
            return PHRASES[kind](ctx)
        except KeyError:  # a ctx without the expected key: pydantic's own words then
            pass
    return _generic(str(error.get("msg", "")))


def _is_field(part: object) -> bool:
    """A part of a location that names a field or an index, not a schema's inner label such as
    ``function-after[...]`` or ``tagged-union[...]``."""
    return isinstance(part, int) or not any(mark in str(part) for mark in "[(")


def field_name(loc: Sequence[object], kind: str = "") -> str:
    """``("body", "administrators", 0, "name")`` -> ``body.administrators.0.name``. The
    character offset a JSON decode error adds to its location is not a field."""
    parts = [p for p in loc if _is_field(p)]
    if kind == "json_invalid":
        parts = [p for p in parts if not isinstance(p, int)]
    return ".".join(str(p) for p in parts)


def problems(errors: Sequence[Mapping[str, Any]]) -> list[dict[str, str]]:
    """One ``{field, message}`` per distinct problem, in the order pydantic found them."""
    seen: dict[tuple[str, str], None] = {}
    for error in errors:
        kind = str(error.get("type", ""))
        seen[(field_name(error.get("loc", ()), kind), phrase(error))] = None
    return [{"field": field, "message": message} for field, message in seen]


def sentence(found: list[dict[str, str]]) -> str:
    """The ``detail`` of a validation error: every problem, each naming its field."""
    listed = "; ".join(f"{p['field']} {p['message']}".strip() for p in found)
    count = "1 field needs" if len(found) == 1 else f"{len(found)} fields need"
    return f"{count} correcting before the request can be accepted: {listed}"
