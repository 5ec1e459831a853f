"""Hold one Bot API call open in the emulator, and know when the bot is stuck in it."""

from __future__ import annotations

import asyncio

from sipbot.playground.emulator import BotApiEmulator


async def held(emu: BotApiEmulator, method: str, chat_id: int, timeout: float = 20) -> None:
    """Make the bot's next `method` call to `chat_id` hang; returns once the bot is in it.

    Polled (the emulator signals finished requests, not started ones); no fixed sleep.
    """
    emu.inject(method, status="hang", chat_id=chat_id)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while any(f.chat_id == chat_id and f.method == method.lower() for f in emu._faults):
        assert loop.time() < deadline, f"the bot never called {method} for {chat_id}"
        await asyncio.sleep(0.02)
