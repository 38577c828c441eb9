"""Shipment licences and Macao's import confirmations as signed documents.

As for operating licences (``licence_documents``), a document is made the first time it is
asked for, signed, and kept: every later download hands out the same bytes. A shipment licence
does not change after approval, except that an export's names its KP certificate once issued
(a replacement certificate makes the next version); whether it is still usable is what
verification by number says. An import confirmation exists once the import is cleared.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel import Session

from edi import shipment_documents, shipment_pdf
from edi.documents import SignedDocument
from edi.shipment_documents import ShipmentLicenceDocument
from edi.signer import Signer
from kp_licensing.domain.errors import Conflict
from kp_licensing.services import cases
from kp_licensing.services.cases import PERMIT
from kp_licensing.services.licence_documents import IMPORT_CONFIRMATION, SHIPMENT_LICENCE, kept
from kp_licensing.store import permits
from kp_licensing.store.models import Operator
from schemas.common import Actor
from schemas.import_confirmation import ImportConfirmation
from schemas.permit import PermitState
from schemas.shipment import PermitKind


def _licence_content(
    session: Session, state: PermitState
) -> shipment_documents.ShipmentLicenceDocument:
    assert state.permit_no and state.issued_on and state.valid_until
    app = state.application
    operator = session.get(Operator, state.operator_id)
    refs: list[shipment_documents.CertificateRef] = []
    if app.foreign_certificate is not None:
        certificate = app.foreign_certificate
        refs.append(
            shipment_documents.CertificateRef(
                role="travels_under",
                issuing_country=certificate.issuing_country,
                number=certificate.number,
            )
        )
    if state.kind == PermitKind.export and state.certificate_no:
        refs.append(
            shipment_documents.CertificateRef(
                role="travels_under", issuing_country="MO", number=state.certificate_no
            )
        )
    refs += [
        shipment_documents.CertificateRef(
            role="drawn_on", issuing_country=d.issuing_country, number=d.number, carats=d.carats
        )
        for d in app.source_certificates
    ]
    return ShipmentLicenceDocument(
        kind=state.kind,
        licence_no=state.permit_no,
        holder=operator.name if operator else str(state.operator_id),
        operating_licence_no=state.licence_no,
        counterparty=app.counterparty,
        provenance_country=app.provenance_country,
        destination_country=app.destination_country,
        lines=app.lines,
        parcels=app.parcels,
        containers=app.containers,
        seals=app.seals,
        certificates=refs,
        valid_from=state.issued_on,
        valid_until=state.valid_until,
    )


def shipment_licence(
    session: Session, signer: Callable[[], Signer], *, case_no: str, actor: Actor
) -> tuple[str, SignedDocument]:
    """The licence number and signed document of shipment case ``case_no`` (if this actor may
    see it), once the licence is issued."""
    state: PermitState = cases.case_state(session, PERMIT, case_no=case_no, actor=actor)
    if state.permit_no is None or state.issued_on is None or state.valid_until is None:
        raise Conflict("permit.no_document_yet", case_no=case_no, status=state.status)
    signed = kept(
        session,
        signer,
        kind=SHIPMENT_LICENCE,
        reference=state.permit_no,
        version=state.certificate_no or "-",
        form=shipment_documents.LICENCE_FORMAT,
        build=lambda: shipment_documents.build_licence(_licence_content(session, state)),
    )
    return state.permit_no, signed


def shipment_licence_pdf(
    session: Session,
    signer: Callable[[], Signer],
    *,
    case_no: str,
    actor: Actor,
    base_url: str,
) -> tuple[str, bytes]:
    number, signed = shipment_licence(session, signer, case_no=case_no, actor=actor)
    content = shipment_documents.parse_licence(signed.data)
    return number, shipment_pdf.render_licence(content, sha256=signed.sha256, base_url=base_url)


def import_confirmation(
    session: Session, signer: Callable[[], Signer], *, case_no: str, actor: Actor
) -> tuple[str, SignedDocument]:
    """The confirmed certificate's number and the signed confirmation of a cleared import."""
    state: PermitState = cases.case_state(session, PERMIT, case_no=case_no, actor=actor)
    found = permits.confirmation(session, case_no)
    if found is None or state.permit_no is None:
        raise Conflict("permit.no_confirmation", case_no=case_no, status=state.status)
    confirmation = ImportConfirmation.model_validate(found[0].payload)
    signed = kept(
        session,
        signer,
        kind=IMPORT_CONFIRMATION,
        reference=state.permit_no,
        version="1",
        form=shipment_documents.CONFIRMATION_FORMAT,
        build=lambda: shipment_documents.build_confirmation(confirmation),
    )
    return confirmation.certificate_number, signed


def import_confirmation_pdf(
    session: Session,
    signer: Callable[[], Signer],
    *,
    case_no: str,
    actor: Actor,
    base_url: str,
) -> tuple[str, bytes]:
    number, signed = import_confirmation(session, signer, case_no=case_no, actor=actor)
    content = shipment_documents.parse_confirmation(signed.data)
    pdf = shipment_pdf.render_confirmation(content, sha256=signed.sha256, base_url=base_url)
    return number, pdf
