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

Exactness: carats and US$ are written from their ``Decimal`` without rounding (no exponent,
at least the two decimals Annex I item 8 asks for, trailing zeros beyond those dropped: the same
number) and read back as ``Decimal``. A date-time keeps the offset it was made with (Macao's
+08:00, say); one the schema's ``xs:dateTime`` cannot carry (an offset of seconds, or beyond
14 hours) is written in UTC instead: the same instant, so it compares equal.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from lxml import etree
from pydantic import BaseModel, ValidationError

from edi.documents import InvalidDocument, XmlFormat
from edi.xmldsig import MAX_DOCUMENT_BYTES, hardened_parser
from schemas.customs import CustomsDeclaration, CustomsResponse
from schemas.shipment import Party

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
CARATS_UNIT = "CTM"
CURRENCY = "USD"
#: The widest UTC offset ``xs:dateTime`` carries.
MAX_OFFSET = timedelta(hours=14)

Model = TypeVar("Model", bound=BaseModel)


class UnreadableMessage(InvalidDocument):
    """A document that is not a customs message of this format, or says something the model
    refuses: a one-line reason (the element, what is wrong), safe to show."""


def declaration_id(message_id: str) -> str:
    """The declaration's root ``Id``, which its signature references."""
    return f"cd-{message_id}"


def response_id(message_id: str) -> str:
    """The response's root ``Id``, which its signature references."""
    return f"cr-{message_id}"


def _decimal(value: Decimal, places: int) -> str:
    """``value`` exactly, without exponent, with at least ``places`` decimals and no trailing
    zeros beyond them (``Decimal("1E+2")`` is ``100.00``, ``Decimal("1.5000")`` ``1.50``).
    Not a finite number: written as it is, and the schema refuses it."""
    whole, _, fraction = f"{value:f}".partition(".")
    return f"{whole}.{fraction.rstrip('0').ljust(places, '0')}"


def _carats(value: Decimal) -> str:
    return _decimal(value, 2)


def _usd(value: Decimal) -> str:
    return _decimal(value, 2)


def _datetime(value: datetime) -> str:
    offset = value.utcoffset()
    if offset is None:
        raise InvalidDocument(f"the date-time {value.isoformat()} has no UTC offset")
    if offset % timedelta(minutes=1) or abs(offset) > MAX_OFFSET:
        value = value.astimezone(UTC)
    return value.isoformat()


class _Writer:
    """Elements of one format, in its namespace."""

    def __init__(self, form: XmlFormat) -> None:
        self.form = form

    def root(self, prefix: str, document_id: str) -> etree._Element:
        root = etree.Element(
            self.form.tag(self.form.root), nsmap={prefix: self.form.namespace}, Id=document_id
        )
        context = self.group(root, "Context")
        self.add(context, "BusinessProcess", BUSINESS_PROCESS)
        self.add(context, "Version", FORMAT_VERSION)
        return root

    def group(self, parent: etree._Element, name: str) -> etree._Element:
        return etree.SubElement(parent, self.form.tag(name))

    def add(self, parent: etree._Element, name: str, text: str, **attributes: str) -> None:
        element = etree.SubElement(parent, self.form.tag(name), attributes)
        try:
            element.text = text
        except ValueError as error:  # a control character, a lone surrogate
            raise InvalidDocument(f"{name} cannot be written in XML: {error}") from None

    def party(self, parent: etree._Element, name: str, who: Party) -> etree._Element:
        element = self.group(parent, name)
        self.add(element, "Name", who.name)
        self.add(element, "Address", who.address)
        self.add(element, "Country", who.country)
        return element

    def equipment(self, parent: etree._Element, containers: list[str], seals: list[str]) -> None:
        element = self.group(parent, "TransportEquipment")
        for container in containers:
            self.add(element, "Container", container)
        for seal in seals:
            self.add(element, "Seal", seal)


def build_declaration(declaration: CustomsDeclaration) -> etree._Element:
    """The declaration's element, unsigned (``DECLARATION_FORMAT.seal`` validates and signs
    it). Its totals are the sums of its lines."""
    d = declaration
    w = _Writer(DECLARATION_FORMAT)
    root = w.root("cd", declaration_id(d.message_id))
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
            w.add(element, "Carats", _carats(certificate.carats), unitCode=CARATS_UNIT)
    consignment = w.group(root, "Consignment")
    declarant = w.party(consignment, "Declarant", d.holder)
    w.add(declarant, "OperatingLicenceNumber", d.operating_licence_no)
    w.party(consignment, "Consignor", d.consignor)
    w.party(consignment, "Consignee", d.consignee)
    w.add(consignment, "DispatchCountry", d.dispatch_country)
    w.add(consignment, "DestinationCountry", d.destination_country)
    w.add(consignment, "ParcelCount", str(d.parcels))
    w.add(consignment, "TotalCarats", _carats(d.carats), unitCode=CARATS_UNIT)
    w.add(consignment, "TotalValue", _usd(d.value_usd), currencyID=CURRENCY)
    w.equipment(consignment, d.containers, d.seals)
    for number, line in enumerate(d.lines, 1):
        item = w.group(consignment, "LineItem")
        w.add(item, "SequenceNumeric", str(number))
        w.add(item, "HSCode", line.hs_code)
        w.add(item, "Carats", _carats(line.carats), unitCode=CARATS_UNIT)
        w.add(item, "Value", _usd(line.value_usd), currencyID=CURRENCY)
        w.add(item, "OriginCountry", line.origin)
    return root


def build_response(response: CustomsResponse) -> etree._Element:
    """The response's element, unsigned (``RESPONSE_FORMAT.seal`` validates and signs it)."""
    r = response
    w = _Writer(RESPONSE_FORMAT)
    root = w.root("cr", response_id(r.message_id))
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
        w.add(found, "Carats", _carats(r.found.carats), unitCode=CARATS_UNIT)
        w.equipment(found, r.found.containers, r.found.seals)
        w.add(found, "SealsIntact", "true" if r.found.seals_intact else "false")
    if r.note is not None:
        w.add(root, "Note", r.note)
    return root


class _Reader:
    """Values of one format's document, each a clear :class:`UnreadableMessage` if it is not
    there or not what it should be. Paths are element names (``"Header/MessageId"``)."""

    def __init__(self, form: XmlFormat, what: str) -> None:
        self.form = form
        self.what = what

    def error(self, reason: str) -> UnreadableMessage:
        return UnreadableMessage(f"{self.what}: {reason}")

    def validate(self, root: etree._Element) -> None:
        try:
            self.form.validate(root)
        except InvalidDocument as error:
            raise self.error(f"the schema refuses it: {error}") from None
        except etree.Error as error:  # what libxml2 cannot validate at all (an entity node)
            raise self.error(f"the schema cannot check it: {error}") from None

    def _tags(self, path: str) -> str:
        return "/".join(self.form.tag(name) for name in path.split("/"))

    def _where(self, at: etree._Element, path: str) -> str:
        return f"{etree.QName(at).localname}/{path}"

    def find(self, at: etree._Element, path: str) -> etree._Element:
        element = at.find(self._tags(path))
        if element is None:
            raise self.error(f"{self._where(at, path)} is missing")
        return element

    def all(self, at: etree._Element, path: str) -> list[etree._Element]:
        return list(at.iterfind(self._tags(path)))

    def has(self, at: etree._Element, path: str) -> bool:
        return at.find(self._tags(path)) is not None

    @staticmethod
    def _text(element: etree._Element) -> str:
        return "".join(element.itertext())  # the text nodes only: never a comment's

    def text(self, at: etree._Element, path: str) -> str:
        return self._text(self.find(at, path))

    def optional(self, at: etree._Element, path: str) -> str | None:
        element = at.find(self._tags(path))
        return None if element is None else self._text(element)

    def decimal(self, at: etree._Element, path: str) -> Decimal:
        text = self.text(at, path).strip()
        try:
            value = Decimal(text)
        except InvalidOperation:
            raise self.error(f"{self._where(at, path)} is not a number: {text!r}") from None
        if not value.is_finite():
            raise self.error(f"{self._where(at, path)} is not a number: {text!r}")
        return value

    def integer(self, at: etree._Element, path: str) -> int:
        text = self.text(at, path).strip()
        if not text.isascii() or not text.isdigit():
            raise self.error(f"{self._where(at, path)} is not a whole number: {text!r}")
        return int(text)

    def day(self, at: etree._Element, path: str) -> date:
        text = self.text(at, path).strip()
        try:
            return date.fromisoformat(text)
        except ValueError:
            raise self.error(
                f"{self._where(at, path)} is not a date (YYYY-MM-DD): {text!r}"
            ) from None

    def moment(self, at: etree._Element, path: str) -> datetime:
        text = self.text(at, path).strip()
        try:
            value = datetime.fromisoformat(text)
        except ValueError:
            value = None
        if value is None or value.utcoffset() is None:
            raise self.error(
                f"{self._where(at, path)} is not a date-time with a UTC offset: {text!r}"
            )
        return value

    def flag(self, at: etree._Element, path: str) -> bool:
        text = self.text(at, path).strip()
        if text not in ("true", "false"):
            raise self.error(f"{self._where(at, path)} is neither true nor false: {text!r}")
        return text == "true"

    def party(self, at: etree._Element, path: str) -> dict[str, Any]:
        element = self.find(at, path)
        return {
            "name": self.text(element, "Name"),
            "address": self.text(element, "Address"),
            "country": self.text(element, "Country"),
        }

    def equipment(self, at: etree._Element) -> dict[str, list[str]]:
        element = self.find(at, "TransportEquipment")
        return {
            "containers": [self._text(e) for e in self.all(element, "Container")],
            "seals": [self._text(e) for e in self.all(element, "Seal")],
        }

    def model(self, cls: type[Model], fields: dict[str, Any]) -> Model:
        """``cls`` of ``fields``, its validation error said in one line."""
        try:
            return cls.model_validate(fields)
        except ValidationError as error:
            problems = error.errors()
            first = problems[0]
            where = ".".join(str(part) for part in first["loc"]) or cls.__name__
            more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
            raise self.error(f"{where}: {first['msg']}{more}") from None


def _document(data: bytes, what: str) -> etree._Element:
    """``data`` parsed with the hardened parser, after capping its size; a DOCTYPE (entities
    that are left unresolved, a DTD that is not loaded) has no place in a message."""
    if len(data) > MAX_DOCUMENT_BYTES:
        raise UnreadableMessage(f"{what}: the document is larger than {MAX_DOCUMENT_BYTES} bytes")
    try:
        root = etree.fromstring(data, parser=hardened_parser())
    except etree.XMLSyntaxError as error:
        raise UnreadableMessage(f"{what}: the document is not well-formed XML: {error}") from None
    info = root.getroottree().docinfo
    if info.doctype or info.internalDTD is not None:
        raise UnreadableMessage(f"{what}: the document has a DOCTYPE, which a message may not")
    return root


def parse_declaration(data: bytes) -> CustomsDeclaration:
    """The declaration a document's bytes say (signed or not: the signature is not checked
    here; ``xmldsig.verify`` and :func:`parse_declaration_element` do that for one received)."""
    return parse_declaration_element(_document(data, "customs declaration"))


def parse_declaration_element(root: etree._Element) -> CustomsDeclaration:
    """The declaration of a document's root element, after checking it against the schema; its
    totals must be the sums of its lines, its lines numbered 1, 2, ... in order."""
    r = _Reader(DECLARATION_FORMAT, "customs declaration")
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
    declaration = r.model(
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
    return parse_response_element(_document(data, "customs response"))


def parse_response_element(root: etree._Element) -> CustomsResponse:
    """The response of a document's root element (a verified one: ``xmldsig.verify``'s
    ``root``), after checking it against the schema."""
    r = _Reader(RESPONSE_FORMAT, "customs response")
    r.validate(root)
    header = r.find(root, "Header")
    declaration = r.find(root, "Declaration")
    found = None
    if r.has(root, "Found"):
        element = r.find(root, "Found")
        found = {
            "parcels": r.integer(element, "ParcelCount"),
            "carats": r.decimal(element, "Carats"),
            **r.equipment(element),
            "seals_intact": r.flag(element, "SealsIntact"),
        }
    return r.model(
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
