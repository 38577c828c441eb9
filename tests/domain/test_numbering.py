"""Numbers people read: format and check digits."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from kp_licensing.domain.numbering import case_number, is_valid_licence_number, licence_number


def test_formats() -> None:
    assert case_number(2026, 17) == "OLA-2026-00017"
    number = licence_number(2026, 3)
    assert number.startswith("OL-2026-0003-") and len(number) == len("OL-2026-0003-00")
    assert is_valid_licence_number(number)


@given(st.integers(2019, 2999), st.integers(1, 999_999), st.integers(0, 3), st.integers(1, 9))
def test_a_changed_digit_is_caught(year: int, sequence: int, position: int, delta: int) -> None:
    number = licence_number(year, sequence)
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


def test_malformed_numbers_are_not_valid() -> None:
    for bad in ["", "OL-2026-0003", "OLA-2026-00017", "OL-2026-0003-5", "ol-2026-0003-54"]:
        assert not is_valid_licence_number(bad)
