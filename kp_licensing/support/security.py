"""Credentials: Argon2 password hashes, short-lived JWT bearer tokens, hashed API keys.

API keys are 256-bit random strings, so a plain SHA-256 of them is as strong as a slow hash
and lets every request be checked in microseconds; passwords are low-entropy and get Argon2.

Argon2 is memory-hard on purpose: each run takes its whole memory cost. The library's default
(RFC 9106 "low memory": 64 MiB, 3 passes, 4 lanes) let 16 concurrent logins take an API
replica past 1 GB against a 512 MiB limit. So, two bounds:

* the parameters are OWASP's first recommended Argon2id configuration, m=19 MiB, t=2, p=1:
  OWASP rates its listed configurations as equally strong, and this one needs the least
  memory per run (m=46 MiB, t=1 would take 2.4 times as much for the same defence);
* at most ``KP_PASSWORD_HASH_CONCURRENCY`` runs at once per process, on as many threads of
  their own (:data:`slots`); a burst of logins queues for a turn instead of multiplying
  memory (2 x 19 MiB at the default).

Hashes made with other parameters still verify (a hash carries its own parameters), and
:func:`needs_rehash` tells the login to re-hash them with these.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import secrets
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import TypeVar

import jwt
from argon2 import Parameters, PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

from kp_licensing.domain.errors import Unauthenticated
from kp_licensing.support.settings import OWASP_MEMORY_KIB, OWASP_TIME_COST, Settings

T = TypeVar("T")


def argon2_parameters(*, memory_kib: int, time_cost: int) -> Parameters:
    """Argon2id with this memory and time cost (p=1, 16-byte salt, 32-byte hash)."""
    return Parameters(
        type=Type.ID,
        version=19,
        salt_len=16,
        hash_len=32,
        time_cost=time_cost,
        memory_cost=memory_kib,
        parallelism=1,
    )


#: OWASP Password Storage Cheat Sheet, Argon2id: m=19 MiB, t=2, p=1 (see the module docstring).
PARAMETERS = argon2_parameters(memory_kib=OWASP_MEMORY_KIB, time_cost=OWASP_TIME_COST)


def parameters_of(settings: Settings) -> Parameters:
    """The hashing cost ``settings`` ask for."""
    return argon2_parameters(
        memory_kib=settings.password_hash_memory_kib, time_cost=settings.password_hash_time_cost
    )


class HashingSlots:
    """Runs password hashes and verifications on ``limit`` threads of their own; other callers
    wait their turn. Counts who runs and who waits, so the bound can be observed.

    Dedicated threads, not just a semaphore: glibc gives each thread that allocates a malloc
    arena of its own and keeps what is freed there for reuse, so 19 MiB runs spread over the
    API's 20 request threads left up to 20 x 19 MiB resident after a burst. On ``limit``
    threads, at most ``limit`` arenas ever hold Argon2 memory.
    """

    def __init__(self, limit: int) -> None:
        self._count = threading.Lock()
        self._threads = ThreadPoolExecutor(limit, thread_name_prefix="argon2")
        self.limit = limit
        self.running = 0
        self.waiting = 0

    def resize(self, limit: int) -> None:
        if limit == self.limit:
            return
        old, self._threads = self._threads, ThreadPoolExecutor(limit, thread_name_prefix="argon2")
        self.limit = limit
        old.shutdown(wait=False)  # runs already started there finish

    def run(self, work: Callable[[], T]) -> T:
        """``work()`` on a hashing thread, once one is free; its result or its exception."""
        return self._submit(work).result()

    async def run_async(self, work: Callable[[], T]) -> T:
        """:meth:`run` for the event loop: the wait holds neither the loop nor a thread."""
        return await asyncio.wrap_future(self._submit(work))

    def _submit(self, work: Callable[[], T]) -> Future[T]:
        with self._count:
            self.waiting += 1
        return self._threads.submit(self._counted, work)

    def _counted(self, work: Callable[[], T]) -> T:
        with self._count:
            self.waiting -= 1
            self.running += 1
        try:
            return work()
        finally:
            with self._count:
                self.running -= 1


slots = HashingSlots(Settings.model_fields["password_hash_concurrency"].get_default())
_hasher = PasswordHasher.from_parameters(PARAMETERS)
_ALGORITHM = "HS256"
API_KEY_PREFIX = "kpk_"


def configure(*, concurrency: int, parameters: Parameters = PARAMETERS) -> None:
    """Set the process's hashing bound and cost (every entry point does at start-up, from its
    settings: :func:`configure_from`)."""
    global _hasher, _DUMMY_HASH
    slots.resize(concurrency)
    _hasher = PasswordHasher.from_parameters(parameters)
    _DUMMY_HASH = _hasher.hash("no such user")


def configure_from(settings: Settings) -> None:
    global _audit_key
    configure(concurrency=settings.password_hash_concurrency, parameters=parameters_of(settings))
    _audit_key = settings.audit_key.encode()


_audit_key = Settings.model_fields["audit_key"].get_default().encode()


def audit_key() -> bytes:
    """The key that seals the audit trail (``KP_AUDIT_KEY``, set by :func:`configure_from`)."""
    return _audit_key


#: Verified against when a username is unknown, so a login takes as long either way (at the
#: cost configured, like every real hash).
_DUMMY_HASH = _hasher.hash("no such user")


def hash_password(password: str) -> str:
    return slots.run(lambda: _hasher.hash(password))


async def hash_password_async(password: str) -> str:
    return await slots.run_async(lambda: _hasher.hash(password))


def _verification(password: str, password_hash: str | None) -> Callable[[], bool]:
    """The check of ``password`` against ``password_hash`` (None: an unknown user, checked
    against a dummy hash all the same), to run on a hashing thread."""

    def verify() -> bool:
        try:
            verified = _hasher.verify(password_hash or _DUMMY_HASH, password)
        except (VerificationError, InvalidHashError):
            return False
        return verified and password_hash is not None

    return verify


def verify_password(password: str, password_hash: str | None) -> bool:
    return slots.run(_verification(password, password_hash))


async def verify_password_async(password: str, password_hash: str | None) -> bool:
    return await slots.run_async(_verification(password, password_hash))


def needs_rehash(password_hash: str) -> bool:
    """Whether a (verified) hash was made with other parameters than today's."""
    return _hasher.check_needs_rehash(password_hash)


def issue_token(
    *, user_id: int, role: str, secret: str, minutes: int, version: int = 0
) -> tuple[str, datetime]:
    """A signed token for the account; ``version`` is the account's token version, which a
    password change raises so that every token issued before stops working."""
    expires = datetime.now(UTC) + timedelta(minutes=minutes)
    token = jwt.encode(
        {
            "sub": str(user_id),
            "role": role,
            "ver": version,
            "exp": expires,
            "iat": datetime.now(UTC),
        },
        secret,
        algorithm=_ALGORITHM,
    )
    return token, expires


def read_token(token: str, *, secret: str) -> tuple[int, int]:
    """(user id, token version) of a valid, unexpired token (a token from before versions
    counts as version 0)."""
    user_id, expires, version = _verified(token, secret)
    if time.time() >= expires:
        raise Unauthenticated("auth.token_expired")
    return user_id, version


@lru_cache(maxsize=4096)
def _verified(token: str, secret: str) -> tuple[int, float, int]:
    """(user id, expiry, version) of a token whose signature is good: verified once per token and
    secret, then remembered (a client sends the same token with every request for its life,
    and verifying was a sixth of a case read's time). Failures are not cached; the expiry is
    checked on every use by ``read_token``."""
    try:
        claims = jwt.decode(token, secret, algorithms=[_ALGORITHM], options={"require": ["exp"]})
        user_id = int(claims["sub"])
        if not 0 < user_id < 2**63:  # no account has such an id; the database could not say so
            raise ValueError(user_id)
        return user_id, float(claims["exp"]), int(claims.get("ver", 0))
    except jwt.ExpiredSignatureError:
        raise Unauthenticated("auth.token_expired") from None
    except (jwt.PyJWTError, KeyError, ValueError, TypeError):
        raise Unauthenticated("auth.token_invalid") from None


def new_api_key() -> tuple[str, str, str]:
    """A fresh key as (full key shown once, lookup prefix, SHA-256 to store)."""
    prefix = secrets.token_hex(6)
    key = f"{API_KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    return key, prefix, hash_api_key(key)


def hash_api_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def api_key_prefix(key: str) -> str | None:
    """The lookup prefix of a well-formed key, else None."""
    if not key.startswith(API_KEY_PREFIX):
        return None
    parts = key[len(API_KEY_PREFIX) :].split("_", 1)
    return parts[0] if len(parts) == 2 and parts[0] else None


def api_key_matches(key: str, stored_hash: str) -> bool:
    return hmac.compare_digest(hash_api_key(key), stored_hash)
