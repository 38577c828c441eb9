"""What customs is told of a shipment licence, and when (``edi.md`` section 1).

Customs must be able to clear a licence exactly while it may be used. So a licence is declared
once it is usable (an import or transit approved; an export approved with a valid KP
certificate), declared again (a replacement) when what customs needs changes (a replacement
certificate) or when it becomes usable again (a hold released), and taken back (a cancellation)
when it stops being usable before use (held, cancelled, expired, its certificate voided). Once
customs has cleared it, nothing more is sent.
"""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime

from kp_licensing.domain.clock import macao_date
from schemas.customs import (
    CertificateRole,
    CustomsDeclaration,
    CustomsResponse,
    DeclaredCertificate,
    MessageFunction,
)
from schemas.permit import PermitState, PermitStatus
from schemas.shipment import Arrival, Party, PermitKind

#: Macao, as the country a shipment leaves or reaches.
MACAO = "MO"
#: Statuses in which customs may still clear the licence (a discrepancy awaits an officer, and
#: customs keeps what it has meanwhile).
USABLE = frozenset({PermitStatus.approved, PermitStatus.in_transit, PermitStatus.discrepancy})
#: Cleared by customs already: nothing more to tell.
USED = frozenset({PermitStatus.cleared, PermitStatus.completed, PermitStatus.used})


def message_id(case_no: str, version: int) -> str:
    """A declaration's message id: the same for every send of one version of one case (so the
    receiver drops a repeat), 14 letters and digits (an EDIFACT reference's limit)."""
    digest = hashlib.sha256(f"{case_no}/{version}".encode()).digest()
    return "D" + base64.b32encode(digest).decode()[:13]


def declared_key(state: PermitState) -> str | None:
    """What customs must hold for this licence now (the licence number, and an export's
    certificate number), or None if customs must hold nothing: not yet usable, held, or ended."""
    if state.permit_no is None or state.status not in USABLE:
        return None
    if state.kind != PermitKind.export:
        return state.permit_no
    if state.certificate_status != "valid" or not state.certificate_no:
        return None
    return f"{state.permit_no}/{state.certificate_no}"


def next_declaration(state: PermitState) -> MessageFunction | None:
    """The declaration to send now, if any."""
    if state.status in USED:
        return None
    track = state.customs
    key = declared_key(state)
    if key is not None and (key != track.declared or track.cancelled):
        return MessageFunction.original if track.version == 0 else MessageFunction.replacement
    if key is None and track.declared is not None and not track.cancelled:
        return MessageFunction.cancellation
    return None


def declaration(
    state: PermitState,
    *,
    function: MessageFunction,
    version: int,
    at: datetime,
    holder: Party,
    sender: str,
    recipient: str,
) -> CustomsDeclaration:
    """The declaration of a licence as it stands: who sends and receives the goods and which
    countries they pass between depend on the kind of licence; the certificates are the one the
    goods travel under and, for an export, those its goods were imported under."""
    app = state.application
    assert state.permit_no is not None and state.issued_on is not None
    assert state.valid_until is not None
    foreign = app.foreign_certificate
    certificates: list[DeclaredCertificate] = []
    match state.kind:
        case PermitKind.import_:
            consignor, consignee = app.counterparty, holder
            dispatch = app.provenance_country or app.counterparty.country
            destination = MACAO
        case PermitKind.export:
            consignor, consignee = holder, app.counterparty
            dispatch = MACAO
            destination = app.destination_country or app.counterparty.country
            if state.certificate_no:
                certificates.append(
                    DeclaredCertificate(
                        role=CertificateRole.travels_under,
                        issuing_country=MACAO,
                        number=state.certificate_no,
                    )
                )
            certificates.extend(
                DeclaredCertificate(
                    role=CertificateRole.drawn_on,
                    issuing_country=draw.issuing_country,
                    number=draw.number,
                    carats=draw.carats,
                )
                for draw in app.source_certificates
            )
        case PermitKind.transit:
            consignor = foreign.exporter if foreign else app.counterparty
            consignee = foreign.importer if foreign else app.counterparty
            dispatch = app.provenance_country or consignor.country
            destination = app.destination_country or consignee.country
    if foreign is not None:
        certificates.insert(
            0,
            DeclaredCertificate(
                role=CertificateRole.travels_under,
                issuing_country=foreign.issuing_country,
                number=foreign.number,
            ),
        )
    return CustomsDeclaration(
        message_id=message_id(state.case_no, version),
        function=function,
        version=version,
        issued_at=at.astimezone(UTC).replace(microsecond=0),  # what every rendering carries
        sender=sender,
        recipient=recipient,
        kind=state.kind,
        case_no=state.case_no,
        permit_no=state.permit_no,
        valid_from=state.issued_on,
        valid_until=state.valid_until,
        holder=holder,
        operating_licence_no=state.licence_no,
        consignor=consignor,
        consignee=consignee,
        dispatch_country=dispatch,
        destination_country=destination,
        lines=app.lines,
        parcels=app.parcels,
        containers=app.containers,
        seals=app.seals,
        certificates=certificates,
    )


def crossing(state: PermitState, response: CustomsResponse) -> Arrival:
    """The crossing a response reports, as an officer would record it: what customs counted,
    or, for a release that counted nothing, the goods as licensed; on the day it says, or the
    day (Macao) it was sent."""
    app = state.application
    on = response.crossed_on or macao_date(response.issued_at)
    found = response.found
    if found is None:
        return Arrival(
            date=on,
            carats=app.carats,
            parcels=app.parcels,
            containers=app.containers,
            seals=app.seals,
            seals_intact=True,
            note=response.note,
        )
    return Arrival(date=on, note=response.note, **found.model_dump())
