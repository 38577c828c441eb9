"""The ownership rule every read and action applies: a trader sees only its own operator's
things, and another operator's thing does not exist for it (404, never 403: nothing leaks)."""

from __future__ import annotations

from typing import Protocol, TypeVar

from kp_licensing.domain.errors import NotFound
from schemas.common import Actor, Role


class Owned(Protocol):
    operator_id: int


T = TypeVar("T", bound=Owned)


def visible(thing: T | None, *, actor: Actor, missing: NotFound) -> T:
    """``thing`` if it exists and ``actor`` may see it; otherwise ``missing`` is raised (the
    caller says what is missing: ``NotFound("document.not_found", document_id=...)``)."""
    if thing is None or (actor.role == Role.trader and thing.operator_id != actor.operator_id):
        raise missing
    return thing


def searched_operator(actor: Actor, operator_id: int | None) -> int | None:
    """The operator a search is limited to: a trader's own, whatever it asked for; staff
    search the one they name, or all."""
    return actor.operator_id if actor.role == Role.trader else operator_id
