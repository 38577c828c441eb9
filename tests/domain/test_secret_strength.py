"""A signing secret must be hard to guess, not only long (``domain.passwords.secret_problem``)."""

from __future__ import annotations

import secrets

import pytest

from kp_licensing.domain.passwords import secret_problem


@pytest.mark.parametrize(
    ("secret", "problem"),
    [
        ("x" * 31, "shorter than 32"),
        ("a" * 40, "a shorter string repeated"),
        ("changeme" * 5, "a shorter string repeated"),
        ("0123456789abcdef" * 2, "a shorter string repeated"),
        ("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaabcdefgh", "fewer than 10 different"),
        ("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaabcdefghijk", "bits, fewer than 96"),
    ],
)
def test_weak_secrets_are_refused_saying_why(secret: str, problem: str) -> None:
    found = secret_problem(secret)
    assert found is not None and problem in found, found


@pytest.mark.parametrize("make", [lambda: secrets.token_hex(32), lambda: secrets.token_urlsafe(32)])
def test_random_secrets_pass(make: object) -> None:
    for _ in range(200):
        secret = make()  # type: ignore[operator]
        assert secret_problem(secret) is None, secret
