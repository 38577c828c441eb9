"""Answers built straight from a model, with its messages said in the request's language.

A route that returns a model makes FastAPI validate it again against the response model and
encode it through ``jsonable_encoder`` (in a worker thread, for a synchronous route). A route
whose result is already an instance of its declared response model returns
``json_response(result)`` instead: one dump by pydantic-core, then the messages' ``text`` added
(``api.language``), no extra validation or thread hop. The route keeps its ``response_model`` for
the OpenAPI document.
"""

from __future__ import annotations

from fastapi import Response
from pydantic import BaseModel

from kp_licensing.api.language import SayingJSONResponse


def json_response(model: BaseModel) -> Response:
    return SayingJSONResponse(model.model_dump(mode="json"))


def signed_xml(data: bytes, *, sha256: str, stem: str) -> Response:
    """A signed document as issued, to download as ``<stem>.xml``, its SHA-256 beside (what
    verification by number and hash takes)."""
    return attachment(
        data, media_type="application/xml", filename=f"{stem}.xml", X_Document_SHA256=sha256
    )


def attachment(data: bytes, *, media_type: str, filename: str, **headers: str) -> Response:
    """Bytes the service made (a signed document, its PDF) as a download, never shown inline;
    ``headers`` beside (``X_Document_SHA256`` is sent as ``X-Document-SHA256``)."""
    extra = {name.replace("_", "-"): value for name, value in headers.items()}
    disposition = {"Content-Disposition": f'attachment; filename="{filename}"'}
    return Response(data, media_type=media_type, headers={**disposition, **extra})
