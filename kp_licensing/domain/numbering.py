"""Numbers that people read, type and quote: formats and check digits.

Formats (the sequence comes from the store, the format from here):

* operating-licence application (case) ``OLA-<year>-<5-digit sequence>``, e.g. ``OLA-2026-00017``;
* operating licence ``OL-<year>-<4-digit sequence>-<2 check digits>``, e.g. ``OL-2026-0003-97``;
* shipment-licence application (case) ``PA-<year>-<5-digit sequence>``;
* shipment licence ``IL`` (import), ``EL`` (export) or ``TL`` (transit)
  ``-<year>-<5-digit sequence>-<2 check digits>``, e.g. ``EL-2026-00042-08``.

The licence number carries ISO 7064 MOD 97-10 check digits (as IBANs do) computed over the WHOLE
number, prefix letters included (converted as in IBANs: A = 10 ... Z = 35), so a customs officer
or foreign authority who mistypes one digit, swaps two, or types ``EL`` for ``IL`` holds a number
that does not verify, rather than another operator's licence (``IL-``, ``EL-`` and
``TL-2026-00001`` get different check digits).
"""

import re

from schemas.messages import Message, say

LICENCE_PATTERN = re.compile(r"^(OL|IL|EL|TL)-(\d{4})-(\d{4,})-(\d{2})$")
PERMIT_PREFIX = {"import": "IL", "export": "EL", "transit": "TL"}


def case_number(year: int, sequence: int) -> str:
    """The reference of an operating-licence application."""
    return f"OLA-{year:04d}-{sequence:05d}"


def _as_digits(body: str) -> int:
    """The number MOD 97-10 works on: letters become two digits as in IBANs (A = 10 ... Z = 35),
    digits stay, separators are dropped."""
    return int("".join(str(int(c, 36)) for c in body if c.isalnum()))


def _check_digits(body: str) -> str:
    return f"{98 - (_as_digits(body) * 100) % 97:02d}"


def _with_check_digits(body: str) -> str:
    return f"{body}-{_check_digits(body)}"


def licence_number(year: int, sequence: int) -> str:
    """The number of an issued operating licence, with its check digits."""
    return _with_check_digits(f"OL-{year:04d}-{sequence:04d}")


def permit_case_number(year: int, sequence: int) -> str:
    """The reference of a shipment-licence application."""
    return f"PA-{year:04d}-{sequence:05d}"


def permit_number(kind: str, year: int, sequence: int) -> str:
    """The number of an issued import, export or transit licence, with its check digits."""
    return _with_check_digits(f"{PERMIT_PREFIX[kind]}-{year:04d}-{sequence:05d}")


def kp_certificate_number(prefix: str, year: int, sequence: int) -> str:
    """A KP certificate's number (Annex I item 3): the ISO alpha-2 prefix, the year, a sequence
    that has no gaps within it (``store.certificates.allocate_number``)."""
    return f"{prefix}{year:04d}{sequence:06d}"


def licence_number_message(number: str) -> Message | None:
    """What is wrong with ``number`` as a licence number (any licence above), or None: a lookup
    by a number that cannot be one is told so (422) instead of "no such licence" (404)."""
    match = LICENCE_PATTERN.match(number)
    if not match:
        return say("licence_number.malformed")
    body = number.rsplit("-", 1)[0]
    if _check_digits(body) != match.group(4):
        return say("licence_number.check_digits")
    return None


def is_valid_licence_number(number: str) -> bool:
    """Whether ``number`` (any licence above) is well formed and its check digits agree."""
    return licence_number_message(number) is None
