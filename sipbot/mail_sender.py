"""The e-mail sweep: claim the queued e-mails that are due and send them over SMTP.

Queuing is sipbot.mail's, in the change's transaction. A temporary refusal (4xx, a dropped
or refused connection, a timeout) tries again later with a growing wait; a permanent one
(5xx), or MAX_ATTEMPTS temporary ones, ends the row as failed, with the reply code kept in
last_error. Like the Telegram outbox, a row may go out twice only if the process died between
its send and its record.
"""

from __future__ import annotations

import asyncio
import base64
import logging
from datetime import timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

import aiosmtplib

from sipbot import notify, outbox
from sipbot.db.engine import session_scope
from sipbot.db.models import OutboxMessage, SipRequest
from sipbot.i18n import N_
from sipbot.mail import smtp_password
from sipbot.reminders import store

log = logging.getLogger(__name__)
SWEEP_EVERY = timedelta(seconds=30)
MAX_ATTEMPTS = 10
TIMEOUT = 30.0
MAIL_FAILED = N_("staff.notice.mail_failed")


def backoff(attempts: int) -> timedelta:
    """One minute, then doubling, at most an hour."""
    return timedelta(seconds=min(60 * 2**attempts, 3600))


def message(part: dict[str, Any], sender: str) -> EmailMessage:
    """The e-mail: the text, and the calendar file as text/calendar with its METHOD."""
    mail = part["mail"]
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, mail["to"], mail["subject"]
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(domain=sender.rsplit("@", 1)[-1])
    msg.set_content(mail["body"])
    msg.add_attachment(
        base64.b64decode(mail["ics"]),
        maintype="text",
        subtype="calendar",
        filename=mail["filename"],
        params={"method": mail["method"], "charset": "utf-8"},
    )
    return msg


class MailSender:
    """Sends the queued e-mails one at a time (a region's SMTP server, few per day)."""

    def __init__(self, services: Any) -> None:
        self.s = services
        self._password = smtp_password(services.deployment)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[None] | None = None
        self._again = False

    def attach(self) -> None:
        """Wake on every commit that queued something (call in the loop)."""
        if self.s.deployment.mail is None:
            return
        self._loop = asyncio.get_running_loop()
        outbox.wake_on_commit(self.wake, channel="mail")
        self.wake()

    def wake(self) -> None:
        loop = self._loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self._kick)

    def _kick(self) -> None:
        self._again = True
        if self._task is None or self._task.done():
            assert self._loop is not None
            self._task = self._loop.create_task(self._run())

    async def _run(self) -> None:
        while self._again:
            self._again = False
            try:
                await self.sweep()
            except Exception as exc:  # the timed sweep tries again
                log.error("mail.sweep_failed kind=%s", type(exc).__name__)

    async def job(self, _context: Any) -> None:
        await self.sweep()

    async def idle(self) -> None:
        """Wait until a running sweep has ended (tests; a clean stop)."""
        while self._task is not None and not self._task.done():
            await asyncio.gather(self._task, return_exceptions=True)

    async def sweep(self) -> int:
        """Send every e-mail that is due; returns how many were sent."""
        if self.s.deployment.mail is None:
            return 0
        sent = 0
        while (row := outbox.claim_mail(self.s.engine, self.s.clock())) is not None:
            sent += await self._send(row)
        return sent

    async def _send(self, row: OutboxMessage) -> int:
        engine, now = self.s.engine, self.s.clock()
        assert row.id is not None
        server = self.s.deployment.mail
        try:
            for part in row.parts:
                await aiosmtplib.send(
                    message(part, server.sender),
                    hostname=server.host,
                    port=server.port,
                    username=server.user,
                    password=self._password,
                    use_tls=server.security == "ssl",
                    start_tls=server.security == "starttls",
                    timeout=TIMEOUT,
                )
        except aiosmtplib.SMTPResponseException as exc:
            if exc.code < 500:
                return self._retry(row, f"smtp.{exc.code}")
            self._fail(row, f"smtp.{exc.code}")
            return 0
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            return self._retry(row, type(exc).__name__[:64])
        store.finish(engine, row.id, "sent", now, table=OutboxMessage)
        outbox.forget(engine, row.id)
        log.info("mail.sent id=%s kind=%s", row.id, row.kind)
        return 1

    def _fail(self, row: OutboxMessage, error: str) -> None:
        """The final failure: kept on the row (its error, no copy of what it said), and
        whoever has the request (else the unit) hears which address it did not reach."""
        assert row.id is not None
        engine = self.s.engine
        to = next((p["mail"]["to"] for p in row.parts if "mail" in p), "–")
        with session_scope(engine) as s:
            request = s.get(SipRequest, row.request_id) if row.request_id else None
            if request is not None:
                notify.to_holder_or_unit(
                    s, self.s, request, MAIL_FAILED, reference=request.reference, address=to
                )
        store.finish(engine, row.id, "failed", self.s.clock(), error=error, table=OutboxMessage)
        outbox.forget(engine, row.id)
        log.warning("mail.failed id=%s kind=%s error=%s", row.id, row.kind, error)

    def _retry(self, row: OutboxMessage, error: str) -> int:
        engine, now = self.s.engine, self.s.clock()
        assert row.id is not None
        if row.attempts + 1 >= MAX_ATTEMPTS:
            self._fail(row, error)
        else:
            retry_at = now + backoff(row.attempts)
            store.finish(
                engine, row.id, "pending", now, error=error, retry_at=retry_at, table=OutboxMessage
            )
            log.info("mail.retry id=%s kind=%s error=%s", row.id, row.kind, error)
        return 0
