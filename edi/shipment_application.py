"""A shipment-licence application as a document signed by the applicant operator's
representative (``edi.md`` sections 2 and 4; ``schemas/xsd/shipment-application-1.xsd``): built
from the canonical model (``schemas/permit.py``'s ``PermitApplication``) and read back as the
API's strict body model, ``PermitApplicationBody``, so that an application signed as XML is held
to the same rules as one sent as JSON.

Building gives the unsigned element; ``APPLICATION_FORMAT.seal(root, signer)`` validates it
against the schema and signs it (:func:`sign_application` does both, as a trader's tool would).
Reading checks the document against the schema before anything else and raises
:class:`UnreadableApplication`, with a one-line reason a person can act on (the element, and the
model's field when the model refuses it), for anything that is not an application of this
format. A signed application is read from the element signature verification returns
(``xmldsig.verify(...).root``), never from a re-parse; whose signature it is (the certificate's
serialNumber against the applicant's registration number) is the caller's to check.

The writer, the reader and the exact decimals are ``edi/xml_format.py``'s, shared with the
customs messages. Exactness: carats and US$ are written from their ``Decimal`` without rounding
(``xml_format.exact_decimal``: no exponent, at least the two decimals Annex I item 8 asks for,
trailing zeros beyond those dropped) and read back as ``Decimal``; days are ISO dates; text is
written as it is (escaped by the serialiser), lists in their order.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from lxml import etree
from pydantic import TypeAdapter, ValidationError
from pydantic_core import ErrorDetails

from edi.documents import InvalidDocument, SignedDocument, XmlFormat
from edi.signer import Signer
from edi.xml_format import ElementReader, ElementWriter, one_line
from edi.xmldsig import ID_PATTERN
from kp_licensing.support.catalogue import render
from schemas.licence import Identifier
from schemas.messages import Message, param
from schemas.permit import PermitApplication, PermitApplicationBody

APPLICATION_FORMAT = XmlFormat(
    namespace="urn:mo:gov:dsedt:kp:shipment-application:1",
    root="ShipmentApplication",
    xsd="shipment-application-1.xsd",
)
#: The document context (fixed in the schema).
BUSINESS_PROCESS = "KPCS shipment licence application"
FORMAT_VERSION = "1"
#: What the reasons of a refusal begin with.
WHAT = "shipment application"

_REGISTRATION_NO: TypeAdapter[str] = TypeAdapter(Identifier)


class UnreadableApplication(InvalidDocument):
    """A document that is not a shipment application of this format, or says something the
    model refuses: a one-line reason (the element, what is wrong), safe to show."""


_READER = ElementReader(APPLICATION_FORMAT, WHAT, UnreadableApplication)


def new_document_id() -> str:
    """A fresh root ``Id`` for an application: an XML name no other document shares."""
    return f"app-{uuid.uuid4().hex}"


def build_application(
    application: PermitApplication, registration_no: str, document_id: str
) -> etree._Element:
    """The application's element, unsigned (``APPLICATION_FORMAT.seal`` validates and signs
    it): ``registration_no`` is the applicant operator's business registration number,
    ``document_id`` the root's ``Id`` (an XML name, ASCII: ``[A-Za-z_][A-Za-z0-9_.-]*``), which
    the caller chooses (:func:`new_document_id`)."""
    if not ID_PATTERN.fullmatch(document_id):
        raise InvalidDocument(
            f"the document id {document_id[:80]!r} is not an XML name ([A-Za-z_][A-Za-z0-9_.-]*)"
        )
    a = application
    w = ElementWriter(APPLICATION_FORMAT)
    root = w.root("sa", document_id)
    w.context(root, BUSINESS_PROCESS, FORMAT_VERSION)
    w.add(root, "ApplicantRegistrationNumber", registration_no)
    w.add(root, "Kind", a.kind.value)
    w.add(root, "ExpectedDate", a.expected_date.isoformat())
    consignment = w.group(root, "Consignment")
    w.party(consignment, "Counterparty", a.counterparty)
    if a.provenance_country is not None:
        w.add(consignment, "ProvenanceCountry", a.provenance_country)
    if a.destination_country is not None:
        w.add(consignment, "DestinationCountry", a.destination_country)
    w.add(consignment, "ParcelCount", str(a.parcels))
    w.equipment(consignment, a.containers, a.seals)
    for line in a.lines:
        item = w.group(consignment, "LineItem")
        w.add(item, "HSCode", line.hs_code)
        w.carats(item, line.carats)
        w.usd(item, line.value_usd)
        w.add(item, "OriginCountry", line.origin)
    for document_ref in a.document_ids:
        w.add(root, "SupportingDocumentId", document_ref)
    certificate = a.foreign_certificate
    if certificate is not None:
        element = w.group(root, "ForeignCertificate")
        w.add(element, "Number", certificate.number)
        w.add(element, "IssuingCountry", certificate.issuing_country)
        w.add(element, "IssuingAuthority", certificate.issuing_authority)
        w.add(element, "IssueDate", certificate.issued_on.isoformat())
        w.add(element, "ExpiryDate", certificate.expires_on.isoformat())
        w.party(element, "Exporter", certificate.exporter)
        w.party(element, "Importer", certificate.importer)
        w.add(element, "OriginCountry", certificate.origin)
        for country in certificate.provenance:
            w.add(element, "ProvenanceCountry", country)
        w.carats(element, certificate.carats)
        w.usd(element, certificate.value_usd)
        w.add(element, "ParcelCount", str(certificate.parcels))
        for hs_code in certificate.hs_codes:
            w.add(element, "HSCode", hs_code)
        w.add(element, "ScanDocumentId", certificate.scan_document_id)
    for draw in a.source_certificates:
        element = w.group(root, "SourceCertificate")
        w.add(element, "IssuingCountry", draw.issuing_country)
        w.add(element, "Number", draw.number)
        w.carats(element, draw.carats)
    if a.declarations is not None:
        element = w.group(root, "Declarations")
        for name, made in (
            ("CompliesWithKPCS", a.declarations.complies_with_kpcs),
            ("DestinationIsParticipant", a.declarations.destination_is_participant),
            ("TamperProofContainer", a.declarations.tamper_proof_container),
        ):
            w.add(element, name, "true" if made else "false")
    return root


def sign_application(
    application: PermitApplication, registration_no: str, signer: Signer
) -> SignedDocument:
    """The application signed by ``signer`` (a representative of the operator whose business
    registration number is ``registration_no``), under a fresh document id: validated against
    the schema first, so a document the schema refuses is never signed."""
    root = build_application(application, registration_no, new_document_id())
    return APPLICATION_FORMAT.seal(root, signer)


#: Where each field of the model is in the document: the top-level fields by path, the fields
#: of the parts (parties, lines, certificates, declarations) by their element's name.
_TOP_LEVEL = {
    "kind": "Kind",
    "counterparty": "Consignment/Counterparty",
    "provenance_country": "Consignment/ProvenanceCountry",
    "destination_country": "Consignment/DestinationCountry",
    "lines": "Consignment/LineItem",
    "parcels": "Consignment/ParcelCount",
    "containers": "Consignment/TransportEquipment/Container",
    "seals": "Consignment/TransportEquipment/Seal",
    "expected_date": "ExpectedDate",
    "document_ids": "SupportingDocumentId",
    "foreign_certificate": "ForeignCertificate",
    "source_certificates": "SourceCertificate",
    "declarations": "Declarations",
}
_INNER = {
    "name": "Name",
    "address": "Address",
    "country": "Country",
    "hs_code": "HSCode",
    "carats": "Carats",
    "value_usd": "Value",
    "origin": "OriginCountry",
    "number": "Number",
    "issuing_country": "IssuingCountry",
    "issuing_authority": "IssuingAuthority",
    "issued_on": "IssueDate",
    "expires_on": "ExpiryDate",
    "exporter": "Exporter",
    "importer": "Importer",
    "provenance": "ProvenanceCountry",
    "parcels": "ParcelCount",
    "hs_codes": "HSCode",
    "scan_document_id": "ScanDocumentId",
    "complies_with_kpcs": "CompliesWithKPCS",
    "destination_is_participant": "DestinationIsParticipant",
    "tamper_proof_container": "TamperProofContainer",
}


def _fields(loc: Sequence[int | str]) -> list[int | str]:
    """A location's fields and indexes, without a schema's inner labels
    (``function-after[...]``)."""
    return [p for p in loc if isinstance(p, int) or not any(mark in p for mark in "[(")]


def _element_path(loc: Sequence[int | str]) -> str:
    """The element a model's error location points at (``("lines", 1, "carats")`` is
    ``Consignment/LineItem[2]/Carats``); the root for an error of the whole application."""
    path = APPLICATION_FORMAT.root
    for depth, part in enumerate(loc):
        if isinstance(part, int):
            path += f"[{part + 1}]"
        elif depth == 0:
            path += "/" + _TOP_LEVEL.get(part, part)
        else:
            path += "/" + _INNER.get(part, part)
    return path


def _sentence(problem: ErrorDetails) -> str:
    """What a model's error says: a schema rule's message (a catalogue code) in English, a
    validator's own sentence without pydantic's prefix, else pydantic's words."""
    kind = str(problem.get("type", ""))
    if "." in kind:  # a catalogue code, its params as context
        ctx = problem.get("ctx") or {}
        return render(Message(code=kind, params={k: param(v) for k, v in ctx.items()}))
    said = str(problem.get("msg", ""))
    for prefix in ("Value error, ", "Assertion failed, "):
        said = said.removeprefix(prefix)
    return " ".join(said.split())


def _refusal(error: ValidationError, where: str | None = None) -> InvalidDocument:
    """A model's refusal in one line: the element (``where``, else the one the error's location
    points at, with the model's field) and what the error says."""

    def sentence(problem: ErrorDetails) -> str:
        loc = _fields(problem["loc"])
        field = ".".join(str(p) for p in loc)
        at = where or _element_path(loc)
        named = f"{at} ({field})" if field and where is None else at
        return f"{named}: {_sentence(problem)}"

    return _READER.error(one_line(error, sentence))


def parse_application(data: bytes) -> tuple[str, PermitApplicationBody]:
    """The applicant's registration number and the application a document's bytes say (signed
    or not: the signature is not checked here; ``xmldsig.verify`` and
    :func:`parse_application_element` do that for one received)."""
    return parse_application_element(_READER.parse(data))


def parse_application_element(root: etree._Element) -> tuple[str, PermitApplicationBody]:
    """The applicant's business registration number and the application of a document's root
    element (a verified one: ``xmldsig.verify``'s ``root``), after checking it against the
    schema; the application is the API's body model, held to the same rules as JSON."""
    r = _READER
    r.validate(root)
    try:
        registration_no = _REGISTRATION_NO.validate_python(
            r.text(root, "ApplicantRegistrationNumber")
        )
    except ValidationError as error:
        raise _refusal(
            error, where=f"{APPLICATION_FORMAT.root}/ApplicantRegistrationNumber"
        ) from None
    consignment = r.find(root, "Consignment")
    fields: dict[str, Any] = {
        "kind": r.text(root, "Kind"),
        "counterparty": r.party(consignment, "Counterparty"),
        "provenance_country": r.optional(consignment, "ProvenanceCountry"),
        "destination_country": r.optional(consignment, "DestinationCountry"),
        "lines": [
            {
                "hs_code": r.text(item, "HSCode"),
                "carats": r.decimal(item, "Carats"),
                "value_usd": r.decimal(item, "Value"),
                "origin": r.text(item, "OriginCountry"),
            }
            for item in r.all(consignment, "LineItem")
        ],
        "parcels": r.integer(consignment, "ParcelCount"),
        **r.equipment(consignment),
        "expected_date": r.day(root, "ExpectedDate"),
        "document_ids": r.texts(root, "SupportingDocumentId"),
        "source_certificates": [
            {
                "issuing_country": r.text(element, "IssuingCountry"),
                "number": r.text(element, "Number"),
                "carats": r.decimal(element, "Carats"),
            }
            for element in r.all(root, "SourceCertificate")
        ],
    }
    certificate = r.maybe(root, "ForeignCertificate")
    if certificate is not None:
        fields["foreign_certificate"] = {
            "number": r.text(certificate, "Number"),
            "issuing_country": r.text(certificate, "IssuingCountry"),
            "issuing_authority": r.text(certificate, "IssuingAuthority"),
            "issued_on": r.day(certificate, "IssueDate"),
            "expires_on": r.day(certificate, "ExpiryDate"),
            "exporter": r.party(certificate, "Exporter"),
            "importer": r.party(certificate, "Importer"),
            "origin": r.text(certificate, "OriginCountry"),
            "provenance": r.texts(certificate, "ProvenanceCountry"),
            "carats": r.decimal(certificate, "Carats"),
            "value_usd": r.decimal(certificate, "Value"),
            "parcels": r.integer(certificate, "ParcelCount"),
            "hs_codes": r.texts(certificate, "HSCode"),
            "scan_document_id": r.text(certificate, "ScanDocumentId"),
        }
    declarations = r.maybe(root, "Declarations")
    if declarations is not None:
        fields["declarations"] = {
            "complies_with_kpcs": r.flag(declarations, "CompliesWithKPCS"),
            "destination_is_participant": r.flag(declarations, "DestinationIsParticipant"),
            "tamper_proof_container": r.flag(declarations, "TamperProofContainer"),
        }
    try:
        application = PermitApplicationBody.model_validate(fields)
    except ValidationError as error:
        raise _refusal(error) from None
    return registration_no, application
