"""A hard kill (SIGKILL) of the bot process loses nothing the person already sent."""

from __future__ import annotations

from pathlib import Path

from sipbot.chat.persistence import DatabasePersistence
from sipbot.config import Settings
from sipbot.playground.emulator import BotApiEmulator
from sipbot.services import Services
from tests.restart import bot_process, hard_kill
from tests.story import Person


async def test_hard_kill_at_three_steps_continues_where_the_person_was(
    emu: BotApiEmulator, services: Services, settings: Settings, tmp_path: Path
) -> None:
    p = Person(emu.user(300), services)
    async with bot_process(settings, tmp_path, emu) as proc:
        await p.onboard()
        await p.presses("sip.role.self", "sip.own_name.ask")
        await p.says("Klara Holm", then="sip.municipality.ask")
        await hard_kill(proc)

    # 1. At a choice step: after the restart the same question's button still works.
    async with bot_process(settings, tmp_path, emu) as proc:
        p.user.press("Krokom")
        await p.asked("sip.problems.ask")
        await p.says("Svårt att få hjälp", then="sip.main_goal.ask")
        await p.says("Ett eget boende", then="sip.subgoals.ask")
        await p.says("Söka lägenhet", then="sip.subgoals.ask")
        await hard_kill(proc)

    # 2. In the middle of a list: the item given before the kill is kept.
    async with bot_process(settings, tmp_path, emu) as proc:
        await p.says("Laga mat", then="sip.subgoals.ask")
        assert "• Söka lägenhet" in p.user.last.text and "• Laga mat" in p.user.last.text
        await p.presses("button.done", "sip.can_do.ask")
        # 3. Killed with an answer sent but before the bot could fetch it.
        await hard_kill(proc)
        p.user.send("Jag kan handla")

    async with bot_process(settings, tmp_path, emu):
        await p.asked("sip.strengths.ask")
        await p.says("/help", then="help.in_flow")

    data = await DatabasePersistence(services.engine).stored_user_data()
    assert data[300]["flow"]["answers"] == {
        "role": "self",
        "own_name": "Klara Holm",
        "municipality": "krokom",
        "problems": "Svårt att få hjälp",
        "main_goal": "Ett eget boende",
        "subgoals": ["Söka lägenhet", "Laga mat"],
        "can_do": "Jag kan handla",
    }
    assert data[300]["flow"]["step"] == "strengths"
