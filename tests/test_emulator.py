"""End-to-end tests of the Bot API emulator against a real PTB Application."""

from __future__ import annotations

import asyncio
import datetime as dtm
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import aiohttp
import pytest
import pytest_asyncio
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllPrivateChats,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Update,
)
from telegram.error import (
    BadRequest,
    Forbidden,
    NetworkError,
    RetryAfter,
    TimedOut,
)
from telegram.ext import (
    Application,
    ApplicationBuilder,
    BaseRateLimiter,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from sipbot.chat.ratelimit import WindowRateLimiter
from sipbot.playground.emulator import BotApiEmulator

TOKEN = "123:ABC"

# PTB 22 itself warns about the int-valued RetryAfter.retry_after when raising it.
pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def retry_seconds(err: RetryAfter) -> float:
    """retry_after is an int in PTB 22 (timedelta opt-in via PTB_TIMEDELTA); accept both."""
    value = err.retry_after
    return value.total_seconds() if isinstance(value, dtm.timedelta) else float(value)


# -- a tiny bot -------------------------------------------------------------------------------


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.message is not None
    keyboard = InlineKeyboardMarkup(
        [
            [InlineKeyboardButton("Svenska", callback_data="lang:sv")],
            [InlineKeyboardButton("English", callback_data="lang:en")],
        ]
    )
    args = " ".join(context.args or [])
    await update.message.reply_text(f"Welcome {args}".strip(), reply_markup=keyboard)


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer("Saved")
    await query.edit_message_text(f"Chosen: {query.data}")


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.message is not None and update.message.text is not None
    await update.message.reply_text(f"echo: {update.message.text}")


async def on_voice(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.message is not None and update.message.voice is not None
    tg_file = await update.message.voice.get_file()
    data = await tg_file.download_as_bytearray()
    await update.message.reply_document(bytes(data), filename="voice-copy.ogg", caption="copy")


async def burst(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_chat is not None
    for i in range(2):
        await context.bot.send_message(update.effective_chat.id, f"burst {i}")


def add_handlers(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CommandHandler("burst", burst))
    app.add_handler(CallbackQueryHandler(on_button))
    app.add_handler(MessageHandler(filters.VOICE, on_voice))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))


@asynccontextmanager
async def running_bot(
    emu: BotApiEmulator,
    setup: Callable[[Application], None] = add_handlers,  # type: ignore[type-arg]
    *,
    rate_limiter: BaseRateLimiter | None = None,  # type: ignore[type-arg]
) -> AsyncIterator[Application]:  # type: ignore[type-arg]
    """Run a real PTB Application long-polling the emulator; reusable by other tests."""
    builder = (
        ApplicationBuilder()
        .token(TOKEN)
        .base_url(f"{emu.url}/bot")
        .base_file_url(f"{emu.url}/file/bot")
    )
    if rate_limiter is not None:
        builder = builder.rate_limiter(rate_limiter)
    app = builder.build()
    setup(app)
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=5)
        try:
            yield app
        finally:
            await app.updater.stop()
            await app.stop()


@pytest_asyncio.fixture
async def emu() -> AsyncIterator[BotApiEmulator]:
    async with BotApiEmulator() as emulator:
        yield emulator


@pytest_asyncio.fixture
async def app(emu: BotApiEmulator) -> AsyncIterator[Application]:  # type: ignore[type-arg]
    async with running_bot(emu) as application:
        yield application


@pytest_asyncio.fixture
async def bot(emu: BotApiEmulator) -> AsyncIterator[Bot]:
    """A bare Bot (no polling) for calling methods directly."""
    async with Bot(TOKEN, base_url=f"{emu.url}/bot", base_file_url=f"{emu.url}/file/bot") as b:
        yield b


# -- round trips through a running Application ------------------------------------------------


async def test_text_round_trip(emu: BotApiEmulator, app: Application) -> None:  # type: ignore[type-arg]
    user = emu.user(42, first_name="Anna")
    user.send("hello")
    msg = await user.next()
    assert msg.text == "echo: hello"
    assert msg.chat_id == 42
    assert msg.raw["from"]["is_bot"] is True
    assert user.last == msg
    assert emu.stats.sent == 1


async def test_start_command_keyboard_press_and_edit(
    emu: BotApiEmulator,
    app: Application,  # type: ignore[type-arg]
) -> None:
    user = emu.user(7)
    user.send("/start abc123")
    welcome = await user.next()
    assert welcome.text == "Welcome abc123"
    assert welcome.button_texts == ["Svenska", "English"]
    assert welcome.buttons[1][0].callback_data == "lang:en"

    user.press(2)
    edit = await user.next()
    assert edit.edited and edit.message_id == welcome.message_id
    assert edit.text == "Chosen: lang:en"
    assert edit.buttons == []  # editing text without reply_markup drops the keyboard
    assert user.messages[-1].text == "Chosen: lang:en"
    assert user.callback_answers[0].text == "Saved"

    with pytest.raises(LookupError, match="No bot message with inline buttons"):
        user.press("Svenska")


async def test_press_unknown_button_lists_choices(
    emu: BotApiEmulator,
    app: Application,  # type: ignore[type-arg]
) -> None:
    user = emu.user(8)
    user.send("/start")
    await user.next()
    with pytest.raises(LookupError, match=r"\[1\] 'Svenska', \[2\] 'English'"):
        user.press("Deutsch")


async def test_forged_callback_data_reaches_bot(
    emu: BotApiEmulator,
    app: Application,  # type: ignore[type-arg]
) -> None:
    user = emu.user(9)
    user.send("/start")
    welcome = await user.next()
    user.press_data(welcome.message_id, "forged")
    edit = await user.wait_for(lambda m: m.edited)
    assert edit.text == "Chosen: forged"


async def test_voice_download_and_document_upload(
    emu: BotApiEmulator,
    app: Application,  # type: ignore[type-arg]
) -> None:
    user = emu.user(11)
    payload = b"OggS" + bytes(range(256)) * 4
    user.send_voice(duration=2, data=payload)
    reply = await user.next()
    assert reply.document is not None
    assert reply.document.file_name == "voice-copy.ogg"
    assert reply.document.file_size == len(payload)
    assert reply.caption == "copy"
    assert emu.file_bytes(reply.document.file_id) == payload


async def test_wait_timeout_shows_transcript(
    emu: BotApiEmulator,
    app: Application,  # type: ignore[type-arg]
) -> None:
    user = emu.user(12)
    user.send("ping")
    await user.next()
    with pytest.raises(TimeoutError, match="echo: ping"):
        await user.next(timeout=0.05)


async def test_offset_confirms_updates(emu: BotApiEmulator, bot: Bot) -> None:
    user = emu.user(13)
    user.send("one")
    user.send("two")
    updates = await bot.get_updates(timeout=0)
    assert [u.message.text for u in updates if u.message] == ["one", "two"]
    again = await bot.get_updates(timeout=0)
    assert len(again) == 2  # not confirmed yet
    await bot.get_updates(offset=updates[-1].update_id + 1, timeout=0)
    assert emu.pending_updates == []


async def test_long_poll_returns_when_update_arrives(emu: BotApiEmulator, bot: Bot) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    # Queue only once the poll is parked on the server, so the wake-up path is exercised.
    while emu.stats.requests["getupdates"] == 0:
        await asyncio.sleep(0)
    emu.user(14).send("late")
    updates = await poll
    assert updates[0].message is not None and updates[0].message.text == "late"


# -- errors, faults, limits -------------------------------------------------------------------


async def test_unknown_method_is_404(emu: BotApiEmulator) -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{emu.url}/bot{TOKEN}/sendDice", json={"chat_id": 1}) as resp,
    ):
        assert resp.status == 404
        assert await resp.json() == {"ok": False, "error_code": 404, "description": "Not Found"}


async def test_get_me_and_json_body(emu: BotApiEmulator) -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{emu.url}/bot555:xyz/sendMessage", json={"chat_id": 5, "text": "hi"}) as r,
    ):
        body = await r.json()
    assert body["ok"] is True
    assert body["result"]["from"]["id"] == 555
    assert emu.sent(5)[0].text == "hi"


async def test_injected_429_is_retry_after(emu: BotApiEmulator, bot: Bot) -> None:
    emu.inject("sendMessage", status=429, retry_after=7)
    with pytest.raises(RetryAfter) as info:
        await bot.send_message(1, "x")
    assert retry_seconds(info.value) == 7
    assert emu.stats.rate_limited == 1
    await bot.send_message(1, "x")  # only once
    assert emu.stats.sent == 1


async def test_injected_500_and_403(emu: BotApiEmulator, bot: Bot) -> None:
    emu.inject("sendMessage", status=500)
    with pytest.raises(NetworkError):
        await bot.send_message(1, "x")
    emu.inject("sendMessage", status=403, chat_id=2)
    await bot.send_message(1, "not chat 2")
    with pytest.raises(Forbidden, match="blocked"):
        await bot.send_message(2, "x")


async def test_injected_hang_times_out(emu: BotApiEmulator, bot: Bot) -> None:
    emu.inject("sendMessage", status="hang")
    with pytest.raises(TimedOut):
        await bot.send_message(1, "x", read_timeout=0.2)


async def test_injected_reset_drops_the_connection(emu: BotApiEmulator, bot: Bot) -> None:
    emu.inject("sendMessage", status="reset")
    with pytest.raises(NetworkError):
        await bot.send_message(1, "x")
    assert emu.sent(1) == []
    await bot.send_message(1, "y")
    assert [m.text for m in emu.sent(1)] == ["y"]


async def test_injected_hold_waits_for_release(emu: BotApiEmulator, bot: Bot) -> None:
    held = emu.inject("sendMessage", status="hold")
    sending = asyncio.ensure_future(bot.send_message(1, "x"))
    await held.hit.wait()
    assert emu.sent(1) == [] and not sending.done()
    held.release()
    assert (await sending).text == "x"
    assert [m.text for m in emu.sent(1)] == ["x"]


async def test_block(emu: BotApiEmulator, bot: Bot) -> None:
    await bot.send_message(3, "before")
    emu.block(3)
    for _ in range(2):
        with pytest.raises(Forbidden):
            await bot.send_message(3, "after")
    assert [m.text for m in emu.sent(3)] == ["before"]


async def test_bad_requests_like_telegram(emu: BotApiEmulator, bot: Bot) -> None:
    msg = await bot.send_message(4, "<b>Hi</b> there", parse_mode="HTML")
    assert msg.text == "Hi there"
    assert msg.entities[0].type == "bold"
    with pytest.raises(BadRequest, match="not modified"):
        await bot.edit_message_text("<b>Hi</b> there", 4, msg.message_id, parse_mode="HTML")
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
        await bot.send_message(4, "a <name> b", parse_mode="HTML")
    with pytest.raises(BadRequest, match="reserved"):
        await bot.send_message(4, "Done.", parse_mode="MarkdownV2")
    with pytest.raises(BadRequest, match=r"(?i)button_data_invalid"):
        markup = InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data="y" * 65)]])
        await bot.send_message(4, "x", reply_markup=markup)
    assert await bot.delete_message(4, msg.message_id)
    with pytest.raises(BadRequest, match="not found"):
        await bot.delete_message(4, msg.message_id)


async def test_limits_with_fake_clock() -> None:
    clock = FakeClock()
    async with (
        BotApiEmulator(enforce_limits=True, clock=clock) as emu,
        Bot(TOKEN, base_url=f"{emu.url}/bot") as bot,
    ):
        # Global: 30 per second across chats.
        for chat_id in range(1, 31):
            await bot.send_message(chat_id, "x")
        with pytest.raises(RetryAfter) as info:
            await bot.send_message(31, "x")
        assert retry_seconds(info.value) >= 1
        clock.advance(1.0)
        await bot.send_message(31, "x")

        # Private chat: one per second.
        clock.advance(5)
        await bot.send_message(100, "x")
        with pytest.raises(RetryAfter):
            await bot.send_message(100, "y")
        await bot.edit_message_text("edits are not counted", 100, emu.sent(100)[0].message_id)
        clock.advance(1.0)
        await bot.send_message(100, "y")

        # Group: 20 per minute.
        for _ in range(20):
            clock.advance(1.0)
            await bot.send_message(-500, "g")
        with pytest.raises(RetryAfter) as info:
            await bot.send_message(-500, "g")
        assert retry_seconds(info.value) == 41  # first one leaves the window then
        clock.advance(41)
        await bot.send_message(-500, "g")

        assert emu.stats.rate_limited == 3
        assert emu.stats.sent == 30 + 1 + 2 + 21


async def test_rate_limiter_retries_through_emulator() -> None:
    # sipbot's limiter on the emulator's clock: the second message to one chat in the same
    # second gets a 429, the limiter waits as told (on the injected clock) and sends it again.
    clock = FakeClock()
    waited: list[float] = []

    async def sleep(seconds: float) -> None:
        waited.append(seconds)
        clock.advance(seconds)
        await asyncio.sleep(0)

    async with BotApiEmulator(enforce_limits=True, clock=clock) as emu:
        limiter = WindowRateLimiter(30, max_retries=2, clock=clock, sleep=sleep)
        async with running_bot(emu, rate_limiter=limiter):
            user = emu.user(21)
            user.send("/burst")
            burst_msgs = await user.wait(2)
        assert [m.text for m in burst_msgs] == ["burst 0", "burst 1"]
        assert emu.stats.rate_limited == 1
        assert any(w >= 1 for w in waited)  # the retry_after the emulator asked for


async def test_commands_per_language(emu: BotApiEmulator, bot: Bot) -> None:
    await bot.set_my_commands([BotCommand("start", "Börja")], language_code="sv")
    await bot.set_my_commands([BotCommand("start", "Start"), BotCommand("help", "Help")])
    await bot.set_my_commands(
        [BotCommand("privacy", "Privacy")], scope=BotCommandScopeAllPrivateChats()
    )
    assert emu.commands("sv") == [{"command": "start", "description": "Börja"}]
    assert [c["command"] for c in emu.commands()] == ["start", "help"]
    assert emu.commands(scope={"type": "all_private_chats"})[0]["command"] == "privacy"
    got = await bot.get_my_commands(language_code="sv")
    assert got[0].description == "Börja"
    await bot.delete_my_commands(language_code="sv")
    assert emu.commands("sv") == []
    with pytest.raises(BadRequest):
        await bot.set_my_commands([BotCommand("Bad-Name", "x")])


async def test_user_side_media_updates(emu: BotApiEmulator, bot: Bot) -> None:
    user = emu.user(30)
    user.send_sticker()
    user.send_photo()
    user.send_document(name="a.pdf", data=b"%PDF")
    user.send_location(1.5, 2.5)
    user.send_contact("+4670")
    updates = await bot.get_updates(timeout=0)
    msgs = [u.message for u in updates]
    assert all(m is not None for m in msgs)
    assert msgs[0] and msgs[0].sticker
    assert msgs[1] and msgs[1].photo
    assert msgs[2] and msgs[2].document and msgs[2].document.file_name == "a.pdf"
    assert msgs[3] and msgs[3].location and msgs[3].location.latitude == 1.5
    assert msgs[4] and msgs[4].contact and msgs[4].contact.phone_number == "+4670"
    assert msgs[2] and msgs[2].document
    doc_file = await msgs[2].document.get_file()
    assert await doc_file.download_as_bytearray() == b"%PDF"


async def test_group_chat(emu: BotApiEmulator, app: Application) -> None:  # type: ignore[type-arg]
    group = emu.group(-100, "Staff")
    member = emu.user(50)
    group.send(member, "hello group")
    reply = await group.next()
    assert reply.text == "echo: hello group"
    assert reply.raw["chat"] == {"id": -100, "type": "group", "title": "Staff"}
    assert emu.sent(-100) == [reply]


async def test_multipart_upload_with_markup_and_resend_by_file_id(
    emu: BotApiEmulator, bot: Bot
) -> None:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Open", callback_data="open")]])
    sent = await bot.send_document(5, b"abc", filename="a.txt", reply_markup=keyboard)
    assert sent.document is not None and sent.document.file_name == "a.txt"
    again = await bot.send_document(5, sent.document.file_id, caption="again")
    assert again.document is not None and again.document.file_id == sent.document.file_id
    user = emu.user(5)
    first, second = user.drain()
    assert first.button_texts == ["Open"]  # reply_markup arrived as a JSON string in multipart
    assert second.body == "[document: a.txt] again"
    with pytest.raises(BadRequest, match=r"(?i)wrong file identifier"):
        await bot.send_document(5, "no-such-file-id")
    tg_file = await bot.get_file(sent.document.file_id)
    assert await tg_file.download_as_bytearray() == b"abc"
