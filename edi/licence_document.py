"""The operating licence as a signed XML document (``schemas/xsd/operating-licence-1.xsd``)."""

from __future__ import annotations

from datetime import date

from lxml import etree
from pydantic import BaseModel

from edi.documents import XmlFormat
from edi.xmldsig import hardened_parser
from schemas.certificate import ISSUING_AUTHORITY, Multilingual

FORMAT = XmlFormat(
    namespace="urn:mo:gov:dsedt:kp:operating-licence:1",
    root="OperatingLicence",
    xsd="operating-licence-1.xsd",
)
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
TITLE = Multilingual(
    en="Operating licence for rough diamonds",
    zh="毛坯鑽石經營准照",
    pt="Licença de operação de diamantes em bruto",
)


class OperatingLicenceDocument(BaseModel):
    """What the document says: the licence as issued (or last renewed)."""

    licence_no: str
    holder: str
    registration_no: str
    address: str
    activities: list[str]
    valid_from: date
    valid_until: date


def build(licence: OperatingLicenceDocument) -> etree._Element:
    tag = FORMAT.tag
    root = etree.Element(
        tag("OperatingLicence"), nsmap={"ol": FORMAT.namespace}, Id=f"ol-{licence.licence_no}"
    )

    def add(parent: etree._Element, name: str, text: str) -> etree._Element:
        element = etree.SubElement(parent, tag(name))
        element.text = text
        return element

    def texts(name: str, text: Multilingual) -> None:
        for lang in ("en", "zh", "pt"):
            add(root, name, getattr(text, lang)).set(XML_LANG, lang)

    texts("Title", TITLE)
    add(root, "LicenceNumber", licence.licence_no)
    texts("IssuingAuthority", ISSUING_AUTHORITY)
    holder = etree.SubElement(root, tag("Holder"))
    add(holder, "Name", licence.holder)
    add(holder, "RegistrationNumber", licence.registration_no)
    add(holder, "Address", licence.address)
    for activity in licence.activities:
        add(root, "Activity", activity)
    add(root, "ValidFrom", licence.valid_from.isoformat())
    add(root, "ValidUntil", licence.valid_until.isoformat())
    return root


def parse(data: bytes) -> OperatingLicenceDocument:
    """What a licence document issued by this service says (its bytes as stored)."""
    root = etree.fromstring(data, parser=hardened_parser())
    ns = {"ol": FORMAT.namespace}

    def text(path: str) -> str:
        return str(root.findtext(path, namespaces=ns))

    return OperatingLicenceDocument(
        licence_no=text("ol:LicenceNumber"),
        holder=text("ol:Holder/ol:Name"),
        registration_no=text("ol:Holder/ol:RegistrationNumber"),
        address=text("ol:Holder/ol:Address"),
        activities=[e.text or "" for e in root.iterfind("ol:Activity", ns)],
        valid_from=date.fromisoformat(text("ol:ValidFrom")),
        valid_until=date.fromisoformat(text("ol:ValidUntil")),
    )
