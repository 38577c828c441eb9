"""The one exception hierarchy of the service, mapped to HTTP once in ``kp_licensing.api``.

An error says what went wrong as a :class:`~schemas.messages.Message` (a code and params, written
literally at the ``raise``), rendered at the edge in the reader's language."""

from __future__ import annotations

import re
from typing import Any, ClassVar

from schemas.messages import Message, say


class DomainError(Exception):
    """A failure a person can act on; ``details`` carries structured data (missing items...).

    ``code`` is the stable, machine-readable kind of failure clients switch on; it is the class
    name in snake case unless a class sets its own, so a new error class cannot forget one.
    ``message`` says which failure it is: ``Conflict("case.final", case_no=...)``."""

    status_code = 400
    code: ClassVar[str] = "bad_request"

    def __init__(self, message: str, /, *, details: object | None = None, **params: object) -> None:
        self.message: Message = say(message, **params)
        super().__init__(str(self.message))
        self.details = details

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "code" not in cls.__dict__:
            cls.code = re.sub(r"(?<!^)(?=[A-Z])", "_", cls.__name__).lower()


class RuleViolation(DomainError):
    """The request is well-formed but breaks a rule (incomplete application, bad document)."""

    status_code = 422


class NotFound(DomainError):
    status_code = 404


class Conflict(DomainError):
    """The request is impossible in the current state (approve an expired licence...)."""

    status_code = 409


class Forbidden(DomainError):
    status_code = 403


class Unauthenticated(DomainError):
    status_code = 401


class Unavailable(DomainError):
    """A part the request waits on (the process engine, a worker) did not answer in time.

    ``case_no`` names the case the request created or changed, if any, so the client looks at it
    again instead of repeating a submission; ``retry_after`` is the wait, in seconds, to suggest
    (HTTP ``Retry-After``)."""

    status_code = 503

    def __init__(
        self,
        message: str,
        /,
        *,
        retry_after: int = 5,
        case_no: str | None = None,
        details: object | None = None,
        **params: object,
    ) -> None:
        super().__init__(message, details=details, **params)
        self.retry_after = retry_after
        self.case_no = case_no


#: Errors by class name, so a failure that crossed Temporal (as an ApplicationError whose type is
#: the class name) can be raised again as the same domain error.
ERRORS_BY_NAME: dict[str, type[DomainError]] = {
    cls.__name__: cls for cls in (RuleViolation, NotFound, Conflict, Forbidden, Unauthenticated)
}


class TooManyRequests(DomainError):
    """Too many attempts lately (failed sign-ins, API keys, taken names; uploads): try again
    after ``retry_after`` seconds (HTTP ``Retry-After``)."""

    status_code = 429

    def __init__(self, message: str, /, *, retry_after: int, **params: object) -> None:
        super().__init__(message, retry_after=retry_after, **params)
        self.retry_after = retry_after
