"""The customs declaration and response as signed XML: every kind, function, status and stage
read back into the same model, valid against their schemas before they are signed, accepted by
xmlsec1 and the service's verifier (DSEDT's key for a declaration, customs' for a response),
and anything that is not such a message refused with a reason a person can act on. What every
format ``edi/xml_format.py`` reads is held to alike is checked by ``xml_checks`` and
``test_xml_format.py``."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from cryptography.x509.oid import NameOID
from lxml import etree

from edi import xmldsig
from edi.customs_xml import (
    DECLARATION_FORMAT,
    RESPONSE_FORMAT,
    UnreadableMessage,
    build_declaration,
    build_response,
    parse_declaration,
    parse_declaration_element,
    parse_response,
    parse_response_element,
)
from edi.documents import InvalidDocument
from edi.pki import DevelopmentPki
from edi.signer import KeySigner
from schemas.customs import (
    CertificateRole,
    CustomsDeclaration,
    CustomsResponse,
    CustomsStatus,
    DeclaredCertificate,
    MessageFunction,
    ResponseError,
    Stage,
)
from schemas.shipment import Party, PermitKind, ShipmentLine
from tests.edi.customs_samples import MACAO, declaration, found, response
from tests.edi.xml_checks import (
    AWKWARD,
    DECLARATION,
    EXACT_AMOUNTS,
    RESPONSE,
    Format,
    Tamper,
    add_child,
    assert_never_signed,
    assert_refused,
    assert_verifies_until_changed,
    documentation,
    no_id,
    remove,
    serialised,
    set_attribute,
    set_text,
)

CD = {"cd": DECLARATION_FORMAT.namespace}
Message = CustomsDeclaration | CustomsResponse


def full_response(status: CustomsStatus, stage: Stage) -> CustomsResponse:
    """A response with every part the schema has."""
    return response(
        status,
        stage=stage,
        crossed_on=date(2026, 12, 5),
        errors=[
            ResponseError(code="KP.017", text="Seal S-002 does not match the licence"),
            ResponseError(code="E-2"),
        ],
        found=found(seals=["S-001", "S-999"]),
        note="Examined jointly with DSEDT 經濟及科技發展局",
    )


def bare_response(status: CustomsStatus, stage: Stage) -> CustomsResponse:
    """A response with none of the parts the schema may leave out."""
    return response(status, stage=stage, permit_no=None, crossed_on=None, errors=[], found=None)


# Round trips


@pytest.mark.parametrize("function", list(MessageFunction))
@pytest.mark.parametrize("kind", list(PermitKind))
def test_a_declaration_reads_back_the_same_for_every_kind_and_function(
    kind: PermitKind, function: MessageFunction
) -> None:
    sent = declaration(kind=kind, function=function, version=7)
    root = build_declaration(sent)
    DECLARATION_FORMAT.validate(root)
    assert root.get("Id") == "cd-D7QK2ABCDEF123"
    assert root.findtext("cd:Header/cd:Kind", namespaces=CD) == kind.value
    assert root.findtext("cd:Header/cd:Function", namespaces=CD) == function.value
    assert parse_declaration(serialised(root)) == sent
    assert parse_declaration_element(root) == sent


@pytest.mark.parametrize(
    "changes",
    [
        {"certificates": []},
        {
            "certificates": [
                DeclaredCertificate(
                    role=CertificateRole.travels_under, issuing_country="AE", number="AE123456"
                )
            ]
        },
        {  # every list at its longest
            "lines": [
                ShipmentLine(
                    hs_code="7102.21",
                    carats=Decimal(n) + Decimal("0.001"),
                    value_usd=Decimal("99999999999999.99"),
                    origin="ZA",
                )
                for n in range(20)
            ],
            "containers": [f"C{n}" for n in range(50)],
            "seals": [f"S-{n}" for n in range(200)],
            "certificates": [
                DeclaredCertificate(
                    role=CertificateRole.drawn_on,
                    issuing_country="BW",
                    number=f"BW{n}",
                    carats=Decimal("0.01"),
                )
                for n in range(21)
            ],
        },
    ],
    ids=["no-certificates", "no-carats-drawn", "longest-lists"],
)
def test_a_declaration_with_or_without_its_optional_parts_reads_back_the_same(
    changes: dict[str, Any],
) -> None:
    sent = declaration(**changes)
    root = build_declaration(sent)
    DECLARATION_FORMAT.validate(root)
    assert parse_declaration(serialised(root)) == sent


@pytest.mark.parametrize("full", [False, True], ids=["bare", "full"])
@pytest.mark.parametrize("stage", list(Stage))
@pytest.mark.parametrize("status", list(CustomsStatus))
def test_a_response_reads_back_the_same_for_every_status_and_stage(
    status: CustomsStatus, stage: Stage, full: bool
) -> None:
    sent = full_response(status, stage) if full else bare_response(status, stage)
    root = build_response(sent)
    RESPONSE_FORMAT.validate(root)
    assert root.get("Id") == "cr-R20261205A1"
    assert parse_response(serialised(root)) == sent
    assert parse_response_element(root) == sent


def test_a_response_keeps_empty_texts_apart_from_absent_ones() -> None:
    sent = response(
        status=CustomsStatus.rejected,
        errors=[ResponseError(code="1", text=""), ResponseError(code="2")],
        note="",
        found=found(),
    )
    read = parse_response(serialised(build_response(sent)))
    assert read == sent
    assert [e.text for e in read.errors] == ["", None]
    assert read.note == ""


@pytest.mark.parametrize(("carats", "value", "written"), EXACT_AMOUNTS)
def test_carats_and_dollars_are_exact_decimals(
    carats: str, value: str, written: tuple[str, str]
) -> None:
    line = ShipmentLine(
        hs_code="7102.10", carats=Decimal(carats), value_usd=Decimal(value), origin="BW"
    )
    sent = declaration(lines=[line, line])
    root = build_declaration(sent)
    item = root.find("cd:Consignment/cd:LineItem", CD)
    assert item is not None
    assert (
        item.findtext("cd:Carats", namespaces=CD),
        item.findtext("cd:Value", namespaces=CD),
    ) == (written)
    read = parse_declaration(serialised(root))
    assert read == sent
    assert all(type(x.carats) is Decimal and type(x.value_usd) is Decimal for x in read.lines)
    assert read.lines[0].carats == Decimal(carats) and read.lines[0].value_usd == Decimal(value)
    assert read.carats == 2 * Decimal(carats)  # the total, exactly


def test_totals_are_the_exact_sums_of_the_lines() -> None:
    line = ShipmentLine(
        hs_code="7102.10", carats=Decimal("0.001"), value_usd=Decimal("0.01"), origin="BW"
    )
    root = build_declaration(declaration(lines=[line] * 20))
    assert root.findtext("cd:Consignment/cd:TotalCarats", namespaces=CD) == "0.02"
    assert root.findtext("cd:Consignment/cd:TotalValue", namespaces=CD) == "0.20"
    tc = root.find("cd:Consignment/cd:TotalCarats", CD)
    assert tc is not None and tc.get("unitCode") == "CTM"
    tv = root.find("cd:Consignment/cd:TotalValue", CD)
    assert tv is not None and tv.get("currencyID") == "USD"


@pytest.mark.parametrize(
    ("when", "written_offset"),
    [
        (datetime(2026, 12, 4, 15, 30, tzinfo=MACAO), "+08:00"),
        (datetime(2026, 12, 4, 15, 30, 1, 999999, tzinfo=MACAO), "+08:00"),
        (datetime(2026, 12, 4, 7, 30, tzinfo=UTC), "+00:00"),
        (datetime(2026, 12, 4, 15, 30, tzinfo=ZoneInfo("Asia/Macau")), "+08:00"),
        (datetime(2026, 12, 4, 4, 0, tzinfo=timezone(timedelta(hours=-3, minutes=-30))), "-03:30"),
        # offsets xs:dateTime cannot carry: written in UTC, the same instant
        (datetime(2026, 12, 4, 15, 30, tzinfo=timezone(timedelta(hours=5, seconds=30))), "+00:00"),
        (datetime(2026, 12, 4, 23, 30, tzinfo=timezone(timedelta(hours=15))), "+00:00"),
    ],
)
def test_date_times_keep_their_offset_or_are_written_in_utc(
    when: datetime, written_offset: str
) -> None:
    sent_declaration = declaration(issued_at=when)
    root = build_declaration(sent_declaration)
    assert str(root.findtext("cd:Header/cd:IssueDateTime", namespaces=CD)).endswith(written_offset)
    read = parse_declaration(serialised(root))
    assert read == sent_declaration
    # to the second, as every rendering carries it (the model drops a fraction)
    assert read.issued_at == when.replace(microsecond=0) and read.issued_at.utcoffset() is not None
    sent_response = response(issued_at=when)
    assert parse_response(serialised(build_response(sent_response))) == sent_response


@pytest.mark.parametrize("text", AWKWARD)
def test_awkward_text_is_signed_verified_and_read_back_exactly(
    text: str, pki: DevelopmentPki, dsedt: KeySigner, customs: KeySigner
) -> None:
    party = Party(name=text, address=text, country="MO")
    sent = declaration(holder=party, consignor=party, consignee=party)
    signed = DECLARATION_FORMAT.seal(build_declaration(sent), dsedt)
    verified = xmldsig.verify(signed.data, trust_store=pki.ca)
    assert parse_declaration_element(verified.root) == sent
    assert parse_declaration(signed.data) == sent
    answered = response(note=text, errors=[ResponseError(code="X1", text=text)])
    signed = RESPONSE_FORMAT.seal(build_response(answered), customs)
    verified = xmldsig.verify(signed.data, trust_store=pki.ca)
    assert parse_response_element(verified.root) == answered


# Schemas


def test_every_element_of_both_schemas_says_what_it_carries() -> None:
    for xsd, wco in ((DECLARATION_FORMAT.xsd, True), (RESPONSE_FORMAT.xsd, False)):
        elements = documentation(xsd)
        assert len(elements) > 20
        for name, said in elements:
            assert "Annex I" in said, f"{xsd}: {name} does not say its Annex I item"
            if wco:
                assert "WCO Data Model" in said, f"{xsd}: {name} does not say its WCO element"


TAMPERED_DECLARATIONS: list[tuple[str, Tamper, str]] = [
    ("hs-code-pattern", set_text("cd:Consignment/cd:LineItem/cd:HSCode", "7102.1"), "HSCode"),
    ("unknown-element", add_child("cd:Header", "cd:Priority", "high"), "Priority"),
    ("missing-id", no_id, "Id"),
    ("missing-element", remove("cd:Header/cd:Sender"), "Sender"),
    ("message-id-too-long", set_text("cd:Header/cd:MessageId", "D20260000170001"), "MessageId"),
    ("lower-case-message-id", set_text("cd:Header/cd:MessageId", "d1"), "MessageId"),
    ("unknown-function", set_text("cd:Header/cd:Function", "2"), "Function"),
    ("unknown-kind", set_text("cd:Header/cd:Kind", "smuggling"), "Kind"),
    ("version-100", set_text("cd:Header/cd:Version", "100"), "Version"),
    ("carats-four-decimals", set_text("cd:Consignment/cd:LineItem/cd:Carats", "1.0001"), "Carats"),
    ("carats-one-decimal", set_text("cd:Consignment/cd:LineItem/cd:Carats", "1.5"), "Carats"),
    ("carats-comma", set_text("cd:Consignment/cd:LineItem/cd:Carats", "12,5"), "Carats"),
    ("dollars-three-decimals", set_text("cd:Consignment/cd:LineItem/cd:Value", "1.005"), "Value"),
    (
        "wrong-unit",
        set_attribute("cd:Consignment/cd:LineItem/cd:Carats", "unitCode", "KGM"),
        "unitCode",
    ),
    ("no-utc-offset", set_text("cd:Header/cd:IssueDateTime", "2026-12-04T15:30:00"), "IssueDate"),
    ("lower-case-country", set_text("cd:Consignment/cd:DestinationCountry", "be"), "Destination"),
    ("blank-name", set_text("cd:Consignment/cd:Consignor/cd:Name", " Lotus"), "Name"),
    ("too-many-parcels", set_text("cd:Consignment/cd:ParcelCount", "10001"), "ParcelCount"),
    ("wrong-business-process", set_text("cd:Context/cd:BusinessProcess", "CITES"), "Business"),
]


@pytest.mark.parametrize(
    ("tamper", "says"),
    [pytest.param(t, s, id=name) for name, t, s in TAMPERED_DECLARATIONS],
)
def test_the_schema_refuses_a_tampered_declaration_and_it_is_never_signed(
    tamper: Tamper, says: str, dsedt: KeySigner
) -> None:
    root = build_declaration(declaration())
    tamper(root)
    assert_never_signed(DECLARATION, root, says, dsedt)


@pytest.mark.parametrize(
    ("tamper", "says"),
    [
        (set_text("cr:Status", "lost"), "Status"),
        (set_text("cr:Stage", "transit"), "Stage"),
        (set_text("cr:Found/cr:SealsIntact", "1"), "SealsIntact"),
        (set_text("cr:Error/cr:Code", "KP 17"), "Code"),
        (set_text("cr:Note", "x" * 351), "Note"),
        (remove("cr:Declaration/cr:MessageId"), "MessageId"),
    ],
)
def test_the_schema_refuses_a_tampered_response(tamper: Tamper, says: str) -> None:
    root = build_response(full_response(CustomsStatus.discrepancy, Stage.exit))
    tamper(root)
    with pytest.raises(InvalidDocument, match=says):
        RESPONSE_FORMAT.validate(root)
    with pytest.raises(UnreadableMessage, match=f"^customs response: .*{says}"):
        parse_response_element(root)


def _drawn_on(carats: str) -> dict[str, Any]:
    """A change to a declaration: one certificate drawn on for ``carats``, which the model
    would refuse, so that the schema's own check is the one tried."""
    certificate = DeclaredCertificate.model_construct(
        role=CertificateRole.drawn_on, issuing_country="BW", number="BW1", carats=Decimal(carats)
    )
    return {"certificates": [certificate]}


@pytest.mark.parametrize(
    ("changes", "says"),
    [
        ({"case_no": ""}, "CaseNumber"),
        ({"case_no": "case 17"}, "CaseNumber"),
        (_drawn_on("-1"), "Carats"),
        (_drawn_on("1.0001"), "Carats"),
    ],
)
def test_a_declaration_its_schema_refuses_is_never_signed(
    changes: dict[str, Any], says: str, dsedt: KeySigner
) -> None:
    unchecked = declaration().model_copy(update=changes)  # what the model refuses too
    with pytest.raises(InvalidDocument, match=says):
        DECLARATION_FORMAT.seal(build_declaration(unchecked), dsedt)


def test_text_that_xml_cannot_carry_is_refused_when_built() -> None:
    party = Party(name="Lotus\x07Bell", address="Av. da Praia Grande 409", country="MO")
    with pytest.raises(InvalidDocument, match="Name cannot be written in XML"):
        build_declaration(declaration(consignee=party))


# Signatures


@pytest.mark.parametrize(
    ("sent", "signer", "signed_by", "change"),
    [
        pytest.param(declaration(), "dsedt", "DSEDT", (b">120.50<", b">125.50<"), id="declaration"),
        *(
            pytest.param(
                full_response(status, Stage.entry),
                "customs",
                "Customs",
                (b"<cr:SealsIntact>false<", b"<cr:SealsIntact>true<"),
                id=f"response-{status.value}",
            )
            for status in (CustomsStatus.released, CustomsStatus.discrepancy)
        ),
    ],
)
def test_a_signed_message_verifies_with_xmlsec1_and_the_service_until_it_is_changed(
    sent: Message,
    signer: str,
    signed_by: str,
    change: tuple[bytes, bytes],
    request: pytest.FixtureRequest,
    tmp_path: Path,
    pki: DevelopmentPki,
) -> None:
    """A declaration is signed with DSEDT's key, a response with customs' (``signer``, the
    fixture; ``signed_by``, in its certificate's name); ``change`` is one value's bytes before
    and after, which both verifiers must notice."""
    if isinstance(sent, CustomsDeclaration):
        form, root = DECLARATION, build_declaration(sent)
    else:
        form, root = RESPONSE, build_response(sent)
    data = form.form.seal(root, request.getfixturevalue(signer)).data
    verified = assert_verifies_until_changed(
        form, data, trusted=pki.ca, tmp_path=tmp_path, change=change
    )
    common_name = verified.signer.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value
    assert signed_by in str(common_name)
    assert form.read_element(verified.root) == sent
    assert form.read(data) == sent


# Reading what is not such a message


def _declaration_with(tamper: Tamper) -> bytes:
    root = build_declaration(declaration())
    tamper(root)
    return serialised(root)


def _renumber(root: etree._Element) -> None:
    first, second = root.findall("cd:Consignment/cd:LineItem/cd:SequenceNumeric", CD)
    first.text, second.text = "2", "1"


#: Declarations that read as none, each with what its refusal says: (test id, tamper, reason).
UNREADABLE_DECLARATIONS: list[tuple[str, Tamper, str]] = [
    ("missing-element", remove("cd:Consignment/cd:Consignee"), "Consignee"),
    ("bad-number", set_text("cd:Consignment/cd:LineItem/cd:Carats", "twelve"), "Carats.*twelve"),
    (
        "wrong-total",
        set_text("cd:Consignment/cd:TotalCarats", "200.00"),
        "TotalCarats is 200.00, but the line items add up to 200.60",
    ),
    (
        "wrong-total-value",
        set_text("cd:Consignment/cd:TotalValue", "1.00"),
        "TotalValue is 1.00, but the line items add up to 90000.00",
    ),
    ("lines-out-of-order", _renumber, "LineItem 1 has SequenceNumeric 2"),
    (  # the schema's \S is narrower than Python's: the model has the last word
        "model-refuses",
        set_text("cd:Consignment/cd:Consignor/cd:Name", "\u3000"),
        r"^customs declaration: consignor\.name: String should have at least 1 character$",
    ),
    (
        "24h",
        set_text("cd:Header/cd:IssueDateTime", "2026-12-04T24:00:00+08:00"),
        "IssueDateTime",
    ),
]


@pytest.mark.parametrize(
    ("form", "data", "says"),
    [
        pytest.param(
            DECLARATION,
            serialised(build_response(response())),
            "the root is .*CustomsResponse, not .*CustomsDeclaration",
            id="wrong-root",
        ),
        pytest.param(
            RESPONSE,
            serialised(build_declaration(declaration())),
            "the root is .*CustomsDeclaration, not .*CustomsResponse",
            id="wrong-root-response",
        ),
        *(
            pytest.param(DECLARATION, _declaration_with(tamper), says, id=name)
            for name, tamper, says in UNREADABLE_DECLARATIONS
        ),
        pytest.param(
            RESPONSE,
            b'<cr:CustomsResponse xmlns:cr="urn:mo:gov:dsedt:kp:customs-response:1" Id="x"/>',
            "Context",
            id="empty-response",
        ),
    ],
)
def test_what_is_not_a_customs_message_is_refused_with_a_clear_reason(
    form: Format, data: bytes, says: str
) -> None:
    """What is not XML, is too large or has a DOCTYPE is refused alike by every format
    (``test_xml_format.py``)."""
    assert_refused(form, data, says)
