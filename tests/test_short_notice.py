"""A meeting booked at short notice: one reminder still comes to the person and to staff; a
booking too soon for any reminder says so to staff."""

from __future__ import annotations

from sqlmodel import select

from sipbot.db.engine import session_scope
from sipbot.db.models import Reminder
from sipbot.playground.emulator import BotApiEmulator
from tests.conftest import RunningBot
from tests.test_staff_actions import _claimed


async def test_booked_for_tomorrow_gets_a_reminder_and_too_soon_tells_staff(
    emu: BotApiEmulator, bot: RunningBot
) -> None:
    # The fake clock stands at Monday 23 November, 10:00 local.
    anna, _, request = await _claimed(emu, bot, "self", 1310)
    await anna.card_with("staff.button.book")
    await anna.presses("staff.button.book", "staff.ask.time")
    await anna.books(request.reference, "24/11 10:00", 60, "phone", "Anna ringer")
    with session_scope(bot.services.engine) as s:
        rows = list(s.exec(select(Reminder)))
    assert sorted((r.kind, r.audience) for r in rows) == [("soon", "person"), ("soon", "staff")]
    assert all(r.due_at.astimezone(bot.services.settings.tz).hour == 8 for r in rows)
    # Moved to 11:30 today: no reminder can come in time, and Anna is told so.
    await anna.card_with("staff.button.move_meeting")
    await anna.presses("staff.button.move_meeting", "staff.ask.time")
    await anna.types("23/11 11:30", "staff.done.booked", reference=request.reference)
    await anna.sees("staff.done.short_notice", reference=request.reference)
