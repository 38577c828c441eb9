"""The KP certificate as signed XML: every Annex I item in the schema's shape, valid before it
is signed, accepted by xmlsec1, and read back into the same model."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from edi import kp_certificate, xmldsig
from edi.documents import InvalidDocument
from edi.pki import DevelopmentPki
from edi.signer import KeySigner
from schemas.certificate import KpCertificate, Validation
from schemas.shipment import Party, ShipmentLine
from tests.edi.conftest import xmlsec1_verify

MACAO_TIME = timezone(timedelta(hours=8))
ROOT = f"{kp_certificate.FORMAT.namespace}:KPCertificate"


def certificate(**changes: Any) -> KpCertificate:
    issued = datetime(2026, 12, 4, 15, 30, tzinfo=MACAO_TIME)
    fields: dict[str, Any] = {
        "number": "MO2026000017",
        "issued_at": issued,
        "expires_on": (issued + timedelta(days=60)).date(),
        "exporter": Party(
            name="Lotus Rough Diamonds Limitada",
            address="Av. da Praia Grande 409, Macau",
            country="MO",
        ),
        "importer": Party(
            name="Antwerp Rough NV", address="Hoveniersstraat 2, 2018 Antwerpen", country="BE"
        ),
        "origin": "***",
        "provenance": ["BW", "ZA"],
        "destination_country": "BE",
        "parcels": 3,
        "lines": [
            ShipmentLine(
                hs_code="7102.10", carats=Decimal("120.5"), value_usd=Decimal("54000"), origin="BW"
            ),
            ShipmentLine(
                hs_code="7102.31",
                carats=Decimal("80.125"),
                value_usd=Decimal("36000.50"),
                origin="ZA",
            ),
        ],
        "export_licence_no": "EXP-2026-00031-07",
        "validation": Validation(officer="陳大文 Chan Tai Man", validated_at=issued),
    }
    return KpCertificate(**{**fields, **changes})


def test_a_signed_certificate_verifies_with_xmlsec1_and_reads_back_the_same(
    tmp_path: Path, pki: DevelopmentPki, dsedt: KeySigner
) -> None:
    issued = certificate()
    signed = kp_certificate.seal(issued, dsedt)
    path = tmp_path / "certificate.xml"
    path.write_bytes(signed.data)
    done = xmlsec1_verify(path, trusted=pki.ca, root=ROOT)
    assert done.returncode == 0, done.stderr
    verified = xmldsig.verify(signed.data, trust_store=pki.ca)
    assert kp_certificate.parse(verified.root) == issued


def test_every_annex_one_item_is_in_the_document(dsedt: KeySigner) -> None:
    root = etree.fromstring(kp_certificate.seal(certificate(), dsedt).data)
    ns = {"kpc": kp_certificate.FORMAT.namespace}

    def texts(path: str) -> list[str]:
        return [e.text or "" for e in root.iterfind(path, ns)]

    assert texts("kpc:Header/kpc:Title") == [
        "Kimberley Process Certificate",
        "金伯利進程證書",
        "Certificado do Processo de Kimberley",
    ]  # 1, in English with Chinese and Portuguese
    assert "Kimberley Process Certification Scheme" in texts("kpc:Header/kpc:Statement")[0]
    assert texts("kpc:Consignment/kpc:OriginCountry") == ["***"]  # 2
    assert texts("kpc:Consignment/kpc:ProvenanceCountry") == ["BW", "ZA"]
    assert texts("kpc:Header/kpc:Number") == ["MO2026000017"]  # 3
    assert texts("kpc:Header/kpc:IssueDateTime") == ["2026-12-04T15:30:00+08:00"]  # 4
    assert texts("kpc:Header/kpc:ExpiryDate") == ["2027-02-02"]  # 5
    assert "DSEDT" in texts("kpc:Header/kpc:IssuingAuthority/kpc:Name")[0]  # 6
    assert texts("kpc:Consignment/kpc:Importer/kpc:Name") == ["Antwerp Rough NV"]  # 7
    assert texts("kpc:Consignment/kpc:TotalCarats") == ["200.625"]  # 8
    assert texts("kpc:Consignment/kpc:LineItem/kpc:Carats") == ["120.50", "80.125"]
    assert texts("kpc:Consignment/kpc:TotalValue") == ["90000.50"]  # 9
    assert texts("kpc:Consignment/kpc:ParcelCount") == ["3"]  # 10
    assert texts("kpc:Consignment/kpc:LineItem/kpc:HSCode") == ["7102.10", "7102.31"]  # 11
    assert texts("kpc:Validation/kpc:Officer") == ["陳大文 Chan Tai Man"]  # 12
    assert root[-1].tag == f"{{{xmldsig.DS}}}Signature"  # 12: the authority's seal


class CountingSigner:
    def __init__(self, inner: KeySigner) -> None:
        self.inner, self.calls = inner, 0
        self.chain, self.algorithm = inner.chain, inner.algorithm

    def sign(self, data: bytes) -> bytes:
        self.calls += 1
        return self.inner.sign(data)


@pytest.mark.parametrize(
    ("changes", "says"),
    [
        ({"number": "mo-2026-17"}, "Number"),
        (
            {
                "lines": [
                    ShipmentLine(
                        hs_code="7103.10", carats=Decimal("1"), value_usd=Decimal("1"), origin="BW"
                    )
                ]
            },
            "HSCode",
        ),
    ],
)
def test_a_document_its_schema_refuses_is_never_signed(
    dsedt: KeySigner, changes: dict[str, Any], says: str
) -> None:
    signer = CountingSigner(dsedt)
    with pytest.raises(InvalidDocument, match=says):
        kp_certificate.seal(certificate(**changes), signer)
    assert signer.calls == 0


def test_the_stored_bytes_and_their_hash_are_what_was_signed(dsedt: KeySigner) -> None:
    import hashlib

    signed = kp_certificate.seal(certificate(), dsedt)
    assert signed.sha256 == hashlib.sha256(signed.data).hexdigest()
    assert signed.data.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')


def test_mixed_origin_needs_its_provenance() -> None:
    with pytest.raises(ValueError, match="provenance"):
        certificate(provenance=[])
    assert certificate(origin="BW", provenance=[]).origin == "BW"


AWKWARD = [
    "A & B \"Quoted\" <Trading> 'Co'",
    "Tab\tinside and trailing > sign",
    "Ünïcödé 澳門 Ação 💎 \U0001d518",
    "]]> and &amp; literally",
    "line one\nline two",
    "carriage\rreturn",
    "both\r\nends",
]


@pytest.mark.parametrize("name", AWKWARD)
def test_the_text_is_written_canonical_so_it_is_signed_as_written(
    name: str, tmp_path: Path, pki: DevelopmentPki, dsedt: KeySigner
) -> None:
    """The builder's text is the exclusive canonical form of what it parses to (so signing
    need not serialise it again), whatever a name holds; a carriage return, which parsing
    normalises, is signed from the tree instead. Either way the signature verifies, with
    xmlsec1 too, and reads back the same."""
    issued = certificate(importer=Party(name=name, address=name, country="BE"))
    text = kp_certificate.build_text(issued)
    canonical = etree.tostring(
        etree.fromstring(text, kp_certificate._PARSER), method="c14n", exclusive=True
    )
    assert (text == canonical) == ("\r" not in name)
    signed = kp_certificate.seal(issued, dsedt)
    path = tmp_path / "certificate.xml"
    path.write_bytes(signed.data)
    assert xmlsec1_verify(path, trusted=pki.ca, root=ROOT).returncode == 0
    verified = xmldsig.verify(signed.data, trust_store=pki.ca)
    read = kp_certificate.parse(verified.root)
    assert read.importer.name == name.replace("\r\n", "\n").replace("\r", "\n").strip()
