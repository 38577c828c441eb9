"""Pydantic models to and from Temporal payloads, with one cache of validators per process.

The SDK's pydantic converter keeps the ``TypeAdapter`` it builds for each type in the converter
instance, and a workflow sandbox makes a converter instance for every workflow it runs: every
licence case built the adapters of its input, of each update's argument and of each activity's
result again (about a third of a millisecond of CPU per decision, the schema generation
running under the sandbox's checks). Adapters depend on the type alone and validate from any
thread, so this converter keeps them once for the process.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from pydantic import TypeAdapter
from temporalio.api.common.v1 import Payload
from temporalio.contrib.pydantic import PydanticJSONPlainPayloadConverter
from temporalio.converter import (
    CompositePayloadConverter,
    DefaultPayloadConverter,
    JSONPlainPayloadConverter,
)

#: Every type a payload was read as, with its adapter (the service has a few dozen).
_adapter = lru_cache(maxsize=1024)(TypeAdapter)


class SharedAdaptersJSONConverter(PydanticJSONPlainPayloadConverter):
    """The SDK's pydantic JSON converter, reading through the process's adapters."""

    def from_payload(self, payload: Payload, type_hint: type | None = None) -> Any:
        hint = type_hint if type_hint is not None else Any
        try:
            adapter = _adapter(hint)
        except TypeError:  # an unhashable hint: the SDK's own path, uncached
            return super().from_payload(payload, type_hint)
        return adapter.validate_json(payload.data)


class ModelPayloadConverter(CompositePayloadConverter):
    """The SDK's default converters, JSON replaced by :class:`SharedAdaptersJSONConverter` (as
    ``temporalio.contrib.pydantic.PydanticPayloadConverter`` replaces it by its own)."""

    def __init__(self) -> None:
        json = SharedAdaptersJSONConverter()
        super().__init__(
            *(
                json if isinstance(c, JSONPlainPayloadConverter) else c
                for c in DefaultPayloadConverter.default_encoding_payload_converters
            )
        )
