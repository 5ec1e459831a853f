"""The terminal chat driven by a script against the emulator and a tiny PTB bot."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest_asyncio
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from sipbot.playground.emulator import BotApiEmulator
from sipbot.playground.terminal import run_terminal


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.message is not None
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("Svenska", callback_data="sv"),
                InlineKeyboardButton("English", callback_data="en"),
            ]
        ]
    )
    await update.message.reply_text("Choose a language", reply_markup=keyboard)


async def chosen(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer(f"Saved {query.data}")
    await query.edit_message_text(f"Language: {query.data}")


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.message is not None
    what = update.message.text or ("a voice message" if update.message.voice else "something")
    await update.message.reply_text(f"You said: {what}")


@dataclass
class Playground:
    emu: BotApiEmulator
    app: Application  # type: ignore[type-arg]

    async def settled(self) -> None:
        """The bot fetched and confirmed every update and its handlers have finished."""
        await self.emu.confirmed()
        await self.app.update_queue.join()


@pytest_asyncio.fixture
async def play() -> AsyncIterator[Playground]:
    async with BotApiEmulator() as emulator:
        app: Application = (  # type: ignore[type-arg]
            ApplicationBuilder()
            .token("123:ABC")
            .base_url(f"{emulator.url}/bot")
            .base_file_url(f"{emulator.url}/file/bot")
            .build()
        )
        app.add_handler(CommandHandler("start", start))
        app.add_handler(CallbackQueryHandler(chosen))
        app.add_handler(MessageHandler(~filters.COMMAND, echo))
        async with app:
            await app.start()
            assert app.updater is not None
            await app.updater.start_polling(poll_interval=0, timeout=5)
            yield Playground(emulator, app)
            await app.updater.stop()
            await app.stop()


async def test_script_numbers_buttons_and_presses_second(play: Playground) -> None:
    emu = play.emu
    out = io.StringIO()
    user = emu.user(1)
    script = ["# choose English", "/start", "2", "", ":text 3", ":voice", ":bogus", ":quit", "x"]
    await run_terminal(emu, user, script=script, out=out, settle=play.settled)
    assert out.getvalue().splitlines() == [
        "you> /start",
        "bot> Choose a language",
        "     [1] Svenska  [2] English",
        "you> 2",
        "bot (edited)> Language: en",
        "bot (toast)> Saved en",
        "you> :text 3",
        "bot> You said: 3",
        "you> :voice",
        "bot> You said: a voice message",
        "you> :bogus",
        "! unknown command :bogus; type :help",
        "you> :quit",
    ]


async def test_number_without_buttons_is_text(play: Playground) -> None:
    emu = play.emu
    out = io.StringIO()
    await run_terminal(emu, emu.user(2), script=["5"], out=out, settle=play.settled)
    assert "bot> You said: 5" in out.getvalue()


async def test_interactive_reads_until_eof(play: Playground) -> None:
    emu = play.emu
    lines: asyncio.Queue[str | None] = asyncio.Queue()
    for line in ("/start", "1", None):
        lines.put_nowait(line)
    user = emu.user(3)
    out = io.StringIO()

    async def read_line() -> str | None:
        line = await lines.get()
        if line == "1":
            # Like a human: only press once the keyboard is on screen.
            await user.until(lambda: any(m.buttons for m in user.messages))
        return line

    await run_terminal(emu, user, out=out, read_line=read_line, settle=play.settled)
    text = out.getvalue()
    assert "bot> Choose a language\n     [1] Svenska  [2] English" in text
    assert "bot (edited)> Language: sv" in text
