"""UN/EDIFACT syntax version 4 (ISO 9735), written and read without a library: the interchange,
its messages, their segments, data elements and components (``edi.md`` section 3). The customs
messages built on it are ``edi/cusdec.py`` and ``edi/cusres.py``.

Written, an interchange is always:

- ``UNA:+.? '``, the service string advice, although these are the default characters, so no
  receiver has to guess them. Its fifth character is syntax 4's repetition separator; a space
  says none is used (directory D.96B has no repeating data element).
- ``UNB+UNOW:4+sender+recipient+CCYYMMDD:HHMM+reference``: character set UNOW, UTF-8. Party
  names here are Chinese and Portuguese (``陳大文``, ``Edifício``): UNOC (ISO 8859-1) carries
  the Portuguese but not the Chinese, and a name that cannot be carried would have to be changed
  before customs saw it. The date and time are UTC (each message carries its own time, zone
  included, in ``DTM``), to the minute.
- each message between ``UNH+reference+type`` and ``UNT+count+reference`` (``count`` includes
  ``UNH`` and ``UNT``), and ``UNZ+messages+reference``.
- ``+ : ' ?`` in a value after the release character ``?``; no line breaks between segments
  (what is stored and hashed is exactly what is sent).

Read (:func:`parse`), an interchange may declare other service characters in its ``UNA`` (or
have none: the defaults), be in UNOA or UNOB (ASCII), UNOC or UNOW, and have line breaks (LF or
CR LF) between segments. It is refused with one :class:`EdifactError`, a line saying which
segment (``UNB`` is 1) and what is wrong, when it is over :data:`MAX_BYTES`, holds any other
control character, ends inside a segment, misuses the release character, uses the repetition
separator, or when a ``UNT`` or ``UNZ`` count or reference does not match what it closes.

The values inside the segments (numbers, dates, times with their zone, codes, free text) are
written and read by ``edi/edifact_values.py``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

#: The largest interchange read: a declaration is a few kilobytes.
MAX_BYTES = 1 << 20
SYNTAX_VERSION = "4"
CHARACTER_SET = "UNOW"
#: How each character set read is encoded.
ENCODINGS = {"UNOA": "ascii", "UNOB": "ascii", "UNOC": "latin-1", "UNOW": "utf-8"}
#: References (UNB, UNH) are ``an..14``; parties on the network ``an..35``.
REFERENCE_LENGTH = 14
PARTY_LENGTH = 35

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_TAG = re.compile(r"[A-Z0-9]{3}")
#: ASCII digits only: ``\d`` would take any script's digits.
DIGITS = re.compile(r"[0-9]+")


class EdifactError(ValueError):
    """An interchange refused on reading, or a value that cannot be written: one line saying
    where (a segment's position, ``UNB`` being 1) and what is wrong."""


@dataclass(frozen=True)
class Delimiters:
    """The service characters, in the order ``UNA`` declares them."""

    component: str = ":"
    element: str = "+"
    decimal: str = "."
    release: str = "?"
    #: Syntax 4's repetition separator; a space: none.
    repetition: str = " "
    segment: str = "'"

    def __post_init__(self) -> None:
        chars = (self.component, self.element, self.decimal, self.release, self.segment)
        used = [*chars, *([self.repetition] if self.repetition != " " else [])]
        if (
            any(
                len(c) != 1 or not c.isascii() or not c.isprintable()
                for c in (*chars, self.repetition)
            )
            or any(c.isalnum() or c == " " for c in used)
            or len(set(used)) != len(used)
        ):
            raise EdifactError(
                f"service characters {''.join((*chars[:4], self.repetition, self.segment))!r} "
                "must be six printable ASCII characters, distinct, none a letter, digit or "
                "space (a space as the fifth: no repetition separator)"
            )

    @property
    def una(self) -> str:
        return (
            f"UNA{self.component}{self.element}{self.decimal}{self.release}"
            f"{self.repetition}{self.segment}"
        )

    @property
    def reserved(self) -> str:
        """The characters a value must write after the release character."""
        repetition = self.repetition if self.repetition != " " else ""
        return f"{self.component}{self.element}{self.release}{repetition}{self.segment}"


DEFAULT = Delimiters()


@dataclass(frozen=True)
class Segment:
    """A segment: its tag and data elements, each a tuple of components. ``position`` (not
    compared) is where it stood in the interchange it was read from."""

    tag: str
    elements: tuple[tuple[str, ...], ...] = ()
    position: int = field(default=0, compare=False)

    @classmethod
    def of(cls, tag: str, *elements: str | Sequence[str]) -> Segment:
        """A segment from its elements: a string is a simple element, a sequence a composite."""
        return cls(tag, tuple((e,) if isinstance(e, str) else tuple(e) for e in elements))

    def components(self, element: int) -> tuple[str, ...]:
        """The components of an element (0: the first after the tag); none if absent."""
        return self.elements[element] if element < len(self.elements) else ()

    def value(self, element: int, component: int = 0) -> str:
        """One value (0, 0: the first after the tag); empty if absent."""
        components = self.components(element)
        return components[component] if component < len(components) else ""

    @property
    def qualifier(self) -> str:
        return self.value(0)

    def fail(self, reason: str) -> EdifactError:
        return EdifactError(f"segment {self.position} ({self.tag}): {reason}")


@dataclass(frozen=True)
class MessageType:
    """``UNH``'s message identifier: type, version, release, controlling agency."""

    type: str
    version: str
    release: str
    agency: str = "UN"

    def __str__(self) -> str:
        return ":".join(self.identifier)

    @property
    def identifier(self) -> tuple[str, str, str, str]:
        return (self.type, self.version, self.release, self.agency)


@dataclass(frozen=True)
class Message:
    """A message: its reference (``UNH``, ``UNT``), type, and the segments between ``UNH`` and
    ``UNT``. ``end`` (not compared) is where its ``UNT`` stood when read."""

    reference: str
    type: MessageType
    body: tuple[Segment, ...]
    end: int = field(default=0, compare=False)


@dataclass(frozen=True)
class Interchange:
    """An interchange from ``sender`` to ``recipient``: its control reference and messages, in
    the character set and with the service characters it declares."""

    sender: str
    recipient: str
    #: ``UNB``'s date and time of preparation: UTC, to the minute.
    prepared_at: datetime
    reference: str
    messages: tuple[Message, ...]
    character_set: str = CHARACTER_SET
    delimiters: Delimiters = DEFAULT


def write(interchange: Interchange) -> bytes:
    """The interchange's bytes: ``UNA``, ``UNB``, each message framed by ``UNH`` and ``UNT``,
    and ``UNZ``."""
    d = interchange.delimiters
    encoding = _encoding(interchange.character_set)
    at = interchange.prepared_at
    if at.tzinfo is None:
        raise EdifactError("the interchange's time has no time zone")
    at = at.astimezone(UTC)
    _bounded(interchange.reference, REFERENCE_LENGTH, "the interchange reference")
    _bounded(interchange.sender, PARTY_LENGTH, "the sender")
    _bounded(interchange.recipient, PARTY_LENGTH, "the recipient")
    segments = [
        Segment.of(
            "UNB",
            (interchange.character_set, SYNTAX_VERSION),
            interchange.sender,
            interchange.recipient,
            (day(at.date()), f"{at.hour:02d}{at.minute:02d}"),
            interchange.reference,
        )
    ]
    for message in interchange.messages:
        _bounded(message.reference, REFERENCE_LENGTH, "the message reference")
        segments.append(Segment.of("UNH", message.reference, message.type.identifier))
        segments.extend(message.body)
        segments.append(Segment.of("UNT", str(len(message.body) + 2), message.reference))
    segments.append(Segment.of("UNZ", str(len(interchange.messages)), interchange.reference))
    escapes = str.maketrans({c: d.release + c for c in d.reserved})
    text = d.una + "".join(_serialised(s, d, escapes) for s in segments)
    try:
        return text.encode(encoding)
    except UnicodeEncodeError as error:
        raise EdifactError(
            f"character set {interchange.character_set} cannot carry U+{ord(text[error.start]):04X}"
        ) from None


def _encoding(character_set: str) -> str:
    try:
        return ENCODINGS[character_set]
    except KeyError:
        raise EdifactError(
            f"character set {character_set!r} is not supported ({', '.join(ENCODINGS)} are)"
        ) from None


def _serialised(segment: Segment, d: Delimiters, escapes: dict[int, str]) -> str:
    """A segment as written: trailing empty components and elements left out, as ISO 9735
    requires, reserved characters released."""
    if not _TAG.fullmatch(segment.tag):
        raise EdifactError(f"{segment.tag!r} is not a segment tag (three letters or digits)")
    elements = [list(components) for components in segment.elements]
    for components in elements:
        while components and not components[-1]:
            components.pop()
    while elements and not elements[-1]:
        elements.pop()
    for components in elements:
        for value in components:
            if control := _CONTROL.search(value):
                raise EdifactError(
                    f"a value of {segment.tag} holds the control character "
                    f"U+{ord(control.group()):04X}, which EDIFACT text cannot carry"
                )
    written = (d.component.join(v.translate(escapes) for v in c) for c in elements)
    return d.element.join((segment.tag, *written)) + d.segment


def parse(data: bytes) -> Interchange:
    """An interchange as read, checked from ``UNA`` to ``UNZ``."""
    if len(data) > MAX_BYTES:
        raise EdifactError(f"the interchange is {len(data)} bytes, over the 1 MiB read")
    delimiters, start = _service_string(data)
    header = re.compile(
        rb"UNB"
        + re.escape(delimiters.element.encode())
        + rb"([A-Z]{4})"
        + re.escape(delimiters.component.encode())
        + rb"([0-9])"
    ).match(data, start)
    if header is None:
        raise EdifactError(
            f"an interchange begins with UNA or UNB and its syntax identifier, "
            f"not {data[start : start + 12]!r}"
        )
    character_set, version = header.group(1).decode(), header.group(2).decode()
    encoding = _encoding(character_set)
    if version not in ("3", "4"):
        raise EdifactError(f"syntax version {version} is not supported (3 and 4 are)")
    if start == 0 and version == "4":
        delimiters = Delimiters(repetition="*")  # syntax 4's default
    try:
        text = data[start:].decode(encoding)
    except UnicodeDecodeError as error:
        raise EdifactError(
            f"byte {start + error.start} is not {character_set} ({encoding}), "
            "the character set UNB declares"
        ) from None
    return _interchange(_tokens(text, delimiters), delimiters, character_set, version)


def _service_string(data: bytes) -> tuple[Delimiters, int]:
    """The service characters (``UNA``'s, else the defaults) and where ``UNB`` begins."""
    if not data.startswith(b"UNA"):
        return DEFAULT, 0
    if len(data) < 9 or not data[3:9].isascii():
        raise EdifactError("UNA must declare six ASCII service characters")
    try:
        delimiters = Delimiters(*data[3:9].decode())
    except EdifactError as error:
        raise EdifactError(f"UNA declares unusable {error}") from None
    start = 9
    while data[start : start + 1] in (b"\r", b"\n"):
        start += 1
    return delimiters, start


def _tokens(text: str, d: Delimiters) -> list[Segment]:
    """The segments of the text after ``UNA``: separators split, released characters kept,
    line breaks between segments skipped, anything else refused."""
    reserved = d.reserved
    special = re.compile(f"[{re.escape(reserved)}]")
    segments: list[Segment] = []
    elements: list[tuple[str, ...]] = []
    components: list[str] = []
    value: list[str] = []
    at, end = 0, len(text)
    while at < end:
        found = special.search(text, at)
        stop = found.start() if found else end
        if control := _CONTROL.search(text, at, stop):
            raise EdifactError(
                f"segment {len(segments) + 1}: holds the control character "
                f"U+{ord(control.group()):04X}; only line breaks may stand, between segments"
            )
        value.append(text[at:stop])
        if found is None:
            break
        char, at = found.group(), found.end()
        if char == d.release:
            if at == end:
                raise EdifactError(
                    f"segment {len(segments) + 1}: the interchange ends with the release "
                    f"character {d.release!r}: it is truncated"
                )
            if text[at] not in reserved:
                raise EdifactError(
                    f"segment {len(segments) + 1}: the release character {d.release!r} stands "
                    f"before {text[at]!r}; it may stand only before one of {reserved!r}"
                )
            value.append(text[at])
            at += 1
            continue
        if char == d.repetition:
            raise EdifactError(
                f"segment {len(segments) + 1}: the repetition separator {char!r} is used, but "
                f"directory D.96B has no repeating data element (as data it is {d.release}{char})"
            )
        components.append("".join(value))
        value = []
        if char == d.component:
            continue
        elements.append(tuple(components))
        components = []
        if char == d.element:
            continue
        segments.append(_segment(elements, len(segments) + 1))
        elements = []
        while at < end and text[at] in "\r\n":
            at += 1
    if "".join(value) or components or elements:
        raise EdifactError(
            f"segment {len(segments) + 1}: the interchange ends inside it, without the segment "
            f"terminator {d.segment!r}: it is truncated"
        )
    return segments


def _segment(elements: list[tuple[str, ...]], position: int) -> Segment:
    tag = elements[0]
    if len(tag) != 1 or not _TAG.fullmatch(tag[0]):
        raise EdifactError(
            f"segment {position} begins with {':'.join(tag)!r}, not a segment tag "
            "(three capital letters or digits)"
        )
    return Segment(tag[0], tuple(elements[1:]), position)


def _interchange(
    segments: list[Segment], d: Delimiters, character_set: str, version: str
) -> Interchange:
    """The envelope checked: ``UNB``, messages each closed by a ``UNT`` that counts and names
    it, and ``UNZ`` last, counting the messages and naming the interchange."""
    unb = segments[0]
    if unb.tag != "UNB":
        raise unb.fail("an interchange begins with UNB")
    sender, recipient, reference = unb.value(1), unb.value(2), unb.value(4)
    if not (sender and recipient and reference):
        raise unb.fail("a sender, a recipient and a control reference are required")
    messages: list[Message] = []
    at = 1
    while at < len(segments) and segments[at].tag == "UNH":
        unh = segments[at]
        identifier = unh.components(1)
        if not unh.value(0) or len(identifier) < 4 or not all(identifier[:4]):
            raise unh.fail("a message reference and type:version:release:agency are required")
        body: list[Segment] = []
        at += 1
        while at < len(segments) and segments[at].tag not in ("UNH", "UNT", "UNZ"):
            body.append(segments[at])
            at += 1
        opened = f"message {unh.value(0)!r} (segment {unh.position})"
        unt = _trailer(
            segments,
            at,
            "UNT",
            truncated=f"{opened} has no UNT: the interchange is truncated",
            misplaced=f"{opened} has no UNT",
        )
        counted = len(body) + 2
        if not _counts(unt.value(0), counted):
            raise unt.fail(
                f"counts {unt.value(0)!r} segments, but message {unh.value(0)!r} has "
                f"{counted}, UNH and UNT included"
            )
        if unt.value(1) != unh.value(0):
            raise unt.fail(f"closes message {unt.value(1)!r}, but UNH opened {unh.value(0)!r}")
        messages.append(
            Message(unh.value(0), MessageType(*identifier[:4]), tuple(body), unt.position)
        )
        at += 1
    unz = _trailer(
        segments,
        at,
        "UNZ",
        truncated=f"the interchange has no UNZ after segment {segments[-1].position}: "
        "it is truncated or its end is missing",
        misplaced="only a message (UNH) or UNZ may stand here; groups (UNG) are not read",
    )
    if at + 1 < len(segments):
        raise segments[at + 1].fail("nothing may follow UNZ")
    if not _counts(unz.value(0), len(messages)):
        raise unz.fail(f"counts {unz.value(0)!r} messages, but the interchange has {len(messages)}")
    if unz.value(1) != reference:
        raise unz.fail(f"closes interchange {unz.value(1)!r}, but UNB opened {reference!r}")
    if not messages:
        raise unz.fail("the interchange carries no message")
    return Interchange(
        sender, recipient, _prepared(unb, version), reference, tuple(messages), character_set, d
    )


def _trailer(
    segments: list[Segment], at: int, tag: str, *, truncated: str, misplaced: str
) -> Segment:
    """The segment at ``at``, which must be ``tag``, the trailer closing a message (``UNT``) or
    the interchange (``UNZ``): ``truncated`` if the interchange ends before it, ``misplaced``
    (with the position) if another segment stands there."""
    if at == len(segments):
        raise EdifactError(truncated)
    trailer = segments[at]
    if trailer.tag != tag:
        raise trailer.fail(misplaced)
    return trailer


def _counts(text: str, count: int) -> bool:
    return bool(DIGITS.fullmatch(text)) and int(text) == count


def _prepared(unb: Segment, version: str) -> datetime:
    """``UNB``'s date and time: ``CCYYMMDD`` in syntax 4, ``YYMMDD`` (this century) in 3."""
    when, time = unb.value(3, 0), unb.value(3, 1)
    digits = 8 if version == "4" else 6
    if not (DIGITS.fullmatch(when) and len(when) == digits):
        raise unb.fail(
            f"date {when!r} is not {'CCYYMMDD' if digits == 8 else 'YYMMDD'} (syntax {version})"
        )
    if digits == 6:
        when = "20" + when
    if not (DIGITS.fullmatch(time) and len(time) == 4):
        raise unb.fail(f"time {time!r} is not HHMM")
    try:
        return datetime(
            int(when[:4]), int(when[4:6]), int(when[6:]), int(time[:2]), int(time[2:]), tzinfo=UTC
        )
    except ValueError:
        raise unb.fail(f"{when}:{time} is not a date and time") from None


def write_alone(
    message_type: MessageType,
    body: Iterable[Segment],
    *,
    sender: str,
    recipient: str,
    prepared_at: datetime,
    reference: str,
) -> bytes:
    """The bytes of an interchange carrying one message, whose reference is also the
    interchange's control reference: each declaration and response travels alone, so its own
    id names both (:func:`sole` reads it back)."""
    message = Message(reference, message_type, tuple(body))
    return write(Interchange(sender, recipient, prepared_at, reference, (message,)))


def sole(interchange: Interchange) -> Message:
    """The interchange's one message: each declaration and response travels alone."""
    if len(interchange.messages) != 1:
        raise EdifactError(
            f"interchange {interchange.reference!r} carries {len(interchange.messages)} "
            "messages; one was expected"
        )
    return interchange.messages[0]


class Reader:
    """A message's segments read front to back: each step names what must come next, so a
    refusal says which segment is wrong and what was expected there."""

    def __init__(self, message: Message) -> None:
        self._message = message
        self._at = 0

    def maybe(self, tag: str, qualifier: str | None = None) -> Segment | None:
        """The next segment if it is ``tag`` (with that qualifier), taken; else None."""
        body = self._message.body
        if self._at < len(body):
            segment = body[self._at]
            if segment.tag == tag and qualifier in (None, segment.qualifier):
                self._at += 1
                return segment
        return None

    def take(self, tag: str, qualifier: str | None = None) -> Segment:
        segment = self.maybe(tag, qualifier)
        if segment is None:
            wanted = f"{tag}+{qualifier}" if qualifier else tag
            body = self._message.body
            if self._at < len(body):
                raise body[self._at].fail(f"{wanted} was expected here")
            raise EdifactError(
                f"segment {self._message.end} (UNT): message {self._message.reference!r} ends "
                f"where {wanted} was expected"
            )
        return segment

    def many(self, tag: str, qualifier: str | None = None) -> list[Segment]:
        found = []
        while (segment := self.maybe(tag, qualifier)) is not None:
            found.append(segment)
        return found

    def done(self) -> None:
        if self._at < len(self._message.body):
            raise self._message.body[self._at].fail("not expected here")


def _bounded(value: str, length: int, what: str) -> None:
    if not 1 <= len(value) <= length:
        raise EdifactError(f"{what} {value!r} must have 1 to {length} characters")


def day(value: date) -> str:
    """A date as ``CCYYMMDD`` (format 102): four-digit years, whatever the year."""
    return f"{value.year:04d}{value.month:02d}{value.day:02d}"
