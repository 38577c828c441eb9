"""Customs' responses in EDIFACT: CUSRES (D.96B) read back exactly for every status and stage,
errors, found figures and note; CONTRL written and read as received (8, 7) or rejected (4, with
its syntax errors); and :func:`edi.cusres.parse_response` telling the two apart."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edi import contrl, cusdec, cusres
from edi.contrl import (
    Action,
    Contrl,
    ElementError,
    MessageReport,
    SegmentError,
)
from edi.edifact import EdifactError, MessageType, Segment
from schemas.customs import CustomsResponse, CustomsStatus, Found, ResponseError, Stage
from tests.edi.customs_samples import (
    DECLARATION_ID,
    MACAO,
    declaration,
    found,
    response,
    rewrite,
    segments,
)


@pytest.mark.parametrize("stage", list(Stage))
@pytest.mark.parametrize("status", list(CustomsStatus))
def test_every_status_and_stage_reads_back_exactly(status: CustomsStatus, stage: Stage) -> None:
    sent = response(status, stage=stage, note="Counted at the border.")
    data = cusres.render(sent, recipient="DSEDT")
    assert cusres.parse(data) == sent
    assert cusres.parse_response(data) == sent
    written = segments(data)
    assert written[2].startswith("BGM+963" if status is CustomsStatus.rejected else "BGM+962")
    assert f"GIS+{cusres.STATUS[status]}::ZZZ" in written
    assert f"GIS+{cusres.STAGE[stage]}::ZZZ" in written


def test_the_cusres_as_written() -> None:
    sent = response(
        CustomsStatus.discrepancy,
        stage=Stage.exit,
        errors=[ResponseError(code="E12", text="Seal S-002 broken: 'x'+y?")],
        note="Officer 陳大文\nPosto Fronteiriço",
    )
    assert segments(cusres.render(sent, recipient="DSEDT")) == [
        "UNB+UNOW:4+MOCUSTOMS01+DSEDT+20261205:0900+R20261205A1",
        "UNH+R20261205A1+CUSRES:D:96B:UN",
        "BGM+962+EL-2026-00017-42+9",
        "DTM+137:20261205090005UTC:304",
        "DTM+7:20261205:102",
        "FTX+AAI+++Officer 陳大文␊Posto Fronteiriço",
        "GIS+DSC::ZZZ",
        "GIS+EXT::ZZZ",
        "RFF+ACW:D7QK2ABCDEF123",
        "RFF+SN:S-001",
        "RFF+SN:S-002",
        "ERP+1",
        "ERC+E12",
        "FTX+AAO+++Seal S-002 broken?: ?'x?'?+y??",
        "DOC+998",
        "PAC+3",
        "GIS+SBR::ZZZ",
        "MEA+AAE+AAF+CTM:119.500",
        "EQD+CN+MSKU1234567",
        "UNT+19+R20261205A1",
        "UNZ+1+R20261205A1",
    ]


@pytest.mark.parametrize(
    "text",
    [
        None,
        "",
        "  leading and trailing spaces  ",
        "?'+:" * 87,
        ("Linha 1 çãõ 澳門\r\n\tlinha 2 " * 20)[:350],
    ],
)
def test_notes_and_error_texts_of_any_length_read_back_exactly(text: str | None) -> None:
    sent = response(
        CustomsStatus.rejected,
        note=text,
        errors=[ResponseError(code="E1", text=text), ResponseError(code="E2", text="after")],
    )
    read = cusres.parse(cusres.render(sent, recipient="DSEDT"))
    assert read == sent
    assert read.note == text and read.errors[0].text == text


def test_the_most_a_response_holds_reads_back() -> None:
    sent = response(
        CustomsStatus.discrepancy,
        errors=[ResponseError(code=f"E{n}", text=f"error {n}") for n in range(50)],
        found=found(
            containers=[f"C{n:039d}" for n in range(50)],
            seals=[f"S-{n}" for n in range(200)],
            carats=Decimal("99999999999.999"),
        ),
    )
    assert cusres.parse(cusres.render(sent, recipient="DSEDT")) == sent


def test_a_response_without_licence_number_and_in_another_zone_reads_back() -> None:
    macao = datetime(2026, 12, 5, 17, 0, 5, tzinfo=MACAO)
    sent = response(CustomsStatus.received, permit_no=None, issued_at=macao)
    data = cusres.render(sent, recipient="DSEDT")
    assert "BGM+962++9" in segments(data)
    assert cusres.parse(data) == sent


#: Segments of :func:`response` as rendered, which the tests of what is refused change.
ANSWERS = Segment.of("RFF", ("ACW", DECLARATION_ID))
ISSUED = Segment.of("DTM", ("137", "20261205090005UTC", "304"))


def _rewritten(data: bytes, old: Segment | None, new: list[Segment]) -> bytes:
    """``data`` with segment ``old`` replaced by ``new``, or ``new`` added at the end."""
    if old is None:
        return rewrite(data, lambda body: [*body, *new])
    return rewrite(
        data, lambda body: [s for kept in body for s in (new if kept == old else [kept])]
    )


@pytest.mark.parametrize(
    ("status", "old", "new", "reason"),
    [
        (
            CustomsStatus.accepted,
            Segment.of("BGM", "962", "EL-2026-00017-42", "9"),
            [Segment.of("BGM", "963", "EL-2026-00017-42", "9")],
            "document '963' contradicts status ACC",
        ),
        (
            CustomsStatus.accepted,
            Segment.of("GIS", ("ACC", "", "ZZZ")),
            [Segment.of("GIS", ("OK", "", "ZZZ"))],
            "segment 5 (GIS): the status 'OK' is none of ACC, DSC, HLD, RCV, REJ, REL",
        ),
        (
            CustomsStatus.accepted,
            ANSWERS,
            [ANSWERS, Segment.of("RFF", ("SN", "S-1"))],
            "has seals (RFF+SN) but no DOC+998",
        ),
        (
            CustomsStatus.accepted,
            ANSWERS,
            [],
            "(UNT): message 'R20261205A1' ends where RFF+ACW was expected",
        ),
        (
            CustomsStatus.accepted,
            ANSWERS,
            [Segment.of("RFF", ("ACW", "d7qk2"))],
            "is not a valid response: declaration_message_id: String should match pattern",
        ),
        (
            CustomsStatus.accepted,
            ISSUED,
            [Segment.of("DTM", ("137", "202612050900", "203"))],
            "the issue date '202612050900' (format '203') is not a date and time with a time zone",
        ),
        (
            CustomsStatus.released,
            Segment.of("GIS", ("SIN", "", "ZZZ")),
            [],
            "segment 13 (MEA): GIS was expected here",
        ),
        (CustomsStatus.accepted, None, [Segment.of("CNT", ("1", "1"))], "(CNT): not expected here"),
    ],
)
def test_a_cusres_that_is_not_a_response_is_refused_with_its_reason(
    status: CustomsStatus, old: Segment | None, new: list[Segment], reason: str
) -> None:
    data = _rewritten(cusres.render(response(status), recipient="DSEDT"), old, new)
    with pytest.raises(EdifactError) as caught:
        cusres.parse(data)
    assert reason in str(caught.value)


def test_a_cusres_in_time_zone_format_205_is_read() -> None:
    data = _rewritten(
        cusres.render(response(), recipient="DSEDT"),
        ISSUED,
        [Segment.of("DTM", ("137", "202612051700+0800", "205"))],
    )
    assert cusres.parse(data).issued_at == datetime(2026, 12, 5, 9, 0, tzinfo=UTC)


def test_parse_response_refuses_what_is_not_a_customs_response() -> None:
    with pytest.raises(EdifactError, match=r"is CUSDEC:D:96B:UN, not a customs response"):
        cusres.parse_response(cusdec.render(declaration()))
    other = cusres.render(response(), recipient="DSEDT").replace(b"CUSRES:D:96B", b"CUSRES:D:01B")
    with pytest.raises(EdifactError, match=r"is CUSRES:D:01B:UN, not CUSRES:D:96B:UN"):
        cusres.parse_response(other)
    acknowledgement = contrl.render(report())
    with pytest.raises(EdifactError, match=r"is CONTRL:4:1:UN, not CUSRES:D:96B:UN"):
        cusres.parse(acknowledgement)


def report(**changes: Any) -> Contrl:
    fields: dict[str, Any] = {
        "message_id": "C20261205A1",
        "sender": "MOCUSTOMS01",
        "recipient": "DSEDT",
        "prepared_at": datetime(2026, 12, 5, 9, 0, tzinfo=UTC),
        "interchange": DECLARATION_ID,
        "action": Action.received,
    }
    return Contrl(**{**fields, **changes})


CUSDEC = MessageType("CUSDEC", "D", "96B", "UN")
REJECTED_MESSAGE = MessageReport(
    reference=DECLARATION_ID,
    type=CUSDEC,
    action=Action.rejected,
    segments=(
        SegmentError(position=5, code="12"),
        SegmentError(position=9, elements=(ElementError("37", 2, 1), ElementError("39", 4))),
    ),
)


def test_a_contrl_is_written_as_iso_9735_has_it() -> None:
    data = contrl.render(report(action=Action.acknowledged, message=REJECTED_MESSAGE))
    assert segments(data) == [
        "UNB+UNOW:4+MOCUSTOMS01+DSEDT+20261205:0900+C20261205A1",
        "UNH+C20261205A1+CONTRL:4:1:UN",
        "UCI+D7QK2ABCDEF123+DSEDT+MOCUSTOMS01+7",
        "UCM+D7QK2ABCDEF123+CUSDEC:D:96B:UN+4",
        "UCS+5+12",
        "UCS+9",
        "UCD+37+2:1",
        "UCD+39+4",
        "UNT+8+C20261205A1",
        "UNZ+1+C20261205A1",
    ]


@pytest.mark.parametrize(
    ("sent", "status", "errors"),
    [
        (report(action=Action.received), CustomsStatus.received, []),
        (
            report(
                action=Action.acknowledged,
                message=MessageReport(DECLARATION_ID, CUSDEC, Action.acknowledged),
            ),
            CustomsStatus.received,
            [],
        ),
        (
            report(action=Action.rejected, code="26"),
            CustomsStatus.rejected,
            [ResponseError(code="26", text=f"Duplicate detected: interchange {DECLARATION_ID}")],
        ),
        (
            report(action=Action.acknowledged, message=REJECTED_MESSAGE),
            CustomsStatus.rejected,
            [
                ResponseError(
                    code="12", text=f"Invalid value: segment 5 of message {DECLARATION_ID}"
                ),
                ResponseError(
                    code="37",
                    text="Invalid type of character(s): data element 2, component 1 of "
                    f"segment 9 of message {DECLARATION_ID}",
                ),
                ResponseError(
                    code="39",
                    text=f"Data element too long: data element 4 of segment 9 of message "
                    f"{DECLARATION_ID}",
                ),
            ],
        ),
        (
            report(
                action=Action.rejected,
                message=MessageReport(DECLARATION_ID, CUSDEC, Action.rejected, "29", "UNT"),
            ),
            CustomsStatus.rejected,
            [
                ResponseError(
                    code="29",
                    text="Control count does not match number of instances received: "
                    f"message {DECLARATION_ID}, UNT",
                )
            ],
        ),
    ],
)
def test_a_contrl_reads_as_received_or_rejected_with_its_errors(
    sent: Contrl, status: CustomsStatus, errors: list[ResponseError]
) -> None:
    data = contrl.render(sent)
    assert contrl.parse(data) == sent
    assert cusres.parse_response(data) == CustomsResponse(
        message_id="C20261205A1",
        sender="MOCUSTOMS01",
        issued_at=datetime(2026, 12, 5, 9, 0, tzinfo=UTC),
        declaration_message_id=DECLARATION_ID,
        permit_no=None,
        status=status,
        errors=errors,
    )


def test_without_ucm_the_interchange_reference_names_the_declaration() -> None:
    read = cusres.parse_response(contrl.render(report(interchange="IC0000000042")))
    assert read.declaration_message_id == "IC0000000042"
    with_ucm = report(
        interchange="IC0000000042",
        message=MessageReport("M0000000007", CUSDEC, Action.acknowledged),
    )
    assert cusres.parse_response(contrl.render(with_ucm)).declaration_message_id == ("M0000000007")


def test_a_syntax_3_contrl_from_another_system_is_read() -> None:
    data = (
        b"UNB+UNOA:3+MOCUSTOMS01+DSEDT+261205:0900+C77'\r\n"
        b"UNH+C77+CONTRL:2:2:UN'\r\n"
        b"UCI+D7QK2ABCDEF123+DSEDT+MOCUSTOMS01+7'\r\n"
        b"UCM+D7QK2ABCDEF123+CUSDEC:D:96B:UN+4+29+UNT'\r\n"
        b"UNT+4+C77'\r\n"
        b"UNZ+1+C77'\r\n"
    )
    assert cusres.parse_response(data) == CustomsResponse(
        message_id="C77",
        sender="MOCUSTOMS01",
        issued_at=datetime(2026, 12, 5, 9, 0, tzinfo=UTC),
        declaration_message_id=DECLARATION_ID,
        status=CustomsStatus.rejected,
        errors=[
            ResponseError(
                code="29",
                text="Control count does not match number of instances received: "
                f"message {DECLARATION_ID}, UNT",
            )
        ],
    )


def test_a_contrl_with_more_errors_than_a_response_holds_keeps_the_first_fifty() -> None:
    many = replace(
        REJECTED_MESSAGE,
        segments=tuple(SegmentError(position=n, code="13") for n in range(2, 80)),
    )
    read = cusres.parse_response(contrl.render(report(message=many)))
    assert read.status is CustomsStatus.rejected
    assert len(read.errors) == 50
    assert read.errors[-1].text == f"Missing: segment 51 of message {DECLARATION_ID}"


@pytest.mark.parametrize(
    ("extra", "reason"),
    [
        (
            [Segment.of("UCM", "M2", CUSDEC.identifier, "7")],
            "a second message is answered; a declaration travels alone",
        ),
        ([Segment.of("UCF", "G1", "DSEDT", "MOCUSTOMS01", "7")], "(UCF): not expected here"),
    ],
)
def test_a_contrl_answering_more_than_one_message_is_refused(
    extra: list[Segment], reason: str
) -> None:
    data = _rewritten(contrl.render(report(message=REJECTED_MESSAGE)), None, extra)
    with pytest.raises(EdifactError) as caught:
        cusres.parse_response(data)
    assert reason in str(caught.value)


def test_a_contrl_with_an_unknown_action_is_refused() -> None:
    data = contrl.render(report()).replace(b"+MOCUSTOMS01+8'", b"+MOCUSTOMS01+9'")
    with pytest.raises(EdifactError, match=r"segment 3 \(UCI\): the action '9' is none of 4, 7, 8"):
        cusres.parse_response(data)


PICTURES = range(0x2400, 0x2422)  # what stands for control characters in EDIFACT text
#: What a note may hold: no control character but tab and line breaks (``schemas.customs.Note``).
NOTE_TEXT = st.characters(
    exclude_categories=["Cs"],
    exclude_characters=[
        chr(c)
        for c in [*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20), *range(0x7F, 0xA0), *PICTURES]
    ],
)
NOTES = st.one_of(st.none(), st.text(NOTE_TEXT, max_size=350))
IDENT = st.from_regex(r"[0-9A-Za-z][0-9A-Za-z/.\-]{0,39}", fullmatch=True)
FOUND = st.builds(
    Found,
    carats=st.integers(1, 10**14 - 1).map(lambda n: Decimal(n).scaleb(-3)),
    parcels=st.integers(1, 10_000),
    containers=st.lists(IDENT, min_size=1, max_size=50),
    seals=st.lists(IDENT, min_size=1, max_size=200),
    seals_intact=st.booleans(),
)


@settings(max_examples=60, deadline=None)
@given(
    status=st.sampled_from(list(CustomsStatus)),
    stage=st.sampled_from(list(Stage)),
    permit_no=st.one_of(
        st.none(), st.from_regex(r"[0-9A-Za-z][0-9A-Za-z/.\-]{0,34}", fullmatch=True)
    ),
    crossed_on=st.one_of(st.none(), st.dates(min_value=date(1, 1, 1))),
    errors=st.lists(
        st.builds(
            ResponseError,
            code=st.from_regex(r"[0-9A-Za-z.\-]{1,17}", fullmatch=True),
            text=NOTES,
        ),
        max_size=50,
    ),
    found=st.one_of(st.none(), FOUND),
    note=NOTES,
)
def test_any_response_reads_back_exactly(**fields: Any) -> None:
    sent = response(**fields)
    assert cusres.parse_response(cusres.render(sent, recipient="DSEDT")) == sent
