"""The audit trail, for administrators and supervisors: who did what, to what, from where."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import AfterValidator, AwareDatetime

from kp_licensing.api.deps import MayReadAudit, SessionDep
from kp_licensing.services import audit
from schemas.audit import AuditFilter, AuditPage
from schemas.messages import invalid

router = APIRouter(tags=["audit"])


def _in_utc(moment: datetime) -> datetime:
    try:
        return moment.astimezone(UTC)
    except OverflowError:  # 0001-01-01T00:00+14:00 is before the first moment there is
        raise invalid("field.datetime") from None


#: A moment with its offset (a time without one could be Macao's or UTC's).
Moment = Annotated[AwareDatetime, AfterValidator(_in_utc)]


@router.get("/audit", response_model=AuditPage)
def read_audit(
    _: MayReadAudit,
    session: SessionDep,
    actor: Annotated[str | None, Query(max_length=64, description="A login name.")] = None,
    target: Annotated[
        str | None, Query(max_length=200, description="As entries name it: user:12, api_key:3.")
    ] = None,
    since: Annotated[Moment | None, Query(description="From this moment (included).")] = None,
    until: Annotated[Moment | None, Query(description="Until this moment (excluded).")] = None,
    before: Annotated[
        int | None, Query(ge=1, le=2**31 - 1, description="The previous page's next_before.")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> AuditPage:
    """Entries newest first, filtered by actor, target and time; each with its seal."""
    which = AuditFilter(actor=actor, target=target, since=since, until=until)
    return audit.read(session, which, before=before, limit=limit)
