"""The outbox sweep: claim the queued messages that are due and send them through the Bot API.

Queuing (sipbot.outbox.put) is the core's and happens in the transaction of the change a
message tells; this sends, and decides what 403, 429 and 5xx mean for a row: 403 and 400
queue the row's fallback (the staff member, else the unit); 429 and 5xx try again later, the
chat's later rows waiting behind it.
"""

from __future__ import annotations

import asyncio
import base64
import logging
from datetime import datetime, timedelta
from typing import Any

from telegram import Bot, InputFile
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError
from telegram.ext import ContextTypes

from sipbot import outbox
from sipbot.chat.keyboards import kb
from sipbot.db.engine import session_scope
from sipbot.db.models import OutboxMessage
from sipbot.outbox import Part
from sipbot.reminders import store

log = logging.getLogger(__name__)
SWEEP_EVERY = timedelta(seconds=10)
CONCURRENCY = 30
MAX_ATTEMPTS = 8


def markup(part: Part) -> Any:
    rows = part.get("buttons")
    return kb(*[[(label, data) for label, data in row] for row in rows]) if rows else None


class OutboxSender:
    """Sends the outbox, one lane per chat.

    Each chat's messages go out in order, one at a time; chats do not wait for each other, so
    a staff group at its 20 messages a minute, or a chat waiting for a retry, holds up no one
    else (no head-of-line blocking). At most CONCURRENCY sends are in flight at once.
    """

    def __init__(self, services: Any) -> None:
        self.s = services
        self._started = False
        self._bot: Bot | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[None] | None = None
        self._again = False
        self._lanes: dict[int, asyncio.Task[None]] = {}
        self._wakes = 0  # counts wakes, so a lane that ends just as a row is queued sees it
        self._gate: asyncio.Semaphore | None = None

    def attach(self, bot: Bot) -> None:
        """Start waking the sweep on every commit that queued a message (call in the loop)."""
        self._bot, self._loop = bot, asyncio.get_running_loop()
        outbox.wake_on_commit(self.wake)
        self.wake()  # what a killed process left behind goes out now

    def wake(self) -> None:
        loop = self._loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self._kick)

    def _kick(self) -> None:
        self._again = True
        self._wakes += 1
        if self._task is None or self._task.done():
            assert self._loop is not None
            self._task = self._loop.create_task(self._run())

    async def _run(self) -> None:
        while self._again and self._bot is not None:
            self._again = False
            try:
                await self.sweep(self._bot)
            except Exception as exc:  # the timed sweep tries again
                log.error("outbox.sweep_failed kind=%s", type(exc).__name__)

    async def job(self, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self.sweep(context.bot)

    async def sweep(self, bot: Bot) -> int:
        """Start a lane for each chat with a message due that has none running; returns how
        many lanes were started. It does not wait for them."""
        now, engine = self.s.clock(), self.s.engine
        # At the first sweep of a process, rows left mid-send by a killed one go out again.
        all_sending, self._started = not self._started, True
        # Recovering and finding due chats scan the table: in a worker thread, off the loop.
        await asyncio.to_thread(
            store.recover, engine, now, all_sending=all_sending, table=OutboxMessage
        )
        if self._gate is None:
            self._gate = asyncio.Semaphore(CONCURRENCY)
        started = 0
        for chat_id in await asyncio.to_thread(outbox.due_chats, engine, now):
            lane = self._lanes.get(chat_id)
            if lane is None or lane.done():
                self._lanes[chat_id] = asyncio.get_running_loop().create_task(
                    self._lane(bot, chat_id)
                )
                started += 1
        return started

    async def idle(self) -> None:
        """Wait until every lane has ended (tests; a clean stop)."""
        while lanes := [t for t in self._lanes.values() if not t.done()]:
            await asyncio.gather(*lanes, return_exceptions=True)

    async def _lane(self, bot: Bot, chat_id: int) -> None:
        wakes = self._wakes
        try:
            while True:
                wakes = self._wakes
                row = await asyncio.to_thread(
                    outbox.claim_next, self.s.engine, self.s.clock(), chat_id
                )
                if row is None:
                    break
                await self._room(bot, chat_id)
                assert self._gate is not None
                async with self._gate:
                    await self._send(bot, row)
        except Exception as exc:  # the row stays claimed; recovered like a killed one
            log.error("outbox.lane_failed kind=%s", type(exc).__name__)
        finally:
            if self._lanes.get(chat_id) is asyncio.current_task():
                del self._lanes[chat_id]
        if self._wakes != wakes:  # queued while this lane was finding nothing: look again
            self._kick()

    @staticmethod
    async def _room(bot: Bot, chat_id: int) -> None:
        """Wait for the chat's own limit (a group's minute) before taking a slot of the
        gate, so a full group holds only its own lane."""
        limiter = getattr(bot, "rate_limiter", None)
        room = getattr(limiter, "room", None)
        if room is not None:
            await room(chat_id)

    async def _send(self, bot: Bot, row: OutboxMessage) -> None:
        engine, now = self.s.engine, self.s.clock()
        assert row.id is not None

        def finish(status: str, **kw: Any) -> None:
            store.finish(engine, row.id, status, now, table=OutboxMessage, **kw)  # type: ignore[arg-type]
            if "retry_at" not in kw:
                outbox.forget(engine, row.id)  # type: ignore[arg-type]

        try:
            for index in range(row.done_parts, len(row.parts)):
                await self._part(bot, row.chat_id, row.parts[index])
                self._progress(row.id, index + 1)
        except RetryAfter as exc:
            wait = exc.retry_after
            seconds = wait if isinstance(wait, int) else int(wait.total_seconds())
            finish("pending", error="429", retry_at=now + timedelta(seconds=seconds))
        except Forbidden:
            finish("unreachable", error="403")
            log.info("outbox.unreachable id=%s kind=%s", row.id, row.kind)
            self._fall_back(row, now)
        except BadRequest as exc:
            finish("failed", error=type(exc).__name__)
            log.warning("outbox.failed id=%s kind=%s", row.id, row.kind)
            self._fall_back(row, now)
        except TelegramError as exc:  # 5xx, timeouts, dropped connections
            if row.attempts + 1 >= MAX_ATTEMPTS:
                finish("failed", error=type(exc).__name__)
                self._fall_back(row, now)
                return
            backoff = timedelta(seconds=min(5 * 2**row.attempts, 3600))
            finish("pending", error=type(exc).__name__, retry_at=now + backoff)
        else:
            finish("sent")
            log.info("outbox.sent id=%s kind=%s", row.id, row.kind)

    async def _part(self, bot: Bot, chat_id: int, part: Part) -> None:
        if "document" in part:
            data = base64.b64decode(part["document"])
            await bot.send_document(chat_id, InputFile(data, filename=part["filename"]))
        elif "voice" in part:
            await bot.send_voice(chat_id, part["voice"])
        else:
            await bot.send_message(chat_id, part["text"], reply_markup=markup(part))

    def _progress(self, row_id: int, done: int) -> None:
        with session_scope(self.s.engine) as s:
            row = s.get(OutboxMessage, row_id)
            if row is not None:
                row.done_parts = done
                s.add(row)

    def _fall_back(self, row: OutboxMessage, now: datetime) -> None:
        chats = outbox.fallbacks(row)
        if not chats:
            return
        with session_scope(self.s.engine) as s:
            for chat in chats:
                outbox.put(
                    s,
                    now,
                    int(chat["chat_id"]),
                    chat["parts"],
                    kind=f"{row.kind}.fallback"[:32],
                    request_id=row.request_id,
                )
