"""The development PKI (``kp-licensing pki init``): a CA, DSEDT's signing certificate and
customs' certificate, so that everything that signs and verifies runs offline. Production
never uses it: its keys and trust store come from settings (eSignTrust's roots), and
``Settings.check_production`` refuses this CA.

Files, in ``<data folder>/pki``: ``ca.pem`` (the trust store), ``<party>.pem`` (the party's
certificate then the CA's: the chain a signature carries) and ``<party>.key`` (owner-only).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from edi.signer import KeySigner
from kp_licensing.support.private import FILE_MODE, private_folder
from kp_licensing.support.settings import DEV_CA_NAME

#: Marks the development CA, so production can recognise and refuse it.
CA_NAME = DEV_CA_NAME
ORGANISATION = "DSEDT Macao SAR (development)"
#: The parties the service signs as, or checks signatures of.
DSEDT = "dsedt"
CUSTOMS = "customs"
VALIDITY = timedelta(days=3 * 365)


@dataclass(frozen=True)
class Party:
    file: str
    common_name: str


PARTIES = (
    Party(DSEDT, "DSEDT Kimberley Process signing (development)"),
    Party(CUSTOMS, "Macao Customs Service EDI (development)"),
)


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "MO"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, ORGANISATION),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _pem(certificate: x509.Certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.PEM)


def _write_key(path: Path, key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey) -> None:
    data = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    with os.fdopen(fd, "wb") as out:
        out.write(data)


def _certificate(
    subject: x509.Name,
    key: rsa.RSAPrivateKey,
    issuer: tuple[x509.Name, rsa.RSAPrivateKey] | None,
) -> x509.Certificate:
    now = datetime.now(UTC)
    issuer_name, issuer_key = issuer or (subject, key)
    is_ca = issuer is None
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + VALIDITY)
        .add_extension(x509.BasicConstraints(ca=is_ca, path_length=0 if is_ca else None), True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=not is_ca,
                content_commitment=not is_ca,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=is_ca,
                crl_sign=is_ca,
                encipher_only=False,
                decipher_only=False,
            ),
            True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
    )
    if not is_ca:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), False
        ).add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), False)
    return builder.sign(issuer_key, hashes.SHA256())


class DevelopmentPki:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    @property
    def ca(self) -> Path:
        return self.folder / "ca.pem"

    def chain(self, party: str) -> Path:
        return self.folder / f"{party}.pem"

    def key(self, party: str) -> Path:
        return self.folder / f"{party}.key"

    def exists(self) -> bool:
        return self.ca.exists() and all(
            self.chain(p.file).exists() and self.key(p.file).exists() for p in PARTIES
        )

    def init(self, *, force: bool = False) -> bool:
        """Make the CA and every party's key and certificate; False (nothing touched) if they
        are there already, unless ``force``: new keys then, and every earlier signature stops
        verifying against the new CA."""
        if self.exists() and not force:
            return False
        private_folder(self.folder)
        ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        ca = _certificate(_name(CA_NAME), ca_key, None)
        _write_key(self.folder / "ca.key", ca_key)
        for party in PARTIES:
            key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            certificate = _certificate(_name(party.common_name), key, (ca.subject, ca_key))
            _write_key(self.key(party.file), key)
            self.chain(party.file).write_bytes(_pem(certificate) + _pem(ca))
        self.ca.write_bytes(_pem(ca))  # last: its presence says the rest is there
        return True


def load_signer(key_path: Path, chain_path: Path) -> KeySigner:
    """A signer from a PEM key file and its PEM chain (its own certificate first)."""
    key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise ValueError(f"{key_path}: an RSA or EC key is needed")
    return KeySigner(key=key, chain=x509.load_pem_x509_certificates(chain_path.read_bytes()))
