"""Activities of ``LicenceWorkflow``: the database side effects, each idempotent."""

from __future__ import annotations

from temporalio import activity

from kp_licensing.domain.numbering import licence_number
from kp_licensing.store import licences, sequences
from kp_licensing.store.db import SessionFactory
from schemas.licence import LicenceRecord, NumberRequest
from workflows.licence import NUMBER_ACTIVITY, RECORD_ACTIVITY


class LicenceActivities:
    """Dependencies come in through ``__init__`` so the worker wires the real database and
    tests can wire a database of their own."""

    def __init__(self, sessions: SessionFactory) -> None:
        self._sessions = sessions

    @activity.defn(name=RECORD_ACTIVITY)
    def record(self, record: LicenceRecord) -> bool:
        """Project one transition (case row, event, notification); False if already there."""
        with self._sessions() as session:
            return licences.apply_record(session, record)

    @activity.defn(name=NUMBER_ACTIVITY)
    def allocate_number(self, request: NumberRequest) -> str:
        """The next operating-licence number of the year, the same one on a retry."""
        with self._sessions() as session:
            return sequences.allocate_number(
                session,
                key=request.key,
                counter=f"licence-{request.year}",
                render=lambda n: licence_number(request.year, n),
            )
