"""The OpenAPI document says every error an operation can answer, in the one error shape.

Routes do not list their errors one by one: the statuses follow from what a route depends on,
read from its dependency tree when the document is first built, so a new route is documented
as soon as it is written:

- a security scheme (bearer token, API key) -> 401; a credentials form (login) -> 401;
- a permission check (a dependency built around a ``permissions.Action``) -> 403;
- a path parameter, or a body that names another record by ``..._id`` -> 404;
- a state-changing method (but logging in) -> 409;
- a body -> 413 (the size limit) and 422;
- any parameter or body -> 422;
- a dependency that provides the Temporal client -> 502 (the process failed) and 503 (it
  did not answer in time);
- every operation -> 500 (a bug, in the same shape).

FastAPI's default 422 schema (``HTTPValidationError``, whose ``detail`` is a list) is replaced,
since the service never sends it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, get_type_hints

from fastapi import FastAPI, routing
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from fastapi.security import OAuth2PasswordRequestForm
from fastapi.security.base import SecurityBase
from pydantic import BaseModel
from temporalio.client import Client

from kp_licensing.api.deps import client_address
from kp_licensing.api.errors import ErrorBody
from kp_licensing.api.permissions import Action
from kp_licensing.services.temporal import ProcessEngine

ERROR_REF = "#/components/schemas/ErrorBody"
_SAFE = {"GET", "HEAD", "OPTIONS"}

DESCRIPTIONS = {
    401: "Not logged in: no credentials, or a token or API key that is not valid.",
    403: "Logged in, but this role may not do this.",
    404: "The case, licence, document or record named does not exist (or is not yours).",
    409: "Not possible in the current state (a case that can no longer change, a name taken).",
    413: "The body is larger than the service accepts; the limit is stated.",
    429: "Too many attempts lately (failed sign-ins from this address or at this account, "
    "uploads); see `Retry-After`.",
    422: "The input is malformed or breaks a rule; every bad field is listed in `errors`.",
    500: "A fault of the service; it is logged under the `incident` given.",
    502: "The case's process failed to apply the change.",
    503: "The process engine did not answer in time; see `Retry-After` and `case_no`.",
}
_RETRY_AFTER = {
    "description": "Seconds to wait before trying again.",
    "schema": {"type": "integer"},
}
_HEADERS: dict[int, dict[str, Any]] = {
    401: {
        "WWW-Authenticate": {
            "description": "The authentication scheme to use: Bearer.",
            "schema": {"type": "string"},
        }
    },
    429: {"Retry-After": _RETRY_AFTER},
    503: {"Retry-After": _RETRY_AFTER},
}


def _dependants(dependant: Dependant) -> Iterator[Dependant]:
    yield dependant
    for sub in dependant.dependencies:
        yield from _dependants(sub)


def _checks_permission(call: object) -> bool:
    """A dependency built by ``deps.require(action)``: an ``Action`` in its closure (or on the
    object, should it become a class)."""
    cells = getattr(call, "__closure__", None) or ()
    values = [cell.cell_contents for cell in cells]
    values += list(getattr(call, "__dict__", {}).values())
    return any(isinstance(value, Action) for value in values)


def _provides_temporal(call: object) -> bool:
    """A dependency that hands the route a Temporal client (``deps.get_temporal`` or any other):
    the route waits on a workflow, which may fail (502) or not answer in time (503)."""
    try:
        return get_type_hints(call).get("return") in (Client, ProcessEngine)
    except (TypeError, NameError):  # not a function, or hints that do not resolve
        return False


def _names_a_record(body: Dependant) -> bool:
    """A body with a field such as ``operator_id``: the record it names may not exist."""
    for field in body.body_params:
        model = getattr(getattr(field, "field_info", None), "annotation", None)
        if isinstance(model, type) and issubclass(model, BaseModel):
            return any(name.endswith("_id") for name in model.model_fields)
    return False


def api_routes(routes: list[Any]) -> Iterator[Any]:
    """The documented operations' routes, prefixes applied. FastAPI >= 0.165 keeps an included
    router as one entry and resolves its routes on demand (``iter_route_contexts``); earlier
    versions copied each route into ``app.routes``."""
    contexts = getattr(routing, "iter_route_contexts", None)
    for route in contexts(routes) if contexts else routes:
        original = getattr(route, "original_route", route)
        if isinstance(original, APIRoute) and route.include_in_schema:
            yield route


def statuses(route: Any) -> set[int]:
    """Every error status ``route`` can answer, from what it depends on."""
    found = {500}
    dependants = list(_dependants(route.dependant))
    calls = [d.call for d in dependants]
    login = any(isinstance(c, type) and issubclass(c, OAuth2PasswordRequestForm) for c in calls)
    if login or any(isinstance(c, SecurityBase) for c in calls):
        found.add(401)
    if any(c is client_address for c in calls):  # throttled by address (services.throttle)
        found.add(429)
    if any(_checks_permission(c) for c in calls):
        found.add(403)
    if "{" in route.path_format or any(_names_a_record(d) for d in dependants):
        found.add(404)
    if not login and set(route.methods) - _SAFE:
        found.add(409)
    if route.body_field is not None or "requestBody" in (route.openapi_extra or {}):
        found |= {413, 422}  # a model's body, or one the route reads itself (raw bytes)
    if any(
        d.path_params or d.query_params or d.header_params or d.cookie_params or d.body_params
        for d in dependants
    ):
        found.add(422)
    if any(_provides_temporal(c) for c in calls):
        found |= {502, 503}
    return found


def _response(status: int) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": DESCRIPTIONS[status],
        "content": {"application/json": {"schema": {"$ref": ERROR_REF}}},
    }
    if status in _HEADERS:
        response["headers"] = _HEADERS[status]
    return response


def declare_errors(document: dict[str, Any], routes: list[Any]) -> dict[str, Any]:
    """Add ``ErrorBody`` and each operation's error responses to ``document`` (in place)."""
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    error_schema = ErrorBody.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas.update(error_schema.pop("$defs", {}))
    schemas["ErrorBody"] = error_schema
    for route in api_routes(routes):
        operations = document["paths"].get(route.path_format, {})
        for method in route.methods:
            operation = operations.get(method.lower())
            if operation is None:
                continue
            responses = operation.setdefault("responses", {})
            for status in statuses(route):
                responses[str(status)] = _response(status)
            operation["responses"] = dict(sorted(responses.items()))
    return document


def install(app: FastAPI) -> None:
    """Build the document once, on first request, with the errors declared."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = declare_errors(build(), app.routes)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
