"""The syntax-level acknowledgement of UN/EDIFACT, CONTRL (syntax 4), written (a customs
simulator answers with it) and read into ``schemas.customs.CustomsResponse``, as a customs
response (``edi/cusres.py`` takes it by ``UNH``'s message type).

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

from pydantic import ValidationError

from edi import edifact, edifact_values
from edi.cusdec import not_valid
from edi.edifact import EdifactError, Interchange, Message, MessageType, Reader, Segment
from schemas.customs import CustomsResponse, CustomsStatus, ResponseError

CONTRL = MessageType("CONTRL", "4", "1", "UN")
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


def render(report: Contrl) -> bytes:
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


def parse(data: bytes) -> Contrl:
    """The report a CONTRL interchange carries."""
    interchange = edifact.parse(data)
    return read(interchange, edifact.sole(interchange))


def read(interchange: Interchange, message: Message) -> Contrl:
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
                    position=edifact_values.whole(ucs, ucs.value(0), "the segment position"),
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
    return edifact_values.lookup(segment, {a: a.value for a in Action}, code, "the action")


def _element_error(ucd: Segment) -> ElementError:
    component = ucd.value(1, 1)
    return ElementError(
        code=ucd.value(0),
        element=edifact_values.whole(ucd, ucd.value(1, 0), "the data element position"),
        component=edifact_values.whole(ucd, component, "the component position")
        if component
        else None,
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
