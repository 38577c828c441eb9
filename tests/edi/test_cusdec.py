"""A declaration as CUSDEC (D.96B): the segments and codes customs reads, and the model read back
exactly for every kind and function, for awkward text (separators, Chinese, Portuguese, line
breaks, the longest names and addresses) and decimals, and any declaration hypothesis makes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edi import cusdec, edifact
from edi.edifact import Delimiters, EdifactError, Segment
from schemas.customs import CertificateRole, DeclaredCertificate, MessageFunction
from schemas.shipment import Party, PermitKind, ShipmentLine
from tests.edi.customs_samples import MACAO, declaration, rewrite, segments


@pytest.mark.parametrize("function", list(MessageFunction))
@pytest.mark.parametrize("kind", list(PermitKind))
def test_every_kind_and_function_reads_back_exactly(
    kind: PermitKind, function: MessageFunction
) -> None:
    declared = declaration(kind=kind, function=function, version=7)
    data = cusdec.render(declared)
    assert cusdec.parse(data) == declared
    code = {PermitKind.import_: "929", PermitKind.export: "830", PermitKind.transit: "950"}[kind]
    licence = {PermitKind.import_: "911", PermitKind.export: "811", PermitKind.transit: "911"}
    assert f"BGM+{code}+EL-2026-00017-42:7+{function.value}" in segments(data)
    assert f"DOC+{licence[kind]}+EL-2026-00017-42" in segments(data)


def test_the_cusdec_as_customs_reads_it() -> None:
    written = segments(cusdec.render(declaration()))
    assert written[:5] == [
        "UNB+UNOW:4+DSEDT+MOCUSTOMS01+20261204:0730+D7QK2ABCDEF123",
        "UNH+D7QK2ABCDEF123+CUSDEC:D:96B:UN",
        "BGM+830+EL-2026-00017-42:1+9",
        "LOC+35+MO",
        "LOC+36+BE",
    ]
    expected = [
        "LOC+22+MOCUSTOMS01",
        "DTM+137:20261204073012UTC:304",
        "EQD+CN+MSKU1234567",
        "SEL+S-001",
        "SEL+S-002",
        "FTX+CUS+++KP-DRAWN:1:BW:BW/2026-0042:12.25",
        "RFF+ABO:PA-2026-00017",
        "PAC+3",
        "DOC+811+EL-2026-00017-42",
        "DTM+7:20261204:102",
        "DTM+36:20270202:102",
        "DOC+841:::KIMBERLEY PROCESS CERTIFICATE+MO2026000017",
        "LOC+91+MO",
        "DOC+916:::KIMBERLEY PROCESS CERTIFICATE+BW/2026-0042",
        "LOC+91+BW",
        "NAD+CZ+++Lotus Rough Diamonds Limitada+Av. da Praia Grande 409++++MO",
        "NAD+CN+++Antwerp Rough NV+Hoveniersstraat 2, 2018 Antwerpen++++BE",
        "NAD+DT+++Lotus Rough Diamonds Limitada: 蓮花毛坯鑽石有限公司"
        "+Av. da Praia Grande 409, Edifício: Comercial Rodrigues, 12.º: andar␊Macau++++MO",
        "RFF+AEA:OL-2025-0003-17",
        "UNS+D",
        "CST+1+710210",
        "LOC+27+***",
        "MEA+AAE+AAF+CTM:120.500",
        "MOA+38:54000.00:USD",
        "CST+2+710231",
        "LOC+27+ZA",
        "MEA+AAE+AAF+CTM:80.1",
        "MOA+38:36000:USD",
        "UNS+S",
        "UNT+34+D7QK2ABCDEF123",
        "UNZ+1+D7QK2ABCDEF123",
    ]
    assert written[5:] == expected


def test_decimals_come_back_as_written() -> None:
    read = cusdec.parse(cusdec.render(declaration()))
    assert [str(line.carats) for line in read.lines] == ["120.500", "80.1"]
    assert [str(line.value_usd) for line in read.lines] == ["54000.00", "36000"]
    assert str(read.certificates[1].carats) == "12.25"


def test_an_aware_time_keeps_its_instant_in_utc_to_the_second() -> None:
    declared = declaration(issued_at=datetime(2026, 12, 4, 15, 30, 12, 345_678, tzinfo=MACAO))
    read = cusdec.parse(cusdec.render(declared))
    assert read.issued_at == datetime(2026, 12, 4, 7, 30, 12, tzinfo=UTC)
    assert read == declared.model_copy(update={"issued_at": read.issued_at})


AWKWARD = [
    "O'Brien + Filhos: Lda? 100%?",
    "??",
    "ends with ?",
    "陳大文 Chan Tai Man, Edifício São João",
    "tab\tand\r\nCRLF\nand LF",
    "ÇÃÕ çãõ ñ € 💎 ﬁ",
]


@pytest.mark.parametrize("text", AWKWARD)
def test_awkward_text_comes_back_exactly(text: str) -> None:
    party = Party(name=text, address=f"{text} / {text}", country="PT")
    declared = declaration(consignee=party)
    assert cusdec.parse(cusdec.render(declared)) == declared


def test_the_longest_names_and_addresses_fit_in_nads_of_35_character_components() -> None:
    name = ("Companhia de Diamantes 澳門鑽石 " * 10)[:200].strip()
    address = ("Rua do Campo 12, 3.º andar, Edifício Nam Van, Macau 澳門\n" * 10)[:500].strip()
    party = Party(name=name, address=address, country="MO")
    declared = declaration(consignor=party, consignee=party, holder=party)
    data = cusdec.render(declared)
    nads = [s for s in edifact.parse(data).messages[0].body if s.tag == "NAD"]
    assert all(len(value) <= 35 for s in nads for element in s.elements for value in element)
    assert len(nads) <= 10  # D.96B: ten NAD groups
    assert all(s.value(8) == "MO" for s in nads)
    assert cusdec.parse(data) == declared


def test_other_separators_and_line_breaks_read_the_same() -> None:
    data = cusdec.render(declaration())
    read = edifact.parse(data)
    other = edifact.write(replace(read, delimiters=Delimiters("|", "^", ",", "\\", "*", "~")))
    assert other.startswith(b"UNA|^,\\*~UNB^UNOW|4^")
    assert cusdec.parse(other) == declaration()
    assert cusdec.parse(data.replace(b"'", b"'\r\n")) == declaration()


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        (
            {"consignee": Party(name="A\x85B", address="somewhere", country="BE")},
            "the consignee's name holds U+0085",
        ),
        (
            {"holder": Party(name="Lotus", address="Rua ␊ 1", country="MO")},
            "the holder's address holds U+240A",
        ),
    ],
)
def test_what_cusdec_cannot_carry_is_refused(changes: dict[str, Any], reason: str) -> None:
    with pytest.raises(EdifactError) as caught:
        cusdec.render(declaration(**changes))
    assert reason in str(caught.value)


def _without(tag: str, qualifier: str) -> Callable[[list[Segment]], list[Segment]]:
    return lambda body: [s for s in body if (s.tag, s.qualifier) != (tag, qualifier)]


def _replacing(old: Segment, new: Segment) -> Callable[[list[Segment]], list[Segment]]:
    return lambda body: [new if s == old else s for s in body]


def _drawn(*text: str) -> Segment:
    return Segment.of("FTX", "CUS", "", "", text)


#: The sample's carats drawn on its certificate BW/2026-0042.
DRAWN = _drawn("KP-DRAWN", "1", "BW", "BW/2026-0042", "12.25")


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (_without("DTM", "137"), "segment 7 (EQD): DTM+137 was expected here"),
        (_without("UNS", "S"), "segment 34 (UNT): message 'D7QK2ABCDEF123' ends where UNS+S"),
        (
            _replacing(Segment.of("LOC", "22", "MOCUSTOMS01"), Segment.of("LOC", "22", "OTHER")),
            "names customs office 'OTHER', but the interchange goes to 'MOCUSTOMS01'",
        ),
        (
            _replacing(
                Segment.of("BGM", "830", ("EL-2026-00017-42", "1"), "9"),
                Segment.of("BGM", "380", ("EL-2026-00017-42", "1"), "9"),
            ),
            "the document name code '380' is none of 830, 929, 950",
        ),
        (
            _replacing(Segment.of("CST", "1", "710210"), Segment.of("CST", "1", "7102.10")),
            "is item 1, with an HS code of six digits",
        ),
        (
            _replacing(Segment.of("LOC", "35", "MO"), Segment.of("LOC", "35", "MACAU")),
            "is not a valid declaration: dispatch_country: String should match pattern",
        ),
        (
            _replacing(
                Segment.of("MEA", "AAE", "AAF", ("CTM", "80.1")),
                Segment.of("MEA", "AAE", "AAF", ("KGM", "80.1")),
            ),
            "carats are measured as AAF (net net weight) in CTM",
        ),
        (lambda body: [*body, Segment.of("FTX", "AAI")], "(FTX): not expected here"),
        (
            _replacing(DRAWN, _drawn("KP-DRAWN", "1", "BW", "BW/2026-9999", "12.25")),
            "gives the carats of KP-DRAWN 1 (BW 'BW/2026-9999'), a certificate not declared",
        ),
        (
            _replacing(DRAWN, _drawn("KP-DRAWN", "2", "BW", "BW/2026-0042", "12.25")),
            "gives the carats of KP-DRAWN 2 (BW 'BW/2026-0042'), a certificate not declared",
        ),
        (
            _replacing(DRAWN, _drawn("KP-TRAVELS", "1", "BW", "BW/2026-0042", "12.25")),
            "a certificate not declared",
        ),
        (
            lambda body: [x for s in body for x in ([s, s] if s == DRAWN else [s])],
            "gives the carats of KP-DRAWN 1 (BW 'BW/2026-0042') a second time",
        ),
        (
            _replacing(DRAWN, _drawn("KP-DRAWN", "1", "BW", "BW/2026-0042")),
            "the carats of a certificate are FTX+CUS+++KP-DRAWN (or KP-TRAVELS)",
        ),
        (
            _replacing(DRAWN, _drawn("KP-DRAWN", "1", "BW", "BW/2026-0042", "12,2x")),
            "the carats drawn '12,2x' is not a number",
        ),
    ],
)
def test_a_cusdec_that_is_not_a_declaration_is_refused_with_its_reason(
    change: Callable[[list[Segment]], list[Segment]], reason: str
) -> None:
    data = rewrite(cusdec.render(declaration()), change)
    with pytest.raises(EdifactError) as caught:
        cusdec.parse(data)
    assert reason in str(caught.value)


def test_carats_find_their_certificate_by_role_and_place_among_twins() -> None:
    """Certificates alike in role, country and number: each note names one by its place."""

    def twin(role: CertificateRole, carats: str | None = None) -> DeclaredCertificate:
        amount = Decimal(carats) if carats else None
        return DeclaredCertificate(role=role, issuing_country="BW", number="BW1", carats=amount)

    declared = declaration(
        certificates=[
            twin(CertificateRole.drawn_on),
            twin(CertificateRole.travels_under, "1.50"),
            twin(CertificateRole.drawn_on, "7"),
            twin(CertificateRole.drawn_on),
        ]
    )
    data = cusdec.render(declared)
    notes = [s for s in segments(data) if s.startswith("FTX")]
    assert notes == ["FTX+CUS+++KP-TRAVELS:1:BW:BW1:1.50", "FTX+CUS+++KP-DRAWN:2:BW:BW1:7"]
    assert cusdec.parse(data) == declared


def test_carats_out_of_the_certificates_order_are_refused() -> None:
    first = DeclaredCertificate(
        role=CertificateRole.drawn_on, issuing_country="ZA", number="ZA1", carats=Decimal(1)
    )
    data = cusdec.render(declaration(certificates=[first, *declaration().certificates]))

    def swap(body: list[Segment]) -> list[Segment]:
        notes = [s for s in body if s.tag == "FTX"]
        return [notes[1 - notes.index(s)] if s.tag == "FTX" else s for s in body]

    with pytest.raises(EdifactError, match="out of the certificates' order"):
        cusdec.parse(rewrite(data, swap))


def test_another_message_type_is_refused() -> None:
    data = cusdec.render(declaration()).replace(b"CUSDEC:D:96B", b"CUSDEC:D:01B")
    with pytest.raises(EdifactError, match="is CUSDEC:D:01B:UN, not CUSDEC:D:96B:UN"):
        cusdec.parse(data)


#: Any character a model's text may hold, but those EDIFACT text here cannot carry back (C1
#: controls, the control pictures standing for C0 ones) and halves of surrogate pairs.
TEXT = st.characters(
    exclude_categories=["Cs"],
    exclude_characters=[chr(c) for c in [*range(0x80, 0xA0), *range(0x2400, 0x2422)]],
)
CODE = st.from_regex(r"[0-9A-Za-z][0-9A-Za-z/.\-]{0,34}", fullmatch=True)
IDENT = st.from_regex(r"[0-9A-Za-z][0-9A-Za-z/.\-]{0,39}", fullmatch=True)
COUNTRY = st.from_regex(r"[A-Z]{2}", fullmatch=True)


def _text(low: int, high: int) -> st.SearchStrategy[str]:
    return st.text(TEXT, min_size=low, max_size=high).map(str.strip).filter(lambda t: len(t) >= low)


def _decimal(digits: int, places: int) -> st.SearchStrategy[Decimal]:
    """Positive decimals of at most ``digits`` digits, ``places`` of them after the point, with
    0 to ``places`` decimals written (``12.50`` as well as ``12.5``)."""
    return st.integers(0, places).flatmap(
        lambda p: st.integers(1, 10 ** (digits - places + p) - 1).map(
            lambda n: Decimal(n).scaleb(-p)
        )
    )


PARTIES = st.builds(Party, name=_text(1, 200), address=_text(3, 500), country=COUNTRY)
LINES = st.builds(
    ShipmentLine,
    hs_code=st.sampled_from(["7102.10", "7102.21", "7102.31"]),
    carats=_decimal(14, 3),
    value_usd=_decimal(16, 2),
    origin=st.one_of(COUNTRY, st.just("***")),
)
CERTIFICATES = st.builds(
    DeclaredCertificate,
    role=st.sampled_from(list(CertificateRole)),
    issuing_country=COUNTRY,
    number=CODE,
    carats=st.one_of(st.none(), _decimal(14, 3)),
)
MOMENTS = st.datetimes(
    min_value=datetime(1900, 1, 2),
    max_value=datetime(2999, 12, 30),
    timezones=st.sampled_from([UTC, MACAO, timezone(timedelta(hours=-9, minutes=-30))]),
).map(lambda moment: moment.replace(microsecond=0))


@settings(max_examples=60, deadline=None)
@given(
    kind=st.sampled_from(list(PermitKind)),
    function=st.sampled_from(list(MessageFunction)),
    version=st.integers(1, 99),
    issued_at=MOMENTS,
    case_no=CODE,
    permit_no=CODE,
    holder=PARTIES,
    consignor=PARTIES,
    consignee=PARTIES,
    lines=st.lists(LINES, min_size=1, max_size=20),
    parcels=st.integers(1, 10_000),
    containers=st.lists(IDENT, min_size=1, max_size=50),
    seals=st.lists(IDENT, min_size=1, max_size=200),
    certificates=st.lists(CERTIFICATES, max_size=21),
)
def test_any_declaration_reads_back_exactly(**fields: Any) -> None:
    declared = declaration(**fields)
    assert cusdec.parse(cusdec.render(declared)) == declared


def test_a_customs_office_code_over_25_characters_is_the_place_name() -> None:
    """D.96B's LOC place identification (3225) is an..25; the model's party code is an..35."""
    office = "MOCUSTOMS0123456789ABCDEFGH"
    declared = declaration(recipient=office)
    data = cusdec.render(declared)
    assert f"LOC+22+:::{office}" in segments(data)
    assert "LOC+22+MOCUSTOMS01" in segments(cusdec.render(declaration()))
    assert cusdec.parse(data) == declared
