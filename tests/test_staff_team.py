"""Enrolment by invite link, and an admin inviting and removing colleagues in the bot."""

from __future__ import annotations

import re

from sipbot.playground.emulator import BotApiEmulator
from sipbot.staff.members import INVITE_PREFIX, create_invite
from tests.conftest import FakeClock, RunningBot
from tests.staff_story import Staff

LINK = re.compile(r"https://t\.me/sipbot_test_bot\?start=(s_[\w-]+)")


async def test_admin_invites_and_removes_a_colleague(emu: BotApiEmulator, bot: RunningBot) -> None:
    eva = Staff(emu, bot.services, 980, "Eva")
    await eva.enrol("krokom", "admin")
    assert [c["command"] for c in emu.commands(scope={"type": "chat", "chat_id": 980})] == [
        "queue",
        "staff",
        "stats",
    ]
    figures = await eva.types("/stats", "staff.stats.title", unit=_krokom(bot))
    assert eva.t("staff.stats.now", open=0, unclaimed=0, overdue=0) in (figures.text or "")
    await eva.types("/staff", "staff.team.title", unit=bot.services.deployment.unit("krokom").name)
    await eva.presses(
        "staff.team.invite_staff",
        "staff.team.invite_link",
        link="",
        hours=eva.t.ngettext("count.hours", 72, n=72),
    )
    payload = LINK.search(eva.user.last.text or "").group(1)  # type: ignore[union-attr]
    ola = Staff(emu, bot.services, 981, "Ola")
    await ola.types(f"/start {payload}", "staff.enrolled")
    await ola.types("/queue", "staff.queue.title")
    # The same link cannot enrol someone else.
    mallory = Staff(emu, bot.services, 982, "Mallory")
    await mallory.types(f"/start {payload}", "staff.invite.invalid")
    await mallory.types("/queue", "staff.not_available")
    await mallory.types("/staff", "staff.not_available")
    await mallory.types("/stats", "staff.not_available")
    # Eva removes Ola; he loses access at once.
    await eva.types("/staff", "staff.team.title", unit=bot.services.deployment.unit("krokom").name)
    eva.press(eva.t("staff.team.remove", name="Ola"))
    await eva.sees("staff.team.remove_ask", name="Ola")
    count = len(eva.user.callback_answers)
    eva.press(eva.t("staff.team.remove_yes"))
    assert await eva.answered(count) == eva.t("staff.team.removed")
    await ola.types("/queue", "staff.not_available")
    # Ola cannot use an admin's buttons either.
    ola.user.press_data(ola.user.last.message_id, "G:invite:admin")
    assert await ola.answered(0) == ola.t("staff.not_available")


async def test_an_invite_expires_after_72_hours(
    emu: BotApiEmulator, bot: RunningBot, clock: FakeClock
) -> None:
    token = create_invite(bot.services.engine, clock, "berg")
    clock.advance(hours=72, seconds=1)
    late = Staff(emu, bot.services, 983, "Late")
    await late.types(f"/start {INVITE_PREFIX}{token}", "staff.invite.invalid")


def _krokom(bot: RunningBot) -> str:
    return bot.services.deployment.unit("krokom").name
