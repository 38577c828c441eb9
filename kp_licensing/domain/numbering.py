"""Numbers that people read, type and quote: formats and check digits.

Formats (the sequence comes from the store, the format from here):

* operating-licence application (case) ``OLA-<year>-<5-digit sequence>``, e.g. ``OLA-2026-00017``;
* operating licence ``OL-<year>-<4-digit sequence>-<2 check digits>``, e.g. ``OL-2026-0003-54``.

The licence number carries ISO 7064 MOD 97-10 check digits (as IBANs do), so a customs officer or
foreign authority who mistypes one digit, or swaps two, gets "no such licence" rather than
another operator's licence.
"""

import re

CASE_PATTERN = re.compile(r"^OLA-(\d{4})-(\d{5,})$")
LICENCE_PATTERN = re.compile(r"^OL-(\d{4})-(\d{4,})-(\d{2})$")


def case_number(year: int, sequence: int) -> str:
    """The reference of an operating-licence application."""
    return f"OLA-{year:04d}-{sequence:05d}"


def _check_digits(body: str) -> str:
    digits = "".join(c for c in body if c.isdigit())
    return f"{98 - (int(digits) * 100) % 97:02d}"


def licence_number(year: int, sequence: int) -> str:
    """The number of an issued operating licence, with its check digits."""
    body = f"OL-{year:04d}-{sequence:04d}"
    return f"{body}-{_check_digits(body)}"


def is_valid_licence_number(number: str) -> bool:
    """Whether ``number`` is well formed and its check digits agree."""
    match = LICENCE_PATTERN.match(number)
    if not match:
        return False
    body = number.rsplit("-", 1)[0]
    return _check_digits(body) == match.group(3)
