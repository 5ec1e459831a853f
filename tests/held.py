"""Hold one Bot API call open in the emulator, and know when the bot is stuck in it."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any

from sipbot.playground.emulator import BotApiEmulator


def held(
    emu: BotApiEmulator, method: str, chat_id: int, timeout: float = 20
) -> Coroutine[Any, Any, None]:
    """Make the bot's next `method` call to `chat_id` hang, from now on; await the result to
    wait until the bot is in it (polled: the emulator signals finished requests only)."""
    emu.inject(method, status="hang", chat_id=chat_id)
    return _entered(emu, method.lower(), chat_id, timeout)


async def _entered(emu: BotApiEmulator, method: str, chat_id: int, timeout: float) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while any(f.chat_id == chat_id and f.method == method for f in emu._faults):
        assert loop.time() < deadline, f"the bot never called {method} for {chat_id}"
        await asyncio.sleep(0.02)
