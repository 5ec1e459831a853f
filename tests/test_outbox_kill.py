"""A notice is written with its change and sent by the outbox sweep: a SIGKILL right after the
commit, with the send held open in the emulator, loses nothing; the restart delivers it."""

from __future__ import annotations

import asyncio
from pathlib import Path

import icalendar
from sqlmodel import col, select

from sipbot.clock import utcnow
from sipbot.config import Settings
from sipbot.db.engine import session_scope
from sipbot.db.models import OutboxMessage, SipRequest
from sipbot.i18n import Texts
from sipbot.playground.emulator import BotApiEmulator, BotMessage
from sipbot.requests import submit_request
from sipbot.services import Services
from sipbot.staff.members import INVITE_PREFIX, create_invite
from tests.conftest import FakeClock, staff_group
from tests.held import held
from tests.restart import STALL, bot_process, hard_kill
from tests.scripts import BRANCHES
from tests.staff_story import Staff
from tests.story import Person, _Keep, template_matches
from tests.walker import Walker, without_phone

PERSON, ANNA = 7002, 7001


async def test_claim_message_and_meeting_notice_survive_a_kill_after_the_commit(
    emu: BotApiEmulator,
    services: Services,
    settings: Settings,
    tmp_path: Path,
    clock: FakeClock,
) -> None:
    request = submit_request(
        services.engine,
        services.deployment,
        clock,
        telegram_id=PERSON,
        flow_id="sip_request",
        flow_version=services.flows["sip_request"].version,
        answers=BRANCHES["self"][0],
        language="sv",
        easy=False,
        tz=services.settings.tz,
    )
    person = Person(emu.user(PERSON), services)
    anna = Staff(emu, services, ANNA, "Anna")

    # 1. Anna takes the request; the message to the person hangs; the bot is killed.
    async with bot_process(settings, tmp_path) as proc:
        # The process runs on the real clock, so the invite is made on it too.
        token = create_invite(services.engine, utcnow, "ostersund", "staff")
        await anna.types(f"/start {INVITE_PREFIX}{token}", "staff.enrolled")
        await anna.types("/queue", "staff.queue.title")
        anna.user.press(request.reference)
        await anna.user.until(lambda: anna.t("staff.button.claim") in anna.user.last.button_texts)  # type: ignore[union-attr]
        hold = held(emu, "sendMessage", PERSON)
        anna.press(anna.t("staff.button.claim"))
        await anna.sees("staff.done.claim", reference=request.reference)
        await hold
        await hard_kill(proc)
    assert person.user.messages == []

    async with bot_process(settings, tmp_path) as proc:
        await person.sees("person.status.claimed", reference=request.reference)
        # 2. Anna books the meeting; the notice hangs; the bot is killed again.
        await anna.card_with("staff.button.book")
        await anna.presses("staff.button.book", "staff.ask.time")
        anna.user.press(1)  # the first suggested time: no dependence on today's date
        await anna.sees("staff.ask.length")
        anna.press(anna.t("staff.length", minutes=60))
        await anna.sees("staff.ask.place")
        anna.press(anna.t("staff.place.office"))
        await anna.types("Storgatan 1", "staff.ask.invitees")
        anna.press(anna.t("button.done"))
        await anna.sees("staff.ask.convener")
        hold = held(emu, "sendMessage", PERSON)
        anna.press(anna.t("staff.convener.unit"))
        await anna.sees("staff.done.booked", reference=request.reference)
        await hold
        await hard_kill(proc)

    async with bot_process(settings, tmp_path):
        notice = await person.sees("person.notice.meeting", reference=request.reference)
        assert person.t("person.notice.can_come") in notice.button_texts
        await person.user.wait_for(lambda m: m.document is not None)
    # Each arrived once: the held sends never reached the person.
    claimed = person.t("person.status.claimed").format_map(_Keep({}))
    assert sum(template_matches(claimed, m.text or "") for m in person.user.messages) == 1
    assert sum(1 for m in person.user.messages if m.document is not None) == 1


def _ics(emu: BotApiEmulator, msg: BotMessage) -> icalendar.Calendar:
    return icalendar.Calendar.from_ical(emu.file_bytes(msg.document.file_id))  # type: ignore[union-attr]


async def settled(services: Services) -> None:
    """Wait until the outbox has nothing left to send (polled: the record of a send comes
    after its answer, which the emulator does not signal)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + STALL
    while True:
        with session_scope(services.engine) as s:
            left = s.exec(
                select(OutboxMessage).where(col(OutboxMessage.status).in_(("pending", "sending")))
            ).all()
        if not left:
            return
        assert loop.time() < deadline, f"{len(left)} outbox rows never went out"
        await asyncio.sleep(0.05)


def count(messages: list[BotMessage], t: Texts, msgid: str, **values: object) -> int:
    template = t(msgid).format_map(_Keep(values))
    return sum(template_matches(template, m.text or "") for m in messages)


async def test_the_new_requests_card_survives_a_kill_after_the_submit(
    emu: BotApiEmulator, services: Services, settings: Settings, tmp_path: Path
) -> None:
    script = BRANCHES["self"][0]
    unit = services.deployment.municipality(script["municipality"]).intake_unit
    group_id = staff_group(services, unit)
    group = emu.group(group_id)
    person = Person(emu.user(PERSON), services)
    async with bot_process(settings, tmp_path, emu) as proc:
        await person.onboard()
        await Walker(person).fill(without_phone(script))
        await person.user.until(lambda: person.t("button.send") in person.user.last.button_texts)  # type: ignore[union-attr]
        hold = held(emu, "sendMessage", group_id)
        person.user.press(person.t("button.send"))
        await hold  # the request is stored; its card to the unit's group hangs
        await hard_kill(proc)
    with session_scope(services.engine) as s:
        [request] = s.exec(select(SipRequest).where(SipRequest.telegram_id == PERSON)).all()
    assert not any(request.reference in (m.text or "") for m in group.messages)

    async with bot_process(settings, tmp_path, emu):
        await group.wait_for(lambda m: request.reference in (m.text or ""))
        await settled(services)
    staff_t = services.catalogs.texts("sv", easy=False)
    assert count(emu.sent(group_id), staff_t, "staff.notice.new") == 1


async def test_a_transfer_its_cancel_and_the_new_units_card_survive_a_kill(
    emu: BotApiEmulator, services: Services, settings: Settings, tmp_path: Path, clock: FakeClock
) -> None:
    request = submit_request(
        services.engine,
        services.deployment,
        clock,
        telegram_id=PERSON,
        flow_id="sip_request",
        flow_version=services.flows["sip_request"].version,
        answers=BRANCHES["self"][0],
        language="sv",
        easy=False,
        tz=services.settings.tz,
    )
    person = Person(emu.user(PERSON), services)
    anna = Staff(emu, services, ANNA, "Anna")
    are = services.deployment.unit("are")
    are_group = emu.group(staff_group(services, "are"))

    async with bot_process(settings, tmp_path, emu) as proc:
        token = create_invite(services.engine, utcnow, "ostersund", "staff")
        await anna.types(f"/start {INVITE_PREFIX}{token}", "staff.enrolled")
        await anna.types("/queue", "staff.queue.title")
        anna.user.press(request.reference)
        await anna.user.until(lambda: anna.t("staff.button.claim") in anna.user.last.button_texts)  # type: ignore[union-attr]
        await anna.presses("staff.button.claim", "staff.done.claim")
        await anna.card_with("staff.button.book")
        await anna.presses("staff.button.book", "staff.ask.time")
        anna.user.press(1)  # the first suggested time: no dependence on today's date
        await anna.sees("staff.ask.length")
        anna.press(anna.t("staff.length", minutes=60))
        await anna.sees("staff.ask.place")
        anna.press(anna.t("staff.place.office"))
        await anna.types("Storgatan 1", "staff.ask.invitees")
        anna.press(anna.t("button.done"))
        await anna.sees("staff.ask.convener")
        anna.press(anna.t("staff.convener.unit"))
        await anna.sees("staff.done.booked", reference=request.reference)
        await person.sees("person.notice.meeting", reference=request.reference)
        await person.user.wait_for(lambda m: m.document is not None)
        await settled(services)

        # Anna moves it to Åre. The person's CANCEL and Åre's card both hang; the bot dies.
        await anna.card_with("staff.button.transfer")
        await anna.presses("staff.button.transfer", "staff.ask.transfer")
        anna.user.press(are.name)
        await anna.sees("staff.ask.transfer_reason")
        to_person = held(emu, "sendMessage", PERSON)
        to_are = held(emu, "sendMessage", are_group.chat_id)
        anna.user.send("Bor i Åre sedan oktober")
        await asyncio.gather(to_person, to_are)
        await hard_kill(proc)
    before = len(person.user.messages)

    async with bot_process(settings, tmp_path, emu):
        await person.sees("person.status.transferred", reference=request.reference, unit=are.name)
        await are_group.wait_for(lambda m: request.reference in (m.text or ""))
        await settled(services)
    after = person.user.messages[before:]
    assert count(after, person.t, "person.notice.cancelled", reference=request.reference) == 1
    assert count(after, person.t, "person.status.transferred", reference=request.reference) == 1
    [calendar] = [m for m in after if m.document is not None]
    assert str(_ics(emu, calendar)["METHOD"]) == "CANCEL"
    staff_t = services.catalogs.texts("sv", easy=False)
    assert count(emu.sent(are_group.chat_id), staff_t, "staff.notice.transferred") == 1
    # The messages before the kill went out once each too.
    assert count(person.user.messages, person.t, "person.status.claimed") == 1
    assert count(person.user.messages, person.t, "person.notice.meeting") == 1
