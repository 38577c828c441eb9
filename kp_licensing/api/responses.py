"""Answers built straight as JSON bytes by pydantic-core.

A route that returns a model makes FastAPI validate it again against the response model and
encode it through ``jsonable_encoder`` and ``json.dumps`` (in a worker thread, for a
synchronous route). A route whose result is already an instance of its declared response model
returns ``json_response(result)`` instead: the same JSON, one encoding, no extra thread hop.
The route keeps its ``response_model`` for the OpenAPI document.
"""

from __future__ import annotations

from fastapi import Response
from pydantic import BaseModel


def json_response(model: BaseModel) -> Response:
    return Response(content=model.model_dump_json(), media_type="application/json")
