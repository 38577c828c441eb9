"""The mail outbox's rows (``mail_models.OutgoingMail``): queued beside a notice (Core
statements on the projection's connection, as the notice itself), taken by the delivery
activity, marked sent or failed."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Connection, bindparam, delete, insert
from sqlmodel import Session, col, select

from kp_licensing.store.mail_models import OutgoingMail
from kp_licensing.store.models import User
from schemas.common import Role
from schemas.messages import Message, say

#: The tables the projection writes mails with (Core statements, in its transaction).
OUTBOX = OutgoingMail.__table__  # type: ignore[attr-defined]
USERS = User.__table__  # type: ignore[attr-defined]
NEW_MAIL = insert(OUTBOX)

#: A mail refused this many times is kept, with its last error, but no longer tried: a person
#: looks at it (a recipient address that does not exist).
MAX_ATTEMPTS = 20


#: Executed with the operator's id on every notice the projection writes: built once.
TRADER_ADDRESSES = select(USERS.c.email).where(
    USERS.c.operator_id == bindparam("operator_id"),
    USERS.c.is_active,
    USERS.c.role == Role.trader.value,
    USERS.c.email.is_not(None),
)


def recipients(db: Connection, operator_id: int) -> list[str]:
    """The addresses of an operator's active traders who gave one."""
    rows = db.execute(TRADER_ADDRESSES, {"operator_id": operator_id}).scalars()
    return sorted({email for email in rows if email})


def staff_alert(action: str, case_no: str) -> Message | None:
    """What the bureau's officers and supervisors are mailed of a step that needs one of them,
    if anything (the step's notice speaks to the trader)."""
    if action == "confirmation_escalated":
        return say("mail.staff.confirmation_escalated", case_no=case_no)
    return None


def staff_recipients(db: Connection) -> list[str]:
    """The addresses of the active officers and supervisors who gave one."""
    stmt = select(USERS.c.email).where(
        USERS.c.is_active,
        USERS.c.role.in_([Role.officer.value, Role.supervisor.value]),
        USERS.c.email.is_not(None),
    )
    return sorted({email for email in db.execute(stmt).scalars() if email})


def queue_notice(
    db: Connection,
    *,
    notice_key: str,
    case_no: str,
    operator_id: int,
    action: str,
    message: Message,
    again: bool = False,
) -> None:
    """The mails of a notice, in the transaction of ``db`` (the projection's): to the
    operator's traders, and to the bureau's staff if the step needs one of them. A new notice
    (the projection's hot path) has no mails yet; one written ``again`` (the projection
    rewrites a notice) has its unsent mails say the new text, and one already sent is not sent
    twice."""
    sent: set[str] = set()
    if again:
        forget_unsent(db, [notice_key])
        sent = set(
            db.execute(
                select(OUTBOX.c.recipient).where(OUTBOX.c.notice_key == notice_key)
            ).scalars()
        )
    traders = [r for r in recipients(db, operator_id) if r not in sent]
    queue(db, notice_key=notice_key, case_no=case_no, message=message, to=traders)
    alert = staff_alert(action, case_no)
    if alert is not None:
        staff = [r for r in staff_recipients(db) if r not in sent and r not in traders]
        queue(db, notice_key=notice_key, case_no=case_no, message=alert, to=staff)


def queue(
    db: Connection, *, notice_key: str, case_no: str, message: Message, to: list[str]
) -> None:
    """A mail of ``message`` to each of ``to``, in the transaction of ``db``."""
    if not to:
        return
    parts = [part.model_dump(mode="json") for part in message.parts] or None
    now = datetime.now(UTC)
    db.execute(
        NEW_MAIL,
        [
            {
                "notice_key": notice_key,
                "recipient": recipient,
                "case_no": case_no,
                "code": message.code,
                "params": dict(message.params),
                "parts": parts,
                "created_at": now,
                "attempts": 0,
            }
            for recipient in to
        ],
    )


def forget_unsent(db: Connection, notice_keys: list[str]) -> None:
    """Drop the mails not yet sent of notices the projection drops or writes again."""
    db.execute(
        delete(OUTBOX).where(OUTBOX.c.notice_key.in_(notice_keys), OUTBOX.c.sent_at.is_(None))
    )


def pending(session: Session, *, limit: int) -> list[OutgoingMail]:
    stmt = (
        select(OutgoingMail)
        .where(col(OutgoingMail.sent_at).is_(None), OutgoingMail.attempts < MAX_ATTEMPTS)
        .order_by(col(OutgoingMail.id))
        .limit(limit)
    )
    return list(session.exec(stmt).all())


def mark_sent(session: Session, row: OutgoingMail, at: datetime) -> None:
    row.sent_at = at
    row.attempts += 1
    row.last_error = None
    session.add(row)
    session.commit()


def mark_failed(session: Session, row: OutgoingMail, error: str) -> None:
    row.attempts += 1
    row.last_error = error[:500]
    session.add(row)
    session.commit()
