"""Every signature the service makes is accepted by ``xmlsec1`` (the reference implementation)
and by the service's own verifier; a tampered, re-rooted, or foreign-signed copy by neither."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID
from lxml import etree

from edi import xmldsig
from edi.pki import DevelopmentPki, issue
from edi.signer import KeySigner
from tests.edi.conftest import xmlsec1_verify

NS = "urn:kp-licensing:test:1"
ROOT = f"{NS}:Document"


def document(name: str = "Chan Tai Man") -> etree._Element:
    root = etree.Element(f"{{{NS}}}Document", nsmap={"kp": NS}, Id="doc-1")
    etree.SubElement(root, f"{{{NS}}}Name").text = name
    etree.SubElement(root, f"{{{NS}}}Carats").text = "1234.50"
    etree.SubElement(root, f"{{{NS}}}Note").text = "澳門 Macau ção"
    return root


def _check(tmp_path: Path, signed: bytes, pki: DevelopmentPki) -> tuple[int, str]:
    path = tmp_path / "signed.xml"
    path.write_bytes(signed)
    done = xmlsec1_verify(path, trusted=pki.ca, root=ROOT)
    return done.returncode, done.stderr


def test_a_signed_document_verifies_with_xmlsec1_and_the_service(
    tmp_path: Path, pki: DevelopmentPki, dsedt: KeySigner
) -> None:
    signed = xmldsig.sign(document(), dsedt)
    status, said = _check(tmp_path, signed, pki)
    assert status == 0, said
    verified = xmldsig.verify(signed, trust_store=pki.ca)
    assert verified.root.findtext(f"{{{NS}}}Name") == "Chan Tai Man"
    common_name = verified.signer.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value
    assert "DSEDT" in str(common_name)
    assert verified.root.find(f"{{{xmldsig.DS}}}Signature") is None  # what it covers, only
    signature = etree.fromstring(signed)[-1]
    assert signature.tag == f"{{{xmldsig.DS}}}Signature"  # the root's last child
    methods = [e.get("Algorithm") for e in signature.iter() if e.get("Algorithm")]
    assert xmldsig.EXC_C14N in methods and xmldsig.SHA256 in methods


def test_a_tampered_copy_is_refused_by_both(
    tmp_path: Path, pki: DevelopmentPki, dsedt: KeySigner
) -> None:
    tampered = xmldsig.sign(document(), dsedt).replace(b"1234.50", b"1284.50")
    status, _ = _check(tmp_path, tampered, pki)
    assert status != 0
    with pytest.raises(xmldsig.NotVerified, match="does not verify"):
        xmldsig.verify(tampered, trust_store=pki.ca)


def test_a_genuine_signature_wrapped_in_another_root_is_refused(
    pki: DevelopmentPki, dsedt: KeySigner
) -> None:
    genuine = etree.fromstring(xmldsig.sign(document(), dsedt))
    attack = etree.Element(f"{{{NS}}}Document", nsmap={"kp": NS}, Id="attack")
    etree.SubElement(attack, f"{{{NS}}}Name").text = "Mallory"
    attack.append(copy.deepcopy(genuine))
    with pytest.raises(xmldsig.NotVerified, match="does not cover the root"):
        xmldsig.verify(etree.tostring(attack), trust_store=pki.ca)


def test_a_signature_from_outside_the_trust_store_is_refused(
    tmp_path: Path, pki: DevelopmentPki, dsedt: KeySigner
) -> None:
    other = DevelopmentPki(tmp_path / "other")
    other.init()
    signed = xmldsig.sign(document(), dsedt)
    with pytest.raises(xmldsig.NotVerified):
        xmldsig.verify(signed, trust_store=other.ca)
    assert xmlsec1_verify(_written(tmp_path, signed), trusted=other.ca, root=ROOT).returncode != 0


def test_entities_and_oversized_documents_are_refused_before_parsing(pki: DevelopmentPki) -> None:
    bomb = b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY e SYSTEM "file:///etc/passwd">]><d>&e;</d>'
    with pytest.raises(xmldsig.NotVerified):
        xmldsig.verify(bomb, trust_store=pki.ca)
    with pytest.raises(xmldsig.NotVerified, match="larger than"):
        xmldsig.verify(b" " * (xmldsig.MAX_DOCUMENT_BYTES + 1), trust_store=Path("none.pem"))


class SealedKey(rsa.RSAPrivateKey):
    """A key that signs but never shows itself, as a smart card's or eSignTrust's remote
    signing service's does."""

    def __init__(self, inner: rsa.RSAPrivateKey) -> None:
        self._inner = inner
        self.signed = 0

    def sign(self, data: bytes, padding: Any, algorithm: Any) -> bytes:
        self.signed += 1
        return self._inner.sign(data, padding, algorithm)

    def public_key(self) -> rsa.RSAPublicKey:
        return self._inner.public_key()

    @property
    def key_size(self) -> int:
        return self._inner.key_size

    def decrypt(self, ciphertext: bytes, padding: Any) -> bytes:
        raise PermissionError("this key does not decrypt")

    def private_numbers(self) -> rsa.RSAPrivateNumbers:
        raise PermissionError("this key never leaves its token")

    def private_bytes(self, *args: Any, **kwargs: Any) -> bytes:
        raise PermissionError("this key never leaves its token")

    def __copy__(self) -> SealedKey:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> SealedKey:
        return self


def test_a_key_that_refuses_to_export_itself_signs_all_the_same(
    tmp_path: Path, pki: DevelopmentPki, dsedt: KeySigner
) -> None:
    assert isinstance(dsedt.key, rsa.RSAPrivateKey)
    sealed = SealedKey(dsedt.key)
    signed = xmldsig.sign(document(), KeySigner(key=sealed, chain=dsedt.chain))
    assert sealed.signed == 1
    assert _check(tmp_path, signed, pki)[0] == 0
    xmldsig.verify(signed, trust_store=pki.ca)


def test_an_ecdsa_key_signs_too(tmp_path: Path, pki: DevelopmentPki) -> None:
    issuer = pki.issuer()
    key = ec.generate_private_key(ec.SECP256R1())
    signer = KeySigner(key=key, chain=[issue("EC signer (test)", key, issuer), issuer.certificate])
    signed = xmldsig.sign(document(), signer)
    assert _check(tmp_path, signed, pki)[0] == 0
    xmldsig.verify(signed, trust_store=pki.ca)


def _written(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / "doc.xml"
    path.write_bytes(data)
    return path


def test_the_signer_refuses_a_certificate_that_is_not_its_key(dsedt: KeySigner) -> None:
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    with pytest.raises(ValueError, match="not the key's"):
        KeySigner(key=other, chain=dsedt.chain)
    assert isinstance(dsedt.chain[0], x509.Certificate)


def _self_signed(key: rsa.RSAPrivateKey, common_name: str) -> x509.Certificate:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.now(UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now - timedelta(minutes=1))
        .not_valid_after(now + timedelta(days=1))
        .sign(key, hashes.SHA256())
    )


def test_a_forged_certificate_for_the_signing_key_cannot_pass_for_the_signer(
    pki: DevelopmentPki, tmp_path: Path
) -> None:
    """An operator signs with its own genuine key, and adds a self-signed certificate for the
    same key naming DSEDT: the service must not report DSEDT as the signer."""
    issuer = pki.issuer()
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    genuine = issue("Operator A (test)", key, issuer)
    forged = _self_signed(key, "DSEDT Kimberley Process signing (development)")
    for chain in ([forged, genuine], [genuine, forged]):
        signed = xmldsig.sign(document(), KeySigner(key=key, chain=chain))
        with pytest.raises(xmldsig.NotVerified, match="exactly one certificate"):
            xmldsig.verify(signed, trust_store=pki.ca)


def test_certificates_outside_key_info_and_junk_ones_are_refused(
    pki: DevelopmentPki, dsedt: KeySigner
) -> None:
    signed = etree.fromstring(xmldsig.sign(document(), dsedt))
    signature = signed[-1]
    elsewhere = etree.SubElement(signature, f"{{{xmldsig.DS}}}Object")
    etree.SubElement(elsewhere, f"{{{xmldsig.DS}}}X509Certificate").text = "AAAA"
    with pytest.raises(xmldsig.NotVerified):
        xmldsig.verify(etree.tostring(signed), trust_store=pki.ca)
    junk = etree.fromstring(xmldsig.sign(document(), dsedt))
    data = junk.find(f".//{{{xmldsig.DS}}}X509Data")
    assert data is not None
    etree.SubElement(data, f"{{{xmldsig.DS}}}X509Certificate").text = "bm90IGEgY2VydA=="
    with pytest.raises(xmldsig.NotVerified):
        xmldsig.verify(etree.tostring(junk), trust_store=pki.ca)
    empty = etree.fromstring(etree.tostring(document()))
    empty.insert(0, etree.Element(f"{{{xmldsig.DS}}}Signature"))
    with pytest.raises(xmldsig.NotVerified):
        xmldsig.verify(etree.tostring(empty), trust_store=pki.ca)
