"""Workflow payloads are read through one cache of pydantic adapters for the process: the
sandbox makes a converter per workflow, and each must not build its adapters again."""

from __future__ import annotations

from temporalio.api.common.v1 import Payload

from kp_licensing.support import model_payloads
from kp_licensing.support.model_payloads import ModelPayloadConverter
from schemas.licence import LicenceStart
from tests.factories import licence_start


def test_converters_share_their_adapters_and_read_models_back_equal() -> None:
    start = licence_start(1)
    [payload] = ModelPayloadConverter().to_payloads([start])
    first = ModelPayloadConverter().from_payloads([payload], [LicenceStart])
    built = model_payloads._adapter.cache_info().currsize
    hits = model_payloads._adapter.cache_info().hits
    second = ModelPayloadConverter().from_payloads([payload], [LicenceStart])  # another workflow
    assert first == second == [start]
    assert model_payloads._adapter.cache_info().currsize == built  # no new adapter
    assert model_payloads._adapter.cache_info().hits == hits + 1


def test_an_unhashable_type_hint_is_still_read() -> None:
    """A hint that cannot key the cache (an ``Annotated`` with a list in it) takes the SDK's
    own uncached path instead of failing."""
    from typing import Annotated

    hint = Annotated[list[int], ["unhashable"]]
    payload = Payload(metadata={"encoding": b"json/plain"}, data=b"[1, 2]")
    assert ModelPayloadConverter().from_payloads([payload], [hint]) == [[1, 2]]  # type: ignore[list-item]
