"""The public verification page: what a person sees checking a Macao KP certificate by number
(and the hash its QR code carries), or by uploading its signed document. The same answers as the
verification API, as a small server-rendered page that runs no script and loads nothing: it
works on any phone that scans the QR code. (The portal of the next issue will carry it in its
own templates and languages; the verdict is already said in the request's language.)"""

from __future__ import annotations

from html import escape

from fastapi.responses import HTMLResponse

from kp_licensing.api.language import LOCALE
from kp_licensing.support.catalogue import render
from schemas.certificate import CertificateVerification, Multilingual

#: The page may use its own inline style and post its form to itself; nothing else.
PAGE_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
TITLE = Multilingual(
    en="Verify a Macao KP certificate",
    zh="核實澳門金伯利進程證書",
    pt="Verificar certificado KP de Macau",
)
LABELS = {
    "number": Multilingual(en="Certificate number", zh="證書編號", pt="Número do certificado"),
    "sha256": Multilingual(en="Document hash (SHA-256)", zh="文件雜湊值", pt="Hash do documento"),
    "file": Multilingual(
        en="Or its signed XML document", zh="或其簽署的 XML 文件", pt="Ou o documento XML assinado"
    ),
    "check": Multilingual(en="Verify", zh="核實", pt="Verificar"),
    "status": Multilingual(en="Status", zh="狀態", pt="Estado"),
    "issued": Multilingual(en="Issued", zh="簽發日期", pt="Emitido"),
    "expires": Multilingual(en="Expires", zh="有效期至", pt="Validade"),
    "replaces": Multilingual(en="Replaces", zh="取代", pt="Substitui"),
    "replaced_by": Multilingual(en="Replaced by", zh="被取代為", pt="Substituído por"),
    "exporter": Multilingual(en="Exporter", zh="出口商", pt="Exportador"),
    "importer": Multilingual(en="Importer", zh="進口商", pt="Importador"),
    "origin": Multilingual(en="Origin", zh="原產國", pt="Origem"),
    "destination": Multilingual(en="Destination", zh="目的地", pt="Destino"),
    "parcels": Multilingual(en="Parcels", zh="包裹數目", pt="Volumes"),
    "carats": Multilingual(en="Carats", zh="克拉", pt="Quilates"),
    "value": Multilingual(en="Value (US$)", zh="價值 (美元)", pt="Valor (USD)"),
    "hs": Multilingual(en="HS codes", zh="海關編碼", pt="Códigos SH"),
}
STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:40rem;margin:1rem auto;padding:0 1rem;"
    "line-height:1.5;color:#111}label{display:block;margin-top:.75rem;font-weight:600}"
    "input{width:100%;padding:.5rem;font-size:1rem;box-sizing:border-box}"
    "button{margin-top:1rem;padding:.6rem 1.2rem;font-size:1rem}"
    ".ok{border-left:6px solid #0a6b2d;padding:.5rem 1rem;background:#eef8f0}"
    ".bad{border-left:6px solid #a4161a;padding:.5rem 1rem;background:#fbeeee}"
    "dt{font-weight:600}dd{margin:0 0 .5rem 0}"
)


def _label(key: str) -> str:
    text = LABELS[key]
    return f"{escape(text.en)} · {escape(text.zh)} · {escape(text.pt)}"


def page(
    answer: CertificateVerification | None, *, number: str = "", sha256: str = ""
) -> HTMLResponse:
    """The form, and the answer to what it was last given (if anything)."""
    title = f"{escape(TITLE.en)} · {escape(TITLE.zh)} · {escape(TITLE.pt)}"
    html = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        f"<title>{escape(TITLE.en)}</title><style>{STYLE}</style></head><body>",
        f"<h1>{title}</h1>",
    ]
    if answer is not None:
        html.append(_answer(answer))
    html += [
        "<form method='get' action='/verify'>",
        f"<label for='number'>{_label('number')}</label>",
        f"<input id='number' name='number' required maxlength='64' value='{escape(number)}'>",
        f"<label for='sha256'>{_label('sha256')}</label>",
        f"<input id='sha256' name='sha256' maxlength='64' value='{escape(sha256)}'>",
        f"<button type='submit'>{_label('check')}</button></form>",
        "<form method='post' action='/verify' enctype='multipart/form-data'>",
        f"<label for='document'>{_label('file')}</label>",
        "<input id='document' name='document' type='file' accept='.xml,application/xml' required>",
        f"<button type='submit'>{_label('check')}</button></form>",
        "</body></html>",
    ]
    return HTMLResponse("".join(html), headers={"Content-Security-Policy": PAGE_POLICY})


def _answer(answer: CertificateVerification) -> str:
    verdict = escape(render(answer.verdict, LOCALE.get()))
    good = answer.genuine and answer.status is not None and answer.status.value == "valid"
    rows: list[tuple[str, str]] = []
    if answer.status is not None:
        rows.append(("status", answer.status.value))
    for key, value in (
        ("issued", answer.issued_on),
        ("expires", answer.expires_on),
        ("replaces", answer.replaces),
        ("replaced_by", answer.replaced_by),
    ):
        if value:
            rows.append((key, str(value)))
    if answer.summary is not None:
        s = answer.summary
        rows += [
            ("exporter", s.exporter),
            ("importer", f"{s.importer} ({s.importer_country})"),
            ("origin", s.origin + (f" / {', '.join(s.provenance)}" if s.provenance else "")),
            ("destination", s.destination_country),
            ("parcels", str(s.parcels)),
            ("carats", f"{s.carats:,.2f}"),
            ("value", f"{s.value_usd:,.2f}"),
            ("hs", ", ".join(s.hs_codes)),
        ]
    details = "".join(f"<dt>{_label(k)}</dt><dd>{escape(v)}</dd>" for k, v in rows)
    return (
        f"<section class='{'ok' if good else 'bad'}' role='status'><p><strong>{verdict}"
        f"</strong></p><dl>{details}</dl></section>"
    )
