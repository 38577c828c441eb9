"""A shipment licence and an import confirmation for printing (``edi/pdf.py``): every item in
English with Chinese and Portuguese labels, the document's SHA-256 and a QR code linking to
its verification (a licence's also says whether it is still usable)."""

from __future__ import annotations

from edi.certificate_pdf import LABELS, carats
from edi.licence_pdf import LABELS as LICENCE_LABELS
from edi.pdf import Page, printed, verification_link
from edi.shipment_documents import CONFIRMATION_TITLE, LICENCE_TITLES, ShipmentLicenceDocument
from schemas.certificate import ISSUING_AUTHORITY, Multilingual
from schemas.import_confirmation import ImportConfirmation
from schemas.shipment import Party

SHIPMENT_LABELS = {
    "counterparty": Multilingual(en="Counterparty", zh="對方", pt="Contraparte"),
    "operating_licence": Multilingual(
        en="Operating licence", zh="經營准照", pt="Licença de operação"
    ),
    "lines": Multilingual(en="Goods (HS, carats, US$, origin)", zh="貨物", pt="Mercadorias"),
    "containers": Multilingual(en="Containers", zh="貨櫃", pt="Contentores"),
    "seals": Multilingual(en="Seals", zh="封條", pt="Selos"),
    "travels_under": Multilingual(
        en="KP certificate it travels under",
        zh="隨附金伯利進程證書",
        pt="Certificado KP que acompanha",
    ),
    "drawn_on": Multilingual(
        en="Imported under (carats drawn)",
        zh="進口所依證書 (提取克拉)",
        pt="Importado ao abrigo de",
    ),
    "provenance": Multilingual(en="Shipped from", zh="發貨地", pt="Proveniência"),
    "received": Multilingual(en="Received on", zh="收貨日期", pt="Recebido em"),
    "import_licence": Multilingual(en="Import licence", zh="進口准照", pt="Licença de importação"),
    "officer": Multilingual(en="Officer", zh="負責人員", pt="Funcionário"),
    "certificate": Multilingual(en="KP certificate", zh="金伯利進程證書", pt="Certificado KP"),
}


def _party(who: Party) -> str:
    return f"{who.name}, {who.address} ({who.country})"


def render_licence(licence: ShipmentLicenceDocument, *, sha256: str, base_url: str) -> bytes:
    s, labels = SHIPMENT_LABELS, LICENCE_LABELS

    def body(page: Page) -> None:
        page.multilingual(LICENCE_TITLES[licence.kind], size=16, bold=True)
        page.y -= 8
        page.item(labels["number"], licence.licence_no)
        page.item(labels["authority"], ISSUING_AUTHORITY.en)
        page.item(labels["holder"], licence.holder)
        page.item(s["operating_licence"], licence.operating_licence_no)
        page.item(s["counterparty"], _party(licence.counterparty))
        if licence.provenance_country:
            page.item(s["provenance"], licence.provenance_country)
        if licence.destination_country:
            page.item(LABELS["destination"], licence.destination_country)
        for line in licence.lines:
            value = f"{line.hs_code}   {carats(line.carats)} ct   US$ {line.value_usd:,.2f}"
            page.item(s["lines"], f"{value}   {line.origin}")
        page.item(LABELS["parcels"], str(licence.parcels))
        page.item(s["containers"], ", ".join(licence.containers))
        page.item(s["seals"], ", ".join(licence.seals))
        for ref in licence.certificates:
            drawn = f" ({carats(ref.carats)} ct)" if ref.carats is not None else ""
            page.item(s[ref.role], f"{ref.issuing_country} {ref.number}{drawn}")
        page.item(labels["valid_from"], licence.valid_from.isoformat())
        page.item(labels["valid_until"], licence.valid_until.isoformat())

    return printed(
        title=f"{LICENCE_TITLES[licence.kind].en} {licence.licence_no}",
        link=verification_link(base_url, "licences", licence.licence_no, sha256),
        sha256=sha256,
        body=body,
    )


def render_confirmation(confirmation: ImportConfirmation, *, sha256: str, base_url: str) -> bytes:
    c, s = confirmation, SHIPMENT_LABELS

    def body(page: Page) -> None:
        page.multilingual(CONFIRMATION_TITLE, size=16, bold=True)
        page.y -= 8
        page.item(LABELS["authority"], ISSUING_AUTHORITY.en)
        page.item(s["certificate"], f"{c.issuing_country} {c.certificate_number}")
        page.item(LABELS["exporter"], _party(c.exporter))
        page.item(LABELS["importer"], _party(c.importer))
        page.item(LABELS["parcels"], str(c.parcels))
        page.item(LABELS["carats"], f"{carats(c.carats)} ct")
        page.item(LABELS["value"], f"US$ {c.value_usd:,.2f}")
        page.item(LABELS["hs"], ", ".join(c.hs_codes))
        page.item(s["received"], c.received_on.isoformat())
        page.item(s["import_licence"], c.permit_no)
        page.item(s["officer"], c.officer)

    return printed(
        title=f"{CONFIRMATION_TITLE.en} {c.certificate_number}",
        link=verification_link(base_url, "licences", c.permit_no, sha256),
        sha256=sha256,
        body=body,
    )
