"""The ownership rule every read and action applies: a trader sees only its own operator's
things, and another operator's thing does not exist for it (404, never 403: nothing leaks)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Protocol, TypeVar

from pydantic import BaseModel
from sqlmodel import Session

from kp_licensing.domain.errors import NotFound
from kp_licensing.store import people
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


def shown_to(reader: Actor, session: Session, *found_in: Any) -> None:
    """For a trader, every member of staff named in ``found_in`` (models, lists of them) appears
    by display name: the actor's ``username`` becomes the account's full name, in place. The
    bureau's login names are the first thing a guesser needs, and a trader deals with people,
    not accounts. Staff readers see login names; the process itself stays ``system``."""
    if reader.role != Role.trader:
        return
    staff = [a for a in _actors(found_in) if a.role != Role.trader and a.user_id > 0]
    names = people.display_names(session, {a.user_id for a in staff}) if staff else {}
    for actor in staff:
        actor.username = names.get(actor.user_id, actor.role.value)


def _actors(value: Any) -> Iterator[Actor]:
    """Every ``Actor`` inside ``value``, however deep (the states hold them in several places)."""
    if isinstance(value, Actor):
        yield value
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from _actors(getattr(value, name))
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _actors(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _actors(item)


def searched_operator(actor: Actor, operator_id: int | None) -> int | None:
    """The operator a search is limited to: a trader's own, whatever it asked for; staff
    search the one they name, or all."""
    return actor.operator_id if actor.role == Role.trader else operator_id
