"""Messages that must arrive: written with the change they tell, sent by a claiming sweep.

A handler never sends such a message itself after its commit (a crash right after the commit
would lose it). What to say and to whom is decided by the notifier (sipbot.staff.notify),
which adds outbox rows in the change's own transaction (`put`); the commit wakes the sweep at
once, and the sweep also runs on PTB's JobQueue, so after a kill the row goes out at the next
start. The sweep sends each chat's rows in order in a lane of its own, taking one row at a
time (`claim_next`), so a row may go out twice only if the process died between its send and
its record: at most one row per chat that was in flight. Recovery and outcomes are the
reminders' (sipbot.reminders.store). 403 and 400 queue the row's fallback (the staff member,
else the unit); 429 and 5xx try again later, the chat's later rows waiting behind it.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import secrets
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import event, update
from sqlmodel import Session, col, select
from telegram import Bot, InputFile
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError
from telegram.ext import ContextTypes

from sipbot.db.engine import session_scope
from sipbot.db.models import OutboxMessage
from sipbot.keyboards import kb
from sipbot.reminders import store

log = logging.getLogger(__name__)
Part = dict[str, Any]
Buttons = list[list[tuple[str, str]]]
SWEEP_EVERY = timedelta(seconds=10)
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


Fallback = list[tuple[int, list[Part]]]


def put(
    s: Session,
    now: datetime,
    chat_id: int,
    parts: list[Part],
    *,
    kind: str,
    request_id: int | None = None,
    fallback: Fallback | tuple[int, list[Part]] | None = None,
) -> OutboxMessage:
    """Queue a message in the caller's transaction; `fallback` (chat, parts) pairs are queued
    in its place if the chat turns out to be unreachable (blocked the bot, left the group)."""
    if isinstance(fallback, tuple):
        fallback = [fallback]
    row = OutboxMessage(
        kind=kind,
        request_id=request_id,
        chat_id=chat_id,
        parts=parts,
        fallback={"chats": [{"chat_id": c, "parts": p} for c, p in fallback]}
        if fallback
        else None,
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


def markup(part: Part) -> Any:
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


def due_chats(engine: Any, now: datetime) -> list[int]:
    """The chats that have a message due now."""
    with session_scope(engine) as s:
        query = (
            select(OutboxMessage.chat_id)
            .where(col(OutboxMessage.status) == "pending", col(OutboxMessage.next_try_at) <= now)
            .distinct()
        )
        return [int(c) for c in s.exec(query)]


def claim_next(engine: Any, now: datetime, chat_id: int) -> OutboxMessage | None:
    """Take the chat's oldest waiting message if it is due: a chat's messages go out in the
    order they were queued, and one waiting for a retry holds back only its own chat."""
    token = secrets.token_hex(8)
    with session_scope(engine) as s:
        oldest = s.exec(
            select(OutboxMessage.id, OutboxMessage.next_try_at)
            .where(col(OutboxMessage.chat_id) == chat_id, col(OutboxMessage.status) == "pending")
            .order_by(col(OutboxMessage.due_at), col(OutboxMessage.id))
            .limit(1)
        ).first()
        if oldest is None or _aware(oldest[1]) > now:
            return None
        # Conditional: of two senders exactly one takes it.
        taken = s.execute(
            update(OutboxMessage)
            .where(col(OutboxMessage.id) == oldest[0], col(OutboxMessage.status) == "pending")
            .values(status="sending", claim=token, claimed_at=now)
        )
        if taken.rowcount != 1:  # type: ignore[attr-defined]
            return None
    with session_scope(engine) as s:
        return s.exec(select(OutboxMessage).where(OutboxMessage.claim == token)).first()


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


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
        store.recover(engine, now, all_sending=all_sending, table=OutboxMessage)
        if self._gate is None:
            self._gate = asyncio.Semaphore(CONCURRENCY)
        started = 0
        for chat_id in due_chats(engine, now):
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
                row = claim_next(self.s.engine, self.s.clock(), chat_id)
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
            await bot.send_message(chat_id, part["text"], reply_markup=markup(part))

    def _progress(self, row_id: int, done: int) -> None:
        with session_scope(self.s.engine) as s:
            row = s.get(OutboxMessage, row_id)
            if row is not None:
                row.done_parts = done
                s.add(row)

    def _fall_back(self, row: OutboxMessage, now: datetime) -> None:
        if not row.fallback:
            return
        # Rows queued before fallbacks became a list name one chat.
        chats = row.fallback.get("chats") or [row.fallback]
        with session_scope(self.s.engine) as s:
            for chat in chats:
                put(
                    s,
                    now,
                    int(chat["chat_id"]),
                    chat["parts"],
                    kind=f"{row.kind}.fallback"[:32],
                    request_id=row.request_id,
                )
