"""What staff do reaches the right person, and only what they meant: the pending input is
for the card it names, button times are checked like typed ones, refusals are audited."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import select

from sipbot.db.engine import session_scope
from sipbot.db.models import AuditEntry, Meeting
from sipbot.playground.emulator import BotApiEmulator
from tests.conftest import RunningBot
from tests.test_staff_actions import _claimed


def _meetings(bot: RunningBot, rid: int) -> list[Meeting]:
    with session_scope(bot.services.engine) as s:
        return list(s.exec(select(Meeting).where(Meeting.request_id == rid)))


async def test_a_forged_or_old_slot_books_nothing(emu: BotApiEmulator, bot: RunningBot) -> None:
    anna, _person, request = await _claimed(emu, bot, "self", 1010)
    await anna.card_with("staff.button.book")
    asked = await anna.presses("staff.button.book", "staff.ask.time")
    night = int(datetime(2026, 11, 24, 2, 0, tzinfo=UTC).timestamp())  # 03:00 in Sweden
    anna.user.press_data(asked.message_id, f"S:b:{request.id}:slot:{night}")
    await anna.sees("staff.time.outside_hours")
    old = int(datetime(2026, 11, 20, 9, 0, tzinfo=UTC).timestamp())
    anna.user.press_data(asked.message_id, f"S:b:{request.id}:slot:{old}")
    await anna.sees("staff.time.past")
    # The question still stands: a suggested time goes on to the length.
    anna.user.press(1, message_id=asked.message_id)
    await anna.sees("staff.ask.length")
    assert _meetings(bot, request.id) == []
