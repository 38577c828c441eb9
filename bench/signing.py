"""Signed, XSD-valid KP certificates per second on one core, beside the raw RSA-2048 signature
rate of ``cryptography`` and signxml's own enveloped signing of the same document, in one run.

    .venv/bin/python -m bench.signing [--seconds S] [--rounds R]

The three are measured in alternating rounds (each for S seconds, R rounds; the median round
of each is reported), so that a noisy neighbour slows them alike. The figure is the ratio of
certificates to raw signatures: what XML building, schema validation, canonicalisation and
digests add to the signature itself. It asserts nothing about time.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from signxml import XMLSigner
from signxml.algorithms import CanonicalizationMethod, DigestAlgorithm, SignatureMethod

from bench.report import load_average, machine_context
from edi import kp_certificate
from edi.pki import DSEDT, DevelopmentPki, load_signer
from schemas.certificate import KpCertificate, Validation
from schemas.shipment import Party, ShipmentLine


def sample() -> KpCertificate:
    """A certificate of the usual size: two HS lines, mixed origin."""
    issued = datetime(2026, 12, 4, 15, 30, tzinfo=timezone(timedelta(hours=8)))
    return KpCertificate(
        number="MO2026000017",
        issued_at=issued,
        expires_on=(issued + timedelta(days=60)).date(),
        exporter=Party(name="Lotus Rough Diamonds Limitada", address="Macau", country="MO"),
        importer=Party(name="Antwerp Rough NV", address="2018 Antwerpen", country="BE"),
        origin="***",
        provenance=["BW", "ZA"],
        destination_country="BE",
        parcels=3,
        lines=[
            ShipmentLine(
                hs_code="7102.10", carats=Decimal("120.50"), value_usd=Decimal("54000"), origin="BW"
            ),
            ShipmentLine(
                hs_code="7102.31", carats=Decimal("80.125"), value_usd=Decimal("36000"), origin="ZA"
            ),
        ],
        export_licence_no="EXP-2026-00031-07",
        validation=Validation(officer="Chan Tai Man", validated_at=issued),
    )


def rate(work: Callable[[], object], seconds: float) -> float:
    """Calls per CPU second of this thread."""
    done, start = 0, time.thread_time()
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        work()
        done += 1
    return done / (time.thread_time() - start)


def measure(
    kinds: dict[str, Callable[[], object]], *, seconds: float, rounds: int
) -> dict[str, list[float]]:
    """Each kind's rate in every round, the kinds alternating within a round (after a short
    warm-up of each: imports, caches, the schemas)."""
    measured: dict[str, list[float]] = {name: [] for name in kinds}
    for work in kinds.values():
        rate(work, 0.2)
    for _ in range(rounds):
        for name, work in kinds.items():
            measured[name].append(rate(work, seconds))
    return measured


def report(
    title: str, run: str, labels: dict[str, str], measured: dict[str, list[float]]
) -> dict[str, float]:
    """Print the machine, the load, the run and each kind's rates; the medians."""
    median = {name: statistics.median(values) for name, values in measured.items()}
    print(f"{title}\n")
    print("\n".join(machine_context()))
    print(f"load      {load_average()} (1/5/15 min averages)")
    print(f"run       {run}")
    print()
    print(f"  {'per CPU second, one thread':<58}{'median':>9}  {'min':>9}  {'max':>9}")
    for name, label in labels.items():
        values = measured[name]
        print(f"  {label:<58}{median[name]:9.1f}  {min(values):9.1f}  {max(values):9.1f}")
    print()
    return median


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.signing", description=__doc__)
    parser.add_argument("--seconds", type=float, default=1.0, help="per round and kind (1)")
    parser.add_argument("--rounds", type=int, default=5, help="rounds of each kind (5)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        pki = DevelopmentPki(Path(folder))
        pki.init()
        signer = load_signer(pki.key(DSEDT), pki.chain(DSEDT))
    assert isinstance(signer.key, rsa.RSAPrivateKey)
    key = signer.key
    issued = sample()
    size = len(kp_certificate.seal(issued, signer).data)
    digest = b"x" * 32

    def raw() -> object:
        return key.sign(digest, padding.PKCS1v15(), hashes.SHA256())

    def ours() -> object:
        return kp_certificate.seal(issued, signer)

    signxml_signer = XMLSigner(
        signature_algorithm=SignatureMethod.RSA_SHA256,
        digest_algorithm=DigestAlgorithm.SHA256,
        c14n_algorithm=CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0,
    )

    def with_signxml() -> object:
        root = kp_certificate.build(issued)
        kp_certificate.FORMAT.validate(root)
        return signxml_signer.sign(root, key=key, cert=signer.chain, reference_uri=root.get("Id"))

    kinds = {"raw": raw, "ours": ours, "signxml": with_signxml}
    median = report(
        "kp-licensing signing (bench.signing)",
        f"{args.rounds} rounds x {args.seconds:.1f} s per kind; certificate {size} bytes",
        {
            "raw": "raw RSA-2048 signature (cryptography)",
            "ours": "certificate built, XSD-validated and signed (edi)",
            "signxml": "the same with signxml's XMLSigner (exc-c14n, SHA-256)",
        },
        measure(kinds, seconds=args.seconds, rounds=args.rounds),
    )
    ratio = median["ours"] / median["raw"]
    print(f"  {'certificates / raw signatures (aim: at least 0.7)':<58}{ratio:9.2f}")
    print(
        f"  {'signxml certificates / raw signatures':<58}{median['signxml'] / median['raw']:9.2f}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
