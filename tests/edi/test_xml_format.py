"""What every format ``edi/xml_format.py`` reads refuses alike, whatever its schema says: bytes
that are not XML, more than a document may weigh, a DOCTYPE (an external entity is never
resolved, whether the bytes are read or an element parsed from them elsewhere); and the exact
decimals all of them write."""

from __future__ import annotations

from decimal import Decimal

import pytest
from lxml import etree

from edi import xmldsig
from edi.xml_format import exact_decimal
from tests.edi.xml_checks import (
    EXACT_AMOUNTS,
    FORMATS,
    Format,
    assert_refused,
    with_external_entity,
)

NOT_DOCUMENTS = [
    pytest.param(b"not XML", "not well-formed XML", id="not-xml"),
    pytest.param(b"", "not well-formed XML", id="empty"),
    pytest.param(
        b"<a>" + b" " * xmldsig.MAX_DOCUMENT_BYTES + b"</a>", "larger than", id="too-large"
    ),
]


@pytest.mark.parametrize(("data", "says"), NOT_DOCUMENTS)
@pytest.mark.parametrize("form", FORMATS, ids=lambda form: form.form.root)
def test_what_is_no_document_is_refused_with_a_clear_reason(
    form: Format, data: bytes, says: str
) -> None:
    assert_refused(form, data, says)


@pytest.mark.parametrize("form", FORMATS, ids=lambda form: form.form.root)
def test_an_external_entity_is_not_resolved(form: Format) -> None:
    data = with_external_entity(form)
    assert_refused(form, data, f"^{form.what}: the document has a DOCTYPE")
    root = etree.fromstring(data, parser=xmldsig.hardened_parser())  # an element, as given
    with pytest.raises(form.refusal, match=f"^{form.what}: "):
        form.read_element(root)


@pytest.mark.parametrize(("carats", "value", "written"), EXACT_AMOUNTS)
def test_amounts_are_written_exactly_with_at_least_two_decimals(
    carats: str, value: str, written: tuple[str, str]
) -> None:
    said = (exact_decimal(Decimal(carats)), exact_decimal(Decimal(value)))
    assert said == written
    assert tuple(Decimal(text) for text in said) == (Decimal(carats), Decimal(value))
