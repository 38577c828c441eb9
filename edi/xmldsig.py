"""Enveloped XML signatures as ``edi.md`` section 4 says: over the root (``URI="#<root Id>"``),
exclusive canonicalisation, SHA-256, RSA-SHA256 or ECDSA-SHA256, the X.509 chain in
``KeyInfo``; the ``ds:Signature`` the root's last child.

Signing is done here rather than by signxml: the document is canonicalised once, in C, and
``SignedInfo`` is written in canonical form, so a signed document costs little more than the
signature itself (``bench/signing.py``), where signxml's general machinery costs about as much
again. Verification uses signxml (with the hardened parser and the configured
trust store only) and is checked, with the signing, against ``xmlsec1`` in the tests.
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import NameOID
from cryptography.x509.verification import VerificationError
from lxml import etree
from signxml import SignatureConfiguration, SignatureMethod, XMLVerifier
from signxml.algorithms import DigestAlgorithm
from signxml.exceptions import SignXMLException
from signxml.util import X509CertChainVerifier

from edi.signer import Signer, public_der

DS = "http://www.w3.org/2000/09/xmldsig#"
EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"
ENVELOPED = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"
#: What a document from outside may weigh before it is parsed at all.
MAX_DOCUMENT_BYTES = 5 * 1024 * 1024


def hardened_parser() -> etree.XMLParser:
    """No entities resolved, no network, no DTD, no huge trees: an XML bomb or an external
    entity is an error, not a request or a gigabyte."""
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def _c14n(element: etree._Element) -> bytes:
    return etree.tostring(element, method="c14n", exclusive=True, with_comments=False)


#: What an Id may be to be referenced (an xs:ID is an NCName; this keeps to its ASCII part).
ID_PATTERN = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*")
XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'


def _signed_info(algorithm: str, root_id: str, digest: str) -> str:
    """``SignedInfo`` already in its exclusive canonical form (as a verifier will canonicalise
    it, apex of its own node set: ``xmlns:ds`` on it, empty elements as start and end tags),
    so that it is signed as it is written."""
    return (
        f'<ds:SignedInfo xmlns:ds="{DS}">'
        f'<ds:CanonicalizationMethod Algorithm="{EXC_C14N}"></ds:CanonicalizationMethod>'
        f'<ds:SignatureMethod Algorithm="{algorithm}"></ds:SignatureMethod>'
        f'<ds:Reference URI="#{root_id}"><ds:Transforms>'
        f'<ds:Transform Algorithm="{ENVELOPED}"></ds:Transform>'
        f'<ds:Transform Algorithm="{EXC_C14N}"></ds:Transform>'
        f'</ds:Transforms><ds:DigestMethod Algorithm="{SHA256}"></ds:DigestMethod>'
        f"<ds:DigestValue>{digest}</ds:DigestValue></ds:Reference></ds:SignedInfo>"
    )


#: ``KeyInfo`` by chain: (the certificates, by identity, and their element). A certificate's
#: hash costs microseconds per signature, its identity nothing; the cached certificates are
#: kept alive with their entry, so an identity cannot be reused while it is cached.
_KEY_INFOS: dict[tuple[int, ...], tuple[tuple[x509.Certificate, ...], str]] = {}


def _key_info(chain: list[x509.Certificate]) -> str:
    key = tuple(map(id, chain))
    found = _KEY_INFOS.get(key)
    if found is not None and all(a is b for a, b in zip(found[0], chain, strict=True)):
        return found[1]
    certificates = "".join(
        "<ds:X509Certificate>"
        + base64.b64encode(c.public_bytes(serialization.Encoding.DER)).decode()
        + "</ds:X509Certificate>"
        for c in chain
    )
    info = f"<ds:KeyInfo><ds:X509Data>{certificates}</ds:X509Data></ds:KeyInfo>"
    if len(_KEY_INFOS) > 32:
        _KEY_INFOS.clear()
    _KEY_INFOS[key] = (tuple(chain), info)
    return info


def sign(root: etree._Element, signer: Signer, *, canonical: bytes | None = None) -> bytes:
    """The signed document's bytes: ``root`` (which has an ``Id``) in its exclusive canonical
    form with the signature appended as its last child. Store and send exactly these, never a
    re-serialisation. ``root`` itself is left as it was.

    The document is canonicalised once: that form is both what the reference digests (the
    root without its signature, which is what the enveloped-signature transform leaves) and what
    is sent. ``SignedInfo`` is written in canonical form, so it is signed as written.
    ``canonical``: that form already, when the caller wrote the document as canonical text and
    parsed it (``kp_certificate.seal``), so it is not serialised a second time."""
    root_id = root.get("Id") or ""
    if not ID_PATTERN.fullmatch(root_id):
        raise ValueError("the root element needs an Id (an XML name) to be signed")
    body = _c14n(root) if canonical is None else canonical
    digest = base64.b64encode(hashlib.sha256(body).digest()).decode()
    signed_info = _signed_info(signer.algorithm, root_id, digest)
    value = base64.b64encode(signer.sign(signed_info.encode())).decode()
    signature = (
        f'<ds:Signature xmlns:ds="{DS}">{signed_info}'
        f"<ds:SignatureValue>{value}</ds:SignatureValue>{_key_info(signer.chain)}"
        "</ds:Signature>"
    ).encode()
    end = body.rindex(b"</")  # the root's end tag: the signature goes just before it
    return XML_DECLARATION + body[:end] + signature + body[end:]


@dataclass(frozen=True)
class Verified:
    """What a verified document is: the element the signature covers (use only this, never a
    re-parse of the bytes) and the certificate that signed it (check whose it is)."""

    root: etree._Element
    signer: x509.Certificate


class NotVerified(ValueError):
    """The document is not what it claims: a one-line reason, safe to show."""


#: Only what this service signs with, and nothing weaker.
EXPECTED = SignatureConfiguration(
    require_x509=True,
    location="./",  # the signature is a child of the root, not somewhere inside it
    expect_references=1,
    signature_methods=frozenset({SignatureMethod.RSA_SHA256, SignatureMethod.ECDSA_SHA256}),
    digest_algorithms=frozenset({DigestAlgorithm.SHA256}),
)


def verify(data: bytes, *, trust_store: Path) -> Verified:
    """Verify a signed document against the trust store (a PEM file of CA certificates) only,
    never the system's CAs. The signature must be the root's child and cover the root itself (by its
    Id): a genuine signed element elsewhere with other content at the root is refused."""
    if len(data) > MAX_DOCUMENT_BYTES:
        raise NotVerified(f"the document is larger than {MAX_DOCUMENT_BYTES} bytes")
    try:
        root = etree.fromstring(data, parser=hardened_parser())
    except etree.XMLSyntaxError as error:
        raise NotVerified(f"the document is not well-formed XML: {error}") from None
    root_id = root.get("Id")
    if not root_id:
        raise NotVerified("the root element has no Id")
    if len(root.xpath("//*[@Id=$id]", id=root_id)) > 1:  # which one would a reference mean?
        raise NotVerified(f"the Id {root_id!r} is on more than one element")
    references = root.findall(f"{{{DS}}}Signature/{{{DS}}}SignedInfo/{{{DS}}}Reference")
    if [r.get("URI") for r in references] != [f"#{root_id}"]:
        raise NotVerified("the signature does not cover the root element")
    _in_force(root)
    try:
        result = XMLVerifier().verify(
            data,
            ca_pem_file=str(trust_store),
            parser=hardened_parser(),
            id_attribute="Id",
            expect_config=EXPECTED,
        )
    except (SignXMLException, etree.LxmlError, ValueError) as error:
        raise NotVerified(f"the signature does not verify: {error}") from None
    assert not isinstance(result, list)  # expect_references=1
    signed = result.signed_xml
    if signed is None or signed.tag != root.tag or signed.get("Id") != root_id:
        raise NotVerified("the signature does not cover the root element")
    return Verified(root=signed, signer=_signer(root, result.signature_key, trust_store))


def named(certificate: x509.Certificate, oid: x509.ObjectIdentifier) -> str:
    """One attribute of a certificate's subject (its common name, the serialNumber that names
    whose it is), or "" if it has none."""
    found = certificate.subject.get_attributes_for_oid(oid)
    return str(found[0].value) if found else ""


def _in_force(root: etree._Element) -> None:
    """Every certificate the signature carries is within its validity today: an expired one
    is named as such (the chain check would refuse it too, saying less)."""
    now = datetime.now(UTC)
    for element in root.iterfind(
        f"{{{DS}}}Signature/{{{DS}}}KeyInfo/{{{DS}}}X509Data/{{{DS}}}X509Certificate"
    ):
        try:
            certificate = x509.load_der_x509_certificate(base64.b64decode(element.text or ""))
        except ValueError as error:
            raise NotVerified(f"a certificate of the signature cannot be read: {error}") from None
        whose = named(certificate, NameOID.COMMON_NAME) or certificate.subject.rfc4514_string()
        if now > certificate.not_valid_after_utc:
            ended = f"{certificate.not_valid_after_utc:%Y-%m-%d %H:%M} UTC"
            raise NotVerified(f"the certificate of {whose} expired on {ended}")
        if now < certificate.not_valid_before_utc:
            begins = f"{certificate.not_valid_before_utc:%Y-%m-%d %H:%M} UTC"
            raise NotVerified(f"the certificate of {whose} is not valid before {begins}")


def _signer(root: etree._Element, signature_key: bytes, trust_store: Path) -> x509.Certificate:
    """The certificate whose key made the signature, checked here against the trust store: the
    one certificate in ``KeyInfo/X509Data`` that holds that key, the others its chain. Anything
    that could make another certificate pass for the signer (a second certificate with the same
    key, certificates elsewhere in the signature) is refused."""
    signature = root.find(f"{{{DS}}}Signature")
    assert signature is not None  # the reference check found it
    in_key_info = signature.findall(f"{{{DS}}}KeyInfo/{{{DS}}}X509Data/{{{DS}}}X509Certificate")
    if len(in_key_info) != len(list(signature.iter(f"{{{DS}}}X509Certificate"))):
        raise NotVerified("the signature carries certificates outside KeyInfo/X509Data")
    try:
        key = public_der(serialization.load_pem_public_key(signature_key))
        certificates = [
            x509.load_der_x509_certificate(base64.b64decode(element.text or ""))
            for element in in_key_info
        ]
    except ValueError as error:
        raise NotVerified(f"a certificate of the signature cannot be read: {error}") from None
    holders = [c for c in certificates if public_der(c.public_key()) == key]
    if len(holders) != 1:
        raise NotVerified("the signature does not name exactly one certificate for its key")
    [leaf] = holders
    chain = X509CertChainVerifier(ca_pem_file=str(trust_store)).verifier
    try:
        chain.verify(leaf=leaf, intermediates=[c for c in certificates if c is not leaf])
    except VerificationError as error:
        raise NotVerified(f"the signer's certificate is not trusted: {error}") from None
    return leaf
