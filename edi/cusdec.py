"""A customs declaration (``schemas.customs.CustomsDeclaration``) as UN/EDIFACT CUSDEC, directory
D.96B, syntax 4 (``edi.md`` section 3), and read back: ``parse(render(d)) == d``, every field
exactly (decimals as written, text with ``+ : ' ?``, Chinese and Portuguese, tabs and line
breaks), with one normalisation: ``issued_at`` is written in UTC to the second (the instant is
kept, the offset and fractions of a second are not).

=========================  =================================================================
field                      where
=========================  =================================================================
message_id                 ``UNB`` control reference and ``UNH`` message reference
sender, recipient          ``UNB`` sender and recipient; the recipient also ``LOC+22``, as
                           place identification (3225, an..25) or, longer, as place name
                           (3224, an..70)
kind                       ``BGM`` document name: 929 import, 830 export, 950 transit
permit_no, version         ``BGM`` document number and version (C106 1004, 1056)
function                   ``BGM`` message function: 9 original, 5 replacement, 1 cancellation
dispatch_country           ``LOC+35``
destination_country        ``LOC+36``
issued_at                  ``DTM+137``, ``CCYYMMDDHHMMSSUTC`` (format 304)
containers                 ``EQD+CN``, one each
seals                      ``SEL``, one each
case_no                    ``RFF+ABO`` (originator's reference)
parcels                    ``PAC`` (number of packages), in the ``RFF+ABO`` group
permit_no (again)          ``DOC`` of the licence: 911 import licence (import, transit; D.96B
                           has no transit licence, ``BGM`` 950 says it is one), 811 export
valid_from, valid_until    ``DTM+7`` (effective) and ``DTM+36`` (expiry) in the licence's group
certificates               ``DOC+841`` (goods control certificate: the one the goods travel
                           under) or ``DOC+916`` (related document: one drawn on), named
                           ``KIMBERLEY PROCESS CERTIFICATE``; ``LOC+91`` (place of issue) the
                           issuing country
certificates' carats       ``FTX+CUS`` (4451 CUS, customs declaration information), in the
                           header after ``SEL``, one for each certificate with carats, in the
                           certificates' order: ``FTX+CUS+++KP-DRAWN:1:BW:BW/2026-0042:12.25``,
                           the text (C108, five of an..70) ``KP-DRAWN`` (``drawn_on``; a
                           ``travels_under`` certificate, which the model lets carry carats,
                           ``KP-TRAVELS``), the certificate's place among those of its role (1
                           the first), its issuing country, its number and the carats; read
                           back onto the ``DOC`` group it names, which must be declared, once
                           (a certificate no ``FTX`` names has no carats)
consignor, consignee       ``NAD+CZ``, ``NAD+CN``
holder                     ``NAD+DT`` (declarant)
operating_licence_no       ``RFF+AEA`` (government agency reference), after the holder's ``NAD``
lines                      after ``UNS+D``, each: ``CST`` (item number, HS code as six digits),
                           ``LOC+27`` origin (``***`` mixed), ``MEA+AAE+AAF+CTM`` carats (net
                           net weight, unit carat), ``MOA+38`` (item amount) value in ``USD``;
                           then ``UNS+S``
=========================  =================================================================

A party's name fills ``NAD``'s party name (C080: five of an..35); its address the street lines
(C059: four), then the name-and-address lines (C058: five); a name or address longer than one
``NAD`` holds continues in another ``NAD`` of the same party (at most three for 200 and 500
characters), each with the country. Text is cut near word ends and rejoined exactly; a tab or
line break travels as its picture, ``␉`` or ``␊`` (:func:`edi.edifact_values.pieces`).

Segment order, group nesting and repetitions follow D.96B's branching diagram
(``tests/edi/test_edifact_structure.py`` holds it): header ``LOC``, ``DTM``, ``EQD``, ``SEL``,
``FTX``; SG1 ``RFF+ABO`` with SG2 ``PAC``; SG5 ``DOC`` with ``DTM`` or ``LOC``; SG6 ``NAD`` with
``RFF``; after ``UNS+D`` an SG30 group per line (``CST``, ``LOC``, ``MEA``, SG33 ``MOA``).
Where the model is wider than D.96B, the value is written whole rather than cut or changed
(Macao's message guide is not public; it would settle these): a container number over ``EQD``'s
17 characters or a seal over ``SEL``'s 10 (the model allows 40); and more than ten ``DOC``
groups (a licence and up to 21 certificates: SG5 repeats ten times, and no other D.96B place
holds a certificate's document code and place of issue with it). A certificate's carats, which
SG5 (``DOC``, ``DTM``, ``LOC``) has no place for, go in the header's ``FTX`` (99 of them) rather
than a ``MEA`` in its group. Refused, as no EDIFACT text carries them back: a name or
address with a C1 control character, half a surrogate pair, or a control picture (U+2400 to
U+2421, which stand for control characters here).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any

from pydantic import ValidationError

from edi import edifact, edifact_values
from edi.edifact import EdifactError, MessageType, Reader, Segment
from schemas.customs import (
    CertificateRole,
    CustomsDeclaration,
    DeclaredCertificate,
    MessageFunction,
)
from schemas.shipment import Party, PermitKind

CUSDEC = MessageType("CUSDEC", "D", "96B", "UN")
DECLARATION = {PermitKind.import_: "929", PermitKind.export: "830", PermitKind.transit: "950"}
LICENCE = {PermitKind.import_: "911", PermitKind.export: "811", PermitKind.transit: "911"}
CERTIFICATE = {CertificateRole.travels_under: "841", CertificateRole.drawn_on: "916"}
KP_CERTIFICATE = "KIMBERLEY PROCESS CERTIFICATE"
#: A certificate's carats go in a header ``FTX`` of text subject (4451) CUS, customs
#: declaration information: D.96B's certificate group (SG5) has no ``MEA``.
CARATS_NOTE = "CUS"
CARATS_MARK = {CertificateRole.drawn_on: "KP-DRAWN", CertificateRole.travels_under: "KP-TRAVELS"}
CARATS_ROLE = {mark: role for role, mark in CARATS_MARK.items()}
CARATS_FORM = "FTX+CUS+++KP-DRAWN (or KP-TRAVELS):place:country:number:carats"
FUNCTIONS = {function: function.value for function in MessageFunction}
#: NAD's elements after the qualifier: C082, C058, C080, C059, city, sub-entity, postcode,
#: country. Per NAD: 5 pieces of name, 4 + 5 of address.
NAME_PIECES, STREET_PIECES, MORE_PIECES = 5, 4, 5
TEXT_LENGTH = 35
#: LOC's place identification (C517 3225) is an..25 in D.96B.
OFFICE_LENGTH = 25
_HS_DIGITS = re.compile(r"[0-9]{6}")


def render(declaration: CustomsDeclaration) -> bytes:
    """The CUSDEC interchange of a declaration, alone in it: its message id is both the
    interchange's control reference and the message reference."""
    return edifact.write_alone(
        CUSDEC,
        _segments(declaration),
        sender=declaration.sender,
        recipient=declaration.recipient,
        prepared_at=declaration.issued_at,
        reference=declaration.message_id,
    )


def _segments(d: CustomsDeclaration) -> Iterator[Segment]:
    yield Segment.of("BGM", DECLARATION[d.kind], (d.permit_no, str(d.version)), d.function.value)
    yield Segment.of("LOC", "35", d.dispatch_country)
    yield Segment.of("LOC", "36", d.destination_country)
    yield _office(d.recipient)
    yield Segment.of("DTM", ("137", *edifact_values.stamp(d.issued_at)))
    for container in d.containers:
        yield Segment.of("EQD", "CN", container)
    for seal in d.seals:
        yield Segment.of("SEL", seal)
    yield from _carats_notes(d.certificates)
    yield Segment.of("RFF", ("ABO", d.case_no))
    yield Segment.of("PAC", str(d.parcels))
    yield Segment.of("DOC", LICENCE[d.kind], d.permit_no)
    yield Segment.of("DTM", ("7", edifact.day(d.valid_from), "102"))
    yield Segment.of("DTM", ("36", edifact.day(d.valid_until), "102"))
    for certificate in d.certificates:
        yield Segment.of(
            "DOC", (CERTIFICATE[certificate.role], "", "", KP_CERTIFICATE), certificate.number
        )
        yield Segment.of("LOC", "91", certificate.issuing_country)
    yield from _party("CZ", d.consignor, "the consignor")
    yield from _party("CN", d.consignee, "the consignee")
    yield from _party("DT", d.holder, "the holder")
    yield Segment.of("RFF", ("AEA", d.operating_licence_no))
    yield Segment.of("UNS", "D")
    for item, line in enumerate(d.lines, 1):
        yield Segment.of("CST", str(item), line.hs_code.replace(".", ""))
        yield Segment.of("LOC", "27", line.origin)
        yield measure(line.carats, f"the carats of line {item}")
        yield Segment.of(
            "MOA", ("38", edifact_values.number(line.value_usd, f"line {item}'s US$"), "USD")
        )
    yield Segment.of("UNS", "S")


def _carats_notes(certificates: list[DeclaredCertificate]) -> Iterator[Segment]:
    """``FTX+CUS``, one for each certificate with carats, in the certificates' order:
    ``KP-DRAWN`` (or ``KP-TRAVELS``), its place among the certificates of its role (1 the
    first), issuing country, number, carats."""
    places: Counter[CertificateRole] = Counter()
    for certificate in certificates:
        places[certificate.role] += 1
        if certificate.carats is not None:
            carats = edifact_values.number(
                certificate.carats, f"the carats drawn on {certificate.number}"
            )
            text = (
                CARATS_MARK[certificate.role],
                str(places[certificate.role]),
                certificate.issuing_country,
                certificate.number,
                carats,
            )
            yield Segment.of("FTX", CARATS_NOTE, "", "", text)


def _read_carats(notes: list[Segment], certificates: list[dict[str, Any]]) -> None:
    """Sets each certificate's carats from the ``FTX+CUS`` that names it (None if none does):
    each note names a declared certificate, by role, place, issuing country and number, once,
    in the certificates' order."""
    at: dict[tuple[CertificateRole, str], int] = {}
    places: Counter[CertificateRole] = Counter()
    for n, certificate in enumerate(certificates):
        certificate["carats"] = None
        places[certificate["role"]] += 1
        at[(certificate["role"], str(places[certificate["role"]]))] = n
    last = -1
    for note in notes:
        text = note.components(3)
        blank = not any((*note.components(1), *note.components(2)))
        if len(note.elements) != 4 or not blank or len(text) != 5 or text[0] not in CARATS_ROLE:
            raise note.fail(f"the carats of a certificate are {CARATS_FORM}")
        mark, place, country, number, carats = text
        index = at.get((CARATS_ROLE[mark], place))
        named = f"{mark} {place} ({country} {number!r})"
        if index is None or (
            certificates[index]["issuing_country"],
            certificates[index]["number"],
        ) != (country, number):
            raise note.fail(f"gives the carats of {named}, a certificate not declared")
        if index == last:
            raise note.fail(f"gives the carats of {named} a second time")
        if index < last:
            raise note.fail(f"gives the carats of {named} out of the certificates' order")
        certificates[index]["carats"] = edifact_values.decimal(note, carats, "the carats drawn")
        last = index


def _office(code: str) -> Segment:
    """``LOC+22``: the customs office, by its code (3225 is an..25; a longer code, which the
    model allows up to 35, goes in the place name, 3224)."""
    if len(code) <= OFFICE_LENGTH:
        return Segment.of("LOC", "22", code)
    return Segment.of("LOC", "22", ("", "", "", code))


def _party(qualifier: str, party: Party, what: str) -> Iterator[Segment]:
    names = edifact_values.pieces(party.name, TEXT_LENGTH, f"{what}'s name")
    lines = edifact_values.pieces(party.address, TEXT_LENGTH, f"{what}'s address")
    while names or lines:  # a name and an address are never empty
        street, more = lines[:STREET_PIECES], lines[STREET_PIECES : STREET_PIECES + MORE_PIECES]
        yield Segment.of(
            "NAD", qualifier, "", more, names[:NAME_PIECES], street, "", "", "", party.country
        )
        names, lines = names[NAME_PIECES:], lines[STREET_PIECES + MORE_PIECES :]


def measure(carats: Decimal, what: str) -> Segment:
    """Carats as ``MEA``: a measurement (AAE) of net net weight (AAF) in carats (CTM)."""
    return Segment.of("MEA", "AAE", "AAF", ("CTM", edifact_values.number(carats, what)))


def read_measure(segment: Segment) -> Decimal:
    if segment.value(1) != "AAF" or segment.value(2, 0) != "CTM":
        raise segment.fail("carats are measured as AAF (net net weight) in CTM (carats)")
    return edifact_values.decimal(segment, segment.value(2, 1), "the carats")


def not_valid(what: str, error: ValidationError) -> EdifactError:
    """A message that reads but does not make a valid model: its first problem."""
    problem = error.errors()[0]
    where = ".".join(str(part) for part in problem["loc"])
    return EdifactError(f"{what}: {where}: {problem['msg']}")


def parse(data: bytes) -> CustomsDeclaration:
    """The declaration a CUSDEC interchange carries (as :func:`render` writes it)."""
    interchange = edifact.parse(data)
    message = edifact.sole(interchange)
    if message.type != CUSDEC:
        raise EdifactError(f"message {message.reference!r} is {message.type}, not {CUSDEC}")
    r = Reader(message)
    bgm = r.take("BGM")
    kind = edifact_values.lookup(bgm, DECLARATION, bgm.value(0), "the document name code")
    fields: dict[str, Any] = {
        "message_id": message.reference,
        "sender": interchange.sender,
        "recipient": interchange.recipient,
        "kind": kind,
        "permit_no": bgm.value(1, 0),
        "version": edifact_values.whole(bgm, bgm.value(1, 1), "the version"),
        "function": edifact_values.lookup(bgm, FUNCTIONS, bgm.value(2), "the message function"),
        "dispatch_country": r.take("LOC", "35").value(1),
        "destination_country": r.take("LOC", "36").value(1),
    }
    office = r.take("LOC", "22")
    if (office.value(1) or office.value(1, 3)) != interchange.recipient:
        raise office.fail(
            f"names customs office {office.value(1) or office.value(1, 3)!r}, but the "
            f"interchange goes to "
            f"{interchange.recipient!r}"
        )
    dtm = r.take("DTM", "137")
    fields["issued_at"] = edifact_values.read_stamp(
        dtm, dtm.value(0, 1), dtm.value(0, 2), "the issue date"
    )
    fields["containers"] = [segment.value(1) for segment in r.many("EQD", "CN")]
    fields["seals"] = [segment.value(0) for segment in r.many("SEL")]
    notes = r.many("FTX", CARATS_NOTE)
    fields["case_no"] = r.take("RFF", "ABO").value(0, 1)
    pac = r.take("PAC")
    fields["parcels"] = edifact_values.whole(pac, pac.value(0), "the number of parcels")
    licence = r.take("DOC")
    if licence.qualifier != LICENCE[kind] or licence.value(1) != fields["permit_no"]:
        raise licence.fail(f"the licence is DOC+{LICENCE[kind]}+{fields['permit_no']}, as BGM says")
    fields["valid_from"] = _day(r.take("DTM", "7"), "the first day of validity")
    fields["valid_until"] = _day(r.take("DTM", "36"), "the last day of validity")
    fields["certificates"] = []
    while (doc := r.maybe("DOC")) is not None:
        fields["certificates"].append(
            {
                "role": edifact_values.lookup(
                    doc, CERTIFICATE, doc.qualifier, "the certificate's code"
                ),
                "number": doc.value(1),
                "issuing_country": r.take("LOC", "91").value(1),
            }
        )
    _read_carats(notes, fields["certificates"])
    fields["consignor"] = _read_party(r, "CZ")
    fields["consignee"] = _read_party(r, "CN")
    fields["holder"] = _read_party(r, "DT")
    fields["operating_licence_no"] = r.take("RFF", "AEA").value(0, 1)
    r.take("UNS", "D")
    fields["lines"] = []
    while (cst := r.maybe("CST")) is not None:
        item, hs = cst.value(0), cst.value(1)
        if item != str(len(fields["lines"]) + 1) or not _HS_DIGITS.fullmatch(hs):
            raise cst.fail(f"is item {len(fields['lines']) + 1}, with an HS code of six digits")
        origin = r.take("LOC", "27").value(1)
        carats = read_measure(r.take("MEA", "AAE"))
        moa = r.take("MOA", "38")
        if moa.value(0, 2) != "USD":
            raise moa.fail(f"the value is in USD, not {moa.value(0, 2)!r}")
        fields["lines"].append(
            {
                "hs_code": f"{hs[:4]}.{hs[4:]}",
                "origin": origin,
                "carats": carats,
                "value_usd": edifact_values.decimal(moa, moa.value(0, 1), "the value"),
            }
        )
    r.take("UNS", "S")
    r.done()
    try:
        return CustomsDeclaration(**fields)
    except ValidationError as error:
        raise not_valid(f"CUSDEC {message.reference!r} is not a valid declaration", error) from None


def _day(segment: Segment, what: str) -> date:
    return edifact_values.read_day(segment, segment.value(0, 1), segment.value(0, 2), what)


def _read_party(r: Reader, qualifier: str) -> dict[str, str]:
    """A party from its ``NAD`` segments: the first, and any continuing it."""
    first = r.take("NAD", qualifier)
    names: list[str] = []
    lines: list[str] = []
    for segment in [first, *r.many("NAD", qualifier)]:
        if segment.value(8) != first.value(8):
            raise segment.fail(
                f"continues a party of country {first.value(8)!r}, not {segment.value(8)!r}"
            )
        names.extend(segment.components(3))
        lines.extend((*segment.components(4), *segment.components(2)))
    return {
        "name": edifact_values.joined(names),
        "address": edifact_values.joined(lines),
        "country": first.value(8),
    }
