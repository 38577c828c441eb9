"""Business registration numbers (the commercial registry's number of an operator): one
canonical form, so that ``SO-12345``, ``so-12345`` and ``SO 12345`` are one business.

People write the same number with or without spaces, dashes, dots, slashes or brackets, and in
either case; none of that tells two businesses apart. The canonical form keeps the letters and
digits only, upper-cased. It is what the operators table stores (its unique index is therefore
on the canonical value), what an application's number is compared with, and what a search
matches.
"""

from __future__ import annotations

import re

from schemas.messages import Message, say

_SEPARATORS = re.compile(r"[^0-9A-Za-z]")

#: Fewer letters and digits than this cannot tell one business from another.
MIN_SIGNIFICANT = 3


def canonical_registration_no(number: str) -> str:
    """``number`` with everything but ASCII letters and digits removed, upper-cased."""
    return _SEPARATORS.sub("", number).upper()


def registration_no_problem(number: str) -> Message | None:
    """Why ``number`` cannot be a business registration number, or None."""
    if len(canonical_registration_no(number)) < MIN_SIGNIFICANT:
        return say("registration.number_too_short", min_significant=MIN_SIGNIFICANT)
    return None
