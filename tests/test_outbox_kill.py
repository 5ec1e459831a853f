"""A notice is written with its change and sent by the outbox sweep: a SIGKILL right after the
commit, with the send held open in the emulator, loses nothing; the restart delivers it."""

from __future__ import annotations

from pathlib import Path

from sipbot.clock import utcnow
from sipbot.config import Settings
from sipbot.playground.emulator import BotApiEmulator
from sipbot.requests import submit_request
from sipbot.services import Services
from sipbot.staff.members import INVITE_PREFIX, create_invite
from tests.conftest import FakeClock
from tests.held import held
from tests.restart import bot_process, hard_kill
from tests.scripts import BRANCHES
from tests.staff_story import Staff
from tests.story import Person, _Keep, template_matches

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
