"""Numbers people read: format and check digits over the whole number, prefix included."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kp_licensing.domain.numbering import (
    PERMIT_PREFIX,
    case_number,
    is_valid_licence_number,
    licence_number,
    licence_number_message,
    permit_number,
)
from kp_licensing.support.catalogue import render
from schemas.messages import say

PREFIXES = ["OL", *PERMIT_PREFIX.values()]


def test_formats() -> None:
    assert case_number(2026, 17) == "OLA-2026-00017"
    number = licence_number(2026, 3)
    assert number.startswith("OL-2026-0003-") and len(number) == len("OL-2026-0003-00")
    assert is_valid_licence_number(number)


def test_known_numbers() -> None:
    """Fixed examples (README "Numbers people read"): MOD 97-10 over the letters as in IBANs."""
    assert licence_number(2026, 3) == "OL-2026-0003-97"
    assert permit_number("import", 2026, 1) == "IL-2026-00001-71"
    assert permit_number("export", 2026, 1) == "EL-2026-00001-34"
    assert permit_number("transit", 2026, 1) == "TL-2026-00001-03"


@given(st.integers(2019, 2999), st.integers(1, 99_999))
def test_the_prefix_is_covered(year: int, sequence: int) -> None:
    """The same year and sequence under another prefix is never also a valid number: a
    mistyped letter finds no licence, never another kind of licence."""
    numbers = {kind: permit_number(kind, year, sequence) for kind in PERMIT_PREFIX} | {
        "operating": f"OL-{year:04d}-{sequence:05d}-00"
    }
    for number in numbers.values():
        body, check = number.rsplit("-", 1)
        for prefix in PREFIXES:
            if prefix != number[:2]:
                assert not is_valid_licence_number(f"{prefix}{body[2:]}-{check}")


@given(
    st.sampled_from(["operating", *PERMIT_PREFIX]),
    st.integers(2019, 2999),
    st.integers(1, 9999),
    st.integers(0, 3),
    st.integers(1, 9),
)
def test_a_changed_digit_is_caught(
    kind: str, year: int, sequence: int, position: int, delta: int
) -> None:
    number = (
        licence_number(year, sequence)
        if kind == "operating"
        else permit_number(kind, year, sequence)
    )
    digits = [i for i, c in enumerate(number) if c.isdigit()]
    index = digits[position]
    changed = number[:index] + str((int(number[index]) + delta) % 10) + number[index + 1 :]
    assert not is_valid_licence_number(changed)


@given(st.integers(2019, 2999), st.integers(10, 9999))
def test_swapped_adjacent_digits_are_caught(year: int, sequence: int) -> None:
    number = licence_number(year, sequence)
    body = number[8:12]  # the sequence digits
    for i in range(3):
        if body[i] != body[i + 1]:
            swapped = body[:i] + body[i + 1] + body[i] + body[i + 2 :]
            assert not is_valid_licence_number(number[:8] + swapped + number[12:])


@pytest.mark.parametrize(
    "bad", ["", "OL-2026-0003", "OLA-2026-00017", "OL-2026-0003-5", "ol-2026-0003-97"]
)
def test_malformed_numbers_are_not_valid(bad: str) -> None:
    assert not is_valid_licence_number(bad)
    assert licence_number_message(bad) == say("licence_number.malformed")
    assert "expected OL, IL, EL or TL" in render(say("licence_number.malformed"))


def test_wrong_check_digits_are_named() -> None:
    assert licence_number_message("IL-2026-00001-71") is None
    assert licence_number_message("EL-2026-00001-71") == say("licence_number.check_digits")
    assert render(say("licence_number.check_digits")) == (
        "not a valid licence number: check digits do not match (is it mistyped?)"
    )
