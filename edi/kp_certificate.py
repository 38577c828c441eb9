"""The KP certificate as XML (``schemas/xsd/kp-certificate-1.xsd``): built from the canonical
model, validated and signed (``edi.documents``), and read back into the model."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from lxml import etree

from edi.documents import SignedDocument, XmlFormat
from edi.signer import Signer
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


def _escaped(text: str) -> str:
    """Text as canonical XML writes it in an element (and in an attribute without quotes,
    tabs or line breaks, the only kind written here)."""
    return text.translate(_ESCAPES)


def _element(name: str, text: str, attributes: str = "") -> str:
    return f"<kpc:{name}{attributes}>{_escaped(text)}</kpc:{name}>"


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


def seal(certificate: KpCertificate, signer: Signer) -> SignedDocument:
    """The certificate validated and signed. Its text is written in exclusive canonical form
    (``tests/edi/test_kp_certificate.py`` holds it to that for awkward values), so it is signed
    as written, not serialised again; a value with a carriage return, which parsing would
    normalise, is canonicalised from the tree instead."""
    text = build_text(certificate)
    canonical = None if b"\r" in text else text
    return FORMAT.seal(etree.fromstring(text, _PARSER), signer, canonical=canonical)


def build(certificate: KpCertificate) -> etree._Element:
    """The certificate's element, unsigned."""
    return etree.fromstring(build_text(certificate), _PARSER)


def build_text(certificate: KpCertificate) -> bytes:
    """The certificate's element as text, in exclusive canonical form. Written as text and
    parsed once: about twice as fast as growing the tree element by element, which matters
    when many are issued (``bench/signing.py``). Free text is escaped; codes, dates and
    amounts are of types that hold no markup (HS codes, country codes, ISO dates, decimals)."""
    c = certificate
    x = _escaped
    lines = "".join(
        f"<kpc:LineItem><kpc:HSCode>{line.hs_code}</kpc:HSCode>"
        f'<kpc:Carats unitCode="CTM">{_carats(line.carats)}</kpc:Carats>'
        f'<kpc:Value currencyID="USD">{amount(line.value_usd, places=2)}</kpc:Value>'
        f"<kpc:OriginCountry>{line.origin}</kpc:OriginCountry></kpc:LineItem>"
        for line in c.lines
    )
    provenance = "".join(
        f"<kpc:ProvenanceCountry>{country}</kpc:ProvenanceCountry>" for country in c.provenance
    )
    replaces = f"<kpc:Replaces>{x(c.replaces)}</kpc:Replaces>" if c.replaces else ""
    text = (
        f'<kpc:KPCertificate xmlns:kpc="{FORMAT.namespace}" Id="{x(document_id(c.number))}">'
        f"{_CONTEXT}<kpc:Header>{_TITLE_AND_STATEMENT}"
        f"<kpc:Number>{x(c.number)}</kpc:Number>"
        f"<kpc:IssueDateTime>{c.issued_at.isoformat()}</kpc:IssueDateTime>"
        f"<kpc:ExpiryDate>{c.expires_on.isoformat()}</kpc:ExpiryDate>{_AUTHORITY}"
        f"<kpc:ExportLicence>{x(c.export_licence_no)}</kpc:ExportLicence>{replaces}"
        f"</kpc:Header><kpc:Consignment>"
        f"{_party('Exporter', c.exporter)}{_party('Importer', c.importer)}"
        f"<kpc:OriginCountry>{c.origin}</kpc:OriginCountry>{provenance}"
        f"<kpc:DestinationCountry>{c.destination_country}</kpc:DestinationCountry>"
        f"<kpc:ParcelCount>{c.parcels}</kpc:ParcelCount>"
        f'<kpc:TotalCarats unitCode="CTM">{_carats(c.carats)}</kpc:TotalCarats>'
        f'<kpc:TotalValue currencyID="USD">{amount(c.value_usd, places=2)}</kpc:TotalValue>'
        f"{lines}</kpc:Consignment><kpc:Validation>"
        f"<kpc:Officer>{x(c.validation.officer)}</kpc:Officer>"
        f"<kpc:ValidatedAt>{c.validation.validated_at.isoformat()}</kpc:ValidatedAt>"
        "</kpc:Validation></kpc:KPCertificate>"
    )
    return text.encode()


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
