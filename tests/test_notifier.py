"""The one notifier: staff read what they are told in the language they chose, a person who
blocked the bot is reported to the unit, and one full staff group holds up no one else."""

from __future__ import annotations

import asyncio

import pytest

from sipbot import notify, outbox
from sipbot.chat.outbox_sender import OutboxSender
from sipbot.chat.ratelimit import WindowRateLimiter
from sipbot.chat.updates import SipBot
from sipbot.db.engine import session_scope
from sipbot.i18n import N_
from sipbot.playground.emulator import BotApiEmulator
from sipbot.requests import submit_request
from sipbot.services import Services
from tests.conftest import FakeClock, RunningBot, staff_group
from tests.scripts import BRANCHES
from tests.staff_story import Staff
from tests.story import Person
from tests.walker import request_through


async def _claims(anna: Staff, reference: str) -> None:
    anna.user.send("/queue")
    await anna.sees("staff.queue.title")
    anna.user.press(reference)
    await anna.user.until(lambda: anna.t("staff.button.claim") in anna.user.last.button_texts)  # type: ignore[union-attr]
    await anna.presses("staff.button.claim", "staff.done.claim", reference=reference)


async def test_a_staff_member_who_chose_english_gets_relays_in_english(
    emu: BotApiEmulator, bot: RunningBot
) -> None:
    anna = Staff(emu, bot.services, 1201, "Anna")
    await anna.enrol("ostersund")
    anna.user.send("/language")
    await anna.sees("language.ask")
    anna.user.press("English")
    anna.t = bot.services.catalogs.texts("en", easy=False)
    await anna.sees("register.ask")
    await anna.presses("register.plain", "menu.text")
    person, request, _ = await request_through(emu, bot, 1202, "sv", False, BRANCHES["self"][0])
    await _claims(anna, request.reference)

    await anna.presses("staff.button.card", "staff.card.history")
    await anna.presses("staff.button.message", "staff.ask.message", limit=2000)
    await anna.types("When can we call you?", "staff.done.message", reference=request.reference)
    await person.sees("person.staff_message", text="When can we call you?")
    await person.presses("person.reply", "person.reply_ask")
    await person.says("Efter lunch", then="person.reply_sent")
    # The person's words as written, around them the words Anna chose.
    await anna.sees("staff.reply_from_person", reference=request.reference, text="Efter lunch")


async def test_a_person_who_blocked_the_bot_is_reported_to_the_unit_that_has_the_request(
    emu: BotApiEmulator, bot: RunningBot
) -> None:
    anna = Staff(emu, bot.services, 1211, "Anna")
    await anna.enrol("ostersund")
    person, request, _ = await request_through(emu, bot, 1212, "sv", False, BRANCHES["self"][0])
    await _claims(anna, request.reference)
    await person.sees("person.status.claimed")
    emu.block(person.user.user_id)
    are = bot.services.deployment.unit("are")
    await anna.presses("staff.button.card", "staff.card.history")
    await anna.presses("staff.button.transfer", "staff.ask.transfer")
    anna.user.press(are.name)
    await anna.sees("staff.ask.transfer_reason")
    await anna.types("Bor i Åre", "staff.done.transfer", reference=request.reference)
    # Nobody in Åre has it yet: the unit's group hears that the person could not be told.
    are_group = emu.group(staff_group(bot.services, "are"))
    gone = anna.t(notify.UNREACHABLE, reference=request.reference)
    await are_group.wait_for(lambda m: m.text == gone)


class ManualTime:
    """Monotonic time for the rate limiter that moves only when the test moves it."""

    def __init__(self) -> None:
        self.now = 0.0
        self._moved = asyncio.Event()

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        target = self.now + seconds
        while self.now < target:
            moved = self._moved
            await moved.wait()

    def advance(self, seconds: float) -> None:
        self.now += seconds
        moved, self._moved = self._moved, asyncio.Event()
        moved.set()


async def test_a_full_staff_group_does_not_hold_up_a_persons_message(
    emu: BotApiEmulator, services: Services, clock: FakeClock
) -> None:
    """25 new requests to one unit in a minute: its group takes 20, the other 5 wait for the
    minute; a person's message queued meanwhile goes out at once, not after that minute."""
    time = ManualTime()
    limiter = WindowRateLimiter(clock=time, sleep=time.sleep)
    group = emu.group(staff_group(services, "ostersund"))
    person = Person(emu.user(1221), services)
    bot = SipBot(
        services.settings.telegram_token, services.settings.telegram_api_url, rate_limiter=limiter
    )
    sender = OutboxSender(services)
    async with bot:
        sender.attach(bot)
        try:
            requests = [
                submit_request(
                    services.engine,
                    services.deployment,
                    clock,
                    telegram_id=1221,
                    flow_id="sip_request",
                    flow_version=services.flows["sip_request"].version,
                    answers=BRANCHES["self"][0],
                    language="sv",
                    easy=False,
                    tz=services.settings.tz,
                    then=notify.new_request(services),
                )
                for _ in range(25)
            ]
            await group.until(lambda: len(group.messages) == 20)
            with session_scope(services.engine) as s:
                notify.queue_person(s, services, requests[0], N_("person.status.contacted"))
            await person.sees("person.status.contacted", reference=requests[0].reference)
            # Delivered within the group's minute, which still holds the other five cards.
            assert (time.now, len(group.messages)) == (0.0, 20)
            time.advance(60)
            await group.until(lambda: len(group.messages) == 25)
            await sender.idle()
        finally:
            outbox.wake_on_commit(None)


@pytest.mark.parametrize(("status", "wait"), [(500, 5), (429, 7)])
async def test_a_failed_send_is_tried_again_after_its_wait_and_arrives_once(
    emu: BotApiEmulator, bot: RunningBot, clock: FakeClock, status: int, wait: int
) -> None:
    anna = Staff(emu, bot.services, 1231, "Anna")
    await anna.enrol("ostersund")
    person, request, _ = await request_through(emu, bot, 1232, "sv", False, BRANCHES["self"][0])
    fault = emu.inject("sendMessage", status=status, times=1, chat_id=1232, retry_after=7)
    await _claims(anna, request.reference)
    await fault.hit.wait()
    sender = OutboxSender(bot.services)  # the timed sweep, run by hand on the test's clock
    await sender.sweep(bot.app.bot)
    await sender.idle()
    clock.advance(seconds=wait - 1)
    await sender.sweep(bot.app.bot)
    await sender.idle()
    unit = bot.services.deployment.unit(request.unit).name
    claimed = person.t("person.status.claimed", reference=request.reference, unit=unit)
    assert claimed not in [m.text for m in person.user.messages]  # not before its time
    clock.advance(seconds=1)
    await sender.sweep(bot.app.bot)
    await person.sees("person.status.claimed", reference=request.reference)
    await sender.idle()
    assert [m.text for m in person.user.messages].count(claimed) == 1
