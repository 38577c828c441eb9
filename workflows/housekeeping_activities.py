"""The housekeeping's activities: deleting what nothing needs any more."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import islice

from temporalio import activity

from kp_licensing.store import attempts, portal_sessions
from kp_licensing.store.db import SessionFactory
from kp_licensing.store.documents import DocumentStore
from schemas.housekeeping import DocumentSweep

#: Rows deleted, or files checked, per batch; the activity heartbeats between batches.
BATCH = 500
#: A partial upload older than this belongs to a request that died.
PARTIAL_UPLOAD_AGE = timedelta(days=1)
#: Failed attempts older than this are forgotten by every throttle rule (an hour at most).
ATTEMPTS_AGE = timedelta(days=1)


class HousekeepingActivities:
    """Needs the documents folder: the worker that runs it mounts the same volume as the API."""

    def __init__(
        self,
        sessions: SessionFactory,
        documents: DocumentStore,
        *,
        unused_days: int,
        portal_idle_minutes: int,
    ) -> None:
        self._sessions = sessions
        self._documents = documents
        self._unused_for = timedelta(days=unused_days)
        self._portal_idle = timedelta(minutes=portal_idle_minutes)

    @activity.defn(name="housekeeping.delete_unused_documents")
    def delete_unused_documents(self) -> DocumentSweep:
        """Delete documents uploaded more than the retention ago that no case was ever given
        (``documents.used_at`` is set in the transaction that gives one to a case), then every
        stored file no row has (theirs, and any a crash left between a row's deletion and its
        file's), then partial uploads. Safe to run again after a crash at any point."""
        now = datetime.now(UTC)
        before = now - self._unused_for
        store = self._documents
        sweep = DocumentSweep()
        with self._sessions() as session:
            while ids := store.unused_before(session, before, limit=BATCH):
                sweep.documents += sum(store.delete_if_unused(session, i, before) for i in ids)
                activity.heartbeat()
                if len(ids) < BATCH:
                    break
            files = store.stored_hashes()
            while batch := set(islice(files, BATCH)):
                sweep.files += store.delete_files(session, batch)
                activity.heartbeat()
        sweep.partial_uploads = store.delete_abandoned_uploads(now - PARTIAL_UPLOAD_AGE)
        return sweep

    @activity.defn(name="housekeeping.purge_failed_attempts")
    def purge_failed_attempts(self) -> int:
        with self._sessions() as session:
            return attempts.purge(session, datetime.now(UTC) - ATTEMPTS_AGE)

    @activity.defn(name="housekeeping.end_portal_sessions")
    def end_portal_sessions(self) -> int:
        """Delete the portal's sessions that have ended (past their end, or idle past the
        limit) and were never presented again (one presented is deleted then)."""
        now = datetime.now(UTC)
        with self._sessions() as session:
            return portal_sessions.remove_ended(
                session, now=now, idle_since=now - self._portal_idle
            )
