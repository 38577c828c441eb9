"""What every document the service signs goes through: validated against its XSD, then signed,
then kept as the exact bytes signed with their SHA-256 (``edi.md`` sections 2 and 4)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cached_property
from importlib import resources

from lxml import etree

from edi import xmldsig
from edi.signer import Signer


class InvalidDocument(ValueError):
    """A document that its schema refuses: never signed, never sent; the first problem said."""


@dataclass(frozen=True)
class SignedDocument:
    """The bytes as signed (store and send exactly these) and their SHA-256 (hex), which the
    QR code and the verification page carry."""

    data: bytes
    sha256: str


@dataclass(frozen=True)
class XmlFormat:
    """One kind of document: its namespace, root element and schema (in ``schemas/xsd/``)."""

    namespace: str
    root: str
    xsd: str

    def tag(self, name: str) -> str:
        return f"{{{self.namespace}}}{name}"

    @cached_property
    def schema(self) -> etree.XMLSchema:
        path = resources.files("schemas") / "xsd" / self.xsd
        with resources.as_file(path) as file:
            return etree.XMLSchema(etree.parse(str(file), parser=xmldsig.hardened_parser()))

    def validate(self, root: etree._Element) -> None:
        if root.tag != self.tag(self.root):
            raise InvalidDocument(f"the root is {root.tag}, not {self.tag(self.root)}")
        if not self.schema.validate(root):
            error = self.schema.error_log[0]  # the first problem: the others often follow it
            raise InvalidDocument(f"line {error.line}: {error.message}")

    def seal(
        self, root: etree._Element, signer: Signer, *, canonical: bytes | None = None
    ) -> SignedDocument:
        """Validate ``root`` against the schema, then sign it: a document that its schema
        refuses is never signed. ``canonical``: ``root``'s exclusive canonical form, if the
        caller has it (``xmldsig.sign``)."""
        self.validate(root)
        data = xmldsig.sign(root, signer, canonical=canonical)
        return SignedDocument(data=data, sha256=hashlib.sha256(data).hexdigest())
