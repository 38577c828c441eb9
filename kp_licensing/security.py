"""Credentials: Argon2 password hashes, short-lived JWT bearer tokens, hashed API keys.

API keys are 256-bit random strings, so a plain SHA-256 of them is as strong as a slow hash
and lets every request be checked in microseconds; passwords are low-entropy and get Argon2.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from datetime import UTC, datetime, timedelta
from functools import lru_cache

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from kp_licensing.domain.errors import Unauthenticated

_hasher = PasswordHasher()
_ALGORITHM = "HS256"
API_KEY_PREFIX = "kpk_"

#: Verified against when a username is unknown, so a login takes as long either way.
_DUMMY_HASH = _hasher.hash("no such user")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password: str, password_hash: str | None) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def issue_token(*, user_id: int, role: str, secret: str, minutes: int) -> tuple[str, datetime]:
    expires = datetime.now(UTC) + timedelta(minutes=minutes)
    token = jwt.encode(
        {"sub": str(user_id), "role": role, "exp": expires, "iat": datetime.now(UTC)},
        secret,
        algorithm=_ALGORITHM,
    )
    return token, expires


def read_token(token: str, *, secret: str) -> int:
    """The user id a valid, unexpired token was issued to."""
    user_id, expires = _verified(token, secret)
    if time.time() >= expires:
        raise Unauthenticated("the token has expired; log in again")
    return user_id


@lru_cache(maxsize=4096)
def _verified(token: str, secret: str) -> tuple[int, float]:
    """(user id, expiry) of a token whose signature is good: verified once per token and
    secret, then remembered (a client sends the same token with every request for its life,
    and verifying was a sixth of a case read's time). Failures are not cached; the expiry is
    checked on every use by ``read_token``."""
    try:
        claims = jwt.decode(token, secret, algorithms=[_ALGORITHM], options={"require": ["exp"]})
        return int(claims["sub"]), float(claims["exp"])
    except jwt.ExpiredSignatureError:
        raise Unauthenticated("the token has expired; log in again") from None
    except (jwt.PyJWTError, KeyError, ValueError, TypeError):
        raise Unauthenticated("the token is not valid") from None


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
