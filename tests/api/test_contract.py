"""The OpenAPI document says what the service really sends.

Real responses of the running service (errors of every kind on every operation, and the
successes a sweep meets) are checked against the document: the status must be one the
operation declares, and the body must match the schema declared for that status. Every error,
whatever its status, has the one ``ErrorBody`` shape, with a stable ``code`` and a ``detail`` a
person can act on.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate as validate_spec
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from tests.api.client import PDF, Api, http, web
from tests.api.conftest import Staff

DOCUMENT_URI = "urn:kp-licensing:openapi"
ERROR = "#/components/schemas/ErrorBody"
CODE = re.compile(r"^[a-z]+(_[a-z]+)*$")
#: What a detail must not contain: regular expressions and pydantic's programmer's wording.
UNREADABLE = re.compile(r"\^|\$'|\\[dsw]|\[[^\]]*-[^\]]*\]\{|Input should|String should|pattern")


class Contract:
    """The document, and the check of one real response against it."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        resource = Resource.from_contents(document, default_specification=DRAFT202012)
        self.registry: Registry = Registry().with_resource(DOCUMENT_URI, resource)

    def validator(self, pointer: str) -> Draft202012Validator:
        return Draft202012Validator({"$ref": f"{DOCUMENT_URI}{pointer}"}, registry=self.registry)

    def operations(self) -> Iterator[tuple[str, str, dict[str, Any]]]:
        for template, item in self.document["paths"].items():
            for method, operation in item.items():
                yield method.upper(), template, operation

    def check(self, response: httpx.Response, method: str, template: str | None) -> None:
        """``template`` is the operation's path in the document, or None for a path that is no
        operation (its answer must still be an ``ErrorBody``)."""
        what = f"{method} {response.request.url.path} -> {response.status_code}"
        if template is None:
            schema = "#/components/schemas/ErrorBody"
        else:
            responses = self.document["paths"][template][method.lower()]["responses"]
            status = str(response.status_code)
            assert status in responses, (
                f"{what}: status not declared (declared: {sorted(responses)}): {response.text}"
            )
            content = responses[status].get("content", {})
            if "application/json" not in content:
                return
            escaped = template.replace("~", "~0").replace("/", "~1")
            schema = (
                f"#/paths/{escaped}/{method.lower()}/responses/{status}"
                "/content/application~1json/schema"
            )
        if response.status_code == 204 or not response.headers.get("content-type", "").startswith(
            "application/json"
        ):
            assert response.status_code < 400, f"{what}: an error that is not JSON: {response.text}"
            return
        body = response.json()
        problems = [e.message for e in self.validator(schema).iter_errors(body)]
        assert not problems, f"{what}: body does not match the document: {problems}: {body}"
        if response.status_code >= 400:
            assert_readable_error(body, what)


def assert_readable_error(body: dict[str, Any], what: str) -> None:
    assert CODE.match(body["code"]), f"{what}: code {body['code']!r} is not snake_case"
    assert body["detail"].strip(), f"{what}: empty detail"
    assert not UNREADABLE.search(body["detail"]), f"{what}: unreadable detail {body['detail']!r}"
    for error in body.get("errors") or []:
        assert error["message"].strip(), f"{what}: empty message in {error}"
        assert not UNREADABLE.search(error["message"]), f"{what}: unreadable {error['message']!r}"


@pytest.fixture(scope="module")
def contract(service: str) -> Contract:
    response = web.get(f"{service}/openapi.json")
    assert response.status_code == 200, response.text
    return Contract(response.json())


@pytest.fixture(scope="module")
def callers(service: str, staff: Staff) -> dict[str, Api]:
    anonymous = Api(http(service + "/api/v1"))
    return {
        "anonymous": anonymous,
        "trader": Api.register(service),
        "officer": staff.officer,
        "supervisor": staff.supervisor,
        "admin": staff.admin,
        "customs": staff.customs,
    }


# ------------------------------------------------------------------------------ the document


def test_the_document_is_valid_openapi(contract: Contract) -> None:
    validate_spec(contract.document)


def test_every_error_response_declares_the_one_error_shape(contract: Contract) -> None:
    schemas = contract.document["components"]["schemas"]
    assert "HTTPValidationError" not in schemas and "ValidationError" not in schemas
    assert {"code", "detail"} <= set(schemas["ErrorBody"]["required"])
    assert "errors" in schemas["ErrorBody"]["properties"]
    for method, template, operation in contract.operations():
        for status, response in operation["responses"].items():
            if int(status) >= 400:
                schema = response["content"]["application/json"]["schema"]
                assert schema == {"$ref": ERROR}, f"{method} {template} {status}: {schema}"


def test_each_operation_declares_what_it_depends_on(contract: Contract) -> None:
    """The statuses follow from the operation: credentials -> 401, a path parameter -> 404, a
    body -> 413 and 422, the process engine -> 503, a change -> 409."""
    for method, template, operation in contract.operations():
        declared = set(operation["responses"])
        where = f"{method} {template}: {sorted(declared)}"
        assert "500" in declared, where
        if operation.get("security"):
            assert "401" in declared, where
        if "{" in template:
            assert {"404", "422"} <= declared, where
        if "requestBody" in operation:
            assert {"413", "422"} <= declared, where
        # Every case action waits on the case's workflow; recording that an import confirmation
        # was sent writes the API's own register and waits on nothing.
        if (
            method == "POST"
            and template.startswith(("/api/v1/licences/", "/api/v1/permits/"))
            and not template.endswith("/import-confirmation/sent")
        ):
            assert {"401", "403", "409", "503"} <= declared, where


# --------------------------------------------------------------------- the service's answers


def _concrete(template: str, operation: dict[str, Any]) -> str:
    """The template with an id that names nothing: the largest accepted number, a case number
    of a year long gone, or the example an id of another shape declares."""
    path = template
    for parameter in operation.get("parameters", []):
        if parameter["in"] != "path":
            continue
        schema = parameter.get("schema", {})
        value = str(2**31 - 1) if schema.get("type") == "integer" else "OLA-1999-99999"
        value = str(schema.get("examples", [value])[0])  # an id of another shape gives one
        path = path.replace("{" + parameter["name"] + "}", value)
    return path


def _send(api: Api, method: str, path: str, operation: dict[str, Any]) -> httpx.Response:
    """An empty body of the operation's content type (a form gets no fields at all)."""
    content = operation.get("requestBody", {}).get("content", {})
    path = path.removeprefix("/api/v1")
    if "application/json" in content:
        return api.request(method, path, json={})
    if content:
        return api.request(method, path, data={"unexpected": "1"})
    return api.request(method, path)


def test_every_operation_answers_every_role_as_declared(
    contract: Contract, callers: dict[str, Api]
) -> None:
    """Every operation, called by every role and by nobody with an empty body and ids that
    name nothing: 200s, 401s, 403s, 404s and 422s, each as the document says."""
    seen: set[int] = set()
    for method, template, operation in contract.operations():
        if not template.startswith("/api/v1/"):
            continue
        path = _concrete(template, operation)
        for api in callers.values():
            response = _send(api, method, path, operation)
            contract.check(response, method, template)
            seen.add(response.status_code)
    assert {200, 401, 403, 404, 422} <= seen, sorted(seen)


def _bad_value(schema: dict[str, Any], document: dict[str, Any]) -> Any:
    """A value the schema refuses, or None where any value of its type is good."""
    options = [o for o in schema.get("anyOf", [schema]) if o.get("type") != "null"]
    schema = options[0]
    if "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    kind = schema.get("type")
    if "enum" in schema:
        return "no-such-value"
    if kind == "array":
        item = _bad_value(schema.get("items", {}), document)
        return None if item is None else [item]
    if kind == "integer":
        if "minimum" in schema:
            return schema["minimum"] - 1
        return schema["maximum"] + 1 if "maximum" in schema else "twelve"
    if kind == "boolean":
        return "perhaps"
    if kind == "string" and schema.get("format") == "date":
        return "next tuesday"
    if kind == "string" and "maxLength" in schema:
        return "x" * (schema["maxLength"] + 1)
    if kind == "string" and "pattern" in schema:
        return "?"
    return None


def test_every_bad_query_value_is_named_at_once(
    contract: Contract, callers: dict[str, Api]
) -> None:
    """Every query parameter of every operation, all given a value out of bounds at once: the
    answer is as declared, and a 422 names each of them (not only the first)."""
    checked = 0
    for method, template, operation in contract.operations():
        query = [p for p in operation.get("parameters", []) if p["in"] == "query"]
        bad = {p["name"]: _bad_value(p["schema"], contract.document) for p in query}
        bad = {name: value for name, value in bad.items() if value is not None}
        if not bad or not template.startswith("/api/v1/"):
            continue
        path = _concrete(template, operation).removeprefix("/api/v1")
        for role in ("trader", "officer", "customs"):
            response = callers[role].request(method, path, params=bad)
            contract.check(response, method, template)
            if response.status_code == 422:
                # "query.status.0": the first value of a list parameter
                named = {".".join(e["field"].split(".")[:2]) for e in response.json()["errors"]}
                assert named == {f"query.{name}" for name in bad}, (template, role, named)
                checked += 1
    assert checked >= 8, checked


def test_bad_query_values_read_as_sentences(contract: Contract, callers: dict[str, Api]) -> None:
    response = callers["officer"].request(
        "GET", "/licences", params={"limit": 0, "offset": -1, "expiring_within_days": 99999}
    )
    contract.check(response, "GET", "/api/v1/licences")
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert detail.startswith("3 fields need correcting"), detail
    for sentence in (
        "query.limit must be at least 1",
        "query.offset must be at least 0",
        "query.expiring_within_days must be at most 3650",
    ):
        assert sentence in detail, detail


def test_malformed_registration_names_every_field_in_words(
    service: str, contract: Contract
) -> None:
    body = {
        "operator_name": 42,
        "operator_kind": "partnership",
        "business_registration_no": "?",
        "username": "Chan Tai Man",
        "full_name": "Chan Tai Man",
        "email": "not-an-email",
        "password": "pw-s3cret",
    }
    response = web.post(f"{service}/api/v1/auth/register", json=body)
    contract.check(response, "POST", "/api/v1/auth/register")
    assert response.status_code == 422
    found = {e["field"]: e["message"] for e in response.json()["errors"]}
    assert set(found) == {
        "body.operator_name",
        "body.operator_kind",
        "body.business_registration_no",
        "body.username",
        "body.email",
        "body.password",
    }, found
    assert found["body.operator_kind"] == "must be one of 'company' or 'individual_entrepreneur'"
    assert found["body.password"] == "must be at least 12 characters long"
    assert found["body.username"].startswith("must be a lower-case letter or digit, then 2 to 63")
    assert "pw-s3cret" not in response.text, "a refused password is never repeated"


def test_a_taken_username_is_a_conflict(
    service: str, contract: Contract, callers: dict[str, Api]
) -> None:
    tag = uuid.uuid4().hex[:8]
    body = {
        "operator_name": f"Jade {tag} Limitada",
        "operator_kind": "company",
        "business_registration_no": f"BR{tag}",
        "username": callers["trader"].username,
        "full_name": "Wong Siu Ming",
        "password": "correct horse battery staple",
    }
    response = web.post(f"{service}/api/v1/auth/register", json=body)
    contract.check(response, "POST", "/api/v1/auth/register")
    assert response.status_code == 409 and response.json()["code"] == "conflict"


def test_an_incomplete_application_lists_its_checks(
    contract: Contract, callers: dict[str, Api]
) -> None:
    trader = callers["trader"]
    response = trader.request("POST", "/licences", json=trader.application(document_ids=[]))
    contract.check(response, "POST", "/api/v1/licences")
    assert response.status_code == 422 and response.json()["code"] == "rule_violation"
    assert all(e["code"].startswith("document.") for e in response.json()["errors"])


@pytest.mark.parametrize(
    ("content", "content_type", "fields"),
    [
        pytest.param(b'{"name": "Lotus", ', "application/json", ["body"], id="truncated-json"),
        pytest.param(b"--x\r\nbroken", "multipart/form-data", ["body"], id="multipart-no-boundary"),
        pytest.param(
            b"--x\r\nbroken",
            "multipart/form-data; boundary=x",
            ["body.file", "body.kind"],
            id="multipart-without-parts",
        ),
    ],
)
def test_an_unreadable_body_is_a_validation_error(
    contract: Contract,
    callers: dict[str, Api],
    content: bytes,
    content_type: str,
    fields: list[str],
) -> None:
    """FastAPI answers an unparsable form with a bare 400 and a JSON one with a 422; both are
    the same mistake, said the same way."""
    path = "/documents" if content_type.startswith("multipart") else "/licences"
    response = callers["trader"].request(
        "POST", path, content=content, headers={"Content-Type": content_type}
    )
    contract.check(response, "POST", f"/api/v1{path}")
    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == fields


@pytest.mark.parametrize("streamed", [False, True], ids=["content-length", "chunked"])
def test_a_body_over_the_limit_is_refused_with_the_limit(
    contract: Contract, callers: dict[str, Api], settings: Any, streamed: bool
) -> None:
    limit = settings.upload_max_bytes + 64 * 1024
    big = PDF + b"0" * (limit + 1)
    content: Any = (
        iter([big[i : i + 16384] for i in range(0, len(big), 16384)]) if streamed else big
    )
    boundary = "kpboundary"
    envelope_head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.pdf"\r\n'
        "Content-Type: application/pdf\r\n\r\n"
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    body: Any = (
        iter([envelope_head, *content, tail]) if streamed else envelope_head + content + tail
    )
    response = callers["trader"].request(
        "POST",
        "/documents",
        content=body,
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    contract.check(response, "POST", "/api/v1/documents")
    assert response.status_code == 413, response.text
    error = response.json()
    assert error["code"] == "payload_too_large" and error["limit_bytes"] == limit
    assert f"{limit} bytes" in error["detail"]


def test_unknown_paths_and_methods(service: str, contract: Contract) -> None:
    unknown = web.get(f"{service}/api/v1/no-such-thing")
    contract.check(unknown, "GET", None)
    assert unknown.status_code == 404 and unknown.json()["code"] == "not_found"
    assert "/api/v1/no-such-thing" in unknown.json()["detail"]
    wrong = web.delete(f"{service}/api/v1/licences")
    contract.check(wrong, "DELETE", None)
    assert wrong.status_code == 405 and wrong.json()["code"] == "method_not_allowed"
    assert wrong.headers["allow"] in wrong.json()["detail"]


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer not.a.token"}, {"X-API-Key": "kpk_0000_nope"}],
    ids=["none", "bad-token", "bad-key"],
)
def test_not_logged_in(service: str, contract: Contract, headers: dict[str, str]) -> None:
    response = web.get(f"{service}/api/v1/licences", headers=headers)
    contract.check(response, "GET", "/api/v1/licences")
    assert response.status_code == 401 and response.headers["www-authenticate"] == "Bearer"


def test_wrong_password(service: str, contract: Contract, callers: dict[str, Api]) -> None:
    response = web.post(
        f"{service}/api/v1/auth/token",
        data={"username": callers["trader"].username, "password": "not the password at all"},
    )
    contract.check(response, "POST", "/api/v1/auth/token")
    assert response.status_code == 401


def test_a_role_refused_says_what_it_may_not_do(
    contract: Contract, callers: dict[str, Api]
) -> None:
    response = callers["officer"].request("GET", "/notifications")
    contract.check(response, "GET", "/api/v1/notifications")
    assert response.status_code == 403 and response.json()["code"] == "forbidden"
    assert response.json()["detail"] == (
        "officer accounts may not read notifications; only trader accounts may"
    )
