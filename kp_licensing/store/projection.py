"""What every case projection writes beside its own row: the event, and the notice."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, TypeVar, cast

from pydantic import BaseModel
from sqlalchemy import delete, update
from sqlmodel import Session, col, select

from kp_licensing.store import mail
from kp_licensing.store.models import Notification
from schemas.case import CaseTransition
from schemas.messages import Message

TransitionLike = CaseTransition[Any]


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
        "reason": transition.reason.model_dump() if transition.reason else None,
        "details": transition.details,
    }


def notice_fields(message: Message) -> dict[str, Any]:
    """The columns of a notification that hold its message."""
    parts = [part.model_dump(mode="json") for part in message.parts]
    return {"code": message.code, "params": dict(message.params), "parts": parts or None}


def add_notice(
    session: Session,
    *,
    case_no: str,
    operator_id: int,
    transition: TransitionLike,
    message: Message | None,
    series: str = "",
) -> None:
    """A notification for the operator, keyed by (case, series, transition) so a retry adds
    nothing; the message is stored as data (code and params), rendered when read. ``series``
    tells apart the transitions of two processes about one case (the export and its
    certificate)."""
    if message is not None:
        key = f"{case_no}/{series}{transition.seq}"
        session.add(
            Notification(
                key=key,
                operator_id=operator_id,
                case_no=case_no,
                kind=transition.action,
                **notice_fields(message),
                created_at=transition.at,
            )
        )
        mail.queue_notice(
            session,
            notice_key=key,
            case_no=case_no,
            operator_id=operator_id,
            action=transition.action,
            message=message,
        )


def rewrite(
    session: Session,
    event_model: Any,
    *,
    case_no: str,
    transition: TransitionLike,
    message: Message | None,
    series: str = "",
) -> None:
    """Write again the event and notice of a transition already projected.

    A transition's write runs as a local activity: if the worker dies before the workflow task
    that ran it completes, the task runs again and so does the write, with the same transition
    number but the new attempt's clock (and what follows from it: dates, deadlines). The
    history keeps the last attempt, so the projection must too, or it would disagree with the
    workflow for good."""
    session.execute(
        update(event_model)
        .where(col(event_model.case_no) == case_no, col(event_model.seq) == transition.seq)
        .values(**event_fields(transition))
    )
    if message is not None:
        key = f"{case_no}/{series}{transition.seq}"
        session.execute(
            update(Notification)
            .where(col(Notification.key) == key)
            .values(**notice_fields(message), created_at=transition.at)
        )
        operator_id = session.exec(
            select(Notification.operator_id).where(col(Notification.key) == key)
        ).first()
        if operator_id is not None:  # mails not yet sent say what the history now keeps
            mail.queue_notice(
                session,
                notice_key=key,
                case_no=case_no,
                operator_id=operator_id,
                action=transition.action,
                message=message,
                again=True,
            )


class Standing(Protocol):
    case_no: str
    operator_id: int
    status: str


def standing(session: Session, case_model: Any, case_no: str) -> Standing | None:
    """Whose a case is and where it stands (``case_no``, ``operator_id``, ``status``), without
    loading its state document: all an action checks before it reaches the case's workflow."""
    stmt = select(case_model.case_no, case_model.operator_id, case_model.status).where(
        col(case_model.case_no) == case_no
    )
    return cast(Standing | None, session.exec(stmt).first())


class RecordLike(Protocol):
    state: Any
    transition: Any
    notice: Message | None


def write(
    session: Session,
    record: RecordLike,
    *,
    table: Any,
    event_model: Any,
    new_row: Callable[[], Any],
    fill: Callable[[Any], None],
    consequences: Callable[[], None] | None = None,
    commit: bool = True,
    series: str = "",
) -> bool:
    """Write one transition of a case idempotently: its row, its event and its notice (and the
    ``consequences`` a new transition has elsewhere); False if it had already been written.

    The case row only moves forward (a late retry of an older transition never overwrites a
    newer state); the event and the notification are keyed by (case, transition number). The
    same transition written again takes the newer attempt's content (:func:`rewrite`); another
    transition under a number already kept replaces it and what followed it (:func:`_another`).
    ``new_row`` makes the row of a case seen for the first time; ``fill`` sets its own columns
    from the state. ``commit=False`` leaves a new case's first transition in the caller's
    transaction (the submission's); only a transition written for the first time may be left so.
    """
    state, transition = record.state, record.transition
    row = session.get(table, state.case_no, with_for_update=True)
    if row is None:
        row = new_row()
        session.add(row)
    if transition.seq <= row.seq and _another(session, event_model, state.case_no, transition):
        _forget_from(session, event_model, state.case_no, transition.seq, row.seq, series)
        row.seq = transition.seq - 1
    if transition.seq < row.seq:
        session.rollback()
        return False
    again = transition.seq == row.seq
    row.seq = transition.seq
    row.status = state.status.value
    row.updated_at = transition.at
    fill(row)
    row.state = state.model_dump(mode="json")
    if again:
        rewrite(
            session,
            event_model,
            case_no=state.case_no,
            transition=transition,
            message=record.notice,
            series=series,
        )
        session.commit()
        return False
    session.add(event_model(case_no=state.case_no, **event_fields(transition)))
    add_notice(
        session,
        case_no=state.case_no,
        operator_id=state.operator_id,
        transition=transition,
        message=record.notice,
        series=series,
    )
    if consequences is not None:
        consequences()
    if commit:
        session.commit()
    return True


def _another(session: Session, event_model: Any, case_no: str, transition: TransitionLike) -> bool:
    """Whether the event kept under this transition's number is of another transition: one a
    workflow task projected (a local activity runs before its task completes) and then lost,
    its worker dead, before its history had it; the history went on differently (a signal came
    before the update was sent again). A later attempt of the same transition is the same
    action by the same actor."""
    stored = session.exec(
        select(event_model).where(
            col(event_model.case_no) == case_no, col(event_model.seq) == transition.seq
        )
    ).first()
    return stored is not None and (stored.action, stored.actor_user_id) != (
        transition.action,
        transition.actor.user_id,
    )


def _forget_from(
    session: Session, event_model: Any, case_no: str, first: int, last: int, series: str
) -> None:
    """Remove the events and notices of transitions ``first`` to ``last``, which the workflow's
    history never had: the projection keeps what the history keeps."""
    session.execute(
        delete(event_model).where(
            col(event_model.case_no) == case_no, col(event_model.seq) >= first
        )
    )
    keys = [f"{case_no}/{series}{seq}" for seq in range(first, last + 1)]
    session.execute(delete(Notification).where(col(Notification.key).in_(keys)))
    mail.forget_unsent(session, keys)


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
