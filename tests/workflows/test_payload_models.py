"""Every model that travels in a workflow's payloads or state ignores unknown fields, at every
depth: a field retired tomorrow must not make today's histories and stored states unreadable.
Request bodies refuse unknown fields instead (``schemas.common.Body``); a model that is both
is split, as ``Arrival`` / ``ArrivalBody``."""

from __future__ import annotations

import types
import typing
from collections.abc import Iterator

import pytest
from pydantic import BaseModel
from temporalio import workflow

from schemas.licence import LicenceRecord, NumberRequest
from schemas.permit import PermitNumberRequest, PermitRecord, ShipmentHold
from schemas.shipment import Arrival, ArrivalBody, ExportDeclarations
from workflows.licence import LicenceWorkflow
from workflows.permit import PermitWorkflow

#: What activities take (the workflows' messages and inputs are read off their definitions).
ACTIVITY_PAYLOADS: list[type] = [
    LicenceRecord,
    PermitRecord,
    NumberRequest,
    PermitNumberRequest,
    ShipmentHold,
]


def roots() -> Iterator[type]:
    for cls in (LicenceWorkflow, PermitWorkflow):
        definition = workflow._Definition.from_class(cls)
        assert definition is not None
        yield from definition.arg_types or []
        if definition.ret_type is not None:
            yield definition.ret_type
        for update in definition.updates.values():
            yield from update.arg_types or []
        for signal in definition.signals.values():
            yield from signal.arg_types or []
        for query in definition.queries.values():
            if query.ret_type is not None:
                yield query.ret_type
    yield from ACTIVITY_PAYLOADS


def models_within(annotation: object, seen: set[type]) -> Iterator[type[BaseModel]]:
    """Every pydantic model reachable from a type annotation, once."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        if annotation in seen:
            return
        seen.add(annotation)
        yield annotation
        for field in annotation.model_fields.values():
            yield from models_within(field.annotation, seen)
        return
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is not None:
        for arg in typing.get_args(annotation):
            yield from models_within(arg, seen)


def payload_models() -> list[type[BaseModel]]:
    seen: set[type] = set()
    found: list[type[BaseModel]] = []
    for root in roots():
        found.extend(models_within(root, seen))
    return found


def test_the_walk_reaches_deep_models() -> None:
    names = {m.__name__ for m in payload_models()}
    assert {"Arrival", "ExportDeclarations", "ForeignCertificate", "PermitState"} <= names


@pytest.mark.parametrize("model", payload_models(), ids=lambda m: m.__name__)
def test_payload_models_ignore_unknown_fields(model: type[BaseModel]) -> None:
    assert model.model_config.get("extra") != "forbid", (
        f"{model.__name__} travels in workflow payloads but refuses unknown fields"
    )


CROSSING = {
    "date": "2026-11-02",
    "carats": "10.5",
    "parcels": 1,
    "containers": ["C1"],
    "seals": ["S1"],
    "seals_intact": True,
}


def test_a_stored_crossing_with_a_retired_field_still_reads() -> None:
    assert Arrival.model_validate({**CROSSING, "retired_field": "x"}).parcels == 1
    declarations = {
        "complies_with_kpcs": True,
        "destination_is_participant": True,
        "tamper_proof_container": True,
        "retired": 1,
    }
    assert ExportDeclarations.model_validate(declarations).complies_with_kpcs


def test_a_request_body_still_refuses_unknown_fields() -> None:
    with pytest.raises(ValueError, match="Extra inputs are not permitted"):
        ArrivalBody.model_validate({**CROSSING, "sealz": ["S1"]})
