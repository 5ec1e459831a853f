"""A person who spoke an answer reads it as a voice message everywhere the bot repeats it:
never as the data it is stored as (`{'voice': 'AwACAg…', 'duration': 7}`)."""

from __future__ import annotations

from datetime import UTC, datetime

from sipbot.chat.reminders import ReminderSender
from sipbot.playground.emulator import BotApiEmulator
from tests.conftest import FakeClock, RunningBot
from tests.scripts import BRANCHES
from tests.staff_story import Staff
from tests.walker import request_through

SPOKEN = {"voice": "spoken", "duration": 7}


async def test_a_spoken_main_goal_reads_as_a_voice_message_in_the_notice_and_the_reminder(
    emu: BotApiEmulator, bot: RunningBot, clock: FakeClock
) -> None:
    script = {**BRANCHES["self"][0], "main_goal": SPOKEN}
    anna = Staff(emu, bot.services, 1610, "Anna")
    unit = bot.services.deployment.municipality(script["municipality"]).intake_unit
    await anna.enrol(unit)
    person, request, _ = await request_through(emu, bot, 1611, "sv", False, script)
    assert (request.answers or {})["main_goal"]["duration"] == 7
    anna.user.send("/queue")
    await anna.sees("staff.queue.title")
    anna.user.press(request.reference)
    await anna.user.until(lambda: anna.t("staff.button.claim") in anna.user.last.button_texts)
    await anna.presses("staff.button.claim", "staff.done.claim", reference=request.reference)
    await anna.card_with("staff.button.book")
    await anna.presses("staff.button.book", "staff.ask.time")
    await anna.books(request.reference, "8/12 9:15", 60, "phone", "Anna ringer")
    spoken = person.t("review.voice", seconds=7)

    notice = await person.sees("person.notice.meeting", reference=request.reference)
    assert "{'voice'" not in (notice.text or "")
    assert spoken in (notice.text or "")

    # Three days before, at ten: the preparation reminder repeats the goal.
    clock.now = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)
    await ReminderSender(bot.services).sweep(bot.app.bot)
    prepare = await person.sees("person.reminder.prepare")
    assert "{'voice'" not in (prepare.text or "")
    assert spoken in (prepare.text or "")
