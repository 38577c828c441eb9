"""Temporal's codec-server format: what its web UI and command line send to have the payloads
of a history decoded (``POST /codec/decode``)."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from schemas.messages import invalid


def _base64(value: str) -> str:
    try:
        base64.b64decode(value, validate=True)
    except binascii.Error:
        raise invalid("field.base64") from None
    return value


Base64Text = Annotated[str, Field(max_length=8 * 1024 * 1024), AfterValidator(_base64)]


class CodecPayload(BaseModel):
    """One payload: its metadata values and its data, each base64."""

    model_config = ConfigDict(extra="forbid")

    metadata: dict[Annotated[str, Field(max_length=100)], Base64Text] = Field(
        default_factory=dict, max_length=20
    )
    data: Base64Text = ""


class CodecPayloads(BaseModel):
    model_config = ConfigDict(extra="forbid")

    payloads: list[CodecPayload] = Field(max_length=1000)
