"""The values inside EDIFACT segments (``edi.md`` section 3), as the customs messages write and
read them: numbers exactly (never through a float), dates (format 102), dates and times with
their zone (formats 304, 303, 205), codes, and free text cut to a data element's length.

Free text (names, addresses, notes) goes through :func:`pieces` and :func:`joined`, which cut it
to a data element's length and carry tab and line breaks, which EDIFACT text cannot hold. The
syntax around them (service characters, segments, messages, the interchange) is
``edi/edifact.py``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import TypeVar

from edi.edifact import DIGITS, EdifactError, Segment, day

_NUMBER = re.compile(r"-?(?:[0-9]+(?:[.,][0-9]+)?|[.,][0-9]+)")

T = TypeVar("T")


def lookup(segment: Segment, codes: Mapping[T, str], code: str, what: str) -> T:
    """What a code stands for in ``codes``; refused if it is none of them."""
    for meaning, value in codes.items():
        if value == code:
            return meaning
    raise segment.fail(f"{what} {code!r} is none of {', '.join(sorted(set(codes.values())))}")


def number(value: Decimal, what: str, *, digits: int = 18) -> str:
    """A decimal as EDIFACT writes it: no exponent, no plus sign, the full stop, as many
    decimals as it has (``Decimal("120.50")`` stays ``120.50``), at most ``digits`` digits."""
    text = f"{value:f}"
    if not value.is_finite() or sum(c.isdigit() for c in text) > digits:
        raise EdifactError(f"{what} {text} does not fit EDIFACT's n..{digits}")
    return text


def decimal(segment: Segment, text: str, what: str) -> Decimal:
    """A numeric value read exactly (never through a float); full stop or comma, both of which
    syntax 4 allows as the decimal mark."""
    if not _NUMBER.fullmatch(text):
        raise segment.fail(f"{what} {text!r} is not a number")
    return Decimal(text.replace(",", "."))


def whole(segment: Segment, text: str, what: str) -> int:
    if not (DIGITS.fullmatch(text) and len(text) <= 9):
        raise segment.fail(f"{what} {text!r} is not a whole number")
    return int(text)


def read_day(segment: Segment, text: str, code: str, what: str) -> date:
    if code != "102" or not (DIGITS.fullmatch(text) and len(text) == 8):
        raise segment.fail(f"{what} {text!r} (format {code!r}) is not CCYYMMDD (format 102)")
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        raise segment.fail(f"{what} {text!r} is not a date") from None


def stamp(moment: datetime) -> tuple[str, str]:
    """A date and time with its zone, as ``DTM`` carries it: ``CCYYMMDDHHMMSSZZZ`` (format
    304) in UTC, ``ZZZ`` being ``UTC``. The instant is kept and the offset it was written in is
    not; fractions of a second are dropped (no D.96B format carries them)."""
    try:
        at = moment.astimezone(UTC)
    except (OverflowError, ValueError):
        raise EdifactError(f"{moment.isoformat()} cannot be written in UTC") from None
    return f"{day(at.date())}{at.hour:02d}{at.minute:02d}{at.second:02d}UTC", "304"


_STAMPS = {
    "304": re.compile(r"([0-9]{14})(UTC|[+-][0-9]{2})"),
    "303": re.compile(r"([0-9]{12})(UTC|[+-][0-9]{2})"),
    "205": re.compile(r"([0-9]{12})([+-][0-9]{4})"),
}


def read_stamp(segment: Segment, text: str, code: str, what: str) -> datetime:
    """A date and time with its zone: format 304 or 303 (``ZZZ``: ``UTC`` or ``±HH``), or 205
    (``±HHMM``). A time without a zone is refused: whose clock it was is not guessed."""
    pattern = _STAMPS.get(code)
    found = pattern.fullmatch(text) if pattern else None
    if found is None:
        raise segment.fail(
            f"{what} {text!r} (format {code!r}) is not a date and time with a time zone "
            f"(formats {', '.join(_STAMPS)})"
        )
    digits, zone = found.groups()
    if zone == "UTC":
        offset = timedelta(0)
    else:
        sign = -1 if zone[0] == "-" else 1
        offset = sign * timedelta(hours=int(zone[1:3]), minutes=int(zone[3:5] or 0))
    try:
        return datetime(
            int(digits[:4]),
            int(digits[4:6]),
            int(digits[6:8]),
            int(digits[8:10]),
            int(digits[10:12]),
            int(digits[12:14] or 0),
            tzinfo=UTC if zone == "UTC" else timezone(offset),
        )
    except ValueError:
        raise segment.fail(f"{what} {text!r} is not a date and time") from None


#: Control characters written as their pictures (U+2400 to U+2421): a tab or line break in an
#: address reaches customs visibly (``Rua 1␊Macau``) and comes back exactly.
_PICTURES = {code: 0x2400 + code for code in range(0x20)} | {0x7F: 0x2421}
_CONTROLS = {picture: code for code, picture in _PICTURES.items()}
_UNWRITABLE = re.compile("[\x80-\x9f\u2400-\u2421\ud800-\udfff]")
#: How much shorter than the data element a piece may be cut, to end it at a word.
_SLACK = 10


def pieces(text: str, length: int, what: str) -> list[str]:
    """Free text cut into values of at most ``length`` characters, to be joined again by
    :func:`joined` exactly. Where it can, a cut falls just before a space near the end, so that
    pieces break between words and do not end in a space (which a receiver may drop as
    insignificant); else at ``length``. Control characters become their pictures. Refused: C1
    controls, unpaired surrogates and the pictures themselves (they would come back as control
    characters)."""
    if bad := _UNWRITABLE.search(text):
        raise EdifactError(
            f"{what} holds U+{ord(bad.group()):04X}, which this EDIFACT text cannot carry"
        )
    text = text.translate(_PICTURES)
    found = []
    while len(text) > length:
        cut = next(
            (
                i
                for i in range(length, max(length - _SLACK, 1), -1)
                if text[i] == " " and text[i - 1] != " "
            ),
            length,
        )
        found.append(text[:cut])
        text = text[cut:]
    if text:
        found.append(text)
    return found


def joined(values: Iterable[str]) -> str:
    """Free text from its pieces (:func:`pieces`)."""
    return "".join(values).translate(_CONTROLS)
