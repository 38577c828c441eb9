"""The operating licence for printing (``edi/pdf.py``): the holder, the activities it covers and
its validity in English, Chinese and Portuguese, with the hash of its signed document and a QR
code linking to its verification (which also says whether it is still in force)."""

from __future__ import annotations

from edi.licence_document import TITLE, OperatingLicenceDocument
from edi.pdf import AUTHORITY_LABEL, Page, printed, verification_link
from schemas.certificate import ISSUING_AUTHORITY, Multilingual

LABELS = {
    "number": Multilingual(en="Licence number", zh="准照編號", pt="Número da licença"),
    "authority": AUTHORITY_LABEL,
    "holder": Multilingual(en="Holder", zh="持有人", pt="Titular"),
    "registration": Multilingual(
        en="Business registration number", zh="商業登記編號", pt="Número de registo comercial"
    ),
    "address": Multilingual(en="Establishment", zh="營業地址", pt="Estabelecimento"),
    "activities": Multilingual(en="Activities covered", zh="經營活動", pt="Actividades abrangidas"),
    "valid_from": Multilingual(en="Valid from", zh="有效期由", pt="Válida desde"),
    "valid_until": Multilingual(en="Valid until", zh="有效期至", pt="Válida até"),
}
ACTIVITIES = {
    "import": Multilingual(en="import", zh="進口", pt="importação"),
    "export": Multilingual(en="export", zh="出口", pt="exportação"),
    "transit": Multilingual(en="transit", zh="轉運", pt="trânsito"),
    "purchase": Multilingual(en="purchase", zh="購買", pt="compra"),
    "sale": Multilingual(en="sale", zh="銷售", pt="venda"),
    "transport": Multilingual(en="transport", zh="運輸", pt="transporte"),
}


def render(licence: OperatingLicenceDocument, *, sha256: str, base_url: str) -> bytes:
    def body(page: Page) -> None:
        page.multilingual(TITLE, size=16, bold=True)
        page.y -= 8
        page.item(LABELS["number"], licence.licence_no)
        page.item(LABELS["authority"], ISSUING_AUTHORITY.en)
        page.item(LABELS["holder"], licence.holder)
        page.item(LABELS["registration"], licence.registration_no)
        page.item(LABELS["address"], licence.address)
        covered = (ACTIVITIES[activity] for activity in licence.activities)
        page.item(LABELS["activities"], "; ".join(f"{a.en} / {a.zh} / {a.pt}" for a in covered))
        page.item(LABELS["valid_from"], licence.valid_from.isoformat())
        page.item(LABELS["valid_until"], licence.valid_until.isoformat())

    return printed(
        title=f"{TITLE.en} {licence.licence_no}",
        link=verification_link(base_url, "licences", licence.licence_no, sha256),
        sha256=sha256,
        body=body,
    )
