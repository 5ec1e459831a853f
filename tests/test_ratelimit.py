"""The bot's rate limiter keeps within Telegram's limits: 30 a second, 20 a minute to a group.

The windows run on a fake monotonic clock, so the tests state exactly when each send goes out
and need no real time. How fast the real limiter gets through a burst is a benchmark's
question (benchmarks/), not a test's.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from telegram.error import RetryAfter

from sipbot.chat.app import build_application
from sipbot.chat.ratelimit import WindowRateLimiter
from sipbot.playground.emulator import BotApiEmulator
from sipbot.services import Services


class FakeTime:
    """Monotonic time that moves only while someone sleeps on it."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        target = self.now + seconds
        await asyncio.sleep(0)  # let the others waiting for the same moment line up
        self.now = max(self.now, target)


def limiter(time: FakeTime, rate: int = 30, max_retries: int = 3) -> WindowRateLimiter:
    return WindowRateLimiter(rate, max_retries=max_retries, clock=time, sleep=time.sleep)


async def send_all(lim: WindowRateLimiter, time: FakeTime, chat_ids: list[Any]) -> list[float]:
    """Send to each chat at once; the moments the sends went out, in order."""
    sent: list[float] = []

    async def callback() -> bool:
        sent.append(time.now)
        return True

    results = await asyncio.gather(
        *(
            lim.process_request(callback, (), {}, "sendMessage", {"chat_id": c}, None)
            for c in chat_ids
        )
    )
    assert results == [True] * len(chat_ids)
    return sent


async def test_thirty_a_second_to_private_chats() -> None:
    time = FakeTime()
    sent = await send_all(limiter(time), time, list(range(1, 76)))
    assert sent == [0.0] * 30 + [1.0] * 30 + [2.0] * 15


async def test_a_lower_rate_is_kept() -> None:
    time = FakeTime()
    sent = await send_all(limiter(time, rate=5), time, list(range(1, 12)))
    assert sent == [0.0] * 5 + [1.0] * 5 + [2.0]


async def test_twenty_a_minute_to_one_group() -> None:
    time = FakeTime()
    sent = await send_all(limiter(time), time, [-100123] * 25)
    assert sent == [0.0] * 20 + [60.0] * 5


async def test_a_channel_name_is_a_group_too() -> None:
    time = FakeTime()
    sent = await send_all(limiter(time), time, ["@sipbot_staff"] * 21)
    assert sent == [0.0] * 20 + [60.0]


async def test_each_group_has_its_own_minute() -> None:
    time = FakeTime()
    sent = await send_all(limiter(time), time, [-1001] * 20 + [-1002] * 10)
    assert sent == [0.0] * 30  # the second group is not held back by the first one's minute


async def test_a_private_chat_is_not_held_to_the_group_minute() -> None:
    time = FakeTime()
    sent = await send_all(limiter(time), time, [4242] * 25)
    assert sent == [0.0] * 25


async def test_a_send_still_running_holds_its_slot_until_a_window_after_its_end() -> None:
    time = FakeTime()
    lim = limiter(time, rate=2)
    release = asyncio.Event()
    started: list[tuple[str, float]] = []

    def callback(name: str, wait: bool) -> Any:
        async def run() -> bool:
            started.append((name, time.now))
            if wait:
                await release.wait()
            return True

        return run

    slow = [
        asyncio.create_task(
            lim.process_request(callback(n, True), (), {}, "sendMessage", {"chat_id": 1}, None)
        )
        for n in ("a", "b")
    ]
    third = asyncio.create_task(
        lim.process_request(callback("c", False), (), {}, "sendMessage", {"chat_id": 1}, None)
    )
    for _ in range(10):
        await asyncio.sleep(0)
    assert [n for n, _ in started] == ["a", "b"]  # the third waits while both are running
    time.now = 5.0
    release.set()
    assert await asyncio.gather(*slow, third) == [True, True, True]
    assert started[-1] == ("c", 6.0)  # one window after the first end, not at once


async def test_retry_after_waits_as_told_and_sends_again() -> None:
    time = FakeTime()
    calls: list[float] = []

    async def callback() -> str:
        calls.append(time.now)
        if len(calls) == 1:
            raise RetryAfter(5)
        return "ok"

    result = await limiter(time).process_request(
        callback, (), {}, "sendMessage", {"chat_id": 7}, None
    )
    assert result == "ok"
    assert len(calls) == 2
    assert calls[1] == pytest.approx(5.1)  # the wait Telegram asked for, and a little more


async def test_retry_after_gives_up_after_the_last_retry() -> None:
    time = FakeTime()
    calls: list[float] = []

    async def callback() -> str:
        calls.append(time.now)
        raise RetryAfter(2)

    with pytest.raises(RetryAfter):
        await limiter(time, max_retries=2).process_request(
            callback, (), {}, "sendMessage", {"chat_id": 7}, None
        )
    assert len(calls) == 3  # the first try and two retries
    assert calls == pytest.approx([0.0, 2.1, 4.2])


async def test_the_limiter_works_after_shutdown_and_a_new_start() -> None:
    time = FakeTime()
    lim = limiter(time)
    await lim.initialize()
    await send_all(lim, time, [-5] * 20)
    await lim.shutdown()  # forgets the groups' minutes with the groups
    assert await send_all(lim, time, [-5]) == [0.0]


async def test_a_burst_to_many_chats_gets_no_429(services: Services) -> None:
    # End to end with the real clock: the emulator refuses what Telegram would refuse.
    async with BotApiEmulator(enforce_limits=True) as emu:
        services.settings = services.settings.model_copy(update={"telegram_api_url": emu.url})
        users = [emu.user(5000 + i) for i in range(45)]  # more than one second's worth
        app = build_application(services, rate_limit=True)
        async with app:
            await asyncio.gather(*(app.bot.send_message(u.user_id, "hej") for u in users))
        assert emu.stats.rate_limited == 0
        assert all(len(u.messages) == 1 for u in users)


async def test_by_default_thirty_a_second_and_three_retries() -> None:
    time = FakeTime()
    lim = WindowRateLimiter(clock=time, sleep=time.sleep)
    assert await send_all(lim, time, list(range(1, 32))) == [0.0] * 30 + [1.0]
    calls = 0

    async def refused() -> None:
        nonlocal calls
        calls += 1
        raise RetryAfter(1)

    with pytest.raises(RetryAfter):
        await lim.process_request(refused, (), {}, "sendMessage", {"chat_id": 7}, None)
    assert calls == 4


async def test_a_freed_slot_is_not_taken_twice() -> None:
    # A slot freed long ago must not let a waiter past a send that is running now.
    time = FakeTime()
    lim = limiter(time, rate=1)
    assert await send_all(lim, time, [1]) == [0.0]
    time.now = 10.0  # that send's window is long over
    release = asyncio.Event()
    started: list[str] = []

    async def slow() -> bool:
        started.append("slow")
        await release.wait()
        return True

    async def quick() -> bool:
        started.append("quick")
        return True

    first = asyncio.create_task(
        lim.process_request(slow, (), {}, "sendMessage", {"chat_id": 1}, None)
    )
    second = asyncio.create_task(
        lim.process_request(quick, (), {}, "sendMessage", {"chat_id": 2}, None)
    )
    for _ in range(10):
        await asyncio.sleep(0)
    assert started == ["slow"]
    release.set()
    assert await asyncio.gather(first, second) == [True, True]
    assert started == ["slow", "quick"]


# -- only messages count, and a full group minute holds up nobody else -------------------------


async def test_answers_and_edits_take_no_slot() -> None:
    # Telegram's 30 a second counts messages: 40 button answers and edits go at once, and the
    # 30 messages beside them still all go in the first second.
    time = FakeTime()
    lim = limiter(time)
    sent: list[tuple[str, float]] = []

    def call(endpoint: str, chat_id: int) -> Any:
        async def callback() -> bool:
            sent.append((endpoint, time.now))
            return True

        return lim.process_request(callback, (), {}, endpoint, {"chat_id": chat_id}, None)

    others = ["answerCallbackQuery", "editMessageText"] * 20
    await asyncio.gather(
        *(call(e, -100 if i % 2 else i + 1) for i, e in enumerate(others)),
        *(call("sendMessage", 500 + i) for i in range(30)),
    )
    assert [at for _, at in sent] == [0.0] * 70


async def test_edits_in_a_group_are_not_held_to_its_minute() -> None:
    time = FakeTime()
    lim = limiter(time)
    await send_all(lim, time, [-100123] * 20)  # the group's minute is full of messages

    async def edit() -> bool:
        return True

    await lim.process_request(edit, (), {}, "editMessageText", {"chat_id": -100123}, None)
    assert time.now == 0.0  # no wait for the minute


class HeldTime:
    """Monotonic time that moves only when the test moves it; sleepers wait until then."""

    def __init__(self) -> None:
        self.now = 0.0
        self._moved = asyncio.Event()

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        target = self.now + seconds
        while self.now < target:
            await self._moved.wait()

    def advance(self, seconds: float) -> None:
        self.now += seconds
        self._moved.set()
        self._moved = asyncio.Event()
