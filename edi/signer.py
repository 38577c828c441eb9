"""What signs: a key that is only ever asked to sign bytes.

DSEDT's key may live in a file (development), on a token, or in eSignTrust's remote signing
service: none of them lets the private key out, so nothing here asks for it. A signer holds its
certificate chain (its own certificate first) and signs with RSA PKCS#1 v1.5 or ECDSA, SHA-256.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

#: XMLDSig algorithm identifiers, by key type.
RSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
ECDSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"


class Signer(Protocol):
    """A key that signs bytes, and the chain that says whose key it is."""

    @property
    def chain(self) -> list[x509.Certificate]: ...

    @property
    def algorithm(self) -> str:
        """The XMLDSig SignatureMethod URI of what :meth:`sign` returns."""
        ...

    def sign(self, data: bytes) -> bytes:
        """The signature value over ``data`` (SHA-256), as XMLDSig encodes it (for ECDSA the
        raw r||s, not DER)."""
        ...


def public_der(key: object) -> bytes:
    """A public key's SubjectPublicKeyInfo, to compare keys of any type."""
    return key.public_bytes(  # type: ignore[attr-defined, no-any-return]
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


@dataclass(frozen=True)
class KeySigner:
    """A signer over a ``cryptography`` private key object: a PEM file's, or any object that
    implements the same interface and keeps its secret (an HSM's, a remote service's); only its
    ``sign`` and ``public_key`` are called."""

    key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
    chain: list[x509.Certificate]

    def __post_init__(self) -> None:
        if not self.chain:
            raise ValueError("a signer needs its certificate")
        if public_der(self.chain[0].public_key()) != public_der(self.key.public_key()):
            raise ValueError("the certificate is not the key's")

    @property
    def algorithm(self) -> str:
        return RSA_SHA256 if isinstance(self.key, rsa.RSAPrivateKey) else ECDSA_SHA256

    def sign(self, data: bytes) -> bytes:
        if isinstance(self.key, rsa.RSAPrivateKey):
            return self.key.sign(data, padding.PKCS1v15(), hashes.SHA256())
        der = self.key.sign(data, ec.ECDSA(hashes.SHA256()))
        r, s = decode_dss_signature(der)
        size = (self.key.curve.key_size + 7) // 8
        return r.to_bytes(size, "big") + s.to_bytes(size, "big")
