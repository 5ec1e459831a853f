"""One slow Telegram call holds up only its own chat: others are answered meanwhile, and the
slow chat's later updates wait their turn, in order."""

from __future__ import annotations

import logging

import pytest

from sipbot.playground.emulator import BotApiEmulator
from tests.conftest import RunningBot
from tests.held import held
from tests.story import Person


async def test_a_held_send_stalls_only_its_own_chat(
    emu: BotApiEmulator, bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    slow = Person(emu.user(8101), bot.services)
    other = Person(emu.user(8102), bot.services)
    hold = held(emu, "sendMessage", 8101)
    slow.user.send("/start")
    await hold  # the bot is stuck sending to the slow chat
    slow.user.send("/help")
    other.user.send("/start")
    await other.sees("language.ask")
    other.user.press("Svenska")
    await other.sees("register.ask")

    # The other person was answered twice while the slow chat's send was still open (its
    # timeout, the only way out of the hold, has not come), and the slow chat's /help waits
    # behind its /start.
    assert not [r for r in caplog.records if r.getMessage().startswith("handler.error")]
    assert slow.user.messages == []
    # Once the held call gives up, the slow chat's next update is handled.
    await slow.user.wait_for(lambda m: m.text is not None, timeout=30)
    assert any(r.getMessage() == "handler.error kind=TimedOut" for r in caplog.records)
