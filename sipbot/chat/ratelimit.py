"""Telegram's sending limits as sliding windows: never more than allowed in any window.

PTB's AIORateLimiter uses a leaky bucket that lets a full bucket out at once and then keeps
dripping, so up to twice the rate can land in one second; Telegram then answers 429 and the
bucket stalls every send (BENCHMARKS.md: 72-77 % of 30/s, about a thousand 429s for 3 000
reminders). Here each request takes a slot and hands it back one window after its answer, so
no window can hold more than the limit, whatever the delays (99.9 %, no 429s).

Only messages count: Telegram's 30 a second and 20 a minute to a group are limits on messages
sent, so answering a button, editing a message or getChat take no slot (counted, a busy
minute of button presses would hold the next question back for a second).

A send to a group whose minute is full waits for it. Messages to staff groups go through the
outbox, whose sweep sends each chat in a lane of its own and waits for the group's room
(`room`) before it takes one of the shared slots: a full group's minute holds up only its lane.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from datetime import timedelta
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

log = logging.getLogger(__name__)
GROUP_RATE, GROUP_PERIOD = 20, 60.0  # Telegram: about 20 messages a minute to one group


Monotonic = Callable[[], float]
Sleep = Callable[[float], Awaitable[Any]]

# The Bot API methods that send a message (PTB's endpoint names): what Telegram's limits count.
SEND_METHODS = frozenset(
    {
        "sendMessage", "sendPhoto", "sendAudio", "sendDocument", "sendVideo", "sendAnimation",
        "sendVoice", "sendVideoNote", "sendPaidMedia", "sendMediaGroup", "sendLocation",
        "sendVenue", "sendContact", "sendPoll", "sendDice", "sendSticker", "sendInvoice",
        "sendGame", "copyMessage", "copyMessages", "forwardMessage", "forwardMessages",
    }
)  # fmt: skip


class SlidingWindow:
    """At most `rate` holders per `period` seconds, counted from each one's end.

    A slot is free when fewer than `rate` holders are either still running or ended less than
    `period` ago. Time comes from `clock` and passes through `sleep`, so tests can move it.
    """

    def __init__(
        self,
        rate: int,
        period: float,
        *,
        clock: Monotonic = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self._rate, self._period = rate, period
        self._clock, self._sleep = clock, sleep
        self._running = 0
        self._ended: deque[float] = deque()  # end times of recent holders, oldest first
        self._freed: asyncio.Event | None = None  # set when a running holder ends

    def wait_needed(self) -> float:
        """Seconds until a slot is free at the earliest (0: free now)."""
        self._forget_old()
        if self._running + len(self._ended) < self._rate:
            return 0.0
        if not self._ended:  # every slot is held by a send still running: a window after it
            return self._period
        return self._ended[0] + self._period - self._clock()

    def _forget_old(self) -> None:
        now = self._clock()
        while self._ended and self._ended[0] + self._period <= now:
            self._ended.popleft()

    async def _wait_for_room(self) -> None:
        while True:
            self._forget_old()
            if self._running + len(self._ended) < self._rate:
                return
            if self._ended:  # the oldest end leaves the window first
                await self._sleep(self._ended[0] + self._period - self._clock())
            else:  # every slot is held by a request still running
                if self._freed is None:
                    self._freed = asyncio.Event()
                self._freed.clear()
                await self._freed.wait()

    @contextlib.asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        await self._wait_for_room()
        self._running += 1
        try:
            yield
        finally:
            self._running -= 1
            self._ended.append(self._clock())
            if self._freed is not None:
                self._freed.set()


class WindowRateLimiter(BaseRateLimiter[None]):
    def __init__(
        self,
        rate: int = 30,
        *,
        max_retries: int = 3,
        clock: Monotonic = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self._rate = rate
        self._max_retries = max_retries
        self._clock, self._sleep = clock, sleep
        self._overall: SlidingWindow | None = None
        self._groups: dict[int | str, SlidingWindow] = {}

    async def initialize(self) -> None:
        self._overall = self._window(self._rate, 1.0)

    def _window(self, rate: int, period: float) -> SlidingWindow:
        return SlidingWindow(rate, period, clock=self._clock, sleep=self._sleep)

    async def shutdown(self) -> None:
        self._groups.clear()

    def _group(self, data: dict[str, Any]) -> SlidingWindow | None:
        chat_id = data.get("chat_id")
        is_group = isinstance(chat_id, str) or (isinstance(chat_id, int) and chat_id < 0)
        if not is_group:
            return None
        if chat_id not in self._groups:
            self._groups[chat_id] = self._window(GROUP_RATE, GROUP_PERIOD)  # type: ignore[index]
        return self._groups[chat_id]  # type: ignore[index]

    async def room(self, chat_id: int | str) -> None:
        """Wait until the chat's own window (a group's minute) has room, taking no slot: the
        outbox waits here for a full group outside its limit on sends in flight."""
        group = self._group({"chat_id": chat_id})
        if group is not None:
            await group._wait_for_room()

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[Any] | None]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: None,
    ) -> bool | dict[str, Any] | list[Any] | None:
        if self._overall is None:
            await self.initialize()
        assert self._overall is not None
        sends = endpoint in SEND_METHODS
        group = self._group(data) if sends else None
        for attempt in range(self._max_retries + 1):
            try:
                async with contextlib.AsyncExitStack() as stack:
                    if group is not None:
                        await stack.enter_async_context(group.slot())
                    if sends:
                        await stack.enter_async_context(self._overall.slot())
                    return await callback(*args, **kwargs)
            except RetryAfter as exc:
                if attempt == self._max_retries:
                    raise
                wait = exc.retry_after
                seconds = wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
                log.info("telegram.retry_after endpoint=%s seconds=%s", endpoint, seconds)
                await self._sleep(seconds + 0.1)
        raise AssertionError("unreachable")
