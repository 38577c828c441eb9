"""What a password must be, wherever one is set: registration, an account made by an
administrator or a colleague, and ``kp-licensing users create-admin``.

Length is what makes a password hard to guess (NIST SP 800-63B: at least 8, we ask 12 by
default, and accept long pass phrases); twelve spaces or the account's own name are as long as
they are useless. The upper bound keeps one login from making Argon2 hash megabytes.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from kp_licensing.domain.errors import RuleViolation
from schemas.accounts import MAX_PASSWORD_LENGTH as MAX_LENGTH
from schemas.accounts import MIN_PASSWORD_LENGTH as MIN_LENGTH


@dataclass(frozen=True)
class PasswordPolicy:
    min_length: int = MIN_LENGTH
    max_length: int = MAX_LENGTH

    def problems(self, password: str, *, username: str) -> list[str]:
        """Everything wrong with ``password`` for the account ``username``, at once."""
        found: list[str] = []
        if len(password) < self.min_length:
            found.append(f"use at least {self.min_length} characters")
        if len(password) > self.max_length:
            found.append(f"use at most {self.max_length} characters")
        if not password.strip():
            found.append("use something other than spaces only")
        if any(unicodedata.category(c) in ("Cc", "Cs") for c in password):
            found.append("leave out control characters (tabs, line breaks and the like)")
        if username and username.casefold() in password.casefold():
            found.append("do not use the user name in the password")
        return found

    def check(self, password: str, *, username: str, field: str = "body.password") -> None:
        """Refuse ``password`` (422), naming every problem; ``field`` is where it was sent."""
        found = self.problems(password, username=username)
        if found:
            raise RuleViolation(
                f"the password ({field}) is not acceptable: {'; '.join(found)}",
                details=[{"field": field, "message": problem} for problem in found],
            )
