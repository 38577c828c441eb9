"""A shipment-licence application as signed XML: every kind, with and without each optional
part, read back as the same application (the API's strict body model), valid against its schema
before it is signed, signed with an operator representative's key and accepted by xmlsec1 and
the service's verifier, and anything that is not such an application refused with a one-line
reason a person can act on. What every format ``edi/xml_format.py`` reads is held to alike is
checked by ``xml_checks`` and ``test_xml_format.py``."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from cryptography.x509.oid import NameOID
from lxml import etree

from edi import xmldsig
from edi.documents import InvalidDocument
from edi.pki import DevelopmentPki, load_signer
from edi.shipment_application import (
    APPLICATION_FORMAT,
    UnreadableApplication,
    build_application,
    parse_application,
    parse_application_element,
    sign_application,
)
from edi.signer import KeySigner
from schemas.permit import PermitApplication, PermitApplicationBody
from schemas.shipment import (
    CertificateDraw,
    ExportDeclarations,
    ForeignCertificate,
    Party,
    PermitKind,
    ShipmentLine,
)
from tests.edi.xml_checks import (
    APPLICATION,
    AWKWARD,
    EXACT_AMOUNTS,
    Tamper,
    add_child,
    assert_never_signed,
    assert_not_verified,
    assert_refused,
    assert_verifies_until_changed,
    documentation,
    no_id,
    remove,
    serialised,
    set_attribute,
    set_text,
)

SA = {"sa": APPLICATION_FORMAT.namespace}
REGISTRATION_NO = "SO-12345 (Macau)"
DOCUMENT_ID = "app-0b9c7f3e1a2d4c5b8e6f7a8b9c0d1e2f"


def doc_id() -> str:
    return str(uuid.uuid4())


SCAN = doc_id()
INVOICE = doc_id()

LOTUS = Party(name="Lotus Rough Diamonds Limitada", address="Av. da Praia Grande 409", country="MO")
ANTWERP = Party(name="Antwerp Rough NV", address="Hoveniersstraat 2, 2018 Antwerpen", country="BE")
GABORONE = Party(name="Debswana Sales", address="Plot 63, Gaborone", country="BW")

LINES = [
    ShipmentLine(
        hs_code="7102.10", carats=Decimal("120.5"), value_usd=Decimal("54000"), origin="BW"
    ),
    ShipmentLine(
        hs_code="7102.31", carats=Decimal("80.125"), value_usd=Decimal("36000.50"), origin="***"
    ),
]


def foreign_certificate(**changes: Any) -> ForeignCertificate:
    fields: dict[str, Any] = {
        "number": "BW 2026/0042-7",
        "issuing_country": "BW",
        "issuing_authority": "Ministry of Minerals and Energy, Diamond Hub",
        "issued_on": date(2026, 11, 20),
        "expires_on": date(2027, 1, 19),
        "exporter": GABORONE,
        "importer": LOTUS,
        "origin": "***",
        "provenance": ["BW", "ZA", "NA"],
        "carats": Decimal("200.625"),
        "value_usd": Decimal("90000.50"),
        "parcels": 3,
        "hs_codes": ["7102.10", "7102.31"],
        "scan_document_id": SCAN,
    }
    return ForeignCertificate(**{**fields, **changes})


def import_application(**changes: Any) -> PermitApplication:
    fields: dict[str, Any] = {
        "kind": PermitKind.import_,
        "counterparty": GABORONE,
        "provenance_country": "BW",
        "lines": LINES,
        "parcels": 3,
        "containers": ["MSCU1234567"],
        "seals": ["SA-000123", "SA-000124"],
        "expected_date": date(2026, 12, 4),
        "document_ids": [INVOICE, doc_id()],
        "foreign_certificate": foreign_certificate(),
    }
    return PermitApplication(**{**fields, **changes})


def export_application(**changes: Any) -> PermitApplication:
    fields: dict[str, Any] = {
        "kind": PermitKind.export,
        "counterparty": ANTWERP,
        "destination_country": "BE",
        "lines": LINES,
        "parcels": 2,
        "containers": ["C-1", "C-2"],
        "seals": ["S.1"],
        "expected_date": date(2027, 1, 15),
        "document_ids": [INVOICE],
        "source_certificates": [
            CertificateDraw(issuing_country="BW", number="BW20260042", carats=Decimal("150")),
            CertificateDraw(issuing_country="ZA", number="za-7/001", carats=Decimal("50.625")),
        ],
        "declarations": ExportDeclarations(
            complies_with_kpcs=True, destination_is_participant=True, tamper_proof_container=True
        ),
    }
    return PermitApplication(**{**fields, **changes})


def transit_application(**changes: Any) -> PermitApplication:
    fields: dict[str, Any] = {
        "kind": PermitKind.transit,
        "counterparty": GABORONE,
        "provenance_country": "BW",
        "destination_country": "AE",
        "lines": LINES[:1],
        "parcels": 1,
        "containers": ["MSCU7654321"],
        "seals": ["SA-9"],
        "expected_date": date(2026, 12, 10),
        "foreign_certificate": foreign_certificate(
            origin="BW", provenance=[], hs_codes=["7102.10"], importer=ANTWERP
        ),
    }
    return PermitApplication(**{**fields, **changes})


def as_body(application: PermitApplication) -> PermitApplicationBody:
    """The application as the API's JSON body would have it."""
    return PermitApplicationBody.model_validate(application.model_dump(mode="json"))


def read_back(application: PermitApplication) -> PermitApplicationBody:
    """Built, validated, serialised and read back (from the bytes and from the element),
    both the same."""
    root = build_application(application, REGISTRATION_NO, DOCUMENT_ID)
    APPLICATION_FORMAT.validate(root)
    registration_no, read = parse_application(serialised(root))
    assert registration_no == REGISTRATION_NO
    assert parse_application_element(root) == (registration_no, read)
    return read


@pytest.fixture(scope="module")
def representative(pki: DevelopmentPki) -> KeySigner:
    """A representative of the applicant, with a certificate naming its registration number."""
    key, chain = pki.operator(REGISTRATION_NO, "Lotus Rough Diamonds Limitada", "Chan Tai Man")
    return load_signer(key, chain)


# Round trips


@pytest.mark.parametrize(
    "application",
    [import_application(), export_application(), transit_application()],
    ids=["import", "export", "transit"],
)
def test_an_application_of_every_kind_reads_back_the_same(
    application: PermitApplication,
) -> None:
    read = read_back(application)
    assert isinstance(read, PermitApplicationBody)
    assert read == as_body(application)
    assert read.model_dump() == application.model_dump()


def test_the_document_has_the_shape_the_schema_says() -> None:
    root = build_application(import_application(), REGISTRATION_NO, DOCUMENT_ID)
    assert root.get("Id") == DOCUMENT_ID
    assert [etree.QName(child).localname for child in root] == [
        "Context",
        "ApplicantRegistrationNumber",
        "Kind",
        "ExpectedDate",
        "Consignment",
        "SupportingDocumentId",
        "SupportingDocumentId",
        "ForeignCertificate",
    ]
    assert root.findtext("sa:ApplicantRegistrationNumber", namespaces=SA) == REGISTRATION_NO
    assert root.findtext("sa:Kind", namespaces=SA) == "import"
    carats = root.find("sa:Consignment/sa:LineItem/sa:Carats", SA)
    assert carats is not None and (carats.text, carats.get("unitCode")) == ("120.50", "CTM")
    value = root.find("sa:Consignment/sa:LineItem/sa:Value", SA)
    assert value is not None and (value.text, value.get("currencyID")) == ("54000.00", "USD")
    certificate = root.find("sa:ForeignCertificate", SA)
    assert certificate is not None
    assert certificate.findtext("sa:Number", namespaces=SA) == "BW202600427"  # canonical
    assert [e.text for e in certificate.iterfind("sa:ProvenanceCountry", SA)] == ["BW", "ZA", "NA"]


def test_mixed_origin_keeps_its_provenance_in_order() -> None:
    read = read_back(import_application())
    certificate = read.foreign_certificate
    assert certificate is not None
    assert certificate.mixed_origin
    assert certificate.provenance == ["BW", "ZA", "NA"]
    assert certificate.hs_codes == ["7102.10", "7102.31"]
    assert certificate.scan_document_id == SCAN
    assert [line.origin for line in read.lines] == ["BW", "***"]


def _longest() -> dict[str, Any]:
    return {
        "lines": [
            ShipmentLine(
                hs_code="7102.21",
                carats=Decimal("99999999999.999"),
                value_usd=Decimal("99999999999999.99"),
                origin="ZA",
            )
            for _ in range(20)
        ],
        "parcels": 10_000,
        "containers": [f"C{n}/{'x' * 30}" for n in range(50)],
        "seals": [f"S-{n}" for n in range(200)],
        "document_ids": [doc_id() for _ in range(50)],
    }


@pytest.mark.parametrize(
    "application",
    [
        import_application(document_ids=[], provenance_country=None),
        import_application(foreign_certificate=None),
        import_application(foreign_certificate=foreign_certificate(provenance=[], origin="BW")),
        import_application(
            foreign_certificate=foreign_certificate(hs_codes=["7102.10", "7102.21", "7102.31"])
        ),
        export_application(source_certificates=[], declarations=None, destination_country=None),
        export_application(
            declarations=ExportDeclarations(
                complies_with_kpcs=False,
                destination_is_participant=True,
                tamper_proof_container=False,
            )
        ),
        export_application(
            source_certificates=[
                CertificateDraw(issuing_country="BW", number=f"BW{n:04}", carats=Decimal("0.001"))
                for n in range(20)
            ]
        ),
        transit_application(foreign_certificate=None, provenance_country=None),
        import_application(**_longest()),
        export_application(**_longest()),
    ],
    ids=[
        "import-without-documents-or-provenance-country",
        "import-without-certificate",
        "import-unmixed-origin",
        "import-three-hs-codes",
        "export-bare",
        "export-declarations-false",
        "export-twenty-sources",
        "transit-bare",
        "import-longest-lists",
        "export-longest-lists",
    ],
)
def test_with_or_without_each_optional_part_it_reads_back_the_same(
    application: PermitApplication,
) -> None:
    read = read_back(application)
    assert read == as_body(application)
    assert read.model_dump() == application.model_dump()


@pytest.mark.parametrize(("carats", "value", "written"), EXACT_AMOUNTS)
def test_carats_and_dollars_are_exact_decimals(
    carats: str, value: str, written: tuple[str, str]
) -> None:
    line = ShipmentLine(
        hs_code="7102.10", carats=Decimal(carats), value_usd=Decimal(value), origin="BW"
    )
    draw = CertificateDraw(issuing_country="BW", number="BW1", carats=Decimal(carats))
    sent = export_application(lines=[line, line], source_certificates=[draw])
    root = build_application(sent, REGISTRATION_NO, DOCUMENT_ID)
    item = root.find("sa:Consignment/sa:LineItem", SA)
    assert item is not None
    said = (item.findtext("sa:Carats", namespaces=SA), item.findtext("sa:Value", namespaces=SA))
    assert said == written
    assert root.findtext("sa:SourceCertificate/sa:Carats", namespaces=SA) == written[0]
    read = parse_application(serialised(root))[1]
    assert read == as_body(sent)
    assert all(type(x.carats) is Decimal and type(x.value_usd) is Decimal for x in read.lines)
    assert read.lines[0].carats == Decimal(carats) and read.lines[0].value_usd == Decimal(value)
    assert read.source_certificates[0].carats == Decimal(carats)
    assert read.carats == 2 * Decimal(carats)


@pytest.mark.parametrize("text", AWKWARD)
def test_awkward_text_is_signed_verified_and_read_back_exactly(
    text: str, pki: DevelopmentPki, representative: KeySigner
) -> None:
    party = Party(name=text, address=text, country="CN")
    sent = import_application(
        counterparty=party,
        foreign_certificate=foreign_certificate(
            exporter=party, importer=party, issuing_authority=text
        ),
    )
    signed = sign_application(sent, REGISTRATION_NO, representative)
    verified = xmldsig.verify(signed.data, trust_store=pki.ca)
    assert parse_application_element(verified.root) == (REGISTRATION_NO, as_body(sent))
    assert parse_application(signed.data) == (REGISTRATION_NO, as_body(sent))


# Schema


def test_every_element_of_the_schema_says_its_annex_i_item() -> None:
    elements = documentation(APPLICATION_FORMAT.xsd)
    assert len(elements) > 30
    for name, said in elements:
        assert "Annex I" in said, f"{name} does not say its item"


def test_the_format_carries_every_field_of_the_model() -> None:
    """Every field of the application and of its parts is read from the document: a field
    added to the model and not to the format fails here."""
    read = [read_back(import_application()), read_back(export_application())]
    assert set().union(*(a.model_fields_set for a in read)) == set(PermitApplication.model_fields)
    certificate, declarations = read[0].foreign_certificate, read[1].declarations
    assert certificate is not None and declarations is not None
    assert certificate.model_fields_set == set(ForeignCertificate.model_fields)
    assert declarations.model_fields_set == set(ExportDeclarations.model_fields)
    assert read[0].counterparty.model_fields_set == set(Party.model_fields)
    assert read[0].lines[0].model_fields_set == set(ShipmentLine.model_fields)
    assert read[1].source_certificates[0].model_fields_set == set(CertificateDraw.model_fields)


def test_a_pretty_printed_application_reads_the_same() -> None:
    """Indentation between elements is no part of any value (a trader's tool may indent the
    document before it signs it)."""
    sent = import_application()
    root = build_application(sent, REGISTRATION_NO, DOCUMENT_ID)
    pretty = etree.tostring(root, pretty_print=True, xml_declaration=True, encoding="UTF-8")
    assert b"\n  <sa:Consignment>" in pretty
    assert parse_application(pretty) == (REGISTRATION_NO, as_body(sent))


def _no_seal(root: etree._Element) -> None:
    equipment = root.find("sa:Consignment/sa:TransportEquipment", SA)
    assert equipment is not None
    for seal in equipment.findall("sa:Seal", SA):
        equipment.remove(seal)


def _fourth_hs_code(root: etree._Element) -> None:
    certificate = root.find("sa:ForeignCertificate", SA)
    assert certificate is not None
    codes = certificate.findall("sa:HSCode", SA)
    for _ in range(4 - len(codes)):
        codes[-1].addnext(etree.fromstring(etree.tostring(codes[-1])))


def _out_of_order(root: etree._Element) -> None:
    kind = root.find("sa:Kind", SA)
    expected = root.find("sa:ExpectedDate", SA)
    assert kind is not None and expected is not None
    kind.addprevious(expected)


FC = "sa:ForeignCertificate"
#: 7102.10 in Arabic-Indic digits: ``\d`` would take them, the schema's [0-9] does not.
ARABIC_HS_CODE = "\u0667\u0661\u0660\u0662.\u0661\u0660"
LINE = "sa:Consignment/sa:LineItem"
TAMPERED: list[tuple[str, Tamper, str]] = [
    ("unknown-element", add_child("sa:Consignment", "sa:Priority", "high"), "Priority"),
    ("unknown-attribute", set_attribute(".", "approved", "true"), "approved"),
    ("missing-id", no_id, "Id"),
    ("id-not-a-name", set_attribute(".", "Id", "1-starts-with-a-digit"), "Id"),
    ("out-of-order", _out_of_order, "ExpectedDate"),
    ("missing-registration", remove("sa:ApplicantRegistrationNumber"), "Applicant"),
    ("registration-too-short", set_text("sa:ApplicantRegistrationNumber", "S1"), "Applicant"),
    (
        "registration-trailing-space",
        set_text("sa:ApplicantRegistrationNumber", "SO123 "),
        "Applica",
    ),
    ("unknown-kind", set_text("sa:Kind", "smuggling"), "Kind"),
    ("missing-counterparty", remove("sa:Consignment/sa:Counterparty"), "Counterparty"),
    ("blank-name", set_text("sa:Consignment/sa:Counterparty/sa:Name", " Debswana"), "Name"),
    ("short-address", set_text("sa:Consignment/sa:Counterparty/sa:Address", "ab"), "Address"),
    ("lower-case-country", set_text("sa:Consignment/sa:ProvenanceCountry", "bw"), "Provenance"),
    ("hs-code-pattern", set_text(f"{LINE}/sa:HSCode", "7102.1"), "HSCode"),
    ("hs-code-arabic-digits", set_text(f"{LINE}/sa:HSCode", ARABIC_HS_CODE), "HSCode"),
    ("origin-two-stars", set_text(f"{LINE}/sa:OriginCountry", "**"), "OriginCountry"),
    ("carats-four-decimals", set_text(f"{LINE}/sa:Carats", "1.0001"), "Carats"),
    ("carats-one-decimal", set_text(f"{LINE}/sa:Carats", "1.5"), "Carats"),
    ("carats-fifteen-digits", set_text(f"{LINE}/sa:Carats", "999999999999.999"), "Carats"),
    ("carats-zero", set_text(f"{LINE}/sa:Carats", "0.00"), "Carats"),
    ("carats-negative", set_text(f"{LINE}/sa:Carats", "-1.00"), "Carats"),
    ("carats-comma", set_text(f"{LINE}/sa:Carats", "12,50"), "Carats"),
    ("dollars-three-decimals", set_text(f"{LINE}/sa:Value", "1.005"), "Value"),
    ("dollars-seventeen-digits", set_text(f"{LINE}/sa:Value", "999999999999999.99"), "Value"),
    ("wrong-unit", set_attribute(f"{LINE}/sa:Carats", "unitCode", "KGM"), "unitCode"),
    ("too-many-parcels", set_text("sa:Consignment/sa:ParcelCount", "10001"), "ParcelCount"),
    ("zero-parcels", set_text("sa:Consignment/sa:ParcelCount", "0"), "ParcelCount"),
    (
        "container-pattern",
        set_text("sa:Consignment/sa:TransportEquipment/sa:Container", "-C"),
        "Cont",
    ),
    ("no-seal", _no_seal, "TransportEquipment"),
    ("date-with-zone", set_text("sa:ExpectedDate", "2026-12-04Z"), "ExpectedDate"),
    ("date-not-a-day", set_text("sa:ExpectedDate", "2026-02-30"), "ExpectedDate"),
    ("document-id-not-uuid", set_text("sa:SupportingDocumentId", "../../etc/passwd"), "Supporting"),
    ("scan-id-not-uuid", set_text(f"{FC}/sa:ScanDocumentId", "x" * 37), "ScanDocumentId"),
    ("certificate-number-pattern", set_text(f"{FC}/sa:Number", "BW#1"), "Number"),
    ("four-hs-codes", _fourth_hs_code, "HSCode"),
    ("missing-expiry", remove(f"{FC}/sa:ExpiryDate"), "ExpiryDate"),
    ("wrong-business-process", set_text("sa:Context/sa:BusinessProcess", "CITES"), "Business"),
    ("wrong-version", set_text("sa:Context/sa:Version", "2"), "Version"),
]


@pytest.mark.parametrize(
    ("tamper", "says"), [pytest.param(t, s, id=name) for name, t, s in TAMPERED]
)
def test_the_schema_refuses_a_tampered_application_and_it_is_never_signed(
    tamper: Tamper, says: str, representative: KeySigner
) -> None:
    root = build_application(import_application(), REGISTRATION_NO, DOCUMENT_ID)
    tamper(root)
    assert_never_signed(APPLICATION, root, says, representative)


@pytest.mark.parametrize(
    ("tamper", "says"),
    [
        (set_text("sa:Declarations/sa:CompliesWithKPCS", "1"), "CompliesWithKPCS"),
        (set_text("sa:Declarations/sa:TamperProofContainer", "yes"), "TamperProofContainer"),
        (remove("sa:Declarations/sa:DestinationIsParticipant"), "TamperProofContainer"),
        (set_text("sa:SourceCertificate/sa:Carats", "1.5"), "Carats"),
        (set_text("sa:SourceCertificate/sa:IssuingCountry", "B1"), "IssuingCountry"),
    ],
)
def test_the_schema_refuses_a_tampered_export(tamper: Tamper, says: str) -> None:
    root = build_application(export_application(), REGISTRATION_NO, DOCUMENT_ID)
    tamper(root)
    with pytest.raises(UnreadableApplication, match=f"^shipment application: .*{says}"):
        parse_application_element(root)


@pytest.mark.parametrize(
    ("application", "registration_no", "says"),
    [
        (import_application(document_ids=["not-a-uuid"]), REGISTRATION_NO, "SupportingDocument"),
        (
            import_application(foreign_certificate=foreign_certificate(scan_document_id="scan-1")),
            REGISTRATION_NO,
            "ScanDocumentId",
        ),
        (import_application(), "", "ApplicantRegistrationNumber"),
        (import_application(), "SO#1", "ApplicantRegistrationNumber"),
        (
            import_application(
                lines=[
                    ShipmentLine.model_construct(  # the schema's own check
                        hs_code="7102.10",
                        carats=Decimal("-1"),
                        value_usd=Decimal("1"),
                        origin="BW",
                    )
                ]
            ),
            REGISTRATION_NO,
            "Carats",
        ),
    ],
)
def test_an_application_its_schema_refuses_is_never_signed(
    application: PermitApplication, registration_no: str, says: str, representative: KeySigner
) -> None:
    with pytest.raises(InvalidDocument, match=says):
        sign_application(application, registration_no, representative)


def test_a_document_id_that_is_not_an_xml_name_is_refused_when_built() -> None:
    for bad in ("", "1abc", "a b", "app:1", "é"):
        with pytest.raises(InvalidDocument, match="not an XML name"):
            build_application(import_application(), REGISTRATION_NO, bad)


def test_text_that_xml_cannot_carry_is_refused_when_built() -> None:
    party = Party(name="Lotus\x07Bell", address="Av. da Praia Grande 409", country="MO")
    with pytest.raises(InvalidDocument, match="Name cannot be written in XML"):
        build_application(import_application(counterparty=party), REGISTRATION_NO, DOCUMENT_ID)


# Signatures


@pytest.mark.parametrize(
    "application",
    [import_application(), export_application(), transit_application()],
    ids=["import", "export", "transit"],
)
def test_a_signed_application_verifies_with_xmlsec1_and_the_service(
    application: PermitApplication,
    tmp_path: Path,
    pki: DevelopmentPki,
    representative: KeySigner,
) -> None:
    signed = sign_application(application, REGISTRATION_NO, representative)
    verified = assert_verifies_until_changed(
        APPLICATION,
        signed.data,
        trusted=pki.ca,
        tmp_path=tmp_path,
        change=(b">120.50<", b">125.50<"),
    )
    subject = verified.signer.subject
    assert subject.get_attributes_for_oid(NameOID.SERIAL_NUMBER)[0].value == REGISTRATION_NO
    assert subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "Chan Tai Man"
    assert parse_application_element(verified.root) == (REGISTRATION_NO, as_body(application))
    assert str(verified.root.get("Id")).startswith("app-")


def test_each_signed_application_has_its_own_document_id(representative: KeySigner) -> None:
    ids = {
        etree.fromstring(
            sign_application(import_application(), REGISTRATION_NO, representative).data
        ).get("Id")
        for _ in range(3)
    }
    assert len(ids) == 3


def test_a_signature_by_a_key_the_trust_store_does_not_know_is_refused(
    tmp_path: Path, pki: DevelopmentPki
) -> None:
    stranger = DevelopmentPki(tmp_path / "other")
    stranger.init()
    key, chain = stranger.operator(REGISTRATION_NO, "Lotus Rough Diamonds Limitada", "Impostor")
    signed = sign_application(import_application(), REGISTRATION_NO, load_signer(key, chain))
    assert_not_verified(APPLICATION, signed.data, trusted=pki.ca, tmp_path=tmp_path)


# Reading what is not such an application


def _application_with(tamper: Tamper, application: PermitApplication | None = None) -> bytes:
    root = build_application(application or import_application(), REGISTRATION_NO, DOCUMENT_ID)
    tamper(root)
    return serialised(root)


def _same_source_twice(root: etree._Element) -> None:
    numbers = root.findall("sa:SourceCertificate/sa:Number", SA)
    countries = root.findall("sa:SourceCertificate/sa:IssuingCountry", SA)
    numbers[1].text, countries[1].text = "BW-2026-0042", "BW"


@pytest.mark.parametrize(
    ("data", "says"),
    [
        pytest.param(
            b'<sa:CustomsDeclaration xmlns:sa="urn:mo:gov:dsedt:kp:customs-declaration:1" Id="x"/>',
            "the root is .*CustomsDeclaration, not .*ShipmentApplication",
            id="wrong-root",
        ),
        pytest.param(
            b'<sa:ShipmentApplication xmlns:sa="urn:mo:gov:dsedt:kp:shipment-application:2" '
            b'Id="x"/>',
            "the root is .*shipment-application:2.*, not .*shipment-application:1",
            id="other-version",
        ),
        pytest.param(
            b'<sa:ShipmentApplication xmlns:sa="urn:mo:gov:dsedt:kp:shipment-application:1" '
            b'Id="x"/>',
            "Context",
            id="empty-application",
        ),
        pytest.param(
            _application_with(set_text(f"{LINE}/sa:Carats", "twelve")), "Carats.*twelve", id="nan"
        ),
        pytest.param(  # the schema's \S is narrower than Python's: the model has the last word
            _application_with(set_text("sa:Consignment/sa:Counterparty/sa:Name", "\u3000")),
            r"^shipment application: ShipmentApplication/Consignment/Counterparty/Name "
            r"\(counterparty\.name\): String should have at least 1 character$",
            id="model-refuses-blank-name",
        ),
        pytest.param(
            _application_with(set_text(f"{FC}/sa:IssueDate", "2027-01-20")),
            r"^shipment application: ShipmentApplication/ForeignCertificate "
            r"\(foreign_certificate\): the certificate expires before it was issued$",
            id="expires-before-issue",
        ),
        pytest.param(
            _application_with(set_text(f"{FC}/sa:Number", "B-")),
            r"ShipmentApplication/ForeignCertificate/Number \(foreign_certificate\.number\): "
            r"a certificate number has 2 to 35 letters and digits",
            id="certificate-number-too-short",
        ),
        pytest.param(
            _application_with(_same_source_twice, export_application()),
            r"^shipment application: ShipmentApplication: "
            r"each source certificate may be listed only once$",
            id="source-listed-twice",
        ),
        pytest.param(
            _application_with(set_text("sa:ApplicantRegistrationNumber", "S\u3000\u3000")),
            "ApplicantRegistrationNumber",
            id="registration-not-ascii",
        ),
    ],
)
def test_what_is_not_an_application_is_refused_with_a_clear_reason(data: bytes, says: str) -> None:
    """What is not XML, is too large or has a DOCTYPE is refused alike by every format
    (``test_xml_format.py``)."""
    assert_refused(APPLICATION, data, says)


def test_a_model_error_names_the_element_and_the_field() -> None:
    """What the schema lets through and the model refuses is named by its element (counted
    from 1, as XPath does) and by the model's field (counted from 0, as the JSON API does)."""
    data = _application_with(
        set_text("sa:SourceCertificate[2]/sa:Number", "Z-"), export_application()
    )
    with pytest.raises(UnreadableApplication) as refused:
        parse_application(data)
    assert str(refused.value).startswith(
        "shipment application: ShipmentApplication/SourceCertificate[2]/Number "
        "(source_certificates.1.number): a certificate number has 2 to 35 letters and digits"
    )
    data = _application_with(set_text(f"{FC}/sa:Exporter/sa:Address", "\u3000\u3000\u3000"))
    with pytest.raises(
        UnreadableApplication,
        match=r"ForeignCertificate/Exporter/Address \(foreign_certificate\.exporter\.address\): "
        r"String should have at least 3 characters$",
    ):
        parse_application(data)


def test_a_comment_inside_a_value_is_not_read_as_text() -> None:
    root = build_application(import_application(), REGISTRATION_NO, DOCUMENT_ID)
    name = root.find("sa:Consignment/sa:Counterparty/sa:Name", SA)
    assert name is not None
    name.text = "Debswana"
    name.append(etree.Comment(" Ltd "))
    name[-1].tail = " Sales"
    read = parse_application(serialised(root))[1]
    assert read.counterparty.name == "Debswana Sales"
