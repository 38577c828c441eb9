"""Customs' responses in UN/EDIFACT (``edi.md`` section 3): CUSRES, directory D.96B, written and
read (``parse(render(r)) == r`` for every response, with :func:`edi.edifact.stamp`'s UTC to the
second), and CONTRL, the syntax-level acknowledgement, written (a customs simulator answers with
it) and read into the same ``schemas.customs.CustomsResponse``. :func:`parse_response` takes
either, by ``UNH``'s message type.

CUSRES:

=========================  =================================================================
field                      where
=========================  =================================================================
message_id                 ``UNH`` message reference (and ``UNB``'s control reference)
sender                     ``UNB`` sender (written to a recipient given apart: DSEDT)
status                     ``BGM`` document name: 963 error response (Customs) if rejected,
                           else 962 document response (Customs); and ``GIS`` (below)
permit_no                  ``BGM`` document number, when there is one
issued_at                  ``DTM+137``, ``CCYYMMDDHHMMSSUTC`` (format 304)
crossed_on                 ``DTM+7`` (effective date), ``CCYYMMDD``
note                       ``FTX+AAI`` (general information): five of an..70 a segment, as
                           many as needed; an empty note is an ``FTX+AAI`` without text
status, stage              ``GIS``, processing indicators of a mutually defined list (agency
                           ZZZ): RCV received, ACC accepted, REJ rejected, REL released, HLD held
                           for examination, DSC discrepancy; CRS crossing, ENT entry, EXT exit
declaration_message_id     ``RFF+ACW`` (reference number to previous message)
found.seals                ``RFF+SN`` (seal number), one each
errors                     each an ``ERP+1`` group (message section 1: the declaration as a
                           whole): ``ERC`` its code, ``FTX+AAO`` (error description) its text,
                           if it has one
found                      a ``DOC+998`` (previous Customs document) group: ``PAC`` parcels,
                           ``GIS`` SIN seals intact or SBR broken, ``MEA+AAE+AAF+CTM`` carats,
                           ``EQD+CN`` containers
=========================  =================================================================

D.96B's CUSRES has no ``SEL``: seals travel as references (``RFF`` 1154, an..35). Where the model
is wider than D.96B, the value is written whole rather than cut or changed: an error code over
``ERC``'s 8 characters (the model allows 17), a seal over ``RFF``'s 35 and a container number over
``EQD``'s 17 (the model allows 40). Everything else follows the D.96B branching diagram
(``tests/edi/test_edifact_structure.py`` holds it): header ``DTM``, ``FTX`` (at most nine: a
note of 350 characters takes two), ``GIS``; the references in SG3, each error an SG4 group
(``ERP``, ``ERC``, ``FTX``), what was found an SG6 group (``DOC``, ``PAC``, ``GIS``, ``MEA``,
``EQD``).

CONTRL (``UCI`` interchange, ``UCM`` message, ``UCS`` segment, ``UCD`` data element): action 8
(received) and 7 (acknowledged) are ``received``; 4 (rejected), at the interchange or the
message, is ``rejected``, each syntax error code (0085) a ``ResponseError`` whose text says what
it means and where. The declaration answered is the ``UCM``'s message reference or, without a
``UCM``, the ``UCI``'s interchange reference (a declaration's message id is both); CONTRL has no
licence number, and its time is ``UNB``'s (UTC, to the minute). A CONTRL answering more than one
message, or reporting on groups (``UCF``), is refused: a declaration travels alone.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, TypeVar

from pydantic import ValidationError

from edi import edifact
from edi.cusdec import measure, not_valid, read_measure
from edi.edifact import EdifactError, Interchange, Message, MessageType, Reader, Segment
from schemas.customs import CustomsResponse, CustomsStatus, ResponseError, Stage

CUSRES = MessageType("CUSRES", "D", "96B", "UN")
#: CONTRL for syntax 4; any version is read (2:2 and D:3 have the same segments).
CONTRL = MessageType("CONTRL", "4", "1", "UN")
MUTUALLY_DEFINED = "ZZZ"
T = TypeVar("T")
STATUS = {
    CustomsStatus.received: "RCV",
    CustomsStatus.accepted: "ACC",
    CustomsStatus.rejected: "REJ",
    CustomsStatus.released: "REL",
    CustomsStatus.held: "HLD",
    CustomsStatus.discrepancy: "DSC",
}
STAGE = {Stage.crossing: "CRS", Stage.entry: "ENT", Stage.exit: "EXT"}
SEALS = {True: "SIN", False: "SBR"}
ERROR_RESPONSE, DOCUMENT_RESPONSE = "963", "962"
TEXT_LENGTH, TEXT_PIECES = 70, 5
#: What CONTRL's syntax error codes (0085, ISO 9735) mean.
SYNTAX_ERRORS = {
    "2": "syntax version or level not supported",
    "7": "interchange recipient not actual recipient",
    "12": "invalid value",
    "13": "missing",
    "14": "value not supported in this position",
    "15": "not supported in this position",
    "16": "too many constituents",
    "17": "no agreement",
    "18": "unspecified error",
    "19": "invalid decimal notation",
    "20": "character invalid as service character",
    "21": "invalid character(s)",
    "22": "invalid service character(s)",
    "23": "unknown interchange sender",
    "24": "too old",
    "25": "test indicator not supported",
    "26": "duplicate detected",
    "28": "references do not match",
    "29": "control count does not match number of instances received",
    "30": "groups and messages/packages mixed",
    "32": "lower level empty",
    "33": "invalid occurrence outside message, package or group",
    "35": "too many repetitions",
    "36": "too many segment group repetitions",
    "37": "invalid type of character(s)",
    "39": "data element too long",
    "40": "data element too short",
    "45": "trailing separator",
    "46": "character set not supported",
    "47": "envelope functionality not supported",
}
#: A response lists at most this many errors (``CustomsResponse.errors``).
MAX_ERRORS = 50


def render(response: CustomsResponse, *, recipient: str) -> bytes:
    """The CUSRES interchange of a response, sent to ``recipient`` (DSEDT on the network)."""
    return edifact.write_alone(
        CUSRES,
        _segments(response),
        sender=response.sender,
        recipient=recipient,
        prepared_at=response.issued_at,
        reference=response.message_id,
    )


def _segments(r: CustomsResponse) -> Iterator[Segment]:
    rejected = r.status is CustomsStatus.rejected
    yield Segment.of(
        "BGM", ERROR_RESPONSE if rejected else DOCUMENT_RESPONSE, r.permit_no or "", "9"
    )
    yield Segment.of("DTM", ("137", *edifact.stamp(r.issued_at)))
    if r.crossed_on is not None:
        yield Segment.of("DTM", ("7", edifact.day(r.crossed_on), "102"))
    if r.note is not None:
        yield from _text("AAI", r.note, "the note")
    yield _indicator(STATUS[r.status])
    yield _indicator(STAGE[r.stage])
    yield Segment.of("RFF", ("ACW", r.declaration_message_id))
    found = r.found
    for seal in found.seals if found else ():
        yield Segment.of("RFF", ("SN", seal))
    for number, error in enumerate(r.errors, 1):
        yield Segment.of("ERP", "1")
        yield Segment.of("ERC", error.code)
        if error.text is not None:
            yield from _text("AAO", error.text, f"error {number}'s text")
    if found is not None:
        yield Segment.of("DOC", "998")
        yield Segment.of("PAC", str(found.parcels))
        yield _indicator(SEALS[found.seals_intact])
        yield measure(found.carats, "the carats found")
        for container in found.containers:
            yield Segment.of("EQD", "CN", container)


def _indicator(code: str) -> Segment:
    return Segment.of("GIS", (code, "", MUTUALLY_DEFINED))


def _text(qualifier: str, text: str, what: str) -> Iterator[Segment]:
    pieces = edifact.pieces(text, TEXT_LENGTH, what)
    if not pieces:
        yield Segment.of("FTX", qualifier)
    for at in range(0, len(pieces), TEXT_PIECES):
        yield Segment.of("FTX", qualifier, "", "", pieces[at : at + TEXT_PIECES])


def _read_text(r: Reader, qualifier: str) -> str | None:
    segments = r.many("FTX", qualifier)
    if not segments:
        return None
    return edifact.joined(piece for segment in segments for piece in segment.components(3))


def parse(data: bytes) -> CustomsResponse:
    """The response a CUSRES interchange carries."""
    interchange = edifact.parse(data)
    return _cusres(interchange, edifact.sole(interchange))


def parse_response(data: bytes) -> CustomsResponse:
    """The response a CUSRES or a CONTRL interchange carries, whichever ``UNH`` says it is."""
    interchange = edifact.parse(data)
    message = edifact.sole(interchange)
    if message.type.type == CONTRL.type:
        return response_of(_contrl(interchange, message))
    if message.type.type == CUSRES.type:
        return _cusres(interchange, message)
    raise EdifactError(
        f"message {message.reference!r} is {message.type}, not a customs response "
        f"({CUSRES} or CONTRL)"
    )


def _cusres(interchange: Interchange, message: Message) -> CustomsResponse:
    if message.type != CUSRES:
        raise EdifactError(f"message {message.reference!r} is {message.type}, not {CUSRES}")
    r = Reader(message)
    bgm = r.take("BGM")
    document = bgm.value(0)
    dtm = r.take("DTM", "137")
    fields: dict[str, Any] = {
        "message_id": message.reference,
        "sender": interchange.sender,
        "permit_no": bgm.value(1) or None,
        "issued_at": edifact.read_stamp(dtm, dtm.value(0, 1), dtm.value(0, 2), "the issue date"),
    }
    if (crossed := r.maybe("DTM", "7")) is not None:
        fields["crossed_on"] = edifact.read_day(
            crossed, crossed.value(0, 1), crossed.value(0, 2), "the day of the crossing"
        )
    fields["note"] = _read_text(r, "AAI")
    status = _read_indicator(r.take("GIS"), STATUS, "the status")
    fields["status"] = status
    fields["stage"] = _read_indicator(r.take("GIS"), STAGE, "the stage")
    if document != (ERROR_RESPONSE if status is CustomsStatus.rejected else DOCUMENT_RESPONSE):
        raise bgm.fail(
            f"document {document!r} contradicts status {STATUS[status]}: {ERROR_RESPONSE} "
            f"answers a rejection, {DOCUMENT_RESPONSE} anything else"
        )
    fields["declaration_message_id"] = r.take("RFF", "ACW").value(0, 1)
    seals = [segment.value(0, 1) for segment in r.many("RFF", "SN")]
    fields["errors"] = []
    while r.maybe("ERP") is not None:
        code = r.take("ERC").value(0)
        fields["errors"].append({"code": code, "text": _read_text(r, "AAO")})
    if r.maybe("DOC", "998") is not None:
        pac = r.take("PAC")
        fields["found"] = {
            "parcels": edifact.whole(pac, pac.value(0), "the number of parcels found"),
            "seals_intact": _read_indicator(r.take("GIS"), SEALS, "the seals' condition"),
            "carats": read_measure(r.take("MEA", "AAE")),
            "containers": [segment.value(1) for segment in r.many("EQD", "CN")],
            "seals": seals,
        }
    elif seals:
        raise EdifactError(f"message {message.reference!r} has seals (RFF+SN) but no DOC+998")
    r.done()
    try:
        return CustomsResponse(**fields)
    except ValidationError as error:
        raise not_valid(f"CUSRES {message.reference!r} is not a valid response", error) from None


def _read_indicator(segment: Segment, codes: dict[T, str], what: str) -> T:
    return edifact.lookup(segment, codes, segment.value(0), what)


class Action(StrEnum):
    """CONTRL's action codes (0083)."""

    rejected = "4"
    acknowledged = "7"
    received = "8"


@dataclass(frozen=True)
class ElementError:
    """``UCD``: a syntax error in one data element (position in its segment, the tag being 1)
    and component."""

    code: str
    element: int
    component: int | None = None


@dataclass(frozen=True)
class SegmentError:
    """``UCS``: a segment in error (position in its message, ``UNH`` being 1)."""

    position: int
    code: str | None = None
    elements: tuple[ElementError, ...] = ()


@dataclass(frozen=True)
class MessageReport:
    """``UCM``: what became of one message of the interchange answered."""

    reference: str
    type: MessageType
    action: Action
    code: str | None = None
    #: The service segment in error (``UNH``, ``UNT``), if the code is about one.
    tag: str | None = None
    segments: tuple[SegmentError, ...] = ()


@dataclass(frozen=True)
class Contrl:
    """A CONTRL message answering one interchange, in its own interchange from ``sender`` to
    ``recipient`` (the interchange answered went the other way: its ``UCI`` names it so)."""

    message_id: str
    sender: str
    recipient: str
    prepared_at: datetime
    #: ``UCI``: the interchange answered, what became of it, and its error, if any.
    interchange: str
    action: Action
    code: str | None = None
    tag: str | None = None
    message: MessageReport | None = None


def render_contrl(report: Contrl) -> bytes:
    """The CONTRL interchange of a report."""
    body = [
        Segment.of(
            "UCI",
            report.interchange,
            report.recipient,
            report.sender,
            report.action.value,
            report.code or "",
            report.tag or "",
        )
    ]
    if (m := report.message) is not None:
        body.append(
            Segment.of(
                "UCM", m.reference, m.type.identifier, m.action.value, m.code or "", m.tag or ""
            )
        )
        for segment in m.segments:
            body.append(Segment.of("UCS", str(segment.position), segment.code or ""))
            body.extend(
                Segment.of(
                    "UCD", e.code, (str(e.element), "" if e.component is None else str(e.component))
                )
                for e in segment.elements
            )
    return edifact.write_alone(
        CONTRL,
        body,
        sender=report.sender,
        recipient=report.recipient,
        prepared_at=report.prepared_at,
        reference=report.message_id,
    )


def parse_contrl(data: bytes) -> Contrl:
    """The report a CONTRL interchange carries."""
    interchange = edifact.parse(data)
    return _contrl(interchange, edifact.sole(interchange))


def _contrl(interchange: Interchange, message: Message) -> Contrl:
    if message.type.type != CONTRL.type:
        raise EdifactError(f"message {message.reference!r} is {message.type}, not CONTRL")
    r = Reader(message)
    uci = r.take("UCI")
    report = None
    if (ucm := r.maybe("UCM")) is not None:
        identifier = ucm.components(1)
        if len(identifier) < 4:
            raise ucm.fail("the message answered is named type:version:release:agency")
        segments = []
        while (ucs := r.maybe("UCS")) is not None:
            segments.append(
                SegmentError(
                    position=edifact.whole(ucs, ucs.value(0), "the segment position"),
                    code=ucs.value(1) or None,
                    elements=tuple(_element_error(ucd) for ucd in r.many("UCD")),
                )
            )
        report = MessageReport(
            reference=ucm.value(0),
            type=MessageType(*identifier[:4]),
            action=_action(ucm, ucm.value(2)),
            code=ucm.value(3) or None,
            tag=ucm.value(4) or None,
            segments=tuple(segments),
        )
    if (more := r.maybe("UCM")) is not None:
        raise more.fail("a second message is answered; a declaration travels alone")
    r.done()
    return Contrl(
        message_id=message.reference,
        sender=interchange.sender,
        recipient=interchange.recipient,
        prepared_at=interchange.prepared_at,
        interchange=uci.value(0),
        action=_action(uci, uci.value(3)),
        code=uci.value(4) or None,
        tag=uci.value(5) or None,
        message=report,
    )


def _action(segment: Segment, code: str) -> Action:
    return edifact.lookup(segment, {a: a.value for a in Action}, code, "the action")


def _element_error(ucd: Segment) -> ElementError:
    component = ucd.value(1, 1)
    return ElementError(
        code=ucd.value(0),
        element=edifact.whole(ucd, ucd.value(1, 0), "the data element position"),
        component=edifact.whole(ucd, component, "the component position") if component else None,
    )


def response_of(report: Contrl) -> CustomsResponse:
    """A CONTRL report as a customs response: received (7, 8) or rejected (4, at either
    level), its syntax errors as coded errors (the first :data:`MAX_ERRORS`)."""
    m = report.message
    rejected = Action.rejected in (report.action, m.action if m else None)
    try:
        return CustomsResponse(
            message_id=report.message_id,
            sender=report.sender,
            issued_at=report.prepared_at,
            declaration_message_id=m.reference if m else report.interchange,
            status=CustomsStatus.rejected if rejected else CustomsStatus.received,
            errors=list(_errors(report))[:MAX_ERRORS],
        )
    except ValidationError as error:
        raise not_valid(f"CONTRL {report.message_id!r} is not a valid response", error) from None


def _errors(report: Contrl) -> Iterator[ResponseError]:
    def error(code: str, where: str) -> ResponseError:
        meaning = SYNTAX_ERRORS.get(code, "syntax error")
        return ResponseError(code=code, text=f"{meaning[:1].upper()}{meaning[1:]}: {where}")

    if report.code:
        yield error(report.code, _at(f"interchange {report.interchange}", report.tag))
    m = report.message
    if m is None:
        return
    if m.code:
        yield error(m.code, _at(f"message {m.reference}", m.tag))
    for segment in m.segments:
        where = f"segment {segment.position} of message {m.reference}"
        if segment.code:
            yield error(segment.code, where)
        for e in segment.elements:
            component = "" if e.component is None else f", component {e.component}"
            yield error(e.code, f"data element {e.element}{component} of {where}")


def _at(where: str, tag: str | None) -> str:
    return f"{where}, {tag}" if tag else where
