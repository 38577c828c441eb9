"""Operating licences as signed documents, and their verification by number.

A licence's document is made the first time it is asked for, for the licence as it stands
(number, holder, activities, validity), signed, and kept: every later download hands out the
same bytes, until a renewal changes what it says and makes the next version. Whether a licence
is in force is not on the document; verification says it, by number.
"""

from __future__ import annotations

from collections.abc import Callable

from lxml import etree
from sqlmodel import Session

from edi import licence_document, licence_pdf
from edi.documents import SignedDocument, XmlFormat
from edi.signer import Signer
from kp_licensing.domain.errors import Conflict
from kp_licensing.services import cases, throttle
from kp_licensing.services.cases import LICENCE
from kp_licensing.store import certificates as store
from kp_licensing.store import licences, permits
from schemas.certificate import LicenceVerification
from schemas.common import Actor
from schemas.licence import LicenceState
from schemas.messages import say

OPERATING_LICENCE = "operating_licence"
SHIPMENT_LICENCE = "shipment_licence"
IMPORT_CONFIRMATION = "import_confirmation"
#: The documents about a shipment licence number: the licence, and an import's confirmation.
ABOUT_SHIPMENT_LICENCES = (SHIPMENT_LICENCE, IMPORT_CONFIRMATION)


def operating_licence(
    session: Session, signer: Callable[[], Signer], *, case_no: str, actor: Actor
) -> tuple[str, SignedDocument]:
    """The licence number and signed document of case ``case_no`` (if this actor may see it)."""
    state: LicenceState = cases.case_state(session, LICENCE, case_no=case_no, actor=actor)
    if state.licence_no is None or state.issued_on is None or state.expires_on is None:
        raise Conflict("licence.no_document_yet", case_no=case_no, status=state.status)
    application = state.application
    document = licence_document.OperatingLicenceDocument(
        licence_no=state.licence_no,
        holder=application.name,
        registration_no=application.business_registration_no,
        address=application.establishment_address,
        activities=[a.value for a in state.activities],
        valid_from=state.issued_on,
        valid_until=state.expires_on,
    )
    signed = kept(
        session,
        signer,
        kind=OPERATING_LICENCE,
        reference=state.licence_no,
        version=state.expires_on.isoformat(),
        form=licence_document.FORMAT,
        build=lambda: licence_document.build(document),
    )
    return state.licence_no, signed


def kept(
    session: Session,
    signer: Callable[[], Signer],
    *,
    kind: str,
    reference: str,
    version: str,
    form: XmlFormat,
    build: Callable[[], etree._Element],
) -> SignedDocument:
    """The document of (kind, reference, version): built, validated, signed and stored the
    first time it is asked for, the same bytes ever after."""
    found = store.issued_document(session, kind=kind, reference=reference, version=version)
    if found is None:
        signed = form.seal(build(), signer())
        found = store.add_issued_document(
            session,
            kind=kind,
            reference=reference,
            version=version,
            document=signed.data,
            sha256=signed.sha256,
        )
    return SignedDocument(data=found.document, sha256=found.sha256)


def operating_licence_pdf(
    session: Session,
    signer: Callable[[], Signer],
    *,
    case_no: str,
    actor: Actor,
    base_url: str,
) -> tuple[str, bytes]:
    """The licence number and the printed licence: rendered from its signed document, with that
    document's hash in the QR code."""
    number, signed = operating_licence(session, signer, case_no=case_no, actor=actor)
    document = licence_document.parse(signed.data)
    return number, licence_pdf.render(document, sha256=signed.sha256, base_url=base_url)


def verify(
    session: Session, *, number: str, sha256: str | None, address: str
) -> LicenceVerification:
    """Whether Macao issued licence ``number`` (operating, or import, export or transit; and,
    with ``sha256``, whether that is one of its documents: the licence, or an import's
    confirmation) and its status; whom it covers for what only to who shows a document's
    hash (numbers are easy to guess). Unknown numbers and wrong
    hashes count as failed attempts of the address, as for certificates."""
    subjects = throttle.verification(address)
    throttle.check(session, subjects)
    canonical = number.strip().upper()
    row = licences.get_by_licence_no(session, canonical)
    if row is not None:
        status, holder, covers, until = (
            row.status,
            row.applicant_name,
            row.activities,
            row.expires_on,
        )
        kinds: tuple[str, ...] = (OPERATING_LICENCE,)
    elif (shipment := permits.get_by_permit_no(session, canonical)) is not None:
        permit, holder = shipment
        canonical = permit.permit_no or canonical
        status, covers, until = permit.status, [permit.kind], permit.valid_until
        kinds = ABOUT_SHIPMENT_LICENCES
    else:
        throttle.failed(session, subjects)
        return LicenceVerification(
            number=canonical,
            genuine=False,
            verdict=say("verification.licence_unknown", number=canonical),
        )
    matches = None
    if sha256 is not None:
        found = store.issued_by_hash(session, sha256.lower())
        matches = found is not None and found.kind in kinds and found.reference == canonical
        if not matches:
            throttle.failed(session, subjects)
    verdict = (
        say("verification.licence_altered", number=canonical)
        if matches is False
        else say("verification.licence_status", number=canonical, status=status)
    )
    return LicenceVerification(
        number=canonical,
        genuine=matches is not False,
        hash_matches=matches,
        status=status,
        holder=holder if matches else None,
        activities=list(covers) if matches else [],
        valid_until=until,
        verdict=verdict,
    )
