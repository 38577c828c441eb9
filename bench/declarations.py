"""Customs declarations per CPU second on one core: signed (built, XSD-validated, signed), with
its CUSDEC rendered too, and verified as customs verifies it, beside the raw RSA-2048
signature rate of ``cryptography`` measured in the same run.

    .venv/bin/python -m bench.declarations [--seconds S] [--rounds R]

Measured in alternating rounds (each for S seconds, R rounds; the median round of each is
reported), so that a noisy neighbour slows them alike. The figures are the ratios to the raw
signature: what XML building, schema validation, canonicalisation, digests and EDIFACT add to
the signature itself. It asserts nothing about time.
"""

from __future__ import annotations

import argparse
import tempfile
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from bench.signing import measure, report
from edi import cusdec, customs_xml, xmldsig
from edi.pki import DSEDT, DevelopmentPki, load_signer
from schemas.customs import (
    CertificateRole,
    CustomsDeclaration,
    DeclaredCertificate,
    MessageFunction,
)
from schemas.shipment import Party, PermitKind, ShipmentLine


def sample() -> CustomsDeclaration:
    """An export of the usual size: two HS lines, its certificate and one drawn on."""
    macao = Party(
        name="Lotus Rough Diamonds Limitada", address="Av. da Praia Grande 409", country="MO"
    )
    return CustomsDeclaration(
        message_id="DQ4M7ZK2X5A3BC",
        function=MessageFunction.original,
        version=1,
        issued_at=datetime(2026, 12, 4, 7, 30, tzinfo=UTC),
        sender="DSEDT",
        recipient="MOCUSTOMS",
        kind=PermitKind.export,
        case_no="PA-2026-00017",
        permit_no="EL-2026-00017-42",
        valid_from=date(2026, 12, 4),
        valid_until=date(2027, 1, 2),
        holder=macao,
        operating_licence_no="OL-2026-0003-97",
        consignor=macao,
        consignee=Party(name="Antwerp Rough NV", address="Hoveniersstraat 2", country="BE"),
        dispatch_country="MO",
        destination_country="BE",
        lines=[
            ShipmentLine(
                hs_code="7102.10", carats=Decimal("120.50"), value_usd=Decimal("54000"), origin="BW"
            ),
            ShipmentLine(
                hs_code="7102.31", carats=Decimal("80.125"), value_usd=Decimal("36000"), origin="ZA"
            ),
        ],
        parcels=3,
        containers=["MSKU7730121"],
        seals=["KP-S-5501", "KP-S-5502"],
        certificates=[
            DeclaredCertificate(
                role=CertificateRole.travels_under, issuing_country="MO", number="MO2026000017"
            ),
            DeclaredCertificate(
                role=CertificateRole.drawn_on,
                issuing_country="AE",
                number="AE123456789",
                carats=Decimal("200.625"),
            ),
        ],
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.declarations", description=__doc__)
    parser.add_argument("--seconds", type=float, default=1.0, help="per round and kind (1)")
    parser.add_argument("--rounds", type=int, default=5, help="rounds of each kind (5)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        pki = DevelopmentPki(Path(folder))
        pki.init()
        signer = load_signer(pki.key(DSEDT), pki.chain(DSEDT))
        trust_store = pki.ca.read_bytes()
    assert isinstance(signer.key, rsa.RSAPrivateKey)
    key = signer.key
    declared = sample()
    signed = customs_xml.DECLARATION_FORMAT.seal(customs_xml.build_declaration(declared), signer)
    digest = b"x" * 32

    def raw() -> object:
        return key.sign(digest, padding.PKCS1v15(), hashes.SHA256())

    def sign() -> object:
        return customs_xml.DECLARATION_FORMAT.seal(customs_xml.build_declaration(declared), signer)

    def sign_and_render() -> object:
        return sign(), cusdec.render(declared)

    with tempfile.NamedTemporaryFile(suffix=".pem") as ca:
        ca.write(trust_store)
        ca.flush()

        def verify() -> object:
            verified = xmldsig.verify(signed.data, trust_store=Path(ca.name))
            return customs_xml.parse_declaration_element(verified.root)

        kinds = {"raw": raw, "sign": sign, "both": sign_and_render, "verify": verify}
        measured = measure(kinds, seconds=args.seconds, rounds=args.rounds)
    median = report(
        "kp-licensing customs declarations (bench.declarations)",
        f"{args.rounds} rounds x {args.seconds:.1f} s per kind; declaration "
        f"{len(signed.data)} bytes signed, {len(cusdec.render(declared))} as CUSDEC",
        {
            "raw": "raw RSA-2048 signature (cryptography)",
            "sign": "declaration built, XSD-validated and signed",
            "both": "the same, and its CUSDEC rendered",
            "verify": "declaration verified (trust store) and read",
        },
        measured,
    )
    for name, label in (
        ("sign", "signed declarations / raw signatures"),
        ("both", "signed and rendered / raw signatures"),
        ("verify", "verifications / raw signatures"),
    ):
        print(f"  {label:<58}{median[name] / median['raw']:9.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
