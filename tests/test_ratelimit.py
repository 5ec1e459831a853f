"""The bot's rate limiter keeps within Telegram's limits as the emulator enforces them."""

from __future__ import annotations

import asyncio

from sipbot.app import build_application
from sipbot.playground.emulator import BotApiEmulator
from sipbot.services import Services


async def test_a_burst_to_many_chats_gets_no_429(services: Services) -> None:
    async with BotApiEmulator(enforce_limits=True) as emu:
        services.settings = services.settings.model_copy(update={"telegram_api_url": emu.url})
        users = [emu.user(5000 + i) for i in range(45)]  # more than one second's worth
        app = build_application(services, rate_limit=True)
        async with app:
            await asyncio.gather(*(app.bot.send_message(u.user_id, "hej") for u in users))
        assert emu.stats.rate_limited == 0
        assert all(len(u.messages) == 1 for u in users)


async def test_without_the_window_the_same_burst_is_refused(services: Services) -> None:
    # The control: the emulator really refuses a burst, so the test above can fail.
    async with BotApiEmulator(enforce_limits=True) as emu:
        services.settings = services.settings.model_copy(update={"telegram_api_url": emu.url})
        users = [emu.user(6000 + i) for i in range(45)]
        app = build_application(services, rate_limit=False)
        async with app:
            results = await asyncio.gather(
                *(app.bot.send_message(u.user_id, "hej") for u in users), return_exceptions=True
            )
        assert emu.stats.rate_limited > 0
        assert any(isinstance(r, Exception) for r in results)
