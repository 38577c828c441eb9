"""The bureau's worklist: the cases awaiting a decision, filtered by kind, status, flags, and
due or late against the service standard. It reads the same searches as the API's lists
(``services.licences``, ``services.permits``, ``services.certificates``)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from starlette.responses import Response

from kp_licensing.api.deps import SessionDep
from kp_licensing.api.permissions import Action
from kp_licensing.services import certificates, licences, permits
from kp_licensing.web.visit import Visit, may
from schemas.certificate_case import CertificateCaseStatus
from schemas.licence import LicenceStatus
from schemas.permit import PermitStatus
from schemas.shipment import PermitKind

router = APIRouter(include_in_schema=False)

#: Officers and supervisors (the permission table's ``decide``).
Officer = Annotated[Visit, Depends(may(Action.decide))]

#: How many rows each list shows at once.
SHOWN = 50


class Queue(StrEnum):
    """What the worklist shows: everything awaiting a decision, or one kind of case."""

    all = "all"
    licence = "licence"
    import_ = "import"
    export = "export"
    transit = "transit"
    certificate = "certificate"


#: What "awaiting a decision" means for each kind of case (the list's default statuses).
LICENCES_AWAITING = [LicenceStatus.under_review, LicenceStatus.info_requested]
SHIPMENTS_AWAITING = [
    PermitStatus.under_review,
    PermitStatus.info_requested,
    PermitStatus.on_hold,
    PermitStatus.discrepancy,
]
CERTIFICATES_AWAITING = [CertificateCaseStatus.pending, CertificateCaseStatus.used]

Flag = Annotated[bool, Query()]


@router.get("/officer")
def worklist(
    visit: Officer,
    session: SessionDep,
    queue: Queue = Queue.all,
    status: Annotated[str, Query(max_length=20)] = "",
    flagged: Flag = False,
    late: Flag = False,
    overdue: Flag = False,
    q: Annotated[str, Query(max_length=100, pattern=r"^[^\x00-\x1f\x7f]*$")] = "",
    cursor: Annotated[str, Query(max_length=512)] = "",
) -> Response:
    actor = visit.principal.actor
    secret = visit.settings.jwt_secret
    text = q.strip() or None
    shown: dict[str, Any] = {}
    if queue in (Queue.all, Queue.licence):
        wanted = [LicenceStatus(status)] if status in LicenceStatus.__members__ else None
        shown["licences"] = licences.search(
            session,
            actor=actor,
            operator_id=None,
            status=wanted or LICENCES_AWAITING,
            expiring_within_days=None,
            text=text,
            limit=SHOWN,
            offset=0,
            cursor=(cursor or None) if queue == Queue.licence else None,
            count=True,
            secret=secret,
        )
    if queue in (Queue.all, Queue.import_, Queue.export, Queue.transit):
        wanted_permits = [PermitStatus(status)] if status in PermitStatus.__members__ else None
        shown["shipments"] = permits.search(
            session,
            actor=actor,
            operator_id=None,
            kind=None if queue == Queue.all else PermitKind(queue.value),
            status=wanted_permits or SHIPMENTS_AWAITING,
            text=text,
            flagged=True if flagged else None,
            limit=SHOWN,
            offset=0,
            cursor=(cursor or None) if queue != Queue.all else None,
            count=True,
            secret=secret,
        )
    if queue in (Queue.all, Queue.certificate):
        wanted_certificates = (
            [CertificateCaseStatus(status)] if status in CertificateCaseStatus.__members__ else None
        )
        shown["certificates"] = certificates.worklist(
            session,
            status=wanted_certificates or CERTIFICATES_AWAITING,
            late=True if late else None,
            confirmation_overdue=True if overdue else None,
            operator_id=None,
            limit=SHOWN,
            offset=0,
        )
    return visit.page(
        "officer/worklist.html",
        queue=queue.value,
        queues=[q.value for q in Queue],
        chosen_status=status,
        statuses=_statuses(queue),
        flagged=flagged,
        late=late,
        overdue=overdue,
        q=q,
        **shown,
    )


def _statuses(queue: Queue) -> list[str]:
    """The statuses the filter offers for a queue."""
    if queue == Queue.licence:
        return [s.value for s in LicenceStatus]
    if queue == Queue.certificate:
        return [s.value for s in CertificateCaseStatus]
    if queue == Queue.all:
        return []
    return [s.value for s in PermitStatus]
