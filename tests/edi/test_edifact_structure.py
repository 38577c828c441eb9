"""The interchanges we write, held to the UN/EDIFACT directories an independent validator checks
them against: D.96B's CUSDEC and CUSRES branching diagrams and ISO 9735-5's CONTRL (syntax 4),
and the D.96B segments and code lists they use.

The diagrams below are transcribed from the UN D.96B message directory as the bots grammars
(``bots-edi/bots-grammars``: ``edifact/D96B/CUSDECD96BUN.py``, ``CUSRESD96BUN.py``,
``recordsD96BUN.py``) and ``php-edifact/edifact-mapping`` (``src/Mapping/D96B/messages/
cusdec.xml``, ``cusres.xml``, ``src/Mapping/D96B/codes.xml``, ``src/Mapping/Service_V4/
messages/contrl.xml``, ``segments.xml``) give them; the two agree. A group is written with its
segment group number (``SG5``); its first segment is its trigger. Groups we do not use are given
by their trigger alone, so that one of their segments is still placed (or refused) rightly;
below ``UNS`` only what we use is spelled out.

What the model allows and D.96B cannot carry (``edi.cusdec``'s and ``edi.cusres``'s docstrings)
is checked to be flagged, so that it stays a known, listed deviation."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from edi import contrl, cusdec, cusres, edifact
from edi.contrl import Action, Contrl, ElementError, MessageReport, SegmentError
from edi.edifact import Segment
from schemas.customs import (
    CertificateRole,
    CustomsStatus,
    DeclaredCertificate,
    MessageFunction,
    ResponseError,
    Stage,
)
from schemas.shipment import Party, PermitKind
from tests.edi.customs_samples import declaration, found, response, rewrite

M, C = True, False


@dataclass(frozen=True)
class Node:
    """A segment (``tag``) or a segment group (``children``, its trigger first) of a diagram,
    mandatory or conditional, repeated at most ``most`` times."""

    tag: str
    mandatory: bool
    most: int
    children: tuple[Node, ...] = ()

    @property
    def trigger(self) -> str:
        return self.children[0].tag if self.children else self.tag


def s(tag: str, mandatory: bool, most: int) -> Node:
    return Node(tag, mandatory, most)


def g(name: str, mandatory: bool, most: int, *children: Node) -> Node:
    return Node(name, mandatory, most, children)


def only(name: str, most: int, trigger: str) -> Node:
    """A conditional group we do not use: its trigger alone."""
    return g(name, C, most, s(trigger, M, 1))


#: CUSDEC D.96B, between UNH and UNT.
CUSDEC = (
    s("BGM", M, 1),
    s("CST", C, 1),
    s("LOC", C, 99),
    s("DTM", C, 15),
    s("GIS", C, 25),
    s("FII", C, 1),
    s("MEA", C, 5),
    s("EQD", C, 999),
    s("SEL", C, 999),
    s("FTX", C, 99),
    g(
        "SG1",
        C,
        99,
        s("RFF", M, 1),
        s("DTM", C, 1),
        g("SG2", C, 10, s("PAC", M, 1), only("SG3", 999, "PCI")),
    ),
    g("SG4", C, 5, s("TDT", M, 1), s("TPL", C, 1)),
    g("SG5", C, 10, s("DOC", M, 1), s("DTM", C, 2), s("LOC", C, 1)),
    g("SG6", C, 10, s("NAD", M, 1), s("RFF", C, 10), s("CTA", C, 1), s("COM", C, 5)),
    g("SG7", C, 1, s("TOD", M, 1), s("LOC", C, 2), s("FTX", C, 1)),
    g("SG8", C, 25, s("MOA", M, 1), only("SG9", 1, "CUX")),
    s("UNS", M, 1),
    only("SG10", 999, "DMS"),
    g(
        "SG30",
        C,
        9999,
        s("CST", M, 1),
        s("FTX", C, 9),
        s("LOC", C, 25),
        s("DTM", C, 5),
        s("MEA", C, 20),
        s("NAD", C, 5),
        s("TDT", C, 9),
        only("SG31", 10, "PAC"),
        g("SG33", C, 25, s("MOA", M, 1), only("SG34", 1, "CUX")),
        only("SG35", 999, "RFF"),
        only("SG37", 25, "DOC"),
        only("SG38", 1, "TOD"),
        only("SG39", 1, "GDS"),
        only("SG40", 25, "GIS"),
        only("SG41", 10, "TAX"),
        only("SG42", 1, "QVR"),
        only("SG44", 50, "GIR"),
    ),
    s("UNS", M, 1),
    s("CNT", C, 5),
    only("SG49", 50, "TAX"),
    only("SG50", 1, "AUT"),
)

#: CUSRES D.96B, between UNH and UNT.
CUSRES = (
    s("BGM", M, 1),
    s("DTM", C, 9),
    s("FTX", C, 9),
    s("TDT", C, 9),
    s("LOC", C, 99),
    s("GIS", C, 10),
    s("EQD", C, 999),
    only("SG1", 9, "NAD"),
    g("SG3", C, 999, s("RFF", M, 1), s("DTM", C, 9), s("LOC", C, 9)),
    g("SG4", C, 99, s("ERP", M, 1), s("RFF", C, 9), s("ERC", C, 99), s("FTX", C, 99)),
    only("SG5", 99, "TAX"),
    g(
        "SG6",
        C,
        9999,
        s("DOC", M, 1),
        s("PAC", C, 9),
        s("RFF", C, 9),
        s("PCI", C, 9),
        s("FTX", C, 9),
        s("TDT", C, 9),
        s("LOC", C, 9),
        s("DTM", C, 9),
        s("GIS", C, 9),
        s("MEA", C, 99),
        s("EQD", C, 999),
        only("SG7", 9, "NAD"),
        only("SG9", 99, "MOA"),
        only("SG10", 9999, "CST"),
        only("SG12", 9999, "ERP"),
    ),
    s("CNT", C, 9),
    only("SG13", 9, "AUT"),
)

#: CONTRL, syntax 4 (ISO 9735-5), between UNH and UNT.
CONTRL = (
    s("UCI", M, 1),
    g("SG1", C, 999999, s("UCM", M, 1), g("SG2", C, 999, s("UCS", M, 1), s("UCD", C, 99))),
    g("SG3", C, 999999, s("UCF", M, 1), only("SG4", 999999, "UCM")),
)

#: The D.96B (and syntax 4 service) segments we write: each data element, ``!`` if mandatory,
#: as its components, ``*`` before a mandatory one, ``an35`` for an..35, ``n18`` for n..18.
ELEMENTS: dict[str, tuple[str, ...]] = {
    "BGM": ("an3:an3:an3:an35", "an35:an9:an6", "an3", "an3"),
    "CST": ("n5", *("*an18:an3:an3",) * 5),
    "DOC": ("!an3:an3:an3:an35", "an35:an3:an35:an3", "an3", "n2", "n2"),
    "DTM": ("!*an3:an35:an3",),
    "EQD": ("!an3", "an17:an3:an3:an3", "an10:an3:an3:an35", "an3", "an3", "an3"),
    "ERC": ("!*an8:an3:an3",),
    "ERP": ("an3:an35:n6", "an3:an10:an3"),
    "FTX": ("!an3", "an3", "*an17:an3:an3", "*an70:an70:an70:an70:an70", "an3"),
    "GIS": ("!*an3:an3:an3:an17",),
    "LOC": ("!an3", *("an25:an3:an3:an70",) * 3, "an3"),
    "MEA": ("!an3", "an3:an3:an17:an70", "*an3:an18:n18:n18:n2", "an3"),
    "MOA": ("!*an3:n18:an3:an3:an3",),
    "NAD": (
        "!an3",
        "*an35:an3:an3",
        "*an35:an35:an35:an35:an35",
        "*an35:an35:an35:an35:an35:an3",
        "*an35:an35:an35:an35",
        "an35",
        "an9",
        "an9",
        "an3",
    ),
    "PAC": ("n8", "an3:an3:an3", "an17:an3:an3:an35", "*an3:*an35:an3:an35:an3", "an3:an3"),
    "RFF": ("!*an3:an35:an6:an35",),
    "SEL": ("!an10", "an3:an3:an3:an35", "an3"),
    "UNS": ("!an1",),
    "UCI": (
        "!an14",
        *("!*an35:an4:an35:an35",) * 2,
        "!an3",
        "an3",
        "an3",
        "*n3:n3:n6",
        "an14",
        "n6",
    ),
    "UCM": (
        "an14",
        "!*an6:*an3:*an3:*an3:an6:an6:an6",
        "!an3",
        "an3",
        "an3",
        "*n3:n3:n6",
        "an35",
        "*an3:*an35",
        "an14",
        "n6",
    ),
    "UCS": ("!n6", "an3"),
    "UCD": ("!an3", "!*n3:n3:n6"),
}

#: Where we write a code of a D.96B code list, the list's codes we may use (each in D.96B).
CODES: dict[tuple[str, int, int], frozenset[str]] = {
    key: frozenset(codes.split())
    for key, codes in {
        # 1001 document/message name
        ("BGM", 0, 0): "929 830 950 962 963",
        ("DOC", 0, 0): "911 811 841 916 998",
        ("BGM", 2, 0): "9 5 1",  # 1225 message function
        ("LOC", 0, 0): "22 27 35 36 91",  # 3227 place/location qualifier
        ("DTM", 0, 0): "137 7 36",  # 2005 date/time/period qualifier
        ("DTM", 0, 2): "102 304",  # 2379 date/time/period format
        ("RFF", 0, 0): "ABO AEA ACW SN",  # 1153 reference qualifier
        ("NAD", 0, 0): "CZ CN DT",  # 3035 party qualifier
        ("MOA", 0, 0): "38",  # 5025 monetary amount type qualifier
        ("MOA", 0, 2): "USD",  # 6345 currency, ISO 4217
        ("MEA", 0, 0): "AAE",  # 6311 measurement application qualifier
        ("MEA", 1, 0): "AAF",  # 6313 measurement dimension
        ("MEA", 2, 0): "CTM",  # 6411 measure unit, UN/ECE Rec. 20: carat (metric)
        # 4451 text subject qualifier; CUS: customs declaration information
        ("FTX", 0, 0): "AAI AAO CUS",
        ("EQD", 0, 0): "CN",  # 8053 equipment qualifier
        ("GIS", 0, 2): "ZZZ",  # 3055 code list responsible agency: mutually defined
        ("ERP", 0, 0): "1",  # 1049 message section: heading section
        ("UNS", 0, 0): "D S",  # 0081 section identification
        ("UCI", 3, 0): "4 7 8",  # 0083 action
        ("UCM", 2, 0): "4 7 8",
    }.items()
}

_SPEC = re.compile(r"(\*?)(an|n)([0-9]+)")
_NUMBER = re.compile(r"-?[0-9]*\.?[0-9]*")


def placement(diagram: Sequence[Node], body: Sequence[Segment]) -> list[str]:
    """What a validator says of the order, nesting and repetitions of a message's segments
    (``body``: between UNH and UNT): nothing if they follow ``diagram``. Segments are placed
    as the syntax does, each at the first place after the last one that takes it; the first
    segment that has no place ends the check (what follows it would only echo it)."""
    problems: list[str] = []
    missing: list[tuple[int, str]] = []

    def walk(nodes: Sequence[Node], at: int, where: str, group: bool) -> int:
        for n, node in enumerate(nodes):
            if group and n == 0:  # the trigger, which opened the group
                at += 1
                continue
            count = 0
            while at < len(body) and body[at].tag == node.trigger:
                count += 1
                if count > node.most:
                    problems.append(
                        f"{_at(body[at])}: {where}{node.tag} repeated more than {node.most} times"
                    )
                at = (
                    walk(node.children, at, f"{where}{node.tag}/", True)
                    if node.children
                    else at + 1
                )
            if count == 0 and node.mandatory:
                before = _at(body[at]) if at < len(body) else "the end"
                missing.append((at, f"{where}{node.tag}: mandatory, missing before {before}"))
        return at

    end = walk(diagram, 0, "", False)
    # What is missing before a segment that has no place is only its echo.
    problems.extend(problem for at, problem in missing if at < end or end == len(body))
    if end < len(body):
        problems.append(f"{_at(body[end])}: not allowed here")
    return problems


def _at(segment: Segment) -> str:
    return f"segment {segment.position} ({segment.tag})"


def contents(segment: Segment) -> list[str]:
    """What a validator says of a segment's data elements: presence, lengths and codes."""
    where = _at(segment)
    specs = ELEMENTS.get(segment.tag)
    if specs is None:
        return [f"{where}: not a segment we write"]
    problems = []
    if len(segment.elements) > len(specs):
        problems.append(f"{where}: {len(segment.elements)} data elements, at most {len(specs)}")
    for e, spec in enumerate(specs):
        values = segment.components(e)
        components = spec.removeprefix("!").split(":")
        present = any(values)
        if spec.startswith("!") and not present:
            problems.append(f"{where}: data element {e + 1} is mandatory")
        if len(values) > len(components):
            problems.append(f"{where}: data element {e + 1} has too many components")
        for c, component in enumerate(components):
            value = values[c] if c < len(values) else ""
            match = _SPEC.fullmatch(component)
            assert match, component
            mandatory, kind, most = match.group(1), match.group(2), int(match.group(3))
            if not value:
                if mandatory and present:
                    problems.append(f"{where}: {e + 1}.{c + 1} is mandatory")
                continue
            size = len(value)
            if kind == "n":
                if not _NUMBER.fullmatch(value):
                    problems.append(f"{where}: {e + 1}.{c + 1} {value!r} is not numeric")
                size = sum(char.isdigit() for char in value)
            if size > most:
                problems.append(f"{where}: {e + 1}.{c + 1} {value!r} is over {kind}..{most}")
            codes = CODES.get((segment.tag, e, c))
            if codes is not None and value not in codes:
                problems.append(f"{where}: {e + 1}.{c + 1} {value!r} is not in its code list")
    return problems


def problems(data: bytes, diagram: Sequence[Node]) -> list[str]:
    body = edifact.sole(edifact.parse(data)).body
    return [*placement(diagram, body), *(p for segment in body for p in contents(segment))]


@pytest.mark.parametrize("function", list(MessageFunction))
@pytest.mark.parametrize("kind", list(PermitKind))
def test_every_kind_and_function_of_cusdec_follows_d96b(
    kind: PermitKind, function: MessageFunction
) -> None:
    assert problems(cusdec.render(declaration(kind=kind, function=function)), CUSDEC) == []


def test_the_largest_cusdec_d96b_carries_follows_it() -> None:
    longest = ("Companhia de Diamantes 澳門鑽石 " * 10)[:200].strip()
    address = ("Rua do Campo 12, 3.º andar, Edifício Nam Van, Macau 澳門\n" * 10)[:500].strip()
    party = Party(name=longest, address=address, country="MO")
    sample = declaration()
    declared = declaration(
        consignor=party,
        consignee=party,
        holder=party,
        recipient="C" * 35,  # LOC's place identification is an..25: the place name takes it
        version=99,
        lines=sample.lines * 10,
        parcels=10_000,
        containers=[f"MSKU{n:07d}" for n in range(50)],
        seals=[f"S{n:09d}" for n in range(200)],
        certificates=[
            DeclaredCertificate(
                role=CertificateRole.drawn_on,
                issuing_country="BW",
                number=n * 35,
                carats=Decimal("99999999999.999"),
            )
            for n in "ABCDEFGHI"
        ],
    )
    data = cusdec.render(declared)
    assert problems(data, CUSDEC) == []
    assert cusdec.parse(data) == declared


@pytest.mark.parametrize("stage", list(Stage))
@pytest.mark.parametrize("status", list(CustomsStatus))
def test_every_status_of_cusres_follows_d96b(status: CustomsStatus, stage: Stage) -> None:
    data = cusres.render(response(status, stage=stage), recipient="DSEDT")
    assert problems(data, CUSRES) == []


def test_the_largest_cusres_d96b_carries_follows_it() -> None:
    text = "Seal S-002: not on the licence? " * 11
    sent = response(
        CustomsStatus.discrepancy,
        note=text[:350],
        errors=[ResponseError(code=f"E{n:07d}", text=text[:350]) for n in range(50)],
        found=found(
            containers=[f"C{n:016d}" for n in range(50)],
            seals=[f"S-{n:033d}" for n in range(200)],
            carats=Decimal("99999999999.999"),
        ),
    )
    data = cusres.render(sent, recipient="DSEDT")
    assert problems(data, CUSRES) == []
    assert cusres.parse(data) == sent


@pytest.mark.parametrize(
    "message",
    [
        None,
        MessageReport("D7QK2ABCDEF123", cusdec.CUSDEC, Action.rejected, "29", "UNT"),
        MessageReport(
            "D7QK2ABCDEF123",
            cusdec.CUSDEC,
            Action.rejected,
            segments=(
                SegmentError(position=5, code="12"),
                SegmentError(
                    position=9, elements=(ElementError("37", 2, 1), ElementError("39", 4))
                ),
            ),
        ),
    ],
)
def test_contrl_follows_iso_9735(message: MessageReport | None) -> None:
    report = Contrl(
        message_id="C20261205A1",
        sender="MOCUSTOMS01",
        recipient="DSEDT",
        prepared_at=datetime(2026, 12, 5, 9, 0, tzinfo=UTC),
        interchange="D7QK2ABCDEF123",
        action=Action.rejected if message else Action.received,
        message=message,
    )
    assert problems(contrl.render(report), CONTRL) == []


def _moved(data: bytes, tag: str, qualifier: str, before: str) -> bytes:
    """``data`` with its first ``tag+qualifier`` segment moved before its first ``before``."""

    def change(body: list[Segment]) -> list[Segment]:
        moving = next(x for x in body if x.tag == tag and x.qualifier == qualifier)
        body.remove(moving)
        at = next(n for n, x in enumerate(body) if x.tag == before)
        return [*body[:at], moving, *body[at:]]

    return rewrite(data, change)


def test_a_misordered_cusdec_is_flagged() -> None:
    data = _moved(cusdec.render(declaration()), "DTM", "137", "LOC")
    assert problems(data, CUSDEC) == ["segment 5 (LOC): not allowed here"]


def test_a_cusdec_without_its_closing_uns_is_flagged() -> None:
    data = rewrite(cusdec.render(declaration()), lambda body: body[:-1])
    assert problems(data, CUSDEC) == ["UNS: mandatory, missing before the end"]


def test_a_misplaced_cusres_segment_is_flagged() -> None:
    data = _moved(cusres.render(response(), recipient="DSEDT"), "RFF", "ACW", "GIS")
    assert problems(data, CUSRES) == ["segment 6 (GIS): not allowed here"]


def test_a_code_outside_its_list_and_a_missing_element_are_flagged() -> None:
    def change(body: list[Segment]) -> list[Segment]:
        return [
            Segment.of("BGM", "830", "EL-2026-00017-42", "99")
            if x.tag == "BGM"
            else Segment("DTM", (("", "20261204", "102"),))
            if x.qualifier == "7"
            else x
            for x in body
        ]

    data = rewrite(cusdec.render(declaration()), change)
    assert problems(data, CUSDEC) == [
        "segment 3 (BGM): 3.1 '99' is not in its code list",
        "segment 15 (DTM): 1.1 is mandatory",
    ]


@pytest.mark.parametrize(
    ("changes", "flagged"),
    [
        # SG5 repeats ten times: the licence and nine certificates.
        (
            {
                "certificates": [
                    DeclaredCertificate(
                        role=CertificateRole.drawn_on, issuing_country="BW", number=f"BW{n}"
                    )
                    for n in range(10)
                ]
            },
            ["segment 34 (DOC): SG5 repeated more than 10 times"],
        ),
        ({"containers": ["C" * 18]}, ["segment 8 (EQD): 2.1 'CCCCCCCCCCCCCCCCCC' is over an..17"]),
        ({"seals": ["S" * 11]}, ["segment 9 (SEL): 1.1 'SSSSSSSSSSS' is over an..10"]),
    ],
)
def test_what_the_model_allows_beyond_cusdec_d96b_is_flagged(
    changes: dict[str, Any], flagged: list[str]
) -> None:
    declared = declaration(**changes)
    data = cusdec.render(declared)
    assert problems(data, CUSDEC) == flagged
    assert cusdec.parse(data) == declared


def test_the_export_sample_with_carats_drawn_follows_d96b() -> None:
    """The carats drawn on a certificate go in a header FTX, not in its DOC group (SG5)."""
    declared = declaration()
    assert [c.carats for c in declared.certificates] == [None, Decimal("12.25")]
    data = cusdec.render(declared)
    assert problems(data, CUSDEC) == []
    assert cusdec.parse(data) == declared


def test_a_carats_ftx_naming_an_undeclared_certificate_is_refused() -> None:
    def change(body: list[Segment]) -> list[Segment]:
        other = Segment.of("FTX", "CUS", "", "", ("KP-DRAWN", "1", "BW", "BW/2026-9999", "3"))
        return [other if x.tag == "FTX" else x for x in body]

    data = rewrite(cusdec.render(declaration()), change)
    assert problems(data, CUSDEC) == []  # well formed: only the declaration knows better
    with pytest.raises(edifact.EdifactError, match="a certificate not declared"):
        cusdec.parse(data)


@pytest.mark.parametrize(
    ("changes", "flagged"),
    [
        (
            {"errors": [ResponseError(code="E12345678")]},
            ["segment 12 (ERC): 1.1 'E12345678' is over an..8"],
        ),
        (
            {"found": found(seals=["S" * 36])},
            [f"segment 9 (RFF): 1.2 {'S' * 36!r} is over an..35"],
        ),
        (
            {"found": found(containers=["C" * 18])},
            ["segment 15 (EQD): 2.1 'CCCCCCCCCCCCCCCCCC' is over an..17"],
        ),
    ],
)
def test_what_the_model_allows_beyond_cusres_d96b_is_flagged(
    changes: dict[str, Any], flagged: list[str]
) -> None:
    sent = response(CustomsStatus.discrepancy, **changes)
    data = cusres.render(sent, recipient="DSEDT")
    assert problems(data, CUSRES) == flagged
    assert cusres.parse(data) == sent
