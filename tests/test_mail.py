"""The kallelse by e-mail: invited organisations outside Telegram get the invitation, each
move and the cancellation with the calendar file, at a real SMTP server (aiosmtpd)."""

from __future__ import annotations

import asyncio
import email
import socket
from collections.abc import AsyncIterator
from email.message import EmailMessage
from email.policy import default
from pathlib import Path
from typing import Any

import icalendar
import pytest
import pytest_asyncio
import yaml
from aiosmtpd.controller import Controller
from sqlmodel import select

from sipbot.config import Settings
from sipbot.db.engine import session_scope
from sipbot.db.models import OutboxMessage
from sipbot.mail_sender import MailSender
from sipbot.playground.emulator import WAIT, BotApiEmulator
from sipbot.services import Services
from tests.conftest import EXAMPLE_DEPLOYMENT, FakeClock, RunningBot
from tests.scripts import BRANCHES
from tests.staff_story import Staff
from tests.test_startup_errors import run
from tests.walker import request_through

ADDRESSES = {
    "vardcentral": "vardcentral@region.example",
    "psykiatri": "psykiatri@region.example",
    "forsakringskassan": "sip@fk.example",
}
OSTERSUND_PSYKIATRI = "psykiatri-ost@region.example"  # the unit's own, over the region's


class Inbox:
    """What the SMTP server received, handed to the test's loop as it arrives; `refuse`
    answers that many DATA commands with a temporary 451 first."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.arrived: asyncio.Queue[EmailMessage | str] = asyncio.Queue()
        self.refuse = 0
        self.reply = "451 4.3.0 Try again later"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.refuse > 0:
            self.refuse -= 1
            self.loop.call_soon_threadsafe(self.arrived.put_nowait, self.reply[:3])
            return self.reply
        msg = email.message_from_bytes(envelope.content, policy=default)
        assert isinstance(msg, EmailMessage)
        self.loop.call_soon_threadsafe(self.arrived.put_nowait, msg)
        return "250 OK"

    async def get(self) -> EmailMessage | str:
        """The next arrival (an e-mail, or the code it was refused with); the emulator's
        bound, so a mail that never comes fails instead of hanging."""
        return await asyncio.wait_for(self.arrived.get(), WAIT)

    async def next(self) -> EmailMessage:
        got = await self.get()
        assert isinstance(got, EmailMessage), got
        return got

    async def mails(self, n: int) -> dict[str, EmailMessage]:
        """The next n e-mails, by recipient."""
        got = [await self.next() for _ in range(n)]
        return {str(m["To"]): m for m in got}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest_asyncio.fixture
async def inbox() -> AsyncIterator[tuple[Inbox, int]]:
    box = Inbox(asyncio.get_running_loop())
    port = _free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    await asyncio.to_thread(controller.start)
    try:
        yield box, port
    finally:
        await asyncio.to_thread(controller.stop)


def _with_mail(tmp_path: Path, port: int, name: str = "deployment.yaml", **server: object) -> Path:
    data = yaml.safe_load(EXAMPLE_DEPLOYMENT.read_text())
    for i, unit in enumerate(data["units"], 1):
        unit["staff_group_chat_id"] = -1000 - i
        if unit["id"] == "ostersund":
            unit["contact"] = "063-14 30 00"
            unit["actor_mail"] = {"psykiatri": OSTERSUND_PSYKIATRI}
    data["mail"] = {
        "sender": "sip@ostersund.example",
        "host": "127.0.0.1",
        "port": port,
        "security": "none",
        **server,
    }
    data["actor_mail"] = ADDRESSES
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    return path


@pytest.fixture
def deployment_file(tmp_path: Path, inbox: tuple[Inbox, int]) -> Path:
    return _with_mail(tmp_path, inbox[1])


def _calendar(msg: EmailMessage) -> tuple[icalendar.Calendar, Any]:
    (attachment,) = list(msg.iter_attachments())
    assert attachment.get_content_type() == "text/calendar"
    cal = icalendar.Calendar.from_ical(attachment.get_content())
    assert attachment.get_param("method") == str(cal["METHOD"])
    (event,) = cal.walk("VEVENT")
    return cal, event


def _nothing_of_the_persons(msg: EmailMessage, script: dict[str, Any]) -> None:
    """Neither the e-mail nor its calendar file holds the person's name or answers."""
    whole = msg.as_string() + msg.get_body().get_content()  # type: ignore[union-attr]
    whole += "".join(a.get_content() for a in msg.iter_attachments())
    words = [script["own_name"], *script["own_name"].split(), script["phone"]]
    words += [script["problems"], script["main_goal"]]
    words += [c for c in script["contacts"].values() if c]
    for word in words:
        assert word not in whole, word


async def test_invited_organisations_get_the_kallelse_each_move_and_the_cancel(
    emu: BotApiEmulator, bot: RunningBot, inbox: tuple[Inbox, int]
) -> None:
    box, _ = inbox
    anna = Staff(emu, bot.services, 1500, "Anna")
    await anna.enrol("ostersund")
    script, _ = BRANCHES["self"]  # the person chose vårdcentral, psykiatri and närstående
    person, request, _ = await request_through(emu, bot, 1501, "sv", False, script)
    anna.user.send("/queue")
    await anna.sees("staff.queue.title")
    anna.user.press(request.reference)
    await anna.user.until(lambda: anna.t("staff.button.claim") in anna.user.last.button_texts)
    await anna.presses("staff.button.claim", "staff.done.claim", reference=request.reference)
    await anna.card_with("staff.button.book")
    await anna.presses("staff.button.book", "staff.ask.time")
    # Anna adds Försäkringskassan, whom the person did not list.
    fk = anna.t("actor.forsakringskassan")
    await anna.books(request.reference, "8/12 9:15", 60, "office", "Storgatan 12", add=(fk,))

    # Each invited organisation with an address gets one e-mail (närstående has none).
    first = await box.mails(3)
    assert set(first) == {
        ADDRESSES["vardcentral"],
        OSTERSUND_PSYKIATRI,
        ADDRESSES["forsakringskassan"],
    }
    person_ics = await person.user.wait_for(lambda m: m.document is not None)
    uid = str(
        icalendar.Calendar.from_ical(emu.file_bytes(person_ics.document.file_id)).walk("VEVENT")[0][
            "UID"
        ]
    )  # type: ignore[union-attr]
    for msg in first.values():
        assert request.reference in str(msg["Subject"])
        body = msg.get_body().get_content()  # type: ignore[union-attr]
        assert "Storgatan 12" in body and "063-14 30 00" in body and "Kallelse" in body
        cal, event = _calendar(msg)
        assert cal["METHOD"] == "REQUEST" and int(event["SEQUENCE"]) == 0
        assert str(event["UID"]) == uid
        assert event.decoded("DTSTART").hour == 9
        _nothing_of_the_persons(msg, script)

    # Moved: the same UID, SEQUENCE + 1.
    await anna.card_with("staff.button.move_meeting")
    await anna.presses("staff.button.move_meeting", "staff.ask.time")
    await anna.types("9/12 14:00", "staff.done.booked", reference=request.reference)
    for msg in (await box.mails(3)).values():
        cal, event = _calendar(msg)
        assert cal["METHOD"] == "REQUEST" and int(event["SEQUENCE"]) == 1
        assert str(event["UID"]) == uid and event.decoded("DTSTART").hour == 14
        _nothing_of_the_persons(msg, script)

    # Cancelled: METHOD:CANCEL.
    await anna.card_with("staff.button.cancel_meeting")
    await anna.presses(
        "staff.button.cancel_meeting", "staff.ask.cancel_meeting", reference=request.reference
    )
    await anna.presses(
        "staff.button.cancel_meeting_yes", "staff.done.booked", reference=request.reference
    )
    cancelled = await box.mails(3)
    assert set(cancelled) == set(first)
    for msg in cancelled.values():
        cal, event = _calendar(msg)
        assert cal["METHOD"] == "CANCEL" and int(event["SEQUENCE"]) == 2
        assert str(event["UID"]) == uid
        _nothing_of_the_persons(msg, script)


async def test_a_temporary_refusal_is_delivered_after_the_retry(
    emu: BotApiEmulator, bot: RunningBot, inbox: tuple[Inbox, int], clock: FakeClock
) -> None:
    box, _ = inbox
    box.refuse = 1
    anna = Staff(emu, bot.services, 1510, "Anna")
    await anna.enrol("ostersund")
    script, _ = BRANCHES["self"]
    _, request, _ = await request_through(emu, bot, 1511, "sv", False, script)
    anna.user.send("/queue")
    await anna.sees("staff.queue.title")
    anna.user.press(request.reference)
    await anna.user.until(lambda: anna.t("staff.button.claim") in anna.user.last.button_texts)
    await anna.presses("staff.button.claim", "staff.done.claim", reference=request.reference)
    await anna.card_with("staff.button.book")
    await anna.presses("staff.button.book", "staff.ask.time")
    leave = (anna.t("actor.psykiatri"), anna.t("actor.narstaende"))  # only the vårdcentral
    await anna.books(request.reference, "8/12 9:15", 60, "phone", "063-14 00 00", leave_out=leave)
    assert await box.get() == "451"
    sender: MailSender = bot.app.bot_data["mail"]
    await sender.idle()  # the refusal is recorded: it waits for its retry
    assert await sender.sweep() == 0  # not yet
    clock.advance(seconds=61)
    assert await sender.sweep() == 1
    msg = await box.next()
    assert msg["To"] == ADDRESSES["vardcentral"]
    assert _calendar(msg)[0]["METHOD"] == "REQUEST"
    with session_scope(bot.services.engine) as s:
        row = s.exec(select(OutboxMessage).where(OutboxMessage.channel == "mail")).one()
        assert (row.status, row.attempts, row.last_error, row.parts) == ("sent", 2, None, [])


async def test_a_permanent_refusal_is_recorded_and_the_holder_told(
    emu: BotApiEmulator, bot: RunningBot, inbox: tuple[Inbox, int]
) -> None:
    box, _ = inbox
    box.refuse, box.reply = 1, "550 5.1.1 No such mailbox"
    anna = Staff(emu, bot.services, 1520, "Anna")
    await anna.enrol("ostersund")
    script, _ = BRANCHES["self"]
    _, request, _ = await request_through(emu, bot, 1521, "sv", False, script)
    anna.user.send("/queue")
    await anna.sees("staff.queue.title")
    anna.user.press(request.reference)
    await anna.user.until(lambda: anna.t("staff.button.claim") in anna.user.last.button_texts)
    await anna.presses("staff.button.claim", "staff.done.claim", reference=request.reference)
    await anna.card_with("staff.button.book")
    await anna.presses("staff.button.book", "staff.ask.time")
    leave = (anna.t("actor.psykiatri"), anna.t("actor.narstaende"))  # only the vårdcentral
    await anna.books(request.reference, "8/12 9:15", 60, "phone", "063-14 00 00", leave_out=leave)
    assert await box.get() == "550"
    await anna.sees(
        "staff.notice.mail_failed",
        reference=request.reference,
        address=ADDRESSES["vardcentral"],
    )
    sender: MailSender = bot.app.bot_data["mail"]
    await sender.idle()
    with session_scope(bot.services.engine) as s:
        row = s.exec(select(OutboxMessage).where(OutboxMessage.channel == "mail")).one()
        assert (row.status, row.attempts, row.last_error, row.parts) == (
            "failed",
            1,
            "smtp.550",
            [],
        )


async def test_a_missing_smtp_password_stops_the_start_in_one_line(
    services: Services, settings: Settings, tmp_path: Path
) -> None:
    path = _with_mail(tmp_path, 2525, "user.yaml", user="sipbot")
    code, lines = await run(tmp_path, settings, SIPBOT_DEPLOYMENT=str(path))
    assert code == 2
    assert lines == [
        "sipbot: SIPBOT_SMTP_PASSWORD: missing; the deployment's mail server names user 'sipbot'"
    ]


async def test_a_bad_address_stops_the_start_in_one_line(
    services: Services, settings: Settings, tmp_path: Path
) -> None:
    path = _with_mail(tmp_path, 2525, "bad.yaml")
    path.write_text(path.read_text().replace(ADDRESSES["vardcentral"], "vardcentral at region"))
    code, lines = await run(tmp_path, settings, SIPBOT_DEPLOYMENT=str(path))
    assert code == 2
    assert len(lines) == 1
    assert "actor_mail.vardcentral: 'vardcentral at region' is not one e-mail address" in lines[0]
