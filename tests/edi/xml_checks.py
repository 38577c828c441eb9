"""Helpers for the tests of the XML formats that ``edi/xml_format.py`` reads strictly (the
customs declaration and response, the shipment application): each format is held to the same
checks in the same words, and its test file states only what is its own. Here: each format's
readers and refusal (:class:`Format`), how a document is changed before it is refused
(:data:`Tamper`), the amounts written exactly and the text signed and read back exactly, a
signature that xmlsec1 and the service's verifier both accept until one value changes, a refusal
in one line, and what a schema documents of each element."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import pytest
from lxml import etree
from pydantic import ValidationError

from edi import xmldsig
from edi.customs_xml import (
    DECLARATION_FORMAT,
    RESPONSE_FORMAT,
    UnreadableMessage,
    parse_declaration,
    parse_declaration_element,
    parse_response,
    parse_response_element,
)
from edi.documents import InvalidDocument, XmlFormat
from edi.shipment_application import (
    APPLICATION_FORMAT,
    UnreadableApplication,
    parse_application,
    parse_application_element,
)
from edi.signer import Signer
from tests.edi import test_kp_certificate
from tests.edi.conftest import xmlsec1_verify


@dataclass(frozen=True)
class Format:
    """A format as its tests read it: how its document's bytes and a (verified) root element
    are read, and what a refusal is and begins with."""

    form: XmlFormat
    read: Callable[[bytes], object]
    read_element: Callable[[etree._Element], object]
    refusal: type[InvalidDocument]
    what: str

    @property
    def root(self) -> str:
        """The root as xmlsec1 is told it (``<namespace>:<RootElement>``)."""
        return f"{self.form.namespace}:{self.form.root}"


DECLARATION = Format(
    DECLARATION_FORMAT,
    parse_declaration,
    parse_declaration_element,
    UnreadableMessage,
    "customs declaration",
)
RESPONSE = Format(
    RESPONSE_FORMAT, parse_response, parse_response_element, UnreadableMessage, "customs response"
)
APPLICATION = Format(
    APPLICATION_FORMAT,
    parse_application,
    parse_application_element,
    UnreadableApplication,
    "shipment application",
)
FORMATS = [DECLARATION, RESPONSE, APPLICATION]

#: The prefixes the tests' paths use, one a format.
NS = {
    "cd": DECLARATION_FORMAT.namespace,
    "cr": RESPONSE_FORMAT.namespace,
    "sa": APPLICATION_FORMAT.namespace,
}
XS = {"xs": "http://www.w3.org/2001/XMLSchema"}

#: Decimals and what the formats write for them: (carats, US$, (carats written, US$ written)).
EXACT_AMOUNTS = [
    ("0.001", "0.01", ("0.001", "0.01")),
    ("99999999999.999", "99999999999999.99", ("99999999999.999", "99999999999999.99")),
    ("1E+2", "1E+3", ("100.00", "1000.00")),
    ("120.50000", "54000", ("120.50", "54000.00")),
    ("0.1", "0.10", ("0.10", "0.10")),
]

#: The text the certificate's XML is held to (markup characters, tab, line breaks, characters
#: beyond the BMP), the same together in one value, and the Chinese and Portuguese of the names
#: these documents carry most.
AWKWARD = [
    *test_kp_certificate.AWKWARD,
    "A & B \"Quoted\" <Trading> 'Co' >",
    "Tab\tinside, ]]> and &amp; literally",
    "both\r\nends 💎 \U0001d518",
    "陳大文 Chan Tai Man, 澳門 Macau 經濟及科技發展局",
    "Comércio de Diamantes, Lda. — Avenida de Almeida Ribeiro nº 32, São Lázaro",
]


def serialised(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


Tamper = Callable[[etree._Element], None]


def _found(root: etree._Element, path: str) -> etree._Element:
    element = root.find(path, NS)
    assert element is not None, path
    return element


def set_text(path: str, value: str) -> Tamper:
    def tamper(root: etree._Element) -> None:
        _found(root, path).text = value

    return tamper


def set_attribute(path: str, name: str, value: str) -> Tamper:
    """``path``'s attribute ``name`` set to ``value`` (``"."``: the root's)."""

    def tamper(root: etree._Element) -> None:
        _found(root, path).set(name, value)

    return tamper


def remove(path: str) -> Tamper:
    def tamper(root: etree._Element) -> None:
        element = _found(root, path)
        parent = element.getparent()
        assert parent is not None
        parent.remove(element)

    return tamper


def add_child(path: str, name: str, text: str) -> Tamper:
    """An element ``name`` (``prefix:Local``) added as ``path``'s last child."""
    prefix, local = name.split(":")

    def tamper(root: etree._Element) -> None:
        etree.SubElement(_found(root, path), f"{{{NS[prefix]}}}{local}").text = text

    return tamper


def no_id(root: etree._Element) -> None:
    del root.attrib["Id"]


def assert_never_signed(form: Format, root: etree._Element, says: str, signer: Signer) -> None:
    """A document the schema refuses (saying ``says``): neither validated nor signed, and read
    as none."""
    with pytest.raises(InvalidDocument, match=says):
        form.form.validate(root)
    with pytest.raises(InvalidDocument, match=says):
        form.form.seal(root, signer)
    with pytest.raises(form.refusal, match=f"^{form.what}: .*{says}"):
        form.read(serialised(root))


def assert_refused(form: Format, data: bytes, says: str) -> None:
    """``data`` is read as no document of ``form``'s, with a reason (matching ``says``) in one
    line that begins with what it should have been: the format's own error, never pydantic's,
    and no cause behind it."""
    with pytest.raises(form.refusal, match=says) as refused:
        form.read(data)
    error = refused.value
    assert isinstance(error, ValueError) and isinstance(error, InvalidDocument)
    assert not isinstance(error, ValidationError)
    assert "\n" not in str(error)
    assert str(error).startswith(f"{form.what}: ")
    assert error.__cause__ is None
    assert error.__context__ is None or error.__suppress_context__


def assert_verifies_until_changed(
    form: Format,
    data: bytes,
    *,
    trusted: Path,
    tmp_path: Path,
    change: tuple[bytes, bytes],
) -> xmldsig.Verified:
    """The signed ``data`` verifies with xmlsec1 and with the service (its signature the
    root's last child, the signed document valid against the schema), and neither accepts it
    once ``change`` (one value's bytes before and after) is made. The service's verdict, for
    the caller to check who signed and what it says."""
    path = tmp_path / "signed.xml"
    path.write_bytes(data)
    done = xmlsec1_verify(path, trusted=trusted, root=form.root)
    assert done.returncode == 0, done.stderr
    verified = xmldsig.verify(data, trust_store=trusted)
    document = etree.fromstring(data, parser=xmldsig.hardened_parser())
    assert document[-1].tag == f"{{{xmldsig.DS}}}Signature"
    form.form.validate(document)  # the signed document is valid too

    tampered = data.replace(*change)
    assert tampered != data
    assert_not_verified(form, tampered, trusted=trusted, tmp_path=tmp_path, says="does not verify")
    return verified


def assert_not_verified(
    form: Format, data: bytes, *, trusted: Path, tmp_path: Path, says: str | None = None
) -> None:
    """Neither xmlsec1 nor the service accepts ``data``'s signature (the service saying
    ``says``, if given)."""
    path = tmp_path / "refused.xml"
    path.write_bytes(data)
    assert xmlsec1_verify(path, trusted=trusted, root=form.root).returncode != 0
    with pytest.raises(xmldsig.NotVerified, match=says):
        xmldsig.verify(data, trust_store=trusted)


def with_external_entity(form: Format) -> bytes:
    """A document of ``form``'s root whose DOCTYPE declares an external entity (a local file)
    that its content refers to."""
    root, namespace = form.form.root, form.form.namespace
    return (
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        + f'<p:{root} xmlns:p="{namespace}" Id="x">&x;</p:{root}>'.encode()
    )


def documentation(xsd: str) -> list[tuple[str, str]]:
    """Every element a schema declares (by its name or reference), with what its documentation
    says, white space folded."""
    schema = etree.parse(
        str(resources.files("schemas") / "xsd" / xsd), parser=xmldsig.hardened_parser()
    )
    elements = []
    for element in schema.findall(".//xs:element", XS):
        texts = element.xpath("xs:annotation/xs:documentation//text()", namespaces=XS)
        name = str(element.get("name") or element.get("ref"))
        elements.append((name, " ".join(" ".join(texts).split())))
    return elements
