"""What every case projection writes beside its own row: the event, and the notice.

A transition is written on the hot path of every decision (an application's submission, an
approval), so its statements are Core statements on the tables, executed on the session's
connection in the session's transaction: no ORM object is built, tracked or flushed for a row
that is written once and never read back in the same session (the unit of work cost about as
much CPU as the rest of the write). Reads of the projection keep the ORM models.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any, NamedTuple, Protocol, TypeVar, cast

from pydantic import BaseModel
from sqlalchemy import Connection, Insert, Select, Table, Update, bindparam, delete, insert, update
from sqlmodel import Session, col, select

from kp_licensing.store import mail
from kp_licensing.store.models import Notification
from schemas.case import CaseTransition
from schemas.messages import Message

TransitionLike = CaseTransition[Any]
NOTIFICATIONS = Notification.__table__  # type: ignore[attr-defined]
NEW_NOTIFICATION = insert(NOTIFICATIONS)


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


def notice_key(case_no: str, series: str, seq: int) -> str:
    """A transition's notification's key: (case, series, transition number)."""
    return f"{case_no}/{series}{seq}"


def add_notice(
    db: Connection,
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
        key = notice_key(case_no, series, transition.seq)
        db.execute(
            NEW_NOTIFICATION,
            {
                "key": key,
                "operator_id": operator_id,
                "case_no": case_no,
                "kind": transition.action,
                **notice_fields(message),
                "created_at": transition.at,
            },
        )
        mail.queue_notice(
            db,
            notice_key=key,
            case_no=case_no,
            operator_id=operator_id,
            action=transition.action,
            message=message,
        )


def rewrite(
    db: Connection,
    events: Any,
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
    db.execute(
        update(events)
        .where(events.c.case_no == case_no, events.c.seq == transition.seq)
        .values(**event_fields(transition))
    )
    if message is not None:
        key = notice_key(case_no, series, transition.seq)
        db.execute(
            update(NOTIFICATIONS)
            .where(NOTIFICATIONS.c.key == key)
            .values(**notice_fields(message), created_at=transition.at)
        )
        operator_id = db.execute(
            select(NOTIFICATIONS.c.operator_id).where(NOTIFICATIONS.c.key == key)
        ).scalar_one_or_none()
        if operator_id is not None:  # mails not yet sent say what the history now keeps
            mail.queue_notice(
                db,
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
    created: Callable[[], dict[str, Any]],
    columns: Callable[[], dict[str, Any]],
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
    ``created`` gives the columns of the table's own that a case's row gets once, when it is
    first written; ``columns`` those every transition writes. ``commit=False`` leaves a new
    case's first transition in the caller's transaction (the submission's); only a transition
    written for the first time may be left so.
    """
    state, transition = record.state, record.transition
    case_no = state.case_no
    rows, events = table.__table__, event_model.__table__
    statements = _statements(rows)
    db = session.connection()
    stored = db.execute(statements.locked_seq, {"case_no": case_no}).scalar_one_or_none()
    seq = 0 if stored is None else stored
    if stored is not None and transition.seq <= seq and _another(db, events, case_no, transition):
        _forget_from(db, events, case_no, transition.seq, seq, series)
        seq = transition.seq - 1
    if transition.seq < seq:
        session.rollback()
        return False
    values = {
        "seq": transition.seq,
        "status": state.status.value,
        "updated_at": transition.at,
        "state": state.model_dump(mode="json"),
        **columns(),
    }
    if stored is None:
        values.update(
            case_no=case_no,
            operator_id=state.operator_id,
            submitted_at=state.submitted_at,
            **created(),
        )
        db.execute(statements.insert_row, values)
    else:
        db.execute(statements.update_row, {"row_case_no": case_no, **values})
        _expire_loaded(session, table, case_no)
    if transition.seq == seq:
        rewrite(
            db, events, case_no=case_no, transition=transition, message=record.notice, series=series
        )
        session.commit()
        return False
    db.execute(_statements(events).insert_row, {"case_no": case_no, **event_fields(transition)})
    add_notice(
        db,
        case_no=case_no,
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


class _Statements(NamedTuple):
    locked_seq: Select[Any]
    update_row: Update
    insert_row: Insert


@cache
def _statements(rows: Table) -> _Statements:
    """A case table's statements, built once and executed with parameters: SQLAlchemy then
    finds each compiled in its cache by the statement alone, instead of building a statement
    and a bound parameter per value, and a cache key from them, for every write (as
    ``.values(...)`` does; an insert's columns are those of the dict it is executed with).
    Also used for the events' tables, which have no ``seq`` lock to take (only their insert)."""
    return _Statements(
        locked_seq=select(rows.c.seq)
        .where(rows.c.case_no == bindparam("case_no"))
        .with_for_update(),
        update_row=update(rows).where(rows.c.case_no == bindparam("row_case_no")),
        insert_row=insert(rows),
    )


def _expire_loaded(session: Session, table: Any, case_no: str) -> None:
    """A case row this session had loaded is stale once the row is updated beneath it: its
    next read loads it again."""
    loaded = session.identity_map.get(session.identity_key(table, case_no))
    if loaded is not None:
        session.expire(loaded)


def _another(db: Connection, events: Any, case_no: str, transition: TransitionLike) -> bool:
    """Whether the event kept under this transition's number is of another transition: one a
    workflow task projected (a local activity runs before its task completes) and then lost,
    its worker dead, before its history had it; the history went on differently (a signal came
    before the update was sent again). A later attempt of the same transition is the same
    action by the same actor."""
    stored = db.execute(
        select(events.c.action, events.c.actor_user_id).where(
            events.c.case_no == case_no, events.c.seq == transition.seq
        )
    ).first()
    return stored is not None and tuple(stored) != (
        transition.action,
        transition.actor.user_id,
    )


def _forget_from(
    db: Connection, events: Any, case_no: str, first: int, last: int, series: str
) -> None:
    """Remove the events and notices of transitions ``first`` to ``last``, which the workflow's
    history never had: the projection keeps what the history keeps."""
    db.execute(delete(events).where(events.c.case_no == case_no, events.c.seq >= first))
    keys = [notice_key(case_no, series, seq) for seq in range(first, last + 1)]
    db.execute(delete(NOTIFICATIONS).where(NOTIFICATIONS.c.key.in_(keys)))
    mail.forget_unsent(db, keys)


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
