"""The KP certificate for printing: every Annex I item in English with Chinese and Portuguese
alongside, the number, the document's SHA-256, and a QR code that links to its verification
(by number and hash). The signed XML is the certificate; this page is its rendering, and the QR
code lets anyone holding the paper check it against what Macao issued."""

from __future__ import annotations

import io
from collections.abc import Iterable
from decimal import Decimal
from importlib import resources

import segno
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from schemas.certificate import ISSUING_AUTHORITY, STATEMENT, TITLE, KpCertificate, Multilingual

#: Chinese text, in a font shipped with the service and embedded (the glyphs a document uses)
#: in each PDF: a font the reader is expected to have comes out as the wrong characters in many
#: readers. See fonts/NOTICE.
CHINESE = "DroidSansFallback"
LATIN = "Helvetica"
LATIN_BOLD = "Helvetica-Bold"
with resources.as_file(resources.files("edi") / "fonts" / "DroidSansFallbackFull.ttf") as _font:
    pdfmetrics.registerFont(TTFont(CHINESE, str(_font)))

MARGIN = 18 * mm
WIDTH, HEIGHT = A4
#: Kept free at the foot of every page for the QR code, the hash and the link (drawn on the
#: last page): content that reaches it goes on to a new page.
FOOTER = MARGIN + 46 * mm

#: The labels of the items, in the three languages.
LABELS = {
    "number": Multilingual(en="Certificate number", zh="證書編號", pt="Número do certificado"),
    "issued": Multilingual(en="Date of issue", zh="簽發日期", pt="Data de emissão"),
    "expires": Multilingual(en="Date of expiry", zh="有效期至", pt="Data de validade"),
    "authority": Multilingual(en="Issuing authority", zh="簽發機關", pt="Entidade emissora"),
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


def verification_link(base_url: str, number: str, sha256: str) -> str:
    """What the QR code says: where anyone checks this certificate and this document."""
    return f"{base_url.rstrip('/')}/api/v1/verify/certificates/{number}?sha256={sha256}"


def _latin(text: str) -> bool:
    """Whether the standard (Latin-1) fonts have every character of ``text``."""
    return all(ord(c) < 256 for c in text)


def _wrap(text: str, font: str, size: float, width: float) -> list[str]:
    """``text`` in lines no wider than ``width`` (by words; Chinese, which has no spaces, by
    characters)."""
    lines: list[str] = []
    current = ""
    units: Iterable[str] = text.split(" ") if " " in text else list(text)
    joiner = " " if " " in text else ""
    for unit in units:
        candidate = f"{current}{joiner}{unit}" if current else unit
        if pdfmetrics.stringWidth(candidate, font, size) <= width:
            current = candidate
        else:
            lines.append(current)
            current = unit
    return [*lines, current] if current else lines


class _Page:
    def __init__(self, canvas: Canvas) -> None:
        self.canvas = canvas
        self.y = HEIGHT - MARGIN

    def room(self, height: float) -> None:
        """Go on to a new page unless ``height`` more fits above the footer."""
        if self.y - height < FOOTER:
            self.canvas.showPage()
            self.y = HEIGHT - MARGIN

    def text(self, text: str, *, font: str = LATIN, size: float = 9, x: float = MARGIN) -> None:
        if font != CHINESE and not _latin(text):  # a name or an address in Chinese
            font = CHINESE
        for line in _wrap(text, font, size, WIDTH - x - MARGIN):
            self.room(size * 1.35)
            self.canvas.setFont(font, size)
            self.canvas.drawString(x, self.y, line)
            self.y -= size * 1.35

    def multilingual(self, text: Multilingual, *, size: float = 9, bold: bool = False) -> None:
        self.text(text.en, font=LATIN_BOLD if bold else LATIN, size=size)
        self.text(text.zh, font=CHINESE, size=size)
        self.text(text.pt, size=size)

    def item(self, label: str, value: str) -> None:
        """One labelled row: the label in the three languages, then the value."""
        names = LABELS[label]
        self.room(11 + 14)  # the label and a first line of its value stay together
        self.canvas.setFont(LATIN_BOLD, 8)
        self.canvas.drawString(MARGIN, self.y, names.en)
        width = pdfmetrics.stringWidth(names.en, LATIN_BOLD, 8)
        self.canvas.setFont(CHINESE, 8)
        self.canvas.drawString(MARGIN + width + 4, self.y, names.zh)
        width += 4 + pdfmetrics.stringWidth(names.zh, CHINESE, 8)
        self.canvas.setFont(LATIN, 8)
        self.canvas.drawString(MARGIN + width + 4, self.y, names.pt)
        self.y -= 11
        self.text(value, size=10, x=MARGIN + 6)
        self.y -= 3


def _carats(value: Decimal) -> str:
    return f"{value:,.2f}" if value == value.quantize(Decimal("0.01")) else f"{value:,.3f}"


def render(certificate: KpCertificate, *, sha256: str, base_url: str) -> bytes:
    """The certificate's page as PDF bytes."""
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=A4, invariant=True)
    canvas.setTitle(f"{TITLE.en} {certificate.number}")
    canvas.setAuthor(ISSUING_AUTHORITY.en)
    page = _Page(canvas)
    page.multilingual(TITLE, size=16, bold=True)
    page.y -= 4
    page.multilingual(STATEMENT, size=8)
    page.y -= 6
    c = certificate
    page.item("number", c.number)
    page.item("issued", c.issued_at.strftime("%Y-%m-%d %H:%M (UTC%z)"))
    page.item("expires", c.expires_on.isoformat())
    page.item("authority", ISSUING_AUTHORITY.en)
    page.item("exporter", f"{c.exporter.name}, {c.exporter.address} ({c.exporter.country})")
    page.item("importer", f"{c.importer.name}, {c.importer.address} ({c.importer.country})")
    page.item("origin", c.origin)
    if c.provenance:
        page.item("provenance", ", ".join(c.provenance))
    page.item("destination", c.destination_country)
    page.item("parcels", str(c.parcels))
    page.item("carats", f"{_carats(c.carats)} ct")
    page.item("value", f"US$ {c.value_usd:,.2f}")
    page.item("hs", ", ".join(c.hs_codes))
    for n, line in enumerate(c.lines, start=1):
        page.text(
            f"{n}. HS {line.hs_code}   {_carats(line.carats)} ct   US$ {line.value_usd:,.2f}   "
            f"origin {line.origin}",
            size=8,
            x=MARGIN + 6,
        )
    page.y -= 3
    page.item("licence", c.export_licence_no)
    if c.replaces:
        page.item("replaces", c.replaces)
    page.item("validated", f"{c.validation.officer}, {c.validation.validated_at:%Y-%m-%d %H:%M}")
    link = verification_link(base_url, c.number, sha256)
    size = 42 * mm
    _qr(canvas, link, x=WIDTH - MARGIN - size, y=MARGIN + 14 * mm, size=size)
    canvas.setFont(LATIN, 7)
    canvas.drawString(MARGIN, MARGIN + 8 * mm, "Digitally signed by DSEDT (XMLDSig). SHA-256:")
    canvas.drawString(MARGIN, MARGIN + 4 * mm, sha256)
    canvas.drawString(MARGIN, MARGIN, link)
    canvas.showPage()
    canvas.save()
    return out.getvalue()


def _qr(canvas: Canvas, text: str, *, x: float, y: float, size: float) -> None:
    """The QR code as vector squares (sharp at any print size), with its quiet zone."""
    code = segno.make(text, error="m")
    matrix = list(code.matrix_iter(scale=1, border=4))
    module = size / len(matrix)
    canvas.setFillColorRGB(0, 0, 0)
    for row, cells in enumerate(matrix):
        for column, dark in enumerate(cells):
            if dark:
                canvas.rect(
                    x + column * module,
                    y + size - (row + 1) * module,
                    module,
                    module,
                    stroke=0,
                    fill=1,
                )
