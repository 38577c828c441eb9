"""Uploaded documents: bytes on disk under their SHA-256, metadata in the ``documents`` table.

Files are stored content-addressed, read-only and without their original name or any execute
bit; what a file *is* comes from its first bytes, never from what the uploader claims.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
import tempfile
import unicodedata
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol

import sqlalchemy as sa
from anyio import to_thread
from sqlalchemy import bindparam, delete, func, update
from sqlmodel import Session, col, select

from kp_licensing.domain.errors import NotFound, RuleViolation
from kp_licensing.store.models import Document, UTCDateTime
from kp_licensing.support.private import private_folder
from kp_licensing.support.settings import Settings
from schemas.common import DocumentRef


@dataclass(frozen=True)
class FileType:
    #: Leading bytes that make a file this type.
    signatures: tuple[bytes, ...]
    #: What a download of the type is named with, whatever the uploaded name said.
    extension: str


#: The types a document may be, by content type.
TYPES = {
    "application/pdf": FileType((b"%PDF-",), ".pdf"),
    "image/png": FileType((b"\x89PNG\r\n\x1a\n",), ".png"),
    "image/jpeg": FileType((b"\xff\xd8\xff",), ".jpg"),
}
KIND_PATTERN = re.compile(r"^[a-z][a-z0-9_]{1,63}$")
#: An upload being received; one left by a process that died is deleted by the housekeeping.
UPLOAD_PREFIX = ".upload-"

DOCUMENTS = Document.__table__  # type: ignore[attr-defined]
#: What every application runs on the documents it names, built once: their references, and
#: their marking as used by a case.
REFERENCED = sa.select(
    DOCUMENTS.c.id,
    DOCUMENTS.c.operator_id,
    DOCUMENTS.c.kind,
    DOCUMENTS.c.filename,
    DOCUMENTS.c.content_type,
    DOCUMENTS.c.size,
    DOCUMENTS.c.sha256,
).where(DOCUMENTS.c.id.in_(bindparam("ids", expanding=True)))
MARK_USED = (
    update(DOCUMENTS)
    .where(DOCUMENTS.c.id.in_(bindparam("ids", expanding=True)))
    .values(used_at=func.coalesce(DOCUMENTS.c.used_at, bindparam("now", type_=UTCDateTime)))
)
SHA256 = re.compile(r"[0-9a-f]{64}")


class TooLarge(RuleViolation):
    status_code = 413


def sniff(head: bytes) -> str | None:
    for content_type, kind in TYPES.items():
        if any(head.startswith(sig) for sig in kind.signatures):
            return content_type
    return None


def clean_filename(name: str | None) -> str:
    """A display name safe in a header and a file listing: no path, no control characters."""
    base = os.path.basename((name or "").replace("\\", "/"))
    base = "".join(
        c for c in unicodedata.normalize("NFC", base) if unicodedata.category(c)[0] != "C"
    )
    base = base.replace('"', "'").strip(" .")
    return base[:255] or "document"


def download_name(filename: str, content_type: str) -> str:
    """The uploaded name's stem with the detected type's extension: a PDF uploaded as
    ``lease.hta`` downloads as ``lease.pdf``, never as something a desktop would run. The name
    as uploaded stays in the document's metadata."""
    stem = (filename.rpartition(".")[0] or filename).strip(" .") or "document"
    return stem + TYPES[content_type].extension


class DocumentStore:
    """Stores and finds documents; one instance per process, shared by the API's requests."""

    def __init__(self, root: Path, *, max_bytes: int, allowed_types: list[str]) -> None:
        self.root = root
        self.max_bytes = max_bytes
        self.allowed_types = allowed_types

    def path_of(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256

    async def save(
        self,
        session: Session,
        *,
        chunks: AsyncIterator[bytes],
        operator_id: int,
        uploaded_by: int,
        kind: str,
        filename: str | None,
        declared_type: str | None,
    ) -> Document:
        """Stream an upload to disk, check it, and record it; nothing is kept if it is refused."""
        if not KIND_PATTERN.match(kind):
            raise RuleViolation("document.kind_invalid")
        private_folder(self.root)
        digest = hashlib.sha256()
        size = 0
        head = b""
        fd, tmp_name = tempfile.mkstemp(dir=self.root, prefix=UPLOAD_PREFIX)
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as out:
                async for chunk in chunks:
                    size += len(chunk)
                    if size > self.max_bytes:
                        raise TooLarge("document.too_large", limit=self.max_bytes)
                    if len(head) < 16:
                        head += chunk[: 16 - len(head)]
                    digest.update(chunk)
                    out.write(chunk)
            if size == 0:
                raise RuleViolation("document.empty")
            content_type = sniff(head)
            if content_type is None or content_type not in self.allowed_types:
                raise RuleViolation("document.type_not_accepted", accepted=self.allowed_types)
            declared = (declared_type or "").split(";")[0].strip().lower()
            if declared and declared != "application/octet-stream" and declared != content_type:
                raise RuleViolation(
                    "document.type_mismatch", declared=declared, content_type=content_type
                )
            sha256 = digest.hexdigest()
            document = Document(
                id=str(uuid.uuid4()),
                operator_id=operator_id,
                uploaded_by=uploaded_by,
                kind=kind,
                filename=clean_filename(filename),
                content_type=content_type,
                size=size,
                sha256=sha256,
            )
            # The event loop serves others while the file is put in place and the row committed.
            await to_thread.run_sync(self._keep, session, document, tmp)
        finally:
            tmp.unlink(missing_ok=True)
        return document

    def _keep(self, session: Session, document: Document, upload: Path) -> None:
        """Put the upload in place under its hash (unless the same bytes are there already)
        and commit its row, both while holding the files' lock shared: the housekeeping, which
        deletes a file once no row has its hash, holds it exclusively, so it never deletes a file
        between this finding it present and this row being committed."""
        final = self.path_of(document.sha256)
        with self._files_lock(exclusive=False):
            if not final.exists():
                private_folder(final.parent)
                os.chmod(upload, 0o440)
                upload.replace(final)
            session.add(document)
            session.commit()

    @contextmanager
    def _files_lock(self, *, exclusive: bool) -> Iterator[None]:
        """An advisory lock over the whole store, shared by every process that mounts it
        (``flock``: one host, or NFSv4's emulation on a shared volume)."""
        private_folder(self.root)
        fd = os.open(self.root / ".lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
            yield
        finally:
            os.close(fd)  # closing releases the lock

    def get(self, session: Session, document_id: str) -> Document:
        document = session.get(Document, document_id)
        if document is None:
            raise NotFound("document.not_found", document_id=document_id)
        return document

    def refs(self, session: Session, *, ids: list[str], operator_id: int) -> list[DocumentRef]:
        """The operator's own documents with these ids, in order; any other id is refused."""
        repeated = sorted({i for i in ids if ids.count(i) > 1})
        if repeated:
            raise RuleViolation("document.listed_twice", documents=repeated)
        found = session.connection().execute(REFERENCED, {"ids": ids})
        rows = {d.id: d for d in found if d.operator_id == operator_id}
        unknown = [i for i in ids if i not in rows]
        if unknown:
            raise RuleViolation("document.unknown", documents=unknown)
        return [to_ref(rows[i]) for i in ids]

    def unused_before(self, session: Session, before: datetime, *, limit: int) -> list[str]:
        """Ids of documents uploaded before ``before`` that no case has referred to."""
        query = (
            select(Document.id)
            .where(col(Document.used_at).is_(None), col(Document.uploaded_at) < before)
            .order_by(col(Document.uploaded_at))
            .limit(limit)
        )
        return list(session.exec(query).all())

    def delete_if_unused(self, session: Session, document_id: str, before: datetime) -> bool:
        """Delete the document's row if it is still unused and old, and commit; whether it went.
        One row per transaction: a submission marking the documents it uses (:func:`mark_used`)
        holds their rows, so this waits for it and then finds the row used; holding one row at
        a time, this never deadlocks with it. The file goes later (:meth:`delete_files`)."""
        deleted = session.execute(
            delete(Document).where(
                col(Document.id) == document_id,
                col(Document.used_at).is_(None),
                col(Document.uploaded_at) < before,
            )
        )
        session.commit()
        return bool(deleted.rowcount)  # type: ignore[attr-defined]

    def stored_hashes(self) -> Iterator[str]:
        """The hashes of every stored file."""
        for path in self.root.glob("??/*"):
            if SHA256.fullmatch(path.name):
                yield path.name

    def delete_files(self, session: Session, hashes: set[str]) -> int:
        """Delete the files of these hashes that no document row has any more; how many went.
        Holds the files' lock exclusively, so no upload of the same bytes is between finding
        its file and committing its row."""
        if not hashes:
            return 0
        with self._files_lock(exclusive=True):
            kept = set(
                session.exec(
                    select(Document.sha256).where(col(Document.sha256).in_(hashes)).distinct()
                ).all()
            )
            gone = 0
            for sha256 in hashes - kept:
                path = self.path_of(sha256)
                if path.exists():
                    path.unlink()
                    gone += 1
            return gone

    def delete_abandoned_uploads(self, before: datetime) -> int:
        """Delete partial uploads last written before ``before`` (their request died)."""
        gone = 0
        for path in self.root.glob(UPLOAD_PREFIX + "*"):
            try:
                stale = path.stat().st_mtime < before.timestamp()
            except FileNotFoundError:  # renamed into place meanwhile: an upload that finished
                continue
            if stale:
                path.unlink(missing_ok=True)
                gone += 1
        return gone


def mark_used(session: Session, ids: list[str], now: datetime) -> None:
    """Record, in the caller's transaction, that a case refers to these documents, so the
    housekeeping never deletes them; a document that is gone meanwhile (deleted unused) is
    refused as unknown, and the caller's transaction with it."""
    if not ids:
        return
    marked = session.connection().execute(MARK_USED, {"ids": ids, "now": now})
    if marked.rowcount != len(set(ids)):
        present = set(session.exec(select(Document.id).where(col(Document.id).in_(ids))).all())
        raise RuleViolation("document.unknown", documents=[i for i in ids if i not in present])


def document_store(settings: Settings) -> DocumentStore:
    """The store the settings describe; the API and the worker's housekeeping share it."""
    return DocumentStore(
        settings.documents_dir,
        max_bytes=settings.upload_max_bytes,
        allowed_types=settings.upload_allowed_types,
    )


@dataclass(frozen=True)
class Usage:
    """What an operator's documents hold, and its uploads since a moment."""

    files: int
    bytes: int
    recent: int
    oldest_recent: datetime | None


def usage(session: Session, operator_id: int, *, since: datetime) -> Usage:
    mine = col(Document.operator_id) == operator_id
    files, size = session.execute(
        select(func.count(), func.coalesce(func.sum(Document.size), 0)).where(mine)
    ).one()
    recent, oldest = session.execute(
        select(func.count(), func.min(Document.uploaded_at)).where(
            mine, col(Document.uploaded_at) >= since
        )
    ).one()
    return Usage(files=files, bytes=size, recent=recent, oldest_recent=oldest)


class Described(Protocol):
    """What a reference says of a document (a ``Document``, or a row of ``REFERENCED``)."""

    id: str
    kind: str
    filename: str
    content_type: str
    size: int
    sha256: str


def to_ref(document: Described) -> DocumentRef:
    return DocumentRef(
        id=document.id,
        kind=document.kind,
        filename=document.filename,
        content_type=document.content_type,
        size=document.size,
        sha256=document.sha256,
    )
