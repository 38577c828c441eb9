"""The audit trail: every security-relevant action, sealed into a chain in the database and
written as one structured log line (logger ``kp_licensing.audit``, JSON).

An entry is added in the transaction of the action it records (:func:`record`), so it commits
with it or not at all; its log line is written once that transaction commits. Refusals and
failed sign-ins, which change nothing, commit an entry of their own (:func:`write`).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, TypeVar

from sqlalchemy import event
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session

from kp_licensing.domain import audit as chain
from kp_licensing.store import audit as store
from kp_licensing.store.audit_models import AuditEntry
from kp_licensing.store.db import SessionFactory
from kp_licensing.support import security
from schemas.audit import AuditEntryPublic, AuditFilter, AuditPage
from schemas.common import Actor
from schemas.messages import Message

log = logging.getLogger("kp_licensing.audit")

#: Where a session keeps the entries its transaction added, to log them once it commits.
_UNLOGGED = "audit.unlogged"


class Outcome(StrEnum):
    succeeded = "succeeded"
    failed = "failed"
    refused = "refused"


@dataclass(frozen=True)
class Origin:
    """Who acts, and from where: what every entry records besides the action."""

    actor: Actor | None
    address: str

    @classmethod
    def command_line(cls) -> Origin:
        """Someone at the service's own command line (no account, no network address)."""
        return cls(actor=None, address="local")


def record(
    session: Session,
    by: Origin,
    action: str,
    *,
    target: str,
    outcome: Outcome = Outcome.succeeded,
    actor_name: str | None = None,
    **details: object,
) -> None:
    """Add an entry to the caller's transaction (``actor_name``: the name a failed sign-in
    tried, when no account acted)."""
    actor = by.actor
    entry = AuditEntry(
        at=datetime.now(UTC),
        action=action,
        outcome=outcome.value,
        actor_id=actor.user_id if actor else None,
        actor=(actor.username if actor else actor_name or "")[:64],
        actor_role=actor.role.value if actor else None,
        target=target[:200],
        address=by.address[:64],
        details={key: str(value) for key, value in details.items()},
    )
    store.append(session, security.audit_key(), entry)
    session.info.setdefault(_UNLOGGED, []).append(entry)


@dataclass(frozen=True)
class Entry:
    """An entry to add later, in a session that does not exist yet."""

    by: Origin
    action: str
    target: str
    outcome: Outcome = Outcome.succeeded
    actor_name: str | None = None
    details: dict[str, object] = field(default_factory=dict)

    def add_to(self, session: Session) -> None:
        record(
            session,
            self.by,
            self.action,
            target=self.target,
            outcome=self.outcome,
            actor_name=self.actor_name,
            **self.details,
        )


E = TypeVar("E", bound=Exception)


def audited(error: E) -> E:
    """Mark a refusal whose entry its service wrote already (a failed sign-in), so the edge
    does not write a second one (:func:`needs_entry`)."""
    error.audited = True  # type: ignore[attr-defined]
    return error


def needs_entry(error: Exception) -> bool:
    return not getattr(error, "audited", False)


def write(sessions: SessionFactory, by: Origin, action: str, **kwargs: Any) -> None:
    """Commit an entry on its own (a refusal, a failed sign-in: nothing else to commit)."""
    with sessions() as session:
        record(session, by, action, **kwargs)
        session.commit()


@event.listens_for(OrmSession, "after_commit")
def _log_committed(session: OrmSession) -> None:
    for entry in session.info.pop(_UNLOGGED, []):
        log.info(json.dumps(public(entry).model_dump(mode="json"), ensure_ascii=False))


@event.listens_for(OrmSession, "after_rollback")
def _forget_rolled_back(session: OrmSession) -> None:
    session.info.pop(_UNLOGGED, None)


def public(entry: AuditEntry) -> AuditEntryPublic:
    return AuditEntryPublic.model_validate(entry, from_attributes=True)


def read(session: Session, which: AuditFilter, *, before: int | None, limit: int) -> AuditPage:
    """Entries matching ``which``, newest first, ``limit`` at most, older than ``before``."""
    rows = store.page(session, which, before=before, limit=limit)
    return AuditPage(
        items=[public(row) for row in rows],
        next_before=rows[-1].seq if len(rows) == limit and rows[-1].seq > 1 else None,
    )


@dataclass
class Verification:
    """How many entries were read, the head's seal, and every break found (none: intact)."""

    entries: int
    head: str
    problems: list[Message]


def verify(session: Session) -> Verification:
    """Check the whole chain with this process's key (``KP_AUDIT_KEY``)."""
    head = store.head(session)
    result = Verification(entries=0, head=head[1], problems=[])

    def counted() -> Iterator[chain.Sealed]:
        for entry in store.chain(session):
            result.entries += 1
            yield entry

    result.problems = chain.verify(counted(), head=head, key=security.audit_key())
    return result
