"""The person's answer to a meeting notice always reaches someone, and staff see it on the
card with the meeting's moves and cancellation."""

from __future__ import annotations

from sipbot.playground.emulator import BotApiEmulator
from tests.conftest import RunningBot, staff_group
from tests.test_staff_actions import _claimed


async def test_i_can_come_reaches_the_unit_when_no_one_holds_the_request(
    emu: BotApiEmulator, bot: RunningBot
) -> None:
    group = emu.group(staff_group(bot.services, "ostersund"))
    anna, person, request = await _claimed(emu, bot, "self", 1410)
    await anna.card_with("staff.button.book")
    await anna.presses("staff.button.book", "staff.ask.time")
    await anna.books(request.reference, "8/12 9:15", 60, "phone", "Anna ringer")
    await anna.card_with("staff.button.move_meeting")
    await anna.presses("staff.button.move_meeting", "staff.ask.time")
    await anna.types("9/12 14:00", "staff.done.booked", reference=request.reference)
    await person.sees("person.notice.moved", reference=request.reference)
    await anna.card_with("staff.button.release")
    await anna.presses("staff.button.release", "staff.done.release", reference=request.reference)

    # No one has the request now: the person's answer goes to the unit's group.
    person.user.press(person.t("person.notice.can_come"))
    await person.sees("person.notice.thanks")
    told = anna.t("staff.notice.can_come", reference=request.reference)
    await group.wait_for(lambda m: (m.text or "").startswith(told))

    # On the card: the move and the answer, in the history.
    group.press(anna.user, anna.t("staff.button.open"))
    card = await anna.user.wait_for(lambda m: anna.t("staff.card.history") in (m.text or ""))
    history = card.text or ""
    assert anna.t("staff.event.meeting_moved") in history
    assert anna.t("staff.event.can_come") in history
