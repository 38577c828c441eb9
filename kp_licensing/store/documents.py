"""Uploaded documents: bytes on disk under their SHA-256, metadata in the ``documents`` table.

Files are stored content-addressed, read-only and without their original name or any execute
bit; what a file *is* comes from its first bytes, never from what the uploader claims.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import unicodedata
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from anyio import to_thread
from sqlalchemy import func
from sqlmodel import Session, col, select

from kp_licensing.domain.errors import NotFound, RuleViolation
from kp_licensing.store.models import Document
from kp_licensing.support.private import private_folder
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
        fd, tmp_name = tempfile.mkstemp(dir=self.root, prefix=".upload-")
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
            final = self.path_of(sha256)
            private_folder(final.parent)
            if final.exists():
                tmp.unlink()
            else:
                os.chmod(tmp, 0o440)
                tmp.replace(final)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
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
        session.add(document)
        await to_thread.run_sync(session.commit)  # the event loop serves others meanwhile
        return document

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
        rows = {
            d.id: d
            for d in session.exec(select(Document).where(col(Document.id).in_(ids))).all()
            if d.operator_id == operator_id
        }
        unknown = [i for i in ids if i not in rows]
        if unknown:
            raise RuleViolation("document.unknown", documents=unknown)
        return [to_ref(rows[i]) for i in ids]


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


def to_ref(document: Document) -> DocumentRef:
    return DocumentRef(
        id=document.id,
        kind=document.kind,
        filename=document.filename,
        content_type=document.content_type,
        size=document.size,
        sha256=document.sha256,
    )
