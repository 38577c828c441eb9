"""Supporting documents: upload once, refer to them by id in applications and answers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, File, Form, UploadFile
from fastapi.responses import FileResponse
from starlette.datastructures import UploadFile as StarletteUpload

from kp_licensing.api.deps import MayUpload, MayViewDocuments, ServicesDep, SessionDep
from kp_licensing.services import documents
from schemas.common import DocumentRef

router = APIRouter(prefix="/documents", tags=["documents"])

_CHUNK = 256 * 1024


async def chunks_of(upload: StarletteUpload) -> AsyncIterator[bytes]:
    """An upload read in pieces (the portal's forms upload the same way)."""
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
    return await documents.upload(
        session,
        services.documents,
        actor=principal.actor,
        limits=documents.UploadLimits.of(services.settings),
        chunks=chunks_of(file),
        kind=kind,
        filename=file.filename,
        declared_type=file.content_type,
    )


@router.get("/{document_id}", response_model=DocumentRef)
def metadata(
    document_id: str,
    principal: MayViewDocuments,
    session: SessionDep,
    services: ServicesDep,
) -> DocumentRef:
    return documents.metadata(
        session, services.documents, actor=principal.actor, document_id=document_id
    )


@router.get("/{document_id}/content", response_class=FileResponse)
def content(
    document_id: str,
    principal: MayViewDocuments,
    session: SessionDep,
    services: ServicesDep,
) -> FileResponse:
    """The file itself, always as a download (never rendered inline by the browser)."""
    stored = documents.content(
        session, services.documents, actor=principal.actor, document_id=document_id
    )
    return FileResponse(
        stored.path,
        media_type=stored.content_type,
        filename=stored.filename,
        content_disposition_type="attachment",
    )
