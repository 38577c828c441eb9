"""Every value a client can send, on every operation of the OpenAPI document: a control
character (NUL first of all, which PostgreSQL cannot store) in any string path or query
parameter, form field, file name or JSON string field is a 422 naming that field; an integer
no column can hold (2**63 and beyond, either sign) is a 422 naming that field; and nothing is
written. The cases are derived from the document, so a new route or field is covered as soon as
it exists."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from tests.api import test_bad_input
from tests.api.client import PDF, Api, web
from tests.api.conftest import Staff
from tests.api.document import openapi_document
from tests.api.test_bad_input import Unchanged

unchanged = test_bad_input.unchanged  # the fixture: row counts and files stay as they were

NUL = "bad\x00value"
BOUNDARY = "kp-test-boundary"
HUGE = [2**63, 2**64, -(2**63) - 1]
Loc = tuple[str | int, ...]

DOCUMENT = openapi_document()


def _schema(schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = DOCUMENT["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def _leaves(
    schema: dict[str, Any], loc: Loc, seen: frozenset[str] = frozenset()
) -> Iterator[tuple[Loc, dict[str, Any]]]:
    """(where, schema) of every string, integer and boolean a value of ``schema`` can hold."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        if name in seen:
            return
        seen, schema = seen | {name}, _schema(schema)
    for option in schema.get("anyOf", []) + schema.get("oneOf", []) + schema.get("allOf", []):
        yield from _leaves(option, loc, seen)
    kind = schema.get("type")
    if kind in ("string", "integer", "boolean"):
        yield loc, schema
    elif kind == "object":
        for name, sub in schema.get("properties", {}).items():
            yield from _leaves(sub, (*loc, name), seen)
    elif kind == "array":
        yield from _leaves(schema.get("items", {}), (*loc, 0), seen)


@dataclass(frozen=True)
class Case:
    method: str
    path: str
    where: str  # "path", "query", "json", "form"
    loc: Loc
    is_file: bool = False
    params: dict[str, str] = field(default_factory=dict)

    @property
    def field(self) -> str:
        """The field as the 422 names it: ``path.case_no``, ``query.q``, ``body.name``..."""
        prefix = "body" if self.where in ("json", "form") else self.where
        return ".".join(str(part) for part in (prefix, *self.loc))

    def __str__(self) -> str:
        return f"{self.method} {self.path} {self.field}"


#: Bodies made of named fields, which the door checks value by value.
FIELDED = ("application/json", "multipart/form-data", "application/x-www-form-urlencoded")


def _cases(kind: str) -> Iterator[Case]:
    """A case per ``kind`` ("string", "integer", "boolean") value of every operation."""
    for path, operations in DOCUMENT["paths"].items():
        for method, operation in operations.items():
            parameters = operation.get("parameters", [])
            path_params = {
                p["name"]: ("1" if _schema(p["schema"]).get("type") == "integer" else "x")
                for p in parameters
                if p["in"] == "path"
            }
            for parameter in parameters:
                if parameter["in"] not in ("path", "query"):
                    continue
                name = parameter["name"]
                if any(s.get("type") == kind for _, s in _leaves(parameter["schema"], ())):
                    yield Case(method.upper(), path, parameter["in"], (name,), params=path_params)
            content = operation.get("requestBody", {}).get("content", {})
            for media, body in content.items():
                if media not in FIELDED:
                    continue  # a document sent whole (customs' XML, EDIFACT): its own tests
                where = "json" if media == "application/json" else "form"
                for loc, schema in _leaves(body["schema"], ()):
                    if schema.get("type") == kind:
                        is_file = schema.get("format") == "binary" or "contentMediaType" in schema
                        yield Case(method.upper(), path, where, loc, is_file, params=path_params)


def _nested(loc: Loc, value: Any) -> Any:
    """The smallest JSON document holding ``value`` at ``loc``."""
    if not loc:
        return value
    head, rest = loc[0], loc[1:]
    return [_nested(rest, value)] if isinstance(head, int) else {head: _nested(rest, value)}


def _send(api: Api | httpx.Client, case: Case, value: Any) -> httpx.Response:
    params = dict(case.params)
    query: dict[str, Any] = {}
    kwargs: dict[str, Any] = {}
    if case.where == "path":
        params[str(case.loc[0])] = str(value)
    elif case.where == "query":
        query[str(case.loc[0])] = value
    elif case.where == "json":
        kwargs["json"] = _nested(case.loc, value)
    elif case.is_file:
        # Written by hand: httpx would escape a control character in a file name.
        kwargs["content"] = (
            (
                f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{case.loc[0]}"; '
                f'filename="{value}"\r\nContent-Type: application/pdf\r\n\r\n'
            ).encode()
            + PDF
            + f"\r\n--{BOUNDARY}--\r\n".encode()
        )
        kwargs["headers"] = {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}
    else:
        kwargs["data"] = {str(case.loc[0]): str(value)}
        if case.method == "POST" and "/documents" in case.path:
            kwargs["files"] = {"file": ("doc.pdf", PDF, "application/pdf")}
    url = case.path.removeprefix("/api/v1")
    for name, text in params.items():
        url = url.replace("{" + name + "}", quote(text, safe=""))
    return api.request(case.method, url, params=query, **kwargs)


def _names(response: httpx.Response) -> list[str]:
    body = response.json()
    return [e["field"] for e in body.get("errors", [])]


STRINGS = list(_cases("string"))
INTEGERS = list(_cases("integer"))
# Yes/no answers in bodies (declarations above all); a query's "?unread=true" is text by nature.
BOOLEANS = [case for case in _cases("boolean") if case.where == "json"]


def test_the_document_has_values_of_every_kind() -> None:
    """The derivation found what it must (if it found nothing, the tests below prove nothing)."""
    wheres = {c.where for c in STRINGS}
    assert wheres == {"path", "query", "json", "form"}, wheres
    assert any(c.is_file for c in STRINGS)
    assert {c.where for c in INTEGERS} >= {"path", "query", "json"}
    assert "body.declarations.fit_and_proper" in {c.field for c in BOOLEANS}


@pytest.mark.parametrize("case", STRINGS, ids=str)
def test_a_control_character_anywhere_is_refused(
    staff: Staff,
    unchanged: Unchanged,
    case: Case,
) -> None:
    """Refused before any login check or lookup: the caller does not matter."""
    with unchanged():
        response = _send(staff.admin, case, NUL)
    assert response.status_code == 422, response.text
    assert case.field in _names(response), response.text
    assert "U+0000" in response.json()["detail"]


@pytest.mark.parametrize("character", ["\x01", "\x1b", "\x7f", "\x85", "\u2028x\x9f"])
def test_other_control_characters_are_refused(
    service: str,
    unchanged: Unchanged,
    character: str,
) -> None:
    with unchanged():
        response = web.post(
            f"{service}/api/v1/auth/token", data={"username": f"a{character}b", "password": "x"}
        )
    assert response.status_code == 422, response.text
    assert _names(response) == ["body.username"]


def test_multi_line_text_keeps_its_line_breaks(
    service: str,
    unchanged: Unchanged,
) -> None:
    """Tab, line feed and carriage return are text in a JSON string (a reason, an address);
    they get past the control-character check (and on to the fields' own rules)."""
    body = {"operator_name": "Jade\tLimitada\r\n", "username": "ab\x00"}
    with unchanged():
        response = web.post(f"{service}/api/v1/auth/register", json=body)
    assert _names(response) == ["body.username"], response.text


def test_an_unpaired_surrogate_is_refused(service: str, unchanged: Unchanged) -> None:
    with unchanged():
        response = web.post(
            f"{service}/api/v1/auth/register",
            content=b'{"operator_name": "Jade \\ud800 Limitada"}',
            headers={"Content-Type": "application/json"},
        )
    assert response.status_code == 422, response.text
    assert _names(response) == ["body.operator_name"]
    assert "unpaired surrogate" in response.text


def _allowed_caller(staff: Staff, trader: Api, case: Case) -> Api:
    """The first role the route lets through (integers are checked after the login): the one
    whose request with a non-number there is refused as malformed (422), not forbidden (403)."""
    for api in (staff.admin, staff.officer, staff.supervisor, staff.customs, trader):
        if _send(api, case, "not-a-number").status_code == 422:
            return api
    raise AssertionError(f"no role may call {case}")


@pytest.mark.parametrize("case", INTEGERS, ids=str)
def test_an_integer_no_column_can_hold_is_refused(
    staff: Staff,
    applicant_trader: Api,
    unchanged: Unchanged,
    case: Case,
) -> None:
    api = _allowed_caller(staff, applicant_trader, case)
    for value in HUGE:
        with unchanged():
            response = _send(api, case, value)
        assert response.status_code == 422, (value, response.text)
        assert case.field in _names(response), (value, response.text)


@pytest.fixture(scope="module")
def applicant_trader(service: str) -> Api:
    return Api.register(service)


@pytest.mark.parametrize("case", BOOLEANS, ids=str)
def test_a_yes_or_no_in_a_body_is_a_real_boolean(
    staff: Staff, applicant_trader: Api, unchanged: Unchanged, case: Case
) -> None:
    """A declaration is made with ``true``: "yes", 1 or "true" are refused, not taken as one."""
    api = _allowed_caller(staff, applicant_trader, case)
    for value in ["yes", 1, "true"]:
        with unchanged():
            response = _send(api, case, value)
        assert response.status_code == 422, (value, response.text)
        assert case.field in _names(response), (value, response.text)


def test_a_deeply_nested_body_is_walked(service: str, unchanged: Unchanged) -> None:
    """As deep as the JSON parser accepts, a control character is still found (no 500)."""
    depth = 900
    content = ('{"operator_name": ' + "[" * depth + '"\\u0000"' + "]" * depth + "}").encode()
    with unchanged():
        response = web.post(
            f"{service}/api/v1/auth/register",
            content=content,
            headers={"Content-Type": "application/json"},
        )
    assert response.status_code == 422, response.text
    assert _names(response) == ["body.operator_name" + ".0" * depth]
