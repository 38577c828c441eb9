"""What every case projection writes beside its own row: the event, and the notice."""

from __future__ import annotations

from typing import Any, Protocol, TypeVar

from pydantic import BaseModel
from sqlmodel import Session

from kp_licensing.store.models import Notification


class TransitionLike(Protocol):
    seq: int
    at: Any
    actor: Any
    action: str
    from_status: Any
    to_status: Any
    reason: str | None
    details: dict[str, str]


def event_fields(transition: TransitionLike) -> dict[str, Any]:
    """The columns of an event row, from a licence or permit transition."""
    return {
        "seq": transition.seq,
        "at": transition.at,
        "actor_user_id": transition.actor.user_id,
        "actor_username": transition.actor.username,
        "actor_role": transition.actor.role.value,
        "action": transition.action,
        "from_status": transition.from_status.value if transition.from_status else None,
        "to_status": transition.to_status.value,
        "reason": transition.reason,
        "details": transition.details,
    }


def add_notice(
    session: Session,
    *,
    case_no: str,
    operator_id: int,
    transition: TransitionLike,
    message: str | None,
) -> None:
    """A notification for the operator, keyed by (case, transition) so a retry adds nothing."""
    if message:
        session.add(
            Notification(
                key=f"{case_no}/{transition.seq}",
                operator_id=operator_id,
                case_no=case_no,
                kind=transition.action,
                message=message,
                created_at=transition.at,
            )
        )


T = TypeVar("T", bound=BaseModel)


def to_transition(event: Any, model: type[T]) -> T:
    """An event row (licence or permit) as the transition model it records."""
    return model.model_validate(
        {
            "seq": event.seq,
            "at": event.at,
            "actor": {
                "user_id": event.actor_user_id,
                "username": event.actor_username,
                "role": event.actor_role,
            },
            "action": event.action,
            "from_status": event.from_status,
            "to_status": event.to_status,
            "reason": event.reason,
            "details": event.details,
        }
    )
