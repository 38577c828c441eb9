"""Customs' responses in UN/EDIFACT (``edi.md`` section 3): CUSRES, directory D.96B, written and
read (``parse(render(r)) == r`` for every response, with :func:`edi.edifact_values.stamp`'s UTC
to the second). :func:`parse_response` takes a CUSRES or a CONTRL (``edi/contrl.py``), by ``UNH``'s
message type, into the same ``schemas.customs.CustomsResponse``.

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
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, TypeVar

from pydantic import ValidationError

from edi import contrl, edifact, edifact_values
from edi.cusdec import measure, not_valid, read_measure
from edi.edifact import EdifactError, Interchange, Message, MessageType, Reader, Segment
from schemas.customs import CustomsResponse, CustomsStatus, Stage

CUSRES = MessageType("CUSRES", "D", "96B", "UN")
#: CONTRL for syntax 4; any version is read (2:2 and D:3 have the same segments).
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
    yield Segment.of("DTM", ("137", *edifact_values.stamp(r.issued_at)))
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
    pieces = edifact_values.pieces(text, TEXT_LENGTH, what)
    if not pieces:
        yield Segment.of("FTX", qualifier)
    for at in range(0, len(pieces), TEXT_PIECES):
        yield Segment.of("FTX", qualifier, "", "", pieces[at : at + TEXT_PIECES])


def _read_text(r: Reader, qualifier: str) -> str | None:
    segments = r.many("FTX", qualifier)
    if not segments:
        return None
    return edifact_values.joined(piece for segment in segments for piece in segment.components(3))


def parse(data: bytes) -> CustomsResponse:
    """The response a CUSRES interchange carries."""
    interchange = edifact.parse(data)
    return _cusres(interchange, edifact.sole(interchange))


def parse_response(data: bytes) -> CustomsResponse:
    """The response a CUSRES or a CONTRL interchange carries, whichever ``UNH`` says it is."""
    interchange = edifact.parse(data)
    message = edifact.sole(interchange)
    if message.type.type == contrl.CONTRL.type:
        return contrl.response_of(contrl.read(interchange, message))
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
        "issued_at": edifact_values.read_stamp(
            dtm, dtm.value(0, 1), dtm.value(0, 2), "the issue date"
        ),
    }
    if (crossed := r.maybe("DTM", "7")) is not None:
        fields["crossed_on"] = edifact_values.read_day(
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
            "parcels": edifact_values.whole(pac, pac.value(0), "the number of parcels found"),
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
    return edifact_values.lookup(segment, codes, segment.value(0), what)
