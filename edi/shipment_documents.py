"""A shipment licence (import, export, transit) and Macao's import confirmation as signed XML
documents (``schemas/xsd/shipment-licence-1.xsd``, ``schemas/xsd/import-confirmation-1.xsd``),
built from the canonical models (with ``edi/xml_format.py``'s element writer) and parsed back
from the bytes stored.

Their amounts are written as the documents already issued have them (``kp_certificate.amount``,
US$ rounded to the cent), not as the customs messages write theirs: a signed document's bytes
must not change."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from lxml import etree
from pydantic import BaseModel

from edi.documents import XmlFormat
from edi.kp_certificate import amount
from edi.xml_format import ElementWriter
from edi.xmldsig import hardened_parser
from schemas.certificate import ISSUING_AUTHORITY, Multilingual
from schemas.import_confirmation import ImportConfirmation
from schemas.shipment import Party, PermitKind, ShipmentLine

LICENCE_FORMAT = XmlFormat(
    namespace="urn:mo:gov:dsedt:kp:shipment-licence:1",
    root="ShipmentLicence",
    xsd="shipment-licence-1.xsd",
)
CONFIRMATION_FORMAT = XmlFormat(
    namespace="urn:mo:gov:dsedt:kp:import-confirmation:1",
    root="ImportConfirmation",
    xsd="import-confirmation-1.xsd",
)
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
LANGUAGES = ("en", "zh", "pt")

LICENCE_TITLES = {
    PermitKind.import_: Multilingual(
        en="Import licence for rough diamonds",
        zh="毛坯鑽石進口准照",
        pt="Licença de importação de diamantes em bruto",
    ),
    PermitKind.export: Multilingual(
        en="Export licence for rough diamonds",
        zh="毛坯鑽石出口准照",
        pt="Licença de exportação de diamantes em bruto",
    ),
    PermitKind.transit: Multilingual(
        en="Transit licence for rough diamonds",
        zh="毛坯鑽石轉運准照",
        pt="Licença de trânsito de diamantes em bruto",
    ),
}
CONFIRMATION_TITLE = Multilingual(
    en="Confirmation of import under the Kimberley Process",
    zh="金伯利進程進口確認書",
    pt="Confirmação de importação ao abrigo do Processo de Kimberley",
)


class CertificateRef(BaseModel):
    """A KP certificate a shipment travels under (``travels_under``) or draws on
    (``drawn_on``, with the carats drawn)."""

    role: str
    issuing_country: str
    number: str
    carats: Decimal | None = None


class ShipmentLicenceDocument(BaseModel):
    """What a shipment licence says, as issued."""

    kind: PermitKind
    licence_no: str
    holder: str
    operating_licence_no: str
    counterparty: Party
    provenance_country: str | None = None
    destination_country: str | None = None
    lines: list[ShipmentLine]
    parcels: int
    containers: list[str]
    seals: list[str]
    certificates: list[CertificateRef]
    valid_from: date
    valid_until: date


def _texts(w: ElementWriter, parent: etree._Element, name: str, text: Multilingual) -> None:
    """``text`` in each language, one element each, tagged with its ``xml:lang``."""
    for lang in LANGUAGES:
        w.add(parent, name, getattr(text, lang)).set(XML_LANG, lang)


def _carats(value: Decimal) -> str:
    return amount(value, places=2)


def _money(value: Decimal) -> str:
    return amount(value.quantize(Decimal("0.01")), places=2)


def build_licence(licence: ShipmentLicenceDocument) -> etree._Element:
    w = ElementWriter(LICENCE_FORMAT)
    root = w.root("sl", f"sl-{licence.licence_no}")
    _texts(w, root, "Title", LICENCE_TITLES[licence.kind])
    w.add(root, "Kind", licence.kind.value)
    w.add(root, "LicenceNumber", licence.licence_no)
    _texts(w, root, "IssuingAuthority", ISSUING_AUTHORITY)
    holder = w.group(root, "Holder")
    w.add(holder, "Name", licence.holder)
    w.add(holder, "OperatingLicenceNumber", licence.operating_licence_no)
    w.party(root, "Counterparty", licence.counterparty)
    if licence.provenance_country:
        w.add(root, "ProvenanceCountry", licence.provenance_country)
    if licence.destination_country:
        w.add(root, "DestinationCountry", licence.destination_country)
    for line in licence.lines:
        element = w.group(root, "Line")
        w.add(element, "HSCode", line.hs_code)
        w.add(element, "Carats", _carats(line.carats))
        w.add(element, "ValueUSD", _money(line.value_usd))
        w.add(element, "Origin", line.origin)
    w.add(root, "Parcels", str(licence.parcels))
    for container in licence.containers:
        w.add(root, "Container", container)
    for seal in licence.seals:
        w.add(root, "Seal", seal)
    for ref in licence.certificates:
        element = w.group(root, "Certificate")
        w.add(element, "Role", ref.role)
        w.add(element, "IssuingCountry", ref.issuing_country)
        w.add(element, "Number", ref.number)
        if ref.carats is not None:
            w.add(element, "Carats", _carats(ref.carats))
    w.add(root, "ValidFrom", licence.valid_from.isoformat())
    w.add(root, "ValidUntil", licence.valid_until.isoformat())
    return root


def _reader(data: bytes, form: XmlFormat, prefix: str) -> tuple[etree._Element, dict[str, str]]:
    return etree.fromstring(data, parser=hardened_parser()), {prefix: form.namespace}


def _party(element: etree._Element, ns: dict[str, str], prefix: str) -> Party:
    return Party(
        name=str(element.findtext(f"{prefix}:Name", namespaces=ns)),
        address=str(element.findtext(f"{prefix}:Address", namespaces=ns)),
        country=str(element.findtext(f"{prefix}:Country", namespaces=ns)),
    )


def parse_licence(data: bytes) -> ShipmentLicenceDocument:
    """What a shipment licence document issued by this service says (its bytes as stored)."""
    root, ns = _reader(data, LICENCE_FORMAT, "sl")

    def text(path: str, at: etree._Element = root) -> str:
        return str(at.findtext(path, namespaces=ns))

    return ShipmentLicenceDocument(
        kind=PermitKind(text("sl:Kind")),
        licence_no=text("sl:LicenceNumber"),
        holder=text("sl:Holder/sl:Name"),
        operating_licence_no=text("sl:Holder/sl:OperatingLicenceNumber"),
        counterparty=_party(root.find("sl:Counterparty", ns), ns, "sl"),
        provenance_country=root.findtext("sl:ProvenanceCountry", namespaces=ns),
        destination_country=root.findtext("sl:DestinationCountry", namespaces=ns),
        lines=[
            ShipmentLine(
                hs_code=text("sl:HSCode", line),
                carats=Decimal(text("sl:Carats", line)),
                value_usd=Decimal(text("sl:ValueUSD", line)),
                origin=text("sl:Origin", line),
            )
            for line in root.iterfind("sl:Line", ns)
        ],
        parcels=int(text("sl:Parcels")),
        containers=[e.text or "" for e in root.iterfind("sl:Container", ns)],
        seals=[e.text or "" for e in root.iterfind("sl:Seal", ns)],
        certificates=[
            CertificateRef(
                role=text("sl:Role", ref),
                issuing_country=text("sl:IssuingCountry", ref),
                number=text("sl:Number", ref),
                carats=(
                    Decimal(carats)
                    if (carats := ref.findtext("sl:Carats", namespaces=ns))
                    else None
                ),
            )
            for ref in root.iterfind("sl:Certificate", ns)
        ],
        valid_from=date.fromisoformat(text("sl:ValidFrom")),
        valid_until=date.fromisoformat(text("sl:ValidUntil")),
    )


def build_confirmation(confirmation: ImportConfirmation) -> etree._Element:
    w = ElementWriter(CONFIRMATION_FORMAT)
    root = w.root("ic", f"ic-{confirmation.permit_no}")
    _texts(w, root, "Title", CONFIRMATION_TITLE)
    _texts(w, root, "IssuingAuthority", ISSUING_AUTHORITY)
    certificate = w.group(root, "Certificate")
    w.add(certificate, "IssuingCountry", confirmation.issuing_country)
    w.add(certificate, "Number", confirmation.certificate_number)
    w.party(root, "Exporter", confirmation.exporter)
    w.party(root, "Importer", confirmation.importer)
    w.add(root, "Parcels", str(confirmation.parcels))
    w.add(root, "Carats", _carats(confirmation.carats))
    w.add(root, "ValueUSD", _money(confirmation.value_usd))
    for hs_code in confirmation.hs_codes:
        w.add(root, "HSCode", hs_code)
    w.add(root, "ReceivedOn", confirmation.received_on.isoformat())
    w.add(root, "ImportLicenceNumber", confirmation.permit_no)
    w.add(root, "Officer", confirmation.officer)
    return root


def parse_confirmation(data: bytes) -> ImportConfirmation:
    """What an import confirmation issued by this service says (its bytes as stored)."""
    root, ns = _reader(data, CONFIRMATION_FORMAT, "ic")

    def text(path: str) -> str:
        return str(root.findtext(path, namespaces=ns))

    return ImportConfirmation(
        certificate_number=text("ic:Certificate/ic:Number"),
        issuing_country=text("ic:Certificate/ic:IssuingCountry"),
        parcels=int(text("ic:Parcels")),
        carats=Decimal(text("ic:Carats")),
        value_usd=Decimal(text("ic:ValueUSD")),
        hs_codes=[e.text or "" for e in root.iterfind("ic:HSCode", ns)],
        importer=_party(root.find("ic:Importer", ns), ns, "ic"),
        exporter=_party(root.find("ic:Exporter", ns), ns, "ic"),
        received_on=date.fromisoformat(text("ic:ReceivedOn")),
        officer=text("ic:Officer"),
        permit_no=text("ic:ImportLicenceNumber"),
    )
