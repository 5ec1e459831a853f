"""Telegram's sending limits as sliding windows: never more than allowed in any window.

PTB's AIORateLimiter uses a leaky bucket that lets a full bucket out at once and then keeps
dripping, so up to twice the rate can land in one second; Telegram then answers 429 and the
bucket stalls every send (BENCHMARKS.md: 72-77 % of 30/s, about a thousand 429s for 3 000
reminders). Here each request takes a slot and hands it back one window after its answer, so
no window can hold more than the limit, whatever the delays (99.9 %, no 429s).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Coroutine
from datetime import timedelta
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

log = logging.getLogger(__name__)
GROUP_RATE, GROUP_PERIOD = 20, 60.0  # Telegram: about 20 messages a minute to one group


class SlidingWindow:
    """At most `rate` holders per `period` seconds, counted from each one's end."""

    def __init__(self, rate: int, period: float) -> None:
        self._slots = asyncio.Semaphore(rate)
        self._period = period

    @contextlib.asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        await self._slots.acquire()
        try:
            yield
        finally:
            asyncio.get_running_loop().call_later(self._period, self._slots.release)


class WindowRateLimiter(BaseRateLimiter[None]):
    def __init__(self, rate: int = 30, *, max_retries: int = 3) -> None:
        self._rate = rate
        self._max_retries = max_retries
        self._overall: SlidingWindow | None = None
        self._groups: dict[int | str, SlidingWindow] = {}

    async def initialize(self) -> None:
        self._overall = SlidingWindow(self._rate, 1.0)  # made in the running loop

    async def shutdown(self) -> None:
        self._groups.clear()

    def _group(self, data: dict[str, Any]) -> SlidingWindow | None:
        chat_id = data.get("chat_id")
        is_group = isinstance(chat_id, str) or (isinstance(chat_id, int) and chat_id < 0)
        if not is_group:
            return None
        return self._groups.setdefault(chat_id, SlidingWindow(GROUP_RATE, GROUP_PERIOD))  # type: ignore[arg-type]

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
        group = self._group(data)
        for attempt in range(self._max_retries + 1):
            try:
                async with contextlib.AsyncExitStack() as stack:
                    if group is not None:
                        await stack.enter_async_context(group.slot())
                    await stack.enter_async_context(self._overall.slot())
                    return await callback(*args, **kwargs)
            except RetryAfter as exc:
                if attempt == self._max_retries:
                    raise
                wait = exc.retry_after
                seconds = wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
                log.info("telegram.retry_after endpoint=%s seconds=%s", endpoint, seconds)
                await asyncio.sleep(seconds + 0.1)
        raise AssertionError("unreachable")
