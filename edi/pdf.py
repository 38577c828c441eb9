"""Printing the service's documents: A4 pages with text in English, Chinese and Portuguese
(Chinese in a font shipped with the service and embedded per document), and, at the foot of the
last page, the document's SHA-256 and a QR code linking to its verification (by number and
hash): the signed XML is the document; the page is its rendering, and the QR code lets anyone
holding the paper check it against what Macao issued."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from importlib import resources

import segno
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from schemas.certificate import ISSUING_AUTHORITY, Multilingual

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


class Page:
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

    def item(self, names: Multilingual, value: str) -> None:
        """One labelled row: the label in the three languages, then the value."""
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


#: The label every document's issuing authority is printed under.
AUTHORITY_LABEL = Multilingual(en="Issuing authority", zh="簽發機關", pt="Entidade emissora")


def verification_link(base_url: str, kind: str, number: str, sha256: str) -> str:
    """What the QR code says: where anyone checks this document (``kind``: ``certificates``,
    ``licences``) by its number and hash."""
    return f"{base_url.rstrip('/')}/api/v1/verify/{kind}/{number}?sha256={sha256}"


def printed(*, title: str, link: str, sha256: str, body: Callable[[Page], None]) -> bytes:
    """A document's pages as PDF bytes: ``body`` writes its content; the foot of the last page
    carries the hash, the verification link and its QR code."""
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=A4, invariant=True)
    canvas.setTitle(title)
    canvas.setAuthor(ISSUING_AUTHORITY.en)
    body(Page(canvas))
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
