"""What a password must be, wherever one is set: registration, an account made by an
administrator or a colleague, and ``kp-licensing users create-admin``.

Length is what makes a password hard to guess (NIST SP 800-63B: at least 8, we ask 12 by
default, and accept long pass phrases); twelve spaces or the account's own name are as long as
they are useless. The upper bound keeps one login from making Argon2 hash megabytes.
"""

from __future__ import annotations

import math
import unicodedata
from collections import Counter
from dataclasses import dataclass

from kp_licensing.domain.errors import RuleViolation
from schemas.accounts import MAX_PASSWORD_LENGTH as MAX_LENGTH
from schemas.accounts import MIN_PASSWORD_LENGTH as MIN_LENGTH
from schemas.messages import Message, say


@dataclass(frozen=True)
class PasswordPolicy:
    min_length: int = MIN_LENGTH
    max_length: int = MAX_LENGTH

    def problems(self, password: str, *, username: str) -> list[Message]:
        """Everything wrong with ``password`` for the account ``username``, at once."""
        found: list[Message] = []
        if len(password) < self.min_length:
            found.append(say("password.too_short", min_length=self.min_length))
        if len(password) > self.max_length:
            found.append(say("password.too_long", max_length=self.max_length))
        if not password.strip():
            found.append(say("password.blank"))
        if any(unicodedata.category(c) in ("Cc", "Cs") for c in password):
            found.append(say("password.control_characters"))
        if username and username.casefold() in password.casefold():
            found.append(say("password.contains_username"))
        return found

    def check(self, password: str, *, username: str, field: str = "body.password") -> None:
        """Refuse ``password`` (422), naming every problem as a detail; ``field`` is where it
        was sent."""
        found = self.problems(password, username=username)
        if found:
            raise RuleViolation(
                "password.unacceptable",
                field=field,
                details=[
                    {"field": field, "message": problem.model_dump(mode="json")}
                    for problem in found
                ],
            )


#: The least a signing secret must carry, estimated from its characters (a random 32-character
#: hex string carries about 115 bits by this estimate, 128 in truth; one in 7,000 scores under
#: 96).
SECRET_MIN_BITS = 96
SECRET_MIN_LENGTH = 32


def secret_problem(secret: str) -> str | None:
    """Why ``secret`` is too weak to sign tokens with, or None. Length alone is not enough:
    ``"a" * 40`` or a phrase repeated is long and guessable. Refused: fewer than 32 characters,
    a shorter string repeated, fewer than 10 different characters, or under 96 bits by the
    Shannon estimate of its characters."""
    if len(secret) < SECRET_MIN_LENGTH:
        return f"shorter than {SECRET_MIN_LENGTH} characters"
    if any(secret == secret[:k] * (len(secret) // k) for k in range(1, len(secret) // 2 + 1)):
        return "a shorter string repeated"
    counts = Counter(secret)
    if len(counts) < 10:
        return "fewer than 10 different characters"
    bits = -sum(n * math.log2(n / len(secret)) for n in counts.values())
    if bits < SECRET_MIN_BITS:
        return f"about {bits:.0f} bits, fewer than {SECRET_MIN_BITS}"
    return None
