"""What the XML formats the service builds as elements and reads back strictly have in common
(``edi.md`` sections 2 and 4): the customs messages (``edi/customs_xml.py``) and the shipment
application (``edi/shipment_application.py``), whose schemas define a party, transport equipment,
carats and US$ the same way, and the shipment licence and import confirmation
(``edi/shipment_documents.py``), which use the writer only. Written once, so that every format
writes an amount the same exact way, and refuses what is not one of its documents in the same
words.

Writing: :class:`ElementWriter` grows a document's tree in its format's namespace, and refuses
text that XML cannot carry (a control character, a lone surrogate) with
:class:`~edi.documents.InvalidDocument` naming the element. An amount is written from its
``Decimal`` without rounding (:func:`exact_decimal`).

Reading: :class:`ElementReader` parses bytes from outside only within a size cap, with the
hardened parser and without a DOCTYPE, checks the root against the schema, and gives each value
as its type: whatever is not there or not what it should be is the format's refusal (a subclass
of ``InvalidDocument``), in one line that starts with what the document should have been and
names the element (``"customs declaration: LineItem/Carats is not a number: 'twelve'"``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from lxml import etree
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from edi.documents import InvalidDocument, XmlFormat
from edi.xmldsig import MAX_DOCUMENT_BYTES, hardened_parser
from schemas.shipment import Party

#: The unit of carats (UN/ECE Recommendation 20's metric carat) and the currency of values.
CARATS_UNIT = "CTM"
CURRENCY = "USD"
#: How much of a value that is not what it should be a refusal repeats.
SHOWN = 40


def exact_decimal(value: Decimal, places: int = 2) -> str:
    """``value`` exactly, without exponent, with at least ``places`` decimals (the two Annex I
    item 8 asks for) and no trailing zeros beyond them (``Decimal("1E+2")`` is ``100.00``,
    ``Decimal("1.5000")`` ``1.50``): the same number. Not a finite number: written as it is,
    and the schema refuses it."""
    whole, _, fraction = f"{value:f}".partition(".")
    return f"{whole}.{fraction.rstrip('0').ljust(places, '0')}"


class ElementWriter:
    """Elements of one format, in its namespace."""

    def __init__(self, form: XmlFormat) -> None:
        self.form = form

    def root(self, prefix: str, document_id: str) -> etree._Element:
        """The root, its namespace bound to ``prefix``, with the ``Id`` its signature
        references."""
        return etree.Element(
            self.form.tag(self.form.root), nsmap={prefix: self.form.namespace}, Id=document_id
        )

    def context(self, parent: etree._Element, business_process: str, version: str) -> None:
        """The document context its schema fixes."""
        context = self.group(parent, "Context")
        self.add(context, "BusinessProcess", business_process)
        self.add(context, "Version", version)

    def group(self, parent: etree._Element, name: str) -> etree._Element:
        return etree.SubElement(parent, self.form.tag(name))

    def add(
        self, parent: etree._Element, name: str, text: str, **attributes: str
    ) -> etree._Element:
        element = etree.SubElement(parent, self.form.tag(name), attributes)
        try:
            element.text = text
        except ValueError as error:  # a control character, a lone surrogate
            raise InvalidDocument(f"{name} cannot be written in XML: {error}") from None
        return element

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

    def carats(self, parent: etree._Element, value: Decimal, name: str = "Carats") -> None:
        self.add(parent, name, exact_decimal(value), unitCode=CARATS_UNIT)

    def usd(self, parent: etree._Element, value: Decimal, name: str = "Value") -> None:
        self.add(parent, name, exact_decimal(value), currencyID=CURRENCY)


def one_line(error: ValidationError, sentence: Callable[[ErrorDetails], str]) -> str:
    """A model's refusal as one line: what ``sentence`` makes of its first problem (the others
    often follow from it), and how many more there are."""
    problems = error.errors()
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    return f"{sentence(problems[0])}{more}"


class ElementReader:
    """Values of one format's document, each a clear ``refusal`` (``"<what>: <reason>"``) if it
    is not there or not what it should be. Paths are element names
    (``"Consignment/ParcelCount"``)."""

    def __init__(self, form: XmlFormat, what: str, refusal: type[InvalidDocument]) -> None:
        self.form = form
        self.what = what
        self.refusal = refusal

    def error(self, reason: str) -> InvalidDocument:
        return self.refusal(f"{self.what}: {reason}")

    def parse(self, data: bytes) -> etree._Element:
        """``data`` parsed with the hardened parser, after capping its size; a DOCTYPE
        (entities that are left unresolved, a DTD that is not loaded) has no place in a
        document of these formats."""
        if len(data) > MAX_DOCUMENT_BYTES:
            raise self.error(f"the document is larger than {MAX_DOCUMENT_BYTES} bytes")
        try:
            root = etree.fromstring(data, parser=hardened_parser())
        except etree.XMLSyntaxError as error:
            raise self.error(f"the document is not well-formed XML: {error}") from None
        info = root.getroottree().docinfo
        if info.doctype or info.internalDTD is not None:
            raise self.error(f"the document has a DOCTYPE, which a {self.what} may not")
        return root

    def validate(self, root: etree._Element) -> None:
        try:
            self.form.validate(root)
        except InvalidDocument as error:
            raise self.error(f"the schema refuses it: {error}") from None
        except etree.Error as error:  # what libxml2 cannot validate at all (an entity node)
            raise self.error(f"the schema cannot check it: {error}") from None

    def _tags(self, path: str) -> str:
        return "/".join(self.form.tag(name) for name in path.split("/"))

    @staticmethod
    def _where(at: etree._Element, path: str) -> str:
        return f"{etree.QName(at).localname}/{path}"

    def find(self, at: etree._Element, path: str) -> etree._Element:
        element = at.find(self._tags(path))
        if element is None:
            raise self.error(f"{self._where(at, path)} is missing")
        return element

    def maybe(self, at: etree._Element, path: str) -> etree._Element | None:
        return at.find(self._tags(path))

    def has(self, at: etree._Element, path: str) -> bool:
        return self.maybe(at, path) is not None

    def all(self, at: etree._Element, path: str) -> list[etree._Element]:
        return list(at.iterfind(self._tags(path)))

    @staticmethod
    def content(element: etree._Element) -> str:
        return "".join(element.itertext())  # the text nodes only: never a comment's

    def text(self, at: etree._Element, path: str) -> str:
        return self.content(self.find(at, path))

    def optional(self, at: etree._Element, path: str) -> str | None:
        element = self.maybe(at, path)
        return None if element is None else self.content(element)

    def texts(self, at: etree._Element, path: str) -> list[str]:
        return [self.content(element) for element in self.all(at, path)]

    def decimal(self, at: etree._Element, path: str) -> Decimal:
        text = self.text(at, path).strip()
        try:
            value = Decimal(text)
        except InvalidOperation:
            value = None
        if value is None or not value.is_finite():
            raise self.error(f"{self._where(at, path)} is not a number: {text[:SHOWN]!r}")
        return value

    def integer(self, at: etree._Element, path: str) -> int:
        text = self.text(at, path).strip()
        if not text.isascii() or not text.isdigit():
            raise self.error(f"{self._where(at, path)} is not a whole number: {text[:SHOWN]!r}")
        return int(text)

    def day(self, at: etree._Element, path: str) -> date:
        text = self.text(at, path).strip()
        try:
            return date.fromisoformat(text)
        except ValueError:
            raise self.error(
                f"{self._where(at, path)} is not a date (YYYY-MM-DD): {text[:SHOWN]!r}"
            ) from None

    def moment(self, at: etree._Element, path: str) -> datetime:
        text = self.text(at, path).strip()
        try:
            value = datetime.fromisoformat(text)
        except ValueError:
            value = None
        if value is None or value.utcoffset() is None:
            raise self.error(
                f"{self._where(at, path)} is not a date-time with a UTC offset: {text[:SHOWN]!r}"
            )
        return value

    def flag(self, at: etree._Element, path: str) -> bool:
        text = self.text(at, path).strip()
        if text not in ("true", "false"):
            raise self.error(f"{self._where(at, path)} is neither true nor false: {text[:SHOWN]!r}")
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
            "containers": self.texts(element, "Container"),
            "seals": self.texts(element, "Seal"),
        }
