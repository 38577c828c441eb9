"""What one run of the housekeeping schedule did (``workflows.housekeeping``)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class DocumentSweep(BaseModel):
    """Uploads no case was given within the retention, deleted: their rows, the files no other
    row shares, and partial uploads a dead request left."""

    model_config = ConfigDict(extra="ignore")

    documents: int = 0
    files: int = 0
    partial_uploads: int = 0


class HousekeepingReport(BaseModel):
    model_config = ConfigDict(extra="ignore")

    documents: DocumentSweep = DocumentSweep()
    failed_attempts: int = 0
    portal_sessions: int = 0
