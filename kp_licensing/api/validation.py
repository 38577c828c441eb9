"""Request validation errors as a person reads them: which field, and what it must be.

Pydantic's messages are written for programmers ("Input should be a valid dictionary or object
to extract fields from", "String should match pattern '^[A-Z]{2}$'"); each is turned into a
message whose sentence follows the field's name ("must be an object", "must be 2 letters"). The
submitted values are never repeated: they may be passwords.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from kp_licensing.api.patterns import safe_describe
from schemas.messages import Message, param, say


def _expected(ctx: Mapping[str, Any]) -> str:
    return str(ctx["expected"])  # a KeyError falls back to pydantic's own words


def _json(ctx: Mapping[str, Any]) -> Message:
    reason = ctx.get("error")
    if reason:
        return say("field.json_invalid_because", reason=reason)
    return say("field.json_invalid")


Phrase = Callable[[Mapping[str, Any]], Message]

#: pydantic error type -> the message whose sentence follows the field's name.
PHRASES: dict[str, Phrase] = {
    "missing": lambda _: say("field.missing"),
    "extra_forbidden": lambda _: say("field.extra_forbidden"),
    "string_type": lambda _: say("field.text"),
    "string_too_short": lambda x: say("field.text_too_short", min_length=x["min_length"]),
    "string_too_long": lambda x: say("field.text_too_long", max_length=x["max_length"]),
    "string_pattern_mismatch": lambda x: say(
        "field.pattern", described=safe_describe(str(x["pattern"]))
    ),
    "string_unicode": lambda _: say("field.utf8"),
    "enum": lambda x: say("field.one_of", expected=_expected(x)),
    "literal_error": lambda x: say("field.literal", expected=_expected(x)),
    "bool_type": lambda _: say("field.boolean"),
    "bool_parsing": lambda _: say("field.boolean"),
    "int_type": lambda _: say("field.whole_number"),
    "int_parsing": lambda _: say("field.whole_number"),
    "int_from_float": lambda _: say("field.whole_number"),
    "int_parsing_size": lambda _: say("field.number_too_large"),
    "float_type": lambda _: say("field.number"),
    "float_parsing": lambda _: say("field.number"),
    "finite_number": lambda _: say("field.finite_number"),
    "decimal_type": lambda _: say("field.number"),
    "decimal_parsing": lambda _: say("field.number"),
    "decimal_max_digits": lambda x: say("field.max_digits", max_digits=x["max_digits"]),
    "decimal_max_places": lambda x: say(
        "field.max_decimal_places", decimal_places=x["decimal_places"]
    ),
    "decimal_whole_digits": lambda x: say("field.max_whole_digits", whole_digits=x["whole_digits"]),
    "multiple_of": lambda x: say("field.multiple_of", multiple_of=x["multiple_of"]),
    "greater_than": lambda x: say("field.greater_than", gt=x["gt"]),
    "greater_than_equal": lambda x: say("field.at_least", ge=x["ge"]),
    "less_than": lambda x: say("field.less_than", lt=x["lt"]),
    "less_than_equal": lambda x: say("field.at_most", le=x["le"]),
    "too_short": lambda x: say("field.too_few_items", min_length=x["min_length"]),
    "too_long": lambda x: say("field.too_many_items", max_length=x["max_length"]),
    "list_type": lambda _: say("field.list"),
    "tuple_type": lambda _: say("field.list"),
    "set_type": lambda _: say("field.list_without_repeats"),
    "dict_type": lambda _: say("field.object"),
    "model_type": lambda _: say("field.object"),
    "model_attributes_type": lambda _: say("field.object"),
    "date_type": lambda _: say("field.date"),
    "date_parsing": lambda _: say("field.date"),
    "date_from_datetime_parsing": lambda _: say("field.date"),
    "date_from_datetime_inexact": lambda _: say("field.date_without_time"),
    "date_past": lambda _: say("field.date_past"),
    "date_future": lambda _: say("field.date_future"),
    "datetime_type": lambda _: say("field.datetime"),
    "datetime_parsing": lambda _: say("field.datetime"),
    "datetime_from_date_parsing": lambda _: say("field.datetime"),
    "timezone_aware": lambda _: say("field.timezone"),
    "uuid_type": lambda _: say("field.uuid"),
    "uuid_parsing": lambda _: say("field.uuid"),
    "url_parsing": lambda _: say("field.url"),
    "url_scheme": lambda x: say("field.url_scheme", expected_schemes=x["expected_schemes"]),
    "json_invalid": _json,
    "json_type": lambda _: say("field.json_text"),
    "bytes_type": lambda _: say("field.file_or_text"),
    "union_tag_invalid": lambda x: say(
        "field.union_tag_invalid", discriminator=x["discriminator"], expected=x["expected_tags"]
    ),
    "union_tag_not_found": lambda x: say(
        "field.union_tag_not_found", discriminator=x["discriminator"]
    ),
}


def _custom(message: str) -> str:
    """A validator that raised a plain ValueError wrote a sentence ("Value error, the end must
    follow the start"): without pydantic's prefix."""
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


def phrase(error: Mapping[str, Any]) -> Message:
    """The message for one pydantic error, whose sentence follows the field's name.

    A schema's own rule raises ``schemas.messages.field_error`` (a catalogue code as its type,
    its params as context); a type this table does not know keeps pydantic's words, as a param."""
    kind = str(error.get("type", ""))
    ctx = error.get("ctx") or {}
    if "." in kind:  # a catalogue code (pydantic's own types are single words)
        return Message(code=kind, params={k: param(v) for k, v in ctx.items()})
    if kind in ("value_error", "assertion_error"):
        return say("field.rule", rule=_custom(str(error.get("msg", ""))))
    if kind in PHRASES:
        try:
            return PHRASES[kind](ctx)
        except KeyError:  # a ctx without the expected key: pydantic's own words then
            pass
    return say("field.rule", rule=_generic(str(error.get("msg", ""))))


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


def problems(errors: Sequence[Mapping[str, Any]]) -> list[tuple[str, Message]]:
    """One ``(field, message)`` per distinct problem, in the order pydantic found them."""
    seen: dict[tuple[str, str], tuple[str, Message]] = {}
    for error in errors:
        field = field_name(error.get("loc", ()), str(error.get("type", "")))
        message = phrase(error)
        seen.setdefault((field, message.model_dump_json()), (field, message))
    return list(seen.values())


def summary(count: int) -> Message:
    """What a refusal for ``count`` bad fields says before listing them."""
    if count == 1:
        return say("request.invalid_field")
    return say("request.invalid_fields", count=count)
