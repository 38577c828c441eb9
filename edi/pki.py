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
from kp_licensing.support.settings import CUSTOMS_OFFICE, DEV_CA_NAME

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
    #: The subject's serialNumber: the code by which a signature is matched to the party that
    #: should have made it (a customs office's code on the EDI network).
    serial_number: str | None = None


def parties(customs_office: str) -> tuple[Party, ...]:
    return (
        Party(DSEDT, "DSEDT Kimberley Process signing (development)"),
        Party(CUSTOMS, "Macao Customs Service EDI (development)", customs_office),
    )


def _name(common_name: str, serial_number: str | None = None) -> x509.Name:
    attributes = [
        x509.NameAttribute(NameOID.COUNTRY_NAME, "MO"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, ORGANISATION),
    ]
    if serial_number is not None:
        attributes.append(x509.NameAttribute(NameOID.SERIAL_NUMBER, serial_number))
    attributes.append(x509.NameAttribute(NameOID.COMMON_NAME, common_name))
    return x509.Name(attributes)


def representative_name(registration_no: str, operator: str, person: str) -> x509.Name:
    """Whom an operator's signing certificate names: the person, the operator, and (as the
    subject's serial number) the operator's business registration number, by which a signature
    is matched to the operator that should have made it."""
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "MO"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, operator),
            x509.NameAttribute(NameOID.SERIAL_NUMBER, registration_no),
            x509.NameAttribute(NameOID.COMMON_NAME, person),
        ]
    )


def _pem(certificate: x509.Certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.PEM)


def _write_key(path: Path, key: PrivateKey) -> None:
    data = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    with os.fdopen(fd, "wb") as out:
        out.write(data)


PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey


@dataclass(frozen=True)
class Issuer:
    certificate: x509.Certificate
    key: PrivateKey


def issue(
    common_name: str | x509.Name,
    key: PrivateKey,
    issuer: Issuer | None,
    *,
    usage: x509.ObjectIdentifier = ExtendedKeyUsageOID.CLIENT_AUTH,
    dns_names: tuple[str, ...] = (),
) -> x509.Certificate:
    """A certificate for ``key``: a CA's own (``issuer`` None), or one ``issuer`` signs for a
    signer (client authentication; or another ``usage``, with ``dns_names`` for a server)."""
    now = datetime.now(UTC)
    subject = _name(common_name) if isinstance(common_name, str) else common_name
    is_ca = issuer is None
    issuer_name, issuer_key = (
        (subject, key)
        if issuer is None
        else (
            issuer.certificate.subject,
            issuer.key,
        )
    )
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
        ).add_extension(x509.ExtendedKeyUsage([usage]), False)
    if dns_names:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.DNSName(n) for n in dns_names]), False
        )
    return builder.sign(issuer_key, hashes.SHA256())


class DevelopmentPki:
    def __init__(self, folder: Path, *, customs_office: str = CUSTOMS_OFFICE) -> None:
        self.folder = folder
        self.parties = parties(customs_office)

    @property
    def ca(self) -> Path:
        return self.folder / "ca.pem"

    def chain(self, party: str) -> Path:
        return self.folder / f"{party}.pem"

    def key(self, party: str) -> Path:
        return self.folder / f"{party}.key"

    def issuer(self) -> Issuer:
        """The development CA, to issue further certificates (an operator's representative)."""
        return Issuer(
            certificate=x509.load_pem_x509_certificate(self.ca.read_bytes()),
            key=load_key(self.folder / "ca.key"),
        )

    def operator(self, registration_no: str, operator: str, person: str) -> tuple[Path, Path]:
        """A key and certificate for a representative of an operator (as eSignTrust issues
        them in production), in ``operators/``: the key's path and the chain's."""
        folder = private_folder(self.folder / "operators")
        stem = f"{registration_no}-{''.join(c if c.isalnum() else '-' for c in person.lower())}"
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        issuer = self.issuer()
        certificate = issue(representative_name(registration_no, operator, person), key, issuer)
        _write_key(folder / f"{stem}.key", key)
        (folder / f"{stem}.pem").write_bytes(_pem(certificate) + _pem(issuer.certificate))
        return folder / f"{stem}.key", folder / f"{stem}.pem"

    def _current(self, party: Party) -> bool:
        """The party's key and certificate are there, and the certificate names it as this
        version of the service names it (a customs certificate made before customs' code was
        in it is made again)."""
        if not (self.chain(party.file).exists() and self.key(party.file).exists()):
            return False
        subject = x509.load_pem_x509_certificates(self.chain(party.file).read_bytes())[0].subject
        return subject == _name(party.common_name, party.serial_number)

    def exists(self) -> bool:
        return self.ca.exists() and all(self._current(p) for p in self.parties)

    def init(self, *, force: bool = False) -> bool:
        """Make what is missing: the CA (and then every party's key and certificate), or a
        party's certificate that is missing or out of date, issued by the CA there is, so that
        what was signed before still verifies; False if nothing was missing. ``force``: a new
        CA and new keys, and every earlier signature stops verifying."""
        if self.exists() and not force:
            return False
        private_folder(self.folder)
        if force or not (self.ca.exists() and (self.folder / "ca.key").exists()):
            ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            issuer, wanted = Issuer(issue(CA_NAME, ca_key, None), ca_key), self.parties
            _write_key(self.folder / "ca.key", ca_key)
        else:
            issuer = self.issuer()
            wanted = tuple(p for p in self.parties if not self._current(p))
        for party in wanted:
            key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            certificate = issue(_name(party.common_name, party.serial_number), key, issuer)
            _write_key(self.key(party.file), key)
            self.chain(party.file).write_bytes(_pem(certificate) + _pem(issuer.certificate))
        self.ca.write_bytes(_pem(issuer.certificate))  # last: its presence says the rest is there
        return True


def load_key(path: Path) -> PrivateKey:
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise ValueError(f"{path}: an RSA or EC key is needed")
    return key


def load_signer(key_path: Path, chain_path: Path) -> KeySigner:
    """A signer from a PEM key file and its PEM chain (its own certificate first)."""
    chain = x509.load_pem_x509_certificates(chain_path.read_bytes())
    return KeySigner(key=load_key(key_path), chain=chain)
