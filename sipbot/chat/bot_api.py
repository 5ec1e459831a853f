"""The Bot API calls the command line makes without a running bot: getMe, telling units."""

from __future__ import annotations

import asyncio

from sipbot.config import ConfigError, Settings


def _one_line(text: str) -> str:
    return " ".join("".join(c if c.isprintable() else " " for c in text).split())


def telegram_name(settings: Settings, *, hint: str) -> str:
    """getMe with the configured token and API; a refusal or no answer is one ConfigError.

    PTB's own message for a refused token quotes the token, so it is never passed on.
    """
    from telegram import Bot
    from telegram.error import InvalidToken, TelegramError

    async def get_me() -> str:
        bot = Bot(settings.telegram_token, base_url=f"{settings.telegram_api_url}/bot")
        async with bot:  # initialize() calls getMe
            return bot.username

    try:
        return asyncio.run(get_me())
    except InvalidToken:
        raise ConfigError(
            f"SIPBOT_TELEGRAM_TOKEN: Telegram refused the token (getMe); check it{hint}"
        ) from None
    except TelegramError as exc:
        reason = _one_line(str(exc)).replace(settings.telegram_token, "<token>")
        raise ConfigError(
            f"SIPBOT_TELEGRAM_API_URL: could not ask {settings.telegram_api_url} for the bot's "
            f"name ({reason}){hint}"
        ) from None
