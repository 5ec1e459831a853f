"""Messages that must arrive: written with the change they tell, sent by a claiming sweep.

A handler never sends such a message itself after its commit (a crash right after the commit
would lose it). It adds an outbox row in the same transaction (`put`); the commit wakes the
sweep at once, and the sweep also runs on PTB's JobQueue, so after a kill the row goes out at
the next start. Claiming, recovery and outcomes are the reminders' (sipbot.reminders.store).
A row may go out twice only if the process died between the send and its record.
"""

from __future__ import annotations

import asyncio
import base64
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import event
from sqlmodel import Session
from telegram import Bot, InputFile
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError
from telegram.ext import ContextTypes

from sipbot import ratelimit
from sipbot.db.engine import session_scope
from sipbot.db.models import OutboxMessage
from sipbot.keyboards import kb
from sipbot.reminders import store

log = logging.getLogger(__name__)
Part = dict[str, Any]
Buttons = list[list[tuple[str, str]]]
SWEEP_EVERY = timedelta(seconds=10)
BATCH = 100
CONCURRENCY = 30
MAX_ATTEMPTS = 8


def text(body: str, buttons: Buttons | None = None) -> Part:
    part: Part = {"text": body}
    if buttons:
        part["buttons"] = [[list(b) for b in row] for row in buttons]
    return part


def document(data: bytes, filename: str) -> Part:
    return {"document": base64.b64encode(data).decode("ascii"), "filename": filename}


def voice(file_id: str) -> Part:
    return {"voice": file_id}


def put(
    s: Session,
    now: datetime,
    chat_id: int,
    parts: list[Part],
    *,
    kind: str,
    request_id: int | None = None,
    fallback: tuple[int, list[Part]] | None = None,
) -> OutboxMessage:
    """Queue a message in the caller's transaction; `fallback` (chat, parts) is queued in its
    place if the chat turns out to be unreachable (blocked the bot, left the group)."""
    row = OutboxMessage(
        kind=kind,
        request_id=request_id,
        chat_id=chat_id,
        parts=parts,
        fallback={"chat_id": fallback[0], "parts": fallback[1]} if fallback else None,
        due_at=now,
        next_try_at=now,
        status="pending",
    )
    s.add(row)
    if not s.info.get("outbox"):
        s.info["outbox"] = True
        event.listen(s, "after_commit", _committed, once=True)
    return row


# Set by the running application: wakes its sweep. Commits outside it (the CLI) just wait
# for the next start.
_wake: Callable[[], None] | None = None


def _committed(_session: Session) -> None:
    if _wake is not None:
        _wake()


def _markup(part: Part) -> Any:
    rows = part.get("buttons")
    return kb(*[[(label, data) for label, data in row] for row in rows]) if rows else None


def forget(engine: Any, row_id: int) -> None:
    """A message that has ended (sent, or given up) keeps no copy of what it said.

    It is in the person's chat, or was not wanted there; the row stays for the counts only.
    """
    with session_scope(engine) as s:
        row = s.get(OutboxMessage, row_id)
        if row is not None:
            row.parts, row.fallback = [], None
            s.add(row)


class OutboxSender:
    def __init__(self, services: Any) -> None:
        self.s = services
        self._started = False
        self._bot: Bot | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[None] | None = None
        self._again = False

    def attach(self, bot: Bot) -> None:
        """Start waking the sweep on every commit that queued a message (call in the loop)."""
        global _wake
        self._bot, self._loop = bot, asyncio.get_running_loop()
        _wake = self.wake
        self.wake()  # what a killed process left behind goes out now

    def wake(self) -> None:
        loop = self._loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self._kick)

    def _kick(self) -> None:
        self._again = True
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
        now, engine = self.s.clock(), self.s.engine
        # At the first sweep of a process, rows left mid-send by a killed one go out again.
        all_sending, self._started = not self._started, True
        # Recovering and claiming scan the table: in a worker thread, off the event loop.
        await asyncio.to_thread(
            store.recover, engine, now, all_sending=all_sending, table=OutboxMessage
        )
        handled = 0
        gate = asyncio.Semaphore(CONCURRENCY)

        async def one(row: OutboxMessage) -> None:
            # A row for a group whose minute is full is put back (RetryAfter), not waited for.
            async with gate:
                with ratelimit.queued():
                    await self._send(bot, row)

        while rows := await asyncio.to_thread(
            store.claim_due, engine, now, BATCH, table=OutboxMessage
        ):
            await asyncio.gather(*(one(r) for r in rows))
            handled += len(rows)
        return handled

    async def _send(self, bot: Bot, row: OutboxMessage) -> None:
        engine, now = self.s.engine, self.s.clock()
        assert row.id is not None

        def finish(status: str, **kw: Any) -> None:
            store.finish(engine, row.id, status, now, table=OutboxMessage, **kw)  # type: ignore[arg-type]
            if "retry_at" not in kw:
                forget(engine, row.id)  # type: ignore[arg-type]

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
            await bot.send_message(chat_id, part["text"], reply_markup=_markup(part))

    def _progress(self, row_id: int, done: int) -> None:
        with session_scope(self.s.engine) as s:
            row = s.get(OutboxMessage, row_id)
            if row is not None:
                row.done_parts = done
                s.add(row)

    def _fall_back(self, row: OutboxMessage, now: datetime) -> None:
        if not row.fallback:
            return
        with session_scope(self.s.engine) as s:
            put(
                s,
                now,
                int(row.fallback["chat_id"]),
                row.fallback["parts"],
                kind=f"{row.kind}.fallback"[:32],
                request_id=row.request_id,
            )
