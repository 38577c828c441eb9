"""Guessing made slow: failed sign-ins, API keys that are not valid, and registrations that hit
a taken user name are counted per account, per client address and per both; past a few free
failures each further one makes the subject wait, twice as long each time, up to a cap.

Why three subjects for a sign-in: the pair (account, address) stops one client guessing one
account after five tries; the address alone stops one client spraying many accounts; the
account alone, with a high threshold and a short cap, slows guessing spread over many
addresses. None can lock a person out for long: the pair's wait binds only the guesser's own
address (the person signs in from theirs at once), and the account-wide wait is at most a
minute. An attempt while a subject waits is refused (429 with ``Retry-After``) without being
checked or counted; failures older than an hour are forgotten; a success forgets the account's.

The counts are in the database (``failed_attempts``), so every API process shares them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlmodel import Session

from kp_licensing.domain.errors import TooManyRequests
from kp_licensing.store import attempts


@dataclass(frozen=True)
class Rule:
    scope: str
    #: Failures allowed before any wait.
    free: int
    #: The longest wait.
    cap: timedelta
    #: A failure this old no longer counts.
    forget: timedelta = timedelta(hours=1)

    def wait(self, failures: int) -> timedelta | None:
        """The wait after the ``failures``-th failure: 1 s at ``free``, doubling, capped."""
        if failures < self.free:
            return None
        return min(self.cap, timedelta(seconds=2 ** min(failures - self.free, 30)))


ACCOUNT_FROM_ADDRESS = Rule("account_address", free=5, cap=timedelta(minutes=15))
ADDRESS = Rule("address", free=20, cap=timedelta(minutes=15))
ACCOUNT = Rule("account", free=50, cap=timedelta(minutes=1))
API_KEY_ADDRESS = Rule("api_key_address", free=10, cap=timedelta(minutes=15))
REGISTRATION_ADDRESS = Rule("registration", free=5, cap=timedelta(minutes=15))
#: Certificate numbers (or hashes) that are not genuine, asked by one address.
VERIFICATION_ADDRESS = Rule("verification", free=20, cap=timedelta(minutes=15))

Subjects = list[tuple[Rule, str]]


def sign_in(username: str, address: str) -> Subjects:
    account = username.strip().lower()  # "Alice" and "alice " are guesses at one account
    return [(ACCOUNT_FROM_ADDRESS, f"{account} {address}"), (ADDRESS, address), (ACCOUNT, account)]


def api_key(address: str) -> Subjects:
    return [(API_KEY_ADDRESS, address)]


def registration(address: str) -> Subjects:
    return [(REGISTRATION_ADDRESS, address)]


def verification(address: str) -> Subjects:
    return [(VERIFICATION_ADDRESS, address)]


def check(session: Session, subjects: Subjects) -> None:
    """Refuse the attempt (429) while any of its subjects must wait."""
    now = datetime.now(UTC)
    waits = [
        until
        for rule, subject in subjects
        if (until := attempts.blocked_until(session, rule.scope, subject, now)) is not None
    ]
    if waits:
        seconds = max(1, math.ceil((max(waits) - now).total_seconds()))
        raise TooManyRequests("auth.too_many_attempts", retry_after=seconds)


def failed(session: Session, subjects: Subjects) -> None:
    """Count a failure for each subject and make those past their free failures wait; committed
    at once, whatever the request does next (it is about to be refused)."""
    now = datetime.now(UTC)
    for rule, subject in subjects:
        failures = attempts.add_failure(session, rule.scope, subject, now=now, forget=rule.forget)
        wait = rule.wait(failures)
        if wait is not None:
            attempts.block(session, rule.scope, subject, now + wait)
    session.commit()


def succeeded(session: Session, subjects: Subjects) -> None:
    """Forget the account's failures (not the address's: one good account of an attacker's
    must not clear the slate for guessing others)."""
    for rule, subject in subjects:
        if rule is not ADDRESS:
            attempts.forget(session, rule.scope, subject)
    session.commit()
