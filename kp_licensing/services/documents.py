"""Supporting documents as traders upload them and everyone entitled reads them: stored under
their hash for the uploader's operator; another operator's document does not exist (404)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from sqlmodel import Session

from kp_licensing.domain.errors import NotFound
from kp_licensing.services.access import visible
from kp_licensing.store.documents import DocumentStore, download_name, to_ref
from kp_licensing.store.models import Document
from schemas.common import Actor, DocumentRef


@dataclass(frozen=True)
class StoredFile:
    """Where a document's bytes are, and how to hand them out (``filename``: the name to
    download it under)."""

    path: Path
    content_type: str
    filename: str


async def upload(
    session: Session,
    documents: DocumentStore,
    *,
    actor: Actor,
    chunks: AsyncIterator[bytes],
    kind: str,
    filename: str | None,
    declared_type: str | None,
) -> DocumentRef:
    """Store a document for the actor's operator; its SHA-256 is recorded and returned."""
    assert actor.operator_id is not None, "only an operator's people upload (MayUpload)"
    document = await documents.save(
        session,
        chunks=chunks,
        operator_id=actor.operator_id,
        uploaded_by=actor.user_id,
        kind=kind,
        filename=filename,
        declared_type=declared_type,
    )
    return to_ref(document)


def metadata(
    session: Session, documents: DocumentStore, *, actor: Actor, document_id: str
) -> DocumentRef:
    return to_ref(_visible(session, documents, actor, document_id))


def content(
    session: Session, documents: DocumentStore, *, actor: Actor, document_id: str
) -> StoredFile:
    document = _visible(session, documents, actor, document_id)
    return StoredFile(
        path=documents.path_of(document.sha256),
        content_type=document.content_type,
        filename=download_name(document.filename, document.content_type),
    )


def _visible(
    session: Session, documents: DocumentStore, actor: Actor, document_id: str
) -> Document:
    return visible(
        documents.get(session, document_id),
        actor=actor,
        missing=NotFound("document.not_found", document_id=document_id),
    )
