"""The EDIFACT syntax layer: what an interchange looks like written (UNA always, UNOW:4, four-digit
years, released separators), that any value comes back exactly, that other separators, no UNA
and line breaks are read, and that every broken interchange is refused with its own reason."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edi import edifact, edifact_values
from edi.edifact import (
    Delimiters,
    EdifactError,
    Interchange,
    Message,
    MessageType,
    Reader,
    Segment,
)

AT = datetime(2026, 12, 4, 7, 30, tzinfo=UTC)
TYPE = MessageType("CUSRES", "D", "96B", "UN")


def interchange(*body: Segment, delimiters: Delimiters = edifact.DEFAULT) -> Interchange:
    return Interchange(
        sender="MOCUSTOMS01",
        recipient="DSEDT",
        prepared_at=AT,
        reference="IC1",
        messages=(Message("M1", TYPE, body),),
        delimiters=delimiters,
    )


def raw(*segments: str, una: str = "UNA:+.? '", newline: str = "") -> bytes:
    """An interchange typed by hand, around the given message body."""
    return (
        una
        + newline.join(
            [
                "UNB+UNOW:4+MOCUSTOMS01+DSEDT+20261204:0730+IC1'",
                "UNH+M1+CUSRES:D:96B:UN'",
                *segments,
                f"UNT+{len(segments) + 2}+M1'",
                "UNZ+1+IC1'",
            ]
        )
    ).encode()


def refused(data: bytes) -> str:
    with pytest.raises(EdifactError) as caught:
        edifact.parse(data)
    reason = str(caught.value)
    assert "\n" not in reason
    return reason


def test_an_interchange_is_written_with_una_unow_4_and_a_four_digit_year() -> None:
    data = edifact.write(interchange(Segment.of("FTX", "AAI", "", "", ["Macau 澳門"])))
    assert (
        data
        == (
            "UNA:+.? '"
            "UNB+UNOW:4+MOCUSTOMS01+DSEDT+20261204:0730+IC1'"
            "UNH+M1+CUSRES:D:96B:UN'"
            "FTX+AAI+++Macau 澳門'"
            "UNT+3+M1'"
            "UNZ+1+IC1'"
        ).encode()
    )


def test_the_unb_time_is_utc_to_the_minute() -> None:
    macao = datetime(2026, 12, 4, 15, 30, 59, tzinfo=timezone(timedelta(hours=8)))
    ic = Interchange("A", "B", macao, "IC1", (Message("M1", TYPE, ()),))
    assert b"+20261204:0730+IC1'" in edifact.write(ic)
    assert edifact.parse(edifact.write(ic)).prepared_at == AT


def test_years_before_1000_keep_four_digits() -> None:
    assert edifact.day(date(987, 6, 5)) == "09870605"
    assert edifact_values.stamp(datetime(987, 6, 5, 4, 3, 2, tzinfo=UTC)) == (
        "09870605040302UTC",
        "304",
    )


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("a+b", "a?+b"),
        ("a:b", "a?:b"),
        ("it's", "it?'s"),
        ("why?", "why??"),
        ("??", "????"),
        ("?+:'", "???+?:?'"),
        ("end?", "end??"),
    ],
)
def test_every_service_character_is_released_and_read_back(value: str, written: str) -> None:
    data = edifact.write(interchange(Segment.of("FTX", "AAI", "", "", [value, "next"])))
    assert f"FTX+AAI+++{written}:next'".encode() in data
    assert edifact.parse(data).messages[0].body[0].components(3) == (value, "next")


def test_a_value_ending_in_the_release_character_does_not_swallow_the_separator() -> None:
    data = raw("FTX+AAI+++ab??+EN'")
    segment = edifact.parse(data).messages[0].body[0]
    assert segment.value(3) == "ab?"
    assert segment.value(4) == "EN"


def test_trailing_empty_elements_and_components_are_left_out() -> None:
    data = edifact.write(interchange(Segment.of("NAD", "CZ", "", ["a", "", ""], "", "")))
    assert b"NAD+CZ++a'" in data


@given(
    st.lists(
        st.lists(st.text(st.characters(exclude_categories=["Cc", "Cs"])), max_size=4),
        max_size=5,
    ),
    st.sampled_from(
        [
            edifact.DEFAULT,
            Delimiters("|", "^", ",", "!", "*", "~"),
            Delimiters("/", "%", ".", "\\", " ", "#"),
        ]
    ),
)
def test_any_text_comes_back_exactly(values: list[list[str]], delimiters: Delimiters) -> None:
    segment = Segment.of("FTX", "AAI", *values)
    read = edifact.parse(edifact.write(interchange(segment, delimiters=delimiters)))
    back = read.messages[0].body[0]
    assert read.delimiters == delimiters
    for i, components in enumerate(segment.elements):
        for j, value in enumerate(components):
            assert back.value(i, j) == value


def test_a_una_with_other_separators_is_honoured() -> None:
    data = (
        b"UNA|^,\\ ~"
        b"UNB^UNOW|4^MOCUSTOMS01^DSEDT^20261204|0730^IC1~"
        b"UNH^M1^CUSRES|D|96B|UN~"
        b"FTX^AAI^^^it's + : ? \\~ \\^ \\| \\\\|two~"
        b"UNT^3^M1~"
        b"UNZ^1^IC1~"
    )
    read = edifact.parse(data)
    assert read.delimiters == Delimiters("|", "^", ",", "\\", " ", "~")
    assert read.messages[0].body[0].components(3) == ("it's + : ? ~ ^ | \\", "two")
    assert edifact.write(read) == data


def test_without_una_the_syntax_4_defaults_are_used_with_the_asterisk_repeating() -> None:
    data = raw("FTX+AAI+++a?*b'", una="")
    read = edifact.parse(data)
    assert read.delimiters.repetition == "*"
    assert read.messages[0].body[0].value(3) == "a*b"
    assert "repetition separator '*'" in refused(raw("FTX+AAI+++a*b'", una=""))


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_line_breaks_between_segments_are_read(newline: str) -> None:
    data = raw("FTX+AAI+++one'", "FTX+AAI+++two'", una="UNA:+.? '" + newline, newline=newline)
    body = edifact.parse(data).messages[0].body
    assert [s.value(3) for s in body] == ["one", "two"]
    assert [s.position for s in body] == [3, 4]


def test_character_sets_are_decoded_as_unb_declares() -> None:
    latin = raw("FTX+AAI+++Edifício'").replace(b"UNOW", b"UNOC").replace("í".encode(), b"\xed")
    read = edifact.parse(latin)
    assert read.character_set == "UNOC"
    assert read.messages[0].body[0].value(3) == "Edifício"


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (
            raw("FTX+AAI'").replace(b"UNT+3", b"UNT+4"),
            "(UNT): counts '4' segments, but message 'M1' has 3",
        ),
        (
            raw("FTX+AAI'").replace(b"UNT+3+M1", b"UNT+3+M2"),
            "closes message 'M2', but UNH opened 'M1'",
        ),
        (raw("FTX+AAI'").replace(b"UNZ+1+IC1", b"UNZ+1+IC9"), "(UNZ): closes interchange 'IC9'"),
        (
            raw("FTX+AAI'").replace(b"UNZ+1", b"UNZ+2"),
            "counts '2' messages, but the interchange has 1",
        ),
        (raw("FTX+AAI'").removesuffix(b"UNZ+1+IC1'"), "has no UNZ after segment 4"),
        (raw("FTX+AAI'")[:-4], "segment 5: the interchange ends inside it"),
        (raw("FTX+AAI'").split(b"UNT")[0], "message 'M1' (segment 2) has no UNT"),
        (raw("FTX+AAI+++bell\x07'"), "segment 3: holds the control character U+0007"),
        (raw("FTX+AAI+++two\nlines'"), "segment 3: holds the control character U+000A"),
        (raw("FTX+AAI+++ok'") + b"\x00", "segment 6: holds the control character U+0000"),
        (raw("FTX+AAI+++a?b'"), "segment 3: the release character '?' stands before 'b'"),
        (raw("FTX+AAI+++a'")[:-1] + b"?", "ends with the release character"),
        (raw("FTX+AAI'") + b"UNH+M2'", "segment 6 (UNH): nothing may follow UNZ"),
        (raw("FT+AAI'"), "segment 3 begins with 'FT', not a segment tag"),
        (raw("FTX+AAI'").replace(b"UNOW", b"UNOY"), "character set 'UNOY' is not supported"),
        (raw("FTX+AAI'").replace(b"UNOW:4", b"UNOW:2"), "syntax version 2 is not supported"),
        (b"<?xml version='1.0'?>", "an interchange begins with UNA or UNB"),
        (b"UNA:+", "UNA must declare six ASCII service characters"),
        (b"UNA:++? 'UNB+UNOW:4'", "UNA declares unusable service characters"),
        (
            raw("FTX+AAI'").replace(b"20261204:0730", b"261204:0730"),
            "date '261204' is not CCYYMMDD (syntax 4)",
        ),
        (
            raw().replace(b"UNH+M1+CUSRES:D:96B:UN'UNT+2+M1'", b"").replace(b"UNZ+1", b"UNZ+0"),
            "carries no message",
        ),
    ],
)
def test_a_broken_interchange_is_refused_with_its_reason(data: bytes, reason: str) -> None:
    assert reason in refused(data)


def test_bytes_that_are_not_the_declared_character_set_are_refused() -> None:
    data = raw("FTX+AAI'").replace(b"AAI", b"A\xffI")
    at = data.index(b"\xff")
    assert f"byte {at} is not UNOW (utf-8)" in refused(data)


def test_an_interchange_over_1_mib_is_refused_before_it_is_read() -> None:
    body = [f"FTX+AAI+++{'x' * 500}'"] * 2200
    data = raw(*body)
    assert len(data) > edifact.MAX_BYTES
    assert refused(data) == f"the interchange is {len(data)} bytes, over the 1 MiB read"
    assert edifact.parse(raw(*body[:2000]))  # under the cap: read


def test_edifact_error_is_a_value_error() -> None:
    assert issubclass(EdifactError, ValueError)


@pytest.mark.parametrize(
    ("segment", "reason"),
    [
        (Segment.of("FTX", "AAI", "", "", ["tab\there"]), "holds the control character U+0009"),
        (Segment.of("ftx", "AAI"), "'ftx' is not a segment tag"),
    ],
)
def test_what_cannot_be_written_is_refused(segment: Segment, reason: str) -> None:
    with pytest.raises(EdifactError, match=re.escape(reason)):
        edifact.write(interchange(segment))


def test_references_longer_than_14_characters_cannot_be_written() -> None:
    too_long = Interchange("A", "B", AT, "R" * 15, (Message("M1", TYPE, ()),))
    with pytest.raises(EdifactError, match="the interchange reference 'RRRRRRRRRRRRRRR'"):
        edifact.write(too_long)


def test_the_reader_says_what_was_expected_where() -> None:
    read = edifact.parse(raw("BGM+962'", "DTM+137:20261204073000UTC:304'"))
    reader = Reader(read.messages[0])
    assert reader.take("BGM").value(0) == "962"
    with pytest.raises(EdifactError, match=r"segment 4 \(DTM\): RFF\+ACW was expected here"):
        reader.take("RFF", "ACW")
    reader.take("DTM", "137")
    with pytest.raises(EdifactError, match=r"segment 5 \(UNT\): message 'M1' ends where GIS"):
        reader.take("GIS")


@pytest.mark.parametrize(
    ("value", "written"),
    [
        (Decimal("120.500"), "120.500"),
        (Decimal("54000"), "54000"),
        (Decimal("1E+3"), "1000"),
        (Decimal("0.001"), "0.001"),
        (Decimal("-2.5"), "-2.5"),
    ],
)
def test_numbers_are_written_as_they_are_and_read_back_exactly(
    value: Decimal, written: str
) -> None:
    assert edifact_values.number(value, "x") == written
    read = edifact_values.decimal(Segment("MOA"), written, "x")
    assert read == value
    assert str(read) == written


def test_numbers_read_with_either_decimal_mark_and_refuse_anything_else() -> None:
    assert edifact_values.decimal(Segment("MOA"), "12,50", "x") == Decimal("12.50")
    for text in ("1e5", "12.", "+3", "1,2,3", "", "NaN"):
        with pytest.raises(EdifactError, match="is not a number"):
            edifact_values.decimal(Segment("MOA"), text, "x")
    with pytest.raises(EdifactError, match=r"does not fit EDIFACT's n\.\.18"):
        edifact_values.number(Decimal("1E+18"), "x")


@pytest.mark.parametrize(
    ("text", "code", "moment"),
    [
        ("20261204073012UTC", "304", datetime(2026, 12, 4, 7, 30, 12, tzinfo=UTC)),
        ("20261204153012+08", "304", datetime(2026, 12, 4, 7, 30, 12, tzinfo=UTC)),
        ("202612041530+08", "303", datetime(2026, 12, 4, 7, 30, tzinfo=UTC)),
        ("202612041300+0530", "205", datetime(2026, 12, 4, 7, 30, tzinfo=UTC)),
        ("202612040230-0500", "205", datetime(2026, 12, 4, 7, 30, tzinfo=UTC)),
    ],
)
def test_date_times_are_read_with_their_zone(text: str, code: str, moment: datetime) -> None:
    assert edifact_values.read_stamp(Segment("DTM"), text, code, "x") == moment


@pytest.mark.parametrize(("text", "code"), [("202612040730", "203"), ("20261304073000UTC", "304")])
def test_a_date_time_without_a_zone_or_impossible_is_refused(text: str, code: str) -> None:
    with pytest.raises(EdifactError):
        edifact_values.read_stamp(Segment("DTM"), text, code, "the issue date")


def test_a_stamp_keeps_the_instant_in_utc_and_drops_fractions_of_a_second() -> None:
    macao = datetime(2026, 12, 4, 15, 30, 12, 999_999, tzinfo=timezone(timedelta(hours=8)))
    assert edifact_values.stamp(macao) == ("20261204073012UTC", "304")


TEXT = st.text(
    st.characters(
        exclude_categories=["Cs"],
        exclude_characters=[chr(c) for c in [*range(0x80, 0xA0), *range(0x2400, 0x2422)]],
    ),
    max_size=500,
)


@given(TEXT, st.sampled_from([35, 70]))
def test_free_text_is_cut_to_length_and_joined_exactly(text: str, length: int) -> None:
    cut = edifact_values.pieces(text, length, "x")
    assert edifact_values.joined(cut) == text
    assert all(0 < len(piece) <= length for piece in cut)
    assert not any(re.search(r"[\x00-\x1f\x7f]", piece) for piece in cut)
    assert len(cut) <= -(-len(text) // (length - 9))  # a cut at a word costs at most 9


def test_free_text_is_cut_before_a_space_near_the_end() -> None:
    address = "Av. da Praia Grande 409, Edifício Comercial Rodrigues, 12.º andar\r\nMacau\t澳門"
    cut = edifact_values.pieces(address, 35, "x")
    assert cut == [
        "Av. da Praia Grande 409, Edifício",
        " Comercial Rodrigues, 12.º",
        " andar␍␊Macau␉澳門",
    ]


@pytest.mark.parametrize("char", ["\x85", "␊", "\ud800"])
def test_free_text_that_could_not_come_back_is_refused(char: str) -> None:
    with pytest.raises(EdifactError, match=f"holds U\\+{ord(char):04X}"):
        edifact_values.pieces(f"a{char}b", 35, "the name")
