"""Supporting documents as traders upload them and everyone entitled reads them: stored under
their hash for the uploader's operator; another operator's document does not exist (404)."""

from __future__ import annotations

import math
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from anyio import to_thread
from sqlmodel import Session

from kp_licensing.domain.errors import Conflict, NotFound, TooManyRequests
from kp_licensing.domain.units import size
from kp_licensing.services.access import visible
from kp_licensing.store.documents import DocumentStore, download_name, mark_used, to_ref, usage
from kp_licensing.store.models import Document
from kp_licensing.support.settings import Settings
from schemas.common import Actor, DocumentRef

MINUTE = timedelta(minutes=1)


@dataclass(frozen=True)
class StoredFile:
    """Where a document's bytes are, and how to hand them out (``filename``: the name to
    download it under)."""

    path: Path
    content_type: str
    filename: str


@dataclass(frozen=True)
class UploadLimits:
    """What one operator may store, and how fast (settings ``upload_quota_*``, ``upload_per_*``):
    anyone can register an operator, so uploads must not be a way to fill the disk."""

    files: int
    bytes: int
    per_minute: int

    @classmethod
    def of(cls, settings: Settings) -> UploadLimits:
        return cls(
            files=settings.upload_quota_files,
            bytes=settings.upload_quota_bytes,
            per_minute=settings.upload_per_minute,
        )


def check_limits(session: Session, operator_id: int, limits: UploadLimits) -> None:
    """Refuse an upload past the operator's quota (409: its documents already hold the most
    allowed) or rate (429 until the oldest upload of the last minute is a minute old). Checked
    before the bytes are read; uploads in flight at once may each pass, so the quota can be
    passed by at most those (one file each)."""
    now = datetime.now(UTC)
    used = usage(session, operator_id, since=now - MINUTE)
    if used.recent >= limits.per_minute and used.oldest_recent is not None:
        wait = MINUTE - (now - used.oldest_recent)
        raise TooManyRequests(
            "document.too_many_uploads",
            retry_after=max(1, math.ceil(wait.total_seconds())),
            limit=limits.per_minute,
        )
    if used.files >= limits.files:
        raise Conflict("document.quota_files", limit=limits.files)
    if used.bytes >= limits.bytes:
        raise Conflict("document.quota_bytes", limit=size(limits.bytes))


async def upload(
    session: Session,
    documents: DocumentStore,
    *,
    actor: Actor,
    limits: UploadLimits,
    chunks: AsyncIterator[bytes],
    kind: str,
    filename: str | None,
    declared_type: str | None,
) -> DocumentRef:
    """Store a document for the actor's operator, within its limits; its SHA-256 is recorded
    and returned."""
    assert actor.operator_id is not None, "only an operator's people upload (MayUpload)"
    await to_thread.run_sync(check_limits, session, actor.operator_id, limits)
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


def hand_to_case(session: Session, refs: list[DocumentRef]) -> None:
    """Record that a running case is given these documents (an answer, a renewal), committed
    before the case's workflow is asked: the housekeeping deletes only documents no case was
    ever given. If the workflow then refuses them they are kept all the same; keeping a file
    too long is the safe side."""
    mark_used(session, [ref.id for ref in refs], datetime.now(UTC))
    session.commit()


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
