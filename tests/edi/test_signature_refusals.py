"""What comes in signed is refused, each time with its own reason, when the signer's
certificate had expired or an Id is given to two elements (the other refusals, tampering,
wrapping, other trust stores, entities: ``test_xmldsig.py``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import rsa
from lxml import etree

from edi import customs_xml, xmldsig
from edi.pki import DevelopmentPki
from edi.signer import KeySigner
from tests.edi.customs_samples import response


def expired_signer(pki: DevelopmentPki) -> KeySigner:
    """Customs' key with a certificate the development CA issued, valid until yesterday."""
    issuer = pki.issuer()
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = datetime.now(UTC)
    name = x509.Name(
        [
            x509.NameAttribute(x509.oid.NameOID.SERIAL_NUMBER, "MOCUSTOMS"),
            x509.NameAttribute(x509.oid.NameOID.COMMON_NAME, "Customs (expired)"),
        ]
    )
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(issuer.certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=400))
        .not_valid_after(now - timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), True)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()), False
        )
        .sign(issuer.key, hashes.SHA256())
    )
    return KeySigner(key=key, chain=[certificate, issuer.certificate])


def test_a_signature_by_an_expired_certificate_is_refused(pki: DevelopmentPki) -> None:
    said = response()
    signed = customs_xml.RESPONSE_FORMAT.seal(customs_xml.build_response(said), expired_signer(pki))
    with pytest.raises(xmldsig.NotVerified, match=r"certificate of Customs \(expired\) expired on"):
        xmldsig.verify(signed.data, trust_store=pki.ca)


def test_an_id_given_to_two_elements_is_refused(pki: DevelopmentPki, customs: KeySigner) -> None:
    said = response()
    signed = customs_xml.RESPONSE_FORMAT.seal(customs_xml.build_response(said), customs)
    root = etree.fromstring(signed.data)
    twin = etree.SubElement(root[0], "Decoy", Id=root.get("Id"))
    twin.text = "released"
    with pytest.raises(xmldsig.NotVerified, match="more than one element"):
        xmldsig.verify(etree.tostring(root), trust_store=pki.ca)
