"""An answer is stored under its own question, or the person is told (issue 9)."""

from __future__ import annotations

from typing import Any

import pytest

from sipbot.db.persistence import DatabasePersistence
from sipbot.playground.emulator import BotApiEmulator
from sipbot.services import Services
from tests.conftest import RunningBot
from tests.story import Person


async def stored_flow(services: Services, user_id: int) -> dict[str, Any]:
    data = await DatabasePersistence(services.engine).get_user_data()
    return data[user_id]["flow"]


async def at_problems(p: Person) -> None:
    await p.onboard()
    await p.presses("sip.role.self", "sip.municipality.ask")
    p.user.press("Krokom")
    await p.asked("sip.problems.ask")


@pytest.mark.parametrize("blank", ["\u200b", " \u200b\u2060 ", "\u3164", "\u2800", "\ufeff\u00a0"])
async def test_invisible_text_is_no_answer(
    emu: BotApiEmulator, bot: RunningBot, blank: str
) -> None:
    p = Person(emu.user(900), bot.services)
    await at_problems(p)
    await p.says(blank, then="input.empty")
    await p.asked("sip.problems.ask")
    assert "problems" not in (await stored_flow(bot.services, 900))["answers"]
    await p.says("Svårt att få hjälp", then="sip.main_goal.ask")
    assert (await stored_flow(bot.services, 900))["answers"]["problems"] == "Svårt att få hjälp"
