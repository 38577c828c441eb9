"""The KP certificate as XML (``schemas/xsd/kp-certificate-1.xsd``): built from the canonical
model, validated and signed (``edi.documents``), and read back into the model."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from xml.sax.saxutils import quoteattr

from lxml import etree

from edi.documents import XmlFormat
from schemas.certificate import (
    ISSUING_AUTHORITY,
    STATEMENT,
    TITLE,
    KpCertificate,
    Multilingual,
    Validation,
)
from schemas.shipment import Party, ShipmentLine

FORMAT = XmlFormat(
    namespace="urn:mo:gov:dsedt:kp:certificate:1",
    root="KPCertificate",
    xsd="kp-certificate-1.xsd",
)
BUSINESS_PROCESS = "KPCS export certificate"
MACAO = "MO"


def document_id(number: str) -> str:
    """The root's Id (an xs:ID, so it must not start with a digit)."""
    return f"kpc-{number}"


def amount(value: Decimal, *, places: int) -> str:
    """A decimal as the schema wants it: no exponent, at least ``places`` decimals."""
    text = f"{value:f}"
    decimals = len(text) - text.index(".") - 1 if "." in text else -1
    if decimals >= places:
        return text
    return f"{value:.{places}f}"


_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})


def _element(name: str, text: str, attributes: str = "") -> str:
    return f"<kpc:{name}{attributes}>{text.translate(_ESCAPES)}</kpc:{name}>"


def _texts(name: str, text: Multilingual) -> str:
    return "".join(
        _element(name, getattr(text, lang), f' xml:lang="{lang}"') for lang in ("en", "zh", "pt")
    )


def _party(name: str, who: Party) -> str:
    inner = (
        _element("Name", who.name)
        + _element("Address", who.address)
        + _element("Country", who.country)
    )
    return f"<kpc:{name}>{inner}</kpc:{name}>"


def _carats(value: Decimal) -> str:
    return amount(value, places=2)


#: What every certificate says the same way (items 1 and 6), written once.
_CONTEXT = (
    "<kpc:Context>"
    + _element("BusinessProcess", BUSINESS_PROCESS)
    + _element("Version", "1")
    + "</kpc:Context>"
)
_TITLE_AND_STATEMENT = _texts("Title", TITLE) + _texts("Statement", STATEMENT)
_AUTHORITY = (
    "<kpc:IssuingAuthority>"
    + _texts("Name", ISSUING_AUTHORITY)
    + _element("Country", MACAO)
    + "</kpc:IssuingAuthority>"
)
#: The builder's own text, so nothing in it is to be distrusted; parsed as it is.
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True)


def build(certificate: KpCertificate) -> etree._Element:
    """The certificate's element, unsigned. Written as text (every value escaped) and parsed
    once: about twice as fast as growing the tree element by element, which matters when many
    are issued (``bench/signing.py``)."""
    c = certificate
    lines = "".join(
        "<kpc:LineItem>"
        + _element("HSCode", line.hs_code)
        + _element("Carats", _carats(line.carats), ' unitCode="CTM"')
        + _element("Value", amount(line.value_usd, places=2), ' currencyID="USD"')
        + _element("OriginCountry", line.origin)
        + "</kpc:LineItem>"
        for line in c.lines
    )
    text = "".join(
        [
            f'<kpc:KPCertificate xmlns:kpc="{FORMAT.namespace}" '
            f"Id={quoteattr(document_id(c.number))}>",
            _CONTEXT,
            "<kpc:Header>",
            _TITLE_AND_STATEMENT,
            _element("Number", c.number),
            _element("IssueDateTime", c.issued_at.isoformat()),
            _element("ExpiryDate", c.expires_on.isoformat()),
            _AUTHORITY,
            _element("ExportLicence", c.export_licence_no),
            _element("Replaces", c.replaces) if c.replaces else "",
            "</kpc:Header><kpc:Consignment>",
            _party("Exporter", c.exporter),
            _party("Importer", c.importer),
            _element("OriginCountry", c.origin),
            *(_element("ProvenanceCountry", country) for country in c.provenance),
            _element("DestinationCountry", c.destination_country),
            _element("ParcelCount", str(c.parcels)),
            _element("TotalCarats", _carats(c.carats), ' unitCode="CTM"'),
            _element("TotalValue", amount(c.value_usd, places=2), ' currencyID="USD"'),
            lines,
            "</kpc:Consignment><kpc:Validation>",
            _element("Officer", c.validation.officer),
            _element("ValidatedAt", c.validation.validated_at.isoformat()),
            "</kpc:Validation></kpc:KPCertificate>",
        ]
    )
    return etree.fromstring(text.encode(), _PARSER)


def parse(root: etree._Element) -> KpCertificate:
    """The model of a certificate element (a verified one: ``xmldsig.verify``'s ``root``), after
    checking it against the schema."""
    FORMAT.validate(root)
    ns = {"kpc": FORMAT.namespace}

    def text(path: str, at: etree._Element = root) -> str:
        return str(at.findtext(path, namespaces=ns))

    def party(name: str) -> Party:
        return Party(
            name=text(f"kpc:Consignment/kpc:{name}/kpc:Name"),
            address=text(f"kpc:Consignment/kpc:{name}/kpc:Address"),
            country=text(f"kpc:Consignment/kpc:{name}/kpc:Country"),
        )

    return KpCertificate(
        number=text("kpc:Header/kpc:Number"),
        issued_at=datetime.fromisoformat(text("kpc:Header/kpc:IssueDateTime")),
        expires_on=date.fromisoformat(text("kpc:Header/kpc:ExpiryDate")),
        exporter=party("Exporter"),
        importer=party("Importer"),
        origin=text("kpc:Consignment/kpc:OriginCountry"),
        provenance=[e.text for e in root.iterfind("kpc:Consignment/kpc:ProvenanceCountry", ns)],
        destination_country=text("kpc:Consignment/kpc:DestinationCountry"),
        parcels=int(text("kpc:Consignment/kpc:ParcelCount")),
        lines=[
            ShipmentLine(
                hs_code=text("kpc:HSCode", item),
                carats=Decimal(text("kpc:Carats", item)),
                value_usd=Decimal(text("kpc:Value", item)),
                origin=text("kpc:OriginCountry", item),
            )
            for item in root.iterfind("kpc:Consignment/kpc:LineItem", ns)
        ],
        export_licence_no=text("kpc:Header/kpc:ExportLicence"),
        validation=Validation(
            officer=text("kpc:Validation/kpc:Officer"),
            validated_at=datetime.fromisoformat(text("kpc:Validation/kpc:ValidatedAt")),
        ),
        replaces=root.findtext("kpc:Header/kpc:Replaces", namespaces=ns),
    )
