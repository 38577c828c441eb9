"""Validation messages in words a person acts on: no regular expressions, no pydantic jargon,
every field named (the API-level checks are in test_contract.py)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal

import pytest
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from kp_licensing.api import validation
from kp_licensing.api.patterns import describe
from kp_licensing.api.permissions import Action, refusal
from kp_licensing.support.catalogue import render
from schemas.common import Role
from tests.api.document import openapi_document

REGEX = re.compile(r"\\[dswx]|\^|\$|\{\d|\[[^\]]*\]|\(\?")


@pytest.mark.parametrize(
    ("pattern", "words"),
    [
        (r"^[A-Z]{2}$", "be 2 capital letters"),
        (r"^\s*[A-Za-z]{2}\s*$", "be 2 letters"),
        (r"^\d{4}\.\d{2}$", "be 4 digits, then '.', then 2 digits"),
        (r"^([A-Za-z]{2}|\*\*\*)$", "be either 2 letters or '***'"),
        (
            r"^[0-9A-Za-z][0-9A-Za-z/.\-]{0,39}$",
            "be a letter or digit, then up to 39 letters, digits or the characters / . -",
        ),
        (r"^[^\x00-\x1f\x7f]*$", "not contain control characters"),
        (r"^[^\x00]+$", "not be empty or contain control characters"),
        (r"^(OL|IL)-\d+$", "be either 'OL' or 'IL', then '-', then one or more digits"),
    ],
)
def test_a_pattern_in_words(pattern: str, words: str) -> None:
    assert describe(pattern) == words


def test_a_pattern_beyond_words_is_refused_not_garbled() -> None:
    with pytest.raises(ValueError):
        describe(r"^(?=.*\d)\w+$")


def _patterns(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        if isinstance(node.get("pattern"), str):
            yield node["pattern"]
        for value in node.values():
            yield from _patterns(value)
    elif isinstance(node, list):
        for value in node:
            yield from _patterns(value)


def test_every_pattern_of_the_api_can_be_said_in_words() -> None:
    """A pattern a schema adds later is told to people in words too, or this fails."""
    patterns = set(_patterns(openapi_document()))
    assert len(patterns) >= 5, patterns
    for pattern in patterns:
        words = describe(pattern)
        assert not REGEX.search(words), f"{pattern!r} -> {words!r}"


class Sample(BaseModel):
    """One field of each kind the request models use."""

    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, StringConstraints(min_length=2, max_length=5)]
    code: Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
    kind: Literal["company", "individual_entrepreneur"]
    count: Annotated[int, Field(ge=1, le=10)]
    carats: Annotated[Decimal, Field(gt=0, decimal_places=3)]
    day: date
    flag: bool
    items: Annotated[list[int], Field(min_length=1)]
    nested: dict[str, int]


def _problems(data: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(ValidationError) as caught:
        Sample.model_validate(data)
    return {field: render(said) for field, said in validation.problems(caught.value.errors())}


def test_every_bad_field_is_named_in_words() -> None:
    found = _problems(
        {
            "name": "x",
            "code": "abc",
            "kind": "partnership",
            "count": 0,
            "carats": "1.23456",
            "day": "next tuesday",
            "flag": "perhaps",
            "items": [],
            "nested": [1],
            "surplus": 1,
        }
    )
    assert found == {
        "name": "must be at least 2 characters long",
        "code": "must be 2 capital letters",
        "kind": "must be 'company' or 'individual_entrepreneur'",
        "count": "must be at least 1",
        "carats": "must have at most 3 decimal places",
        "day": "must be a date written YYYY-MM-DD",
        "flag": "must be true or false",
        "items": "must have at least 1 item(s)",
        "nested": "must be an object (JSON {...})",
        "surplus": "is not a field of this request; remove it",
    }
    assert render(validation.summary(len(found))).startswith("10 fields need correcting")
    assert render(validation.summary(1)).startswith("1 field needs correcting")


def test_missing_fields_and_wrong_types() -> None:
    found = _problems({"name": 12, "count": "many", "items": "1,2"})
    assert found["name"] == "must be text"
    assert found["count"] == "must be a whole number"
    assert found["items"] == "must be a list (a JSON array)"
    assert found["code"] == found["kind"] == found["day"] == "is required"


def test_a_validators_own_sentence_is_kept_without_pydantics_prefix() -> None:
    error = {"type": "value_error", "loc": ("body", "to"), "msg": "Value error, ends too soon"}
    [(field, said)] = validation.problems([error])
    assert (field, render(said)) == ("body.to", "ends too soon")


def test_a_schemas_own_rule_is_said_from_the_catalogue_with_its_params() -> None:
    error = {"type": "field.country_code", "loc": ("body", "c"), "msg": "x", "ctx": {"code": "ZZ"}}
    [(field, said)] = validation.problems([error])
    assert field == "body.c"
    assert (said.code, said.params) == ("field.country_code", {"code": "ZZ"})
    assert render(said) == "'ZZ' is not an ISO 3166-1 alpha-2 country code"


def test_a_schemas_inner_labels_are_not_fields() -> None:
    loc = ("body", "lines", 0, "function-after[_country(), constrained-str]")
    assert validation.field_name(loc) == "body.lines.0"


@pytest.mark.parametrize("action", list(Action))
def test_every_refusal_by_role_reads_as_a_sentence(action: Action) -> None:
    error = refusal(Role.customs, action)
    assert error.message.code == f"forbidden.{action.value}"
    sentence = render(error.message)
    assert sentence.startswith("customs accounts may not ")
    assert "; only " in sentence and sentence.endswith(" accounts may")
    assert "_" not in sentence.split(";")[0]
