"""An answer is stored under its own question, or the person is told (issue 9)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio

from sipbot.app import build_application

from sipbot.db.persistence import DatabasePersistence
from sipbot.playground.emulator import BotApiEmulator
from sipbot.services import Services
from tests.conftest import RunningBot
from tests.story import Person


@pytest_asyncio.fixture
async def limited_bot(services: Services) -> AsyncIterator[RunningBot]:
    """The real bot with its rate limiter, which retries a 429 three times before it gives up."""
    app = build_application(services, rate_limit=True)
    async with app:
        for job in app.job_queue.jobs():  # type: ignore[union-attr]
            job.enabled = False
        await app.start()
        await app.updater.start_polling(poll_interval=0, timeout=5)  # type: ignore[union-attr]
        try:
            yield RunningBot(app, services)
        finally:
            await app.updater.stop()  # type: ignore[union-attr]
            await app.stop()


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


FAILED_SENDS = {"500": (500, 1), "502": (502, 1), "reset": ("reset", 1), "429x4": (429, 4)}


@pytest.mark.parametrize("fault", FAILED_SENDS)
async def test_a_question_that_never_arrived_gets_no_answer_filed_under_it(
    emu: BotApiEmulator, limited_bot: RunningBot, fault: str
) -> None:
    services = limited_bot.services
    p = Person(emu.user(901), services)
    await at_problems(p)
    status, times = FAILED_SENDS[fault]
    failing = emu.inject("sendMessage", status=status, times=times, chat_id=901)  # type: ignore[arg-type]
    p.user.send("Svårt att få hjälp")
    await failing.hit.wait()
    # The person saw no next question, so they send their answer again.
    await p.says("Svårt att få hjälp", then="input.not_delivered")
    await p.asked("sip.main_goal.ask")
    answers = (await stored_flow(services, 901))["answers"]
    assert answers["problems"] == "Svårt att få hjälp" and "main_goal" not in answers
    await p.says("Ett eget boende", then="sip.subgoals.ask")
    answers = (await stored_flow(services, 901))["answers"]
    assert answers["main_goal"] == "Ett eget boende"
