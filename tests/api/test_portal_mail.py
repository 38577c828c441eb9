"""What the service tells a trader reaches them: in the portal's notifications and by mail,
from an outbox drained by a retried activity. In development a mail is an ``.eml`` file under
the data folder; a mail server that is down delays mail, never loses it."""

from __future__ import annotations

import email
import os
import socket
import time
from collections.abc import Iterator
from email import policy
from pathlib import Path

import pytest
from sqlmodel import select
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from kp_licensing.store import mail
from kp_licensing.store.db import SessionFactory, make_engine, session_factory
from kp_licensing.store.mail_models import OutgoingMail
from kp_licensing.support.settings import Settings
from schemas.messages import say
from tests.api.conftest import Staff
from tests.api.portal import Browser, text_of
from tests.api.test_portal_licences import apply_for_licence, staff_browser
from tests.conftest import migrated_database
from workflows.mail_activities import MailActivities


def mails_to(folder: Path, address: str, *, containing: str, wait: float = 30) -> list[str]:
    """The bodies of the ``.eml`` files to ``address`` that mention ``containing``."""
    deadline = time.monotonic() + wait
    while True:
        found = []
        for path in folder.glob("*.eml") if folder.exists() else []:
            parsed = email.message_from_bytes(path.read_bytes(), policy=policy.default)
            body = parsed.get_body().get_content()  # type: ignore[union-attr]
            if parsed["To"] == address and containing in body:
                found.append(f"Subject: {parsed['Subject']}\n{body}")
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.5)


def test_an_information_request_reaches_the_trader_in_the_portal_and_by_mail(
    service: str, staff: Staff, settings: Settings
) -> None:
    trader = Browser.open(service)
    registered = trader.register()
    case_no = apply_for_licence(trader, registered)
    officer = staff_browser(service, staff.officer.username)
    asked = "Please send the lease of the establishment."
    response = officer.submit(
        f"/licences/{case_no}", f"/licences/{case_no}/request-information", {"message": asked}
    )
    assert response.status_code == 303, text_of(response.text)[:2000]

    notices = trader.page("/notifications")
    assert case_no in notices and f'href="/cases/{case_no}"' in notices
    assert trader.get(f"/cases/{case_no}").headers["location"] == f"/licences/{case_no}"

    mails = mails_to(settings.mail_dir, registered["email"], containing=case_no)
    assert mails, f"no mail for {case_no} under {settings.mail_dir}"
    body = mails[0]
    assert f"/cases/{case_no}" in body
    assert "金伯利進程" in body and "Processo de Kimberley" in body  # the three languages
    # Marked read in the portal: the notification stays, no longer new.
    token = trader.page("/notifications")
    assert "Mark all as read" in token
    response = trader.submit("/notifications", "/notifications/read", {})
    assert response.status_code == 303
    assert "Mark as read" not in trader.page("/notifications")


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])  # closed again once this returns


@pytest.fixture
def own_outbox(tmp_path: Path) -> Iterator[SessionFactory]:
    """A database of this test's own: the running service's schedule drains the suite's."""
    name = f"kp_mail_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
    with migrated_database(name, tmp_path) as url:
        engine = make_engine(url)
        yield session_factory(engine)
        engine.dispose()


def test_a_mail_server_down_delays_mail_and_loses_none(
    own_outbox: SessionFactory, settings: Settings, tmp_path: Path
) -> None:
    sessions = own_outbox
    key = "OLA-2026-99999/1"
    with sessions() as session:
        mail.queue(
            session.connection(),
            notice_key=key,
            case_no="OLA-2026-99999",
            message=say("mail.subject", case_no="OLA-2026-99999"),
            to=["someone@example.mo"],
        )
        session.commit()
    down = settings.model_copy(
        update={"smtp_host": "127.0.0.1", "smtp_port": _closed_port(), "data_dir": tmp_path}
    )
    with pytest.raises(ApplicationError):
        ActivityEnvironment().run(MailActivities(sessions, down).deliver_pending)
    with sessions() as session:
        row = session.exec(
            select(OutgoingMail).where(OutgoingMail.notice_key == key)  # type: ignore[attr-defined]
        ).one()
        assert row.sent_at is None and row.attempts == 1 and row.last_error

    up = settings.model_copy(update={"data_dir": tmp_path})  # development: .eml files
    assert ActivityEnvironment().run(MailActivities(sessions, up).deliver_pending) >= 1
    with sessions() as session:
        row = session.exec(
            select(OutgoingMail).where(OutgoingMail.notice_key == key)  # type: ignore[attr-defined]
        ).one()
        assert row.sent_at is not None and row.attempts == 2 and row.last_error is None
    assert mails_to(tmp_path / "mail", "someone@example.mo", containing="OLA-2026-99999", wait=0)
