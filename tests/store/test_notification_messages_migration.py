"""Migration 0007: a notification stored as a sentence keeps saying it, as the message
``verbatim`` (its sentence as param ``text``); new ones are stored as a code and params; and a
downgrade writes each message back as its English sentence."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from sqlalchemy import Connection, create_engine, text
from sqlmodel import Session

from kp_licensing.store import notifications
from kp_licensing.store.migrate import alembic_config
from kp_licensing.store.models import Notification
from kp_licensing.support.catalogue import render
from schemas.messages import VERBATIM

SENTENCE = "Operating licence OL-2026-0001 expired on 2026-11-01."
CREATED = "'2026-11-01 00:00:00'"


def _operator(conn: Connection) -> None:
    conn.execute(
        text(
            "INSERT INTO operators (id, name, kind, business_registration_no, created_at) "
            f"VALUES (1, 'Op', 'company', 'R-1', {CREATED})"
        )
    )


def test_a_stored_sentence_becomes_verbatim_and_reads_the_same(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    command.upgrade(alembic_config(url), "0006")
    engine = create_engine(url)
    with engine.begin() as conn:
        _operator(conn)
        conn.execute(
            text(
                "INSERT INTO notifications (key, operator_id, case_no, kind, message, "
                f"created_at) VALUES ('OLA-1/2', 1, 'OLA-1', 'expired', :message, {CREATED})"
            ),
            {"message": SENTENCE},
        )

    command.upgrade(alembic_config(url), "head")

    with Session(engine) as session:
        (row,) = notifications.for_operator(session, 1)
        message = notifications.message_of(row)
        assert message.code == VERBATIM and message.params == {"text": SENTENCE}
        assert render(message) == SENTENCE
        assert row.key == "OLA-1/2" and row.read_at is None

    command.downgrade(alembic_config(url), "0006")
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT key, message FROM notifications")).all()
    assert [tuple(r) for r in rows] == [("OLA-1/2", SENTENCE)]


def test_a_new_notification_goes_back_as_its_english_sentence(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'new.db'}"
    command.upgrade(alembic_config(url), "head")
    engine = create_engine(url)
    with engine.begin() as conn:
        _operator(conn)
    with Session(engine) as session:
        session.add(
            Notification(
                key="OLA-1/3",
                operator_id=1,
                case_no="OLA-1",
                kind="expired",
                code="notice.licence.expired",
                params={"licence_no": "OL-2026-0001", "expires_on": "2026-11-01"},
            )
        )
        session.commit()

    command.downgrade(alembic_config(url), "0006")
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT key, message FROM notifications")).all()
    assert [tuple(r) for r in rows] == [("OLA-1/3", SENTENCE)]
