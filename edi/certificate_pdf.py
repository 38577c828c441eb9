"""The KP certificate for printing (``edi/pdf.py``): every Annex I item in English with Chinese
and Portuguese alongside, the number, the document's SHA-256, and a QR code linking to its
verification."""

from __future__ import annotations

from decimal import Decimal

from edi.pdf import AUTHORITY_LABEL, MARGIN, Page, printed, verification_link
from schemas.certificate import ISSUING_AUTHORITY, STATEMENT, TITLE, KpCertificate, Multilingual

#: The labels of the items, in the three languages.
LABELS = {
    "number": Multilingual(en="Certificate number", zh="證書編號", pt="Número do certificado"),
    "issued": Multilingual(en="Date of issue", zh="簽發日期", pt="Data de emissão"),
    "expires": Multilingual(en="Date of expiry", zh="有效期至", pt="Data de validade"),
    "authority": AUTHORITY_LABEL,
    "exporter": Multilingual(en="Exporter", zh="出口商", pt="Exportador"),
    "importer": Multilingual(en="Importer", zh="進口商", pt="Importador"),
    "origin": Multilingual(en="Country of origin", zh="原產國", pt="País de origem"),
    "provenance": Multilingual(en="Provenance", zh="來源國", pt="Proveniência"),
    "destination": Multilingual(en="Destination", zh="目的地", pt="Destino"),
    "parcels": Multilingual(en="Number of parcels", zh="包裹數目", pt="Número de volumes"),
    "carats": Multilingual(en="Carat weight", zh="克拉重量", pt="Peso em quilates"),
    "value": Multilingual(en="Value (US$)", zh="價值 (美元)", pt="Valor (USD)"),
    "hs": Multilingual(en="HS code", zh="海關編碼", pt="Código SH"),
    "validated": Multilingual(en="Validated by", zh="核證人員", pt="Validado por"),
    "licence": Multilingual(en="Export licence", zh="出口准照", pt="Licença de exportação"),
    "replaces": Multilingual(
        en="Replaces certificate", zh="取代證書", pt="Substitui o certificado"
    ),
}


def carats(value: Decimal) -> str:
    return f"{value:,.2f}" if value == value.quantize(Decimal("0.01")) else f"{value:,.3f}"


def render(certificate: KpCertificate, *, sha256: str, base_url: str) -> bytes:
    """The certificate's pages as PDF bytes (one, unless it has many lines)."""
    c = certificate

    def body(page: Page) -> None:
        page.multilingual(TITLE, size=16, bold=True)
        page.y -= 4
        page.multilingual(STATEMENT, size=8)
        page.y -= 6
        page.item(LABELS["number"], c.number)
        page.item(LABELS["issued"], c.issued_at.strftime("%Y-%m-%d %H:%M (UTC%z)"))
        page.item(LABELS["expires"], c.expires_on.isoformat())
        page.item(LABELS["authority"], ISSUING_AUTHORITY.en)
        page.item(
            LABELS["exporter"], f"{c.exporter.name}, {c.exporter.address} ({c.exporter.country})"
        )
        page.item(
            LABELS["importer"], f"{c.importer.name}, {c.importer.address} ({c.importer.country})"
        )
        page.item(LABELS["origin"], c.origin)
        if c.provenance:
            page.item(LABELS["provenance"], ", ".join(c.provenance))
        page.item(LABELS["destination"], c.destination_country)
        page.item(LABELS["parcels"], str(c.parcels))
        page.item(LABELS["carats"], f"{carats(c.carats)} ct")
        page.item(LABELS["value"], f"US$ {c.value_usd:,.2f}")
        page.item(LABELS["hs"], ", ".join(c.hs_codes))
        for n, line in enumerate(c.lines, start=1):
            page.text(
                f"{n}. HS {line.hs_code}   {carats(line.carats)} ct   "
                f"US$ {line.value_usd:,.2f}   origin {line.origin}",
                size=8,
                x=MARGIN + 6,
            )
        page.y -= 3
        page.item(LABELS["licence"], c.export_licence_no)
        if c.replaces:
            page.item(LABELS["replaces"], c.replaces)
        validated = f"{c.validation.officer}, {c.validation.validated_at:%Y-%m-%d %H:%M (UTC%z)}"
        page.item(LABELS["validated"], validated)

    return printed(
        title=f"{TITLE.en} {c.number}",
        link=verification_link(base_url, "certificates", c.number, sha256),
        sha256=sha256,
        body=body,
    )
