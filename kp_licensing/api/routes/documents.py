"""Supporting documents: upload once, refer to them by id in applications and answers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, File, Form, UploadFile
from fastapi.responses import FileResponse

from kp_licensing.api.deps import MayUpload, MayViewDocuments, Principal, ServicesDep, SessionDep
from kp_licensing.services.access import visible
from kp_licensing.store.documents import to_ref
from kp_licensing.store.models import Document
from schemas.common import DocumentRef

router = APIRouter(prefix="/documents", tags=["documents"])

_CHUNK = 256 * 1024


async def _chunks(upload: UploadFile) -> AsyncIterator[bytes]:
    while chunk := await upload.read(_CHUNK):
        yield chunk


@router.post("", status_code=201, response_model=DocumentRef)
async def upload(
    principal: MayUpload,
    session: SessionDep,
    services: ServicesDep,
    file: Annotated[UploadFile, File(description="PDF, PNG or JPEG, within the size limit.")],
    kind: Annotated[str, Form(description="What the document is, e.g. criminal_record.")],
) -> DocumentRef:
    """Store a document for the caller's operator; its SHA-256 is recorded and returned."""
    document = await services.documents.save(
        session,
        chunks=_chunks(file),
        operator_id=principal.operator_id,
        uploaded_by=principal.actor.user_id,
        kind=kind,
        filename=file.filename,
        declared_type=file.content_type,
    )
    return to_ref(document)


def _visible(principal: Principal, session: SessionDep, services: ServicesDep, id: str) -> Document:
    return visible(
        services.documents.get(session, id), actor=principal.actor, missing=f"no document {id}"
    )


@router.get("/{document_id}", response_model=DocumentRef)
def metadata(
    document_id: str,
    principal: MayViewDocuments,
    session: SessionDep,
    services: ServicesDep,
) -> DocumentRef:
    return to_ref(_visible(principal, session, services, document_id))


@router.get("/{document_id}/content", response_class=FileResponse)
def content(
    document_id: str,
    principal: MayViewDocuments,
    session: SessionDep,
    services: ServicesDep,
) -> FileResponse:
    """The file itself, always as a download (never rendered inline by the browser)."""
    document = _visible(principal, session, services, document_id)
    return FileResponse(
        services.documents.path_of(document.sha256),
        media_type=document.content_type,
        filename=document.filename,
        content_disposition_type="attachment",
        headers={"X-Content-Type-Options": "nosniff"},
    )
