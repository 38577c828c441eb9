"""A document given to a case is never deleted by the housekeeping, whichever of the two
comes first: the submission's transaction marks its rows (the deletion then waits for it and
finds them used), and the files' lock keeps a file's deletion out of an upload of the same
bytes between its finding the file and committing its row."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from kp_licensing.domain.errors import RuleViolation
from kp_licensing.store.db import SessionFactory
from kp_licensing.store.documents import DocumentStore, mark_used
from kp_licensing.store.models import Document, User
from tests.api.client import PDF
from tests.factories import operator_row, unique

OLD = timedelta(days=40)


async def _chunks(content: bytes) -> AsyncIterator[bytes]:
    yield content


@pytest.fixture
def store(tmp_path: Path) -> DocumentStore:
    return DocumentStore(
        tmp_path / "documents", max_bytes=1 << 20, allowed_types=["application/pdf"]
    )


async def _old_upload(store: DocumentStore, sessions: SessionFactory, content: bytes) -> Document:
    with sessions() as session:
        operator = operator_row(session)
        assert operator.id is not None
        user = User(
            username=unique("trader"), full_name="T", role="trader", operator_id=operator.id
        )
        session.add(user)
        session.commit()
        assert user.id is not None
        document = await store.save(
            session,
            chunks=_chunks(content),
            operator_id=operator.id,
            uploaded_by=user.id,
            kind="lease",
            filename="lease.pdf",
            declared_type="application/pdf",
        )
        session.execute(
            update(Document)
            .where(Document.id == document.id)  # type: ignore[arg-type]
            .values(uploaded_at=datetime.now(UTC) - OLD)
        )
        session.commit()
        session.refresh(document)
        return document


async def test_a_deletion_waits_for_the_submission_and_finds_the_document_used(
    store: DocumentStore, sessions: SessionFactory
) -> None:
    document = await _old_upload(store, sessions, PDF + uuid.uuid4().bytes)
    cutoff = datetime.now(UTC) - timedelta(days=30)
    with sessions() as submitting, sessions() as housekeeping, ThreadPoolExecutor(1) as pool:
        mark_used(submitting, [document.id], datetime.now(UTC))  # uncommitted, rows held
        deleting = pool.submit(store.delete_if_unused, housekeeping, document.id, cutoff)
        time.sleep(0.3)
        submitting.commit()
        assert deleting.result(timeout=30) is False
    with sessions() as session:
        kept = session.get(Document, document.id)
        assert kept is not None and kept.used_at is not None


async def test_a_document_deleted_first_is_refused_to_the_submission(
    store: DocumentStore, sessions: SessionFactory
) -> None:
    document = await _old_upload(store, sessions, PDF + uuid.uuid4().bytes)
    with sessions() as session:
        assert store.delete_if_unused(session, document.id, datetime.now(UTC))
        with pytest.raises(RuleViolation) as refused:
            mark_used(session, [document.id], datetime.now(UTC))
        assert refused.value.message.code == "document.unknown"


async def test_a_file_is_not_deleted_under_an_upload_of_the_same_bytes(
    store: DocumentStore, sessions: SessionFactory
) -> None:
    """The upload holds the files' lock from finding the file present to committing its row;
    the deletion, started meanwhile, waits and then sees the row."""
    content = PDF + uuid.uuid4().bytes
    first = await _old_upload(store, sessions, content)
    with sessions() as session:
        assert store.delete_if_unused(session, first.id, datetime.now(UTC))
    path = store.path_of(first.sha256)
    assert path.exists()  # rows go first, files after
    with sessions() as uploading, sessions() as housekeeping, ThreadPoolExecutor(1) as pool:
        with store._files_lock(exclusive=False):
            deleting = pool.submit(store.delete_files, housekeeping, {first.sha256})
            time.sleep(0.3)  # the deletion is waiting for the lock, not finding the file
            assert not deleting.done()
            twin = Document(**{**first.model_dump(), "id": str(uuid.uuid4()), "used_at": None})
            uploading.add(twin)
            uploading.commit()
        assert deleting.result(timeout=30) == 0
    assert path.exists()
    with sessions() as session:
        assert store.delete_if_unused(session, twin.id, datetime.now(UTC) + timedelta(days=1))
        assert store.delete_files(session, {first.sha256}) == 1
    assert not path.exists()
