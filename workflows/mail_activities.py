"""Sending the mail outbox: each mail rendered in Macao's three languages (Chinese,
Portuguese, English: a notice does not know its reader's), with the link to its case in the
portal, and handed to the SMTP server, or written as an ``.eml`` file under the data folder when
none is set (development: a person opens it). A mail is marked sent only once the server took
it; one that fails keeps its error and is tried again on the next round."""

from __future__ import annotations

import smtplib
import ssl
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

from temporalio import activity
from temporalio.exceptions import ApplicationError

from kp_licensing.store import mail
from kp_licensing.store.db import SessionFactory
from kp_licensing.store.mail_models import OutgoingMail
from kp_licensing.support.catalogue import render
from kp_licensing.support.settings import Settings, public_url
from schemas.messages import Message, say

#: Mails taken per round; the activity heartbeats between them.
BATCH = 100
#: The order the languages come in, each a section of the mail.
LANGUAGES = ("zh", "pt", "en")


class MailActivities:
    def __init__(self, sessions: SessionFactory, settings: Settings) -> None:
        self._sessions = sessions
        self._settings = settings

    @activity.defn(name="mail.deliver_pending")
    def deliver_pending(self) -> int:
        """Send what the outbox holds; how many were sent. Fails (to be retried, with backoff)
        when any could not be: the mail server is down, say. Nothing is lost meanwhile."""
        sent = failed = 0
        with self._sessions() as session:
            for row in mail.pending(session, limit=BATCH):
                try:
                    self._send(compose(row, self._settings))
                except (OSError, smtplib.SMTPException) as error:
                    mail.mark_failed(session, row, f"{type(error).__name__}: {error}")
                    failed += 1
                else:
                    mail.mark_sent(session, row, datetime.now(UTC))
                    sent += 1
                activity.heartbeat()
        if failed:
            raise ApplicationError(f"{failed} mails not sent ({sent} sent); trying again")
        return sent

    def _send(self, message: EmailMessage) -> None:
        settings = self._settings
        if not settings.smtp_host:
            folder = settings.mail_dir
            folder.mkdir(parents=True, exist_ok=True)
            name = message["Message-ID"].strip("<>").split("@")[0]
            _write_atomically(folder / f"{name}.eml", bytes(message))
            return
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=30) as server:
            if settings.smtp_starttls:
                server.starttls(context=ssl.create_default_context())
            if settings.smtp_user:
                server.login(settings.smtp_user, settings.smtp_password)
            server.send_message(message)


def compose(row: OutgoingMail, settings: Settings) -> EmailMessage:
    """The mail of one outbox row: its notice in each language, and the case's link."""
    notice = Message.model_validate(
        {"code": row.code, "params": row.params, "parts": row.parts or []}
    )
    link = f"{public_url(settings)}/cases/{row.case_no}"
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = row.recipient
    message["Subject"] = " / ".join(
        render(say("mail.subject", case_no=row.case_no), locale) for locale in LANGUAGES
    )
    message["Date"] = format_datetime(row.created_at)
    # The row's id makes the Message-ID: a mail sent twice (a crash after the server took it,
    # before it was marked) is recognisably the same one.
    message["Message-ID"] = make_msgid(idstring=f"kp-mail-{row.id}", domain="kp-licensing")
    sections = [
        "\n\n".join(
            (
                render(notice, locale),
                render(say("mail.follow_the_case", link=link), locale),
            )
        )
        for locale in LANGUAGES
    ]
    message.set_content("\n\n----\n\n".join(sections) + "\n")
    return message


def _write_atomically(path: Path, data: bytes) -> None:
    partial = path.with_suffix(".part")
    partial.write_bytes(data)
    partial.replace(path)
