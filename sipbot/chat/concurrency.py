"""Updates handled side by side, each chat's (and each person's) in the order they came.

One slow Telegram call (a 429 wait, a hung request) then holds up only the chat it is for.
PTB starts a task per update in arrival order; the locks here are taken in that order
(asyncio locks are fair), so a chat's updates run one at a time and in sequence.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from contextlib import AsyncExitStack
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

MAX_CONCURRENT = 256


def keys(update: object) -> list[str]:
    """What the update must wait behind: its chat, and its sender (whose user_data it
    changes, from a private chat or a staff group alike). Sorted, so locks never deadlock."""
    if not isinstance(update, Update):
        return []
    found = set()
    if update.effective_chat is not None:
        found.add(f"c{update.effective_chat.id}")
    if update.effective_user is not None:
        found.add(f"u{update.effective_user.id}")
    return sorted(found)


class PerChatProcessor(BaseUpdateProcessor):
    def __init__(self, max_concurrent_updates: int = MAX_CONCURRENT) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[str, asyncio.Lock] = {}
        self._users: dict[str, int] = {}  # updates holding or waiting for each lock

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        names = keys(update)
        for name in names:
            self._users[name] = self._users.get(name, 0) + 1
        try:
            async with AsyncExitStack() as stack:
                for name in names:
                    await stack.enter_async_context(self._locks.setdefault(name, asyncio.Lock()))
                await coroutine
        finally:
            for name in names:  # forget idle chats, so the table does not grow forever
                self._users[name] -= 1
                if not self._users[name]:
                    del self._users[name]
                    self._locks.pop(name, None)

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass
