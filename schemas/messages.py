"""Person-facing text as data: a stable ``code`` and its ``params``, never a sentence.

Notices, check results, refusals and errors are built deep inside (workflows, rules) and stored
(workflow histories, the database). A stored sentence could only ever be shown in the language it
was written in; a stored ``Message`` is rendered at the edge (the API, the portal) from the
message catalogue (``kp_licensing/locale``), in the language the reader asks for.

Every code is written literally where it is said (``say("licence.expired", ...)``, or as the first
argument of a domain error), so Babel's extractor finds it and the catalogue test checks that each
one has a sentence whose placeholders are the params given.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError


def _with_text(schema: dict[str, Any]) -> None:
    """The API's ``text`` beside a message's own fields, in the schema clients read."""
    schema["properties"]["text"] = {
        "type": "string",
        "readOnly": True,
        "description": "The sentence, in the language of the response (added by the API).",
    }


class Message(BaseModel):
    """What to tell a person, in no language yet.

    In an API response it also carries ``text``, the sentence in the response's language
    (``Content-Language``), added at the edge; stored messages never carry it."""

    model_config = ConfigDict(extra="ignore", json_schema_extra=_with_text)

    code: str = Field(description="Stable and machine-readable; the message catalogue's key.")
    params: dict[str, str] = Field(
        default_factory=dict, description="The values the sentence names (numbers, dates...)."
    )
    parts: list[Message] = Field(
        default_factory=list,
        exclude_if=lambda parts: not parts,  # stored and sent only when there are some
        description="Messages the sentence lists where it says {parts} (the problems an "
        "inspection found...), each said in turn.",
    )

    @model_validator(mode="before")
    @classmethod
    def _stored_sentence(cls, data: Any) -> Any:
        """A plain sentence (stored before messages were data) is kept as it was written."""
        if isinstance(data, str):
            return {"code": VERBATIM, "params": {"text": data}}
        return data

    def __str__(self) -> str:
        """For logs and exception text: the code and its params, not a sentence."""
        said = [self.code]
        if self.params:
            said.append(", ".join(f"{k}={v}" for k, v in self.params.items()))
        if self.parts:
            said.append("[" + "; ".join(str(part) for part in self.parts) + "]")
        return " ".join(said)


def param(value: object) -> str:
    """A param as the catalogue's sentences take it: dates in ISO form, enums by value, lists
    comma-separated, anything else as ``str``."""
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple | set | frozenset):
        items = sorted(value, key=str) if isinstance(value, set | frozenset) else value
        return ", ".join(param(v) for v in items)
    return str(value)


def say(code: str, /, **params: object) -> Message:
    """The message ``code`` with ``params``; the code must be written literally here. The
    keyword ``parts`` (a list of messages) is what the sentence lists where it says {parts}."""
    parts = params.pop("parts", None) or []
    if not isinstance(parts, list) or not all(isinstance(p, Message) for p in parts):
        raise TypeError("parts must be a list of messages")
    return Message(code=code, params={name: param(v) for name, v in params.items()}, parts=parts)


#: The code of a sentence stored before messages were data (a notice in a workflow history
#: recorded earlier) or said by a part that speaks only English (a framework's own refusal): its
#: only param is the sentence itself, shown as it is. Said here, so Babel extracts it too.
VERBATIM = say("verbatim", text="").code


def field_error(message: Message) -> PydanticCustomError:
    """``message`` as a pydantic error, to raise in a validator: its type is the message's code
    (dotted, unlike pydantic's own types) and its context the params, so the API says it from
    the catalogue like any other field problem."""
    return PydanticCustomError(message.code, message.code, dict(message.params))


def invalid(code: str, /, **params: object) -> PydanticCustomError:
    """A schema rule's refusal (``field.*``), to raise in a validator."""
    return field_error(say(code, **params))
