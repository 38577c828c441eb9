"""The customs messages as signed XML (``edi.md`` sections 1, 2 and 4): the declaration DSEDT
sends (``schemas/xsd/customs-declaration-1.xsd``) and customs' response
(``schemas/xsd/customs-response-1.xsd``), built from the canonical models of
``schemas/customs.py`` and read back into them exactly.

Building gives the unsigned element: ``DECLARATION_FORMAT.seal(root, signer)`` validates it
against the schema and signs it (a document the schema refuses raises
:class:`~edi.documents.InvalidDocument` and is never signed). Reading checks the document against
the schema before anything else and raises :class:`UnreadableMessage`, with a reason a person can
act on, for anything that is not a message of this format. A signed response is read from the
element signature verification returns (``xmldsig.verify(...).root``), never from a re-parse.

The writer, the reader and the exact decimals are ``edi/xml_format.py``'s, shared with the
shipment application. Exactness: carats and US$ are written from their ``Decimal`` without
rounding (``xml_format.exact_decimal``: no exponent, at least the two decimals Annex I item 8
asks for, trailing zeros beyond those dropped) and read back as ``Decimal``. A date-time keeps
the offset it was made with (Macao's +08:00, say); one the schema's ``xs:dateTime`` cannot carry
(an offset of seconds, or beyond 14 hours) is written in UTC instead: the same instant, so it
compares equal.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from lxml import etree
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from edi.documents import InvalidDocument, XmlFormat
from edi.xml_format import ElementReader, ElementWriter, one_line
from schemas.customs import CustomsDeclaration, CustomsResponse

DECLARATION_FORMAT = XmlFormat(
    namespace="urn:mo:gov:dsedt:kp:customs-declaration:1",
    root="CustomsDeclaration",
    xsd="customs-declaration-1.xsd",
)
RESPONSE_FORMAT = XmlFormat(
    namespace="urn:mo:gov:dsedt:kp:customs-response:1",
    root="CustomsResponse",
    xsd="customs-response-1.xsd",
)
#: The document context of both messages (fixed in their schemas).
BUSINESS_PROCESS = "KPCS customs clearance"
FORMAT_VERSION = "1"
#: The widest UTC offset ``xs:dateTime`` carries.
MAX_OFFSET = timedelta(hours=14)

Model = TypeVar("Model", bound=BaseModel)


class UnreadableMessage(InvalidDocument):
    """A document that is not a customs message of this format, or says something the model
    refuses: a one-line reason (the element, what is wrong), safe to show."""


_DECLARATION = ElementReader(DECLARATION_FORMAT, "customs declaration", UnreadableMessage)
_RESPONSE = ElementReader(RESPONSE_FORMAT, "customs response", UnreadableMessage)


def declaration_id(message_id: str) -> str:
    """The declaration's root ``Id``, which its signature references."""
    return f"cd-{message_id}"


def response_id(message_id: str) -> str:
    """The response's root ``Id``, which its signature references."""
    return f"cr-{message_id}"


def _datetime(value: datetime) -> str:
    offset = value.utcoffset()
    if offset is None:
        raise InvalidDocument(f"the date-time {value.isoformat()} has no UTC offset")
    if offset % timedelta(minutes=1) or abs(offset) > MAX_OFFSET:
        value = value.astimezone(UTC)
    return value.isoformat()


def build_declaration(declaration: CustomsDeclaration) -> etree._Element:
    """The declaration's element, unsigned (``DECLARATION_FORMAT.seal`` validates and signs
    it). Its totals are the sums of its lines."""
    d = declaration
    w = ElementWriter(DECLARATION_FORMAT)
    root = w.root("cd", declaration_id(d.message_id))
    w.context(root, BUSINESS_PROCESS, FORMAT_VERSION)
    header = w.group(root, "Header")
    w.add(header, "MessageId", d.message_id)
    w.add(header, "Function", d.function.value)
    w.add(header, "Version", str(d.version))
    w.add(header, "Kind", d.kind.value)
    w.add(header, "IssueDateTime", _datetime(d.issued_at))
    w.add(header, "Sender", d.sender)
    w.add(header, "Recipient", d.recipient)
    licence = w.group(root, "Licence")
    w.add(licence, "Number", d.permit_no)
    w.add(licence, "CaseNumber", d.case_no)
    w.add(licence, "ValidFrom", d.valid_from.isoformat())
    w.add(licence, "ValidUntil", d.valid_until.isoformat())
    for certificate in d.certificates:
        element = w.group(root, "Certificate")
        w.add(element, "Role", certificate.role.value)
        w.add(element, "IssuingCountry", certificate.issuing_country)
        w.add(element, "Number", certificate.number)
        if certificate.carats is not None:
            w.carats(element, certificate.carats)
    consignment = w.group(root, "Consignment")
    declarant = w.party(consignment, "Declarant", d.holder)
    w.add(declarant, "OperatingLicenceNumber", d.operating_licence_no)
    w.party(consignment, "Consignor", d.consignor)
    w.party(consignment, "Consignee", d.consignee)
    w.add(consignment, "DispatchCountry", d.dispatch_country)
    w.add(consignment, "DestinationCountry", d.destination_country)
    w.add(consignment, "ParcelCount", str(d.parcels))
    w.carats(consignment, d.carats, "TotalCarats")
    w.usd(consignment, d.value_usd, "TotalValue")
    w.equipment(consignment, d.containers, d.seals)
    for number, line in enumerate(d.lines, 1):
        item = w.group(consignment, "LineItem")
        w.add(item, "SequenceNumeric", str(number))
        w.add(item, "HSCode", line.hs_code)
        w.carats(item, line.carats)
        w.usd(item, line.value_usd)
        w.add(item, "OriginCountry", line.origin)
    return root


def build_response(response: CustomsResponse) -> etree._Element:
    """The response's element, unsigned (``RESPONSE_FORMAT.seal`` validates and signs it)."""
    r = response
    w = ElementWriter(RESPONSE_FORMAT)
    root = w.root("cr", response_id(r.message_id))
    w.context(root, BUSINESS_PROCESS, FORMAT_VERSION)
    header = w.group(root, "Header")
    w.add(header, "MessageId", r.message_id)
    w.add(header, "IssueDateTime", _datetime(r.issued_at))
    w.add(header, "Sender", r.sender)
    declaration = w.group(root, "Declaration")
    w.add(declaration, "MessageId", r.declaration_message_id)
    if r.permit_no is not None:
        w.add(declaration, "LicenceNumber", r.permit_no)
    w.add(root, "Status", r.status.value)
    w.add(root, "Stage", r.stage.value)
    if r.crossed_on is not None:
        w.add(root, "CrossedOn", r.crossed_on.isoformat())
    for error in r.errors:
        element = w.group(root, "Error")
        w.add(element, "Code", error.code)
        if error.text is not None:
            w.add(element, "Text", error.text)
    if r.found is not None:
        found = w.group(root, "Found")
        w.add(found, "ParcelCount", str(r.found.parcels))
        w.carats(found, r.found.carats)
        w.equipment(found, r.found.containers, r.found.seals)
        w.add(found, "SealsIntact", "true" if r.found.seals_intact else "false")
    if r.note is not None:
        w.add(root, "Note", r.note)
    return root


def _model(r: ElementReader, cls: type[Model], fields: dict[str, Any]) -> Model:
    """``cls`` of ``fields``, its validation error said in one line (the field's dotted path, or
    the model's name for an error of the whole message)."""
    try:
        return cls.model_validate(fields)
    except ValidationError as error:

        def sentence(problem: ErrorDetails) -> str:
            where = ".".join(str(part) for part in problem["loc"]) or cls.__name__
            return f"{where}: {problem['msg']}"

        raise r.error(one_line(error, sentence)) from None


def parse_declaration(data: bytes) -> CustomsDeclaration:
    """The declaration a document's bytes say (signed or not: the signature is not checked
    here; ``xmldsig.verify`` and :func:`parse_declaration_element` do that for one received)."""
    return parse_declaration_element(_DECLARATION.parse(data))


def parse_declaration_element(root: etree._Element) -> CustomsDeclaration:
    """The declaration of a document's root element, after checking it against the schema; its
    totals must be the sums of its lines, its lines numbered 1, 2, ... in order."""
    r = _DECLARATION
    r.validate(root)
    header = r.find(root, "Header")
    licence = r.find(root, "Licence")
    consignment = r.find(root, "Consignment")
    lines = []
    for number, item in enumerate(r.all(consignment, "LineItem"), 1):
        said = r.integer(item, "SequenceNumeric")
        if said != number:
            raise r.error(
                f"LineItem {number} has SequenceNumeric {said}: line items are numbered "
                "1, 2, ... in document order"
            )
        lines.append(
            {
                "hs_code": r.text(item, "HSCode"),
                "carats": r.decimal(item, "Carats"),
                "value_usd": r.decimal(item, "Value"),
                "origin": r.text(item, "OriginCountry"),
            }
        )
    declaration = _model(
        r,
        CustomsDeclaration,
        {
            "message_id": r.text(header, "MessageId"),
            "function": r.text(header, "Function"),
            "version": r.integer(header, "Version"),
            "kind": r.text(header, "Kind"),
            "issued_at": r.moment(header, "IssueDateTime"),
            "sender": r.text(header, "Sender"),
            "recipient": r.text(header, "Recipient"),
            "permit_no": r.text(licence, "Number"),
            "case_no": r.text(licence, "CaseNumber"),
            "valid_from": r.day(licence, "ValidFrom"),
            "valid_until": r.day(licence, "ValidUntil"),
            "holder": r.party(consignment, "Declarant"),
            "operating_licence_no": r.text(consignment, "Declarant/OperatingLicenceNumber"),
            "consignor": r.party(consignment, "Consignor"),
            "consignee": r.party(consignment, "Consignee"),
            "dispatch_country": r.text(consignment, "DispatchCountry"),
            "destination_country": r.text(consignment, "DestinationCountry"),
            "lines": lines,
            "parcels": r.integer(consignment, "ParcelCount"),
            **r.equipment(consignment),
            "certificates": [
                {
                    "role": r.text(element, "Role"),
                    "issuing_country": r.text(element, "IssuingCountry"),
                    "number": r.text(element, "Number"),
                    "carats": r.decimal(element, "Carats") if r.has(element, "Carats") else None,
                }
                for element in r.all(root, "Certificate")
            ],
        },
    )
    for path, total in (
        ("TotalCarats", declaration.carats),
        ("TotalValue", declaration.value_usd),
    ):
        said_total = r.decimal(consignment, path)
        if said_total != total:
            raise r.error(
                f"Consignment/{path} is {said_total}, but the line items add up to {total}"
            )
    return declaration


def parse_response(data: bytes) -> CustomsResponse:
    """The response a document's bytes say (the signature is not checked here: a response
    received is verified with ``xmldsig.verify`` and read with :func:`parse_response_element`
    from the element that returns)."""
    return parse_response_element(_RESPONSE.parse(data))


def parse_response_element(root: etree._Element) -> CustomsResponse:
    """The response of a document's root element (a verified one: ``xmldsig.verify``'s
    ``root``), after checking it against the schema."""
    r = _RESPONSE
    r.validate(root)
    header = r.find(root, "Header")
    declaration = r.find(root, "Declaration")
    found = None
    element = r.maybe(root, "Found")
    if element is not None:
        found = {
            "parcels": r.integer(element, "ParcelCount"),
            "carats": r.decimal(element, "Carats"),
            **r.equipment(element),
            "seals_intact": r.flag(element, "SealsIntact"),
        }
    return _model(
        r,
        CustomsResponse,
        {
            "message_id": r.text(header, "MessageId"),
            "sender": r.text(header, "Sender"),
            "issued_at": r.moment(header, "IssueDateTime"),
            "declaration_message_id": r.text(declaration, "MessageId"),
            "permit_no": r.optional(declaration, "LicenceNumber"),
            "status": r.text(root, "Status"),
            "stage": r.text(root, "Stage"),
            "crossed_on": r.day(root, "CrossedOn") if r.has(root, "CrossedOn") else None,
            "errors": [
                {"code": r.text(element, "Code"), "text": r.optional(element, "Text")}
                for element in r.all(root, "Error")
            ],
            "found": found,
            "note": r.optional(root, "Note"),
        },
    )
