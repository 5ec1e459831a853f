"""PTB persistence in sipbot's own database, flushed after every update (see app.py).

Only user_data is kept (a person's flow position and answers, a staff member's pending input).
Nobody's data is read at start: PTB asks `get_user_data` for everyone once, and gets nothing;
a person's row is read when their first update reaches a handler (PTB's `refresh_user_data`
hook, called before the handlers of every update). So start-up does not grow with the number
of people who ever wrote. Rows of people with nothing left to keep (only the stamps of their
last updates) are removed an hour after their last write (`forget_finished`): long after any
redelivery those stamps guard against.

The database work runs in a worker thread (asyncio.to_thread), so the event loop goes on with
other people's updates meanwhile; a lock per user keeps one user's writes in order.
"""

from __future__ import annotations

import asyncio
import json
import logging
from copy import deepcopy
from datetime import timedelta
from typing import Any

from sqlalchemy import Engine, delete
from sqlmodel import col, select
from telegram import Update
from telegram.ext import BasePersistence, CallbackContext, PersistenceInput
from telegram.ext._utils.types import ConversationDict, ConversationKey

from sipbot.chat.updates import SEEN_KEY, remember
from sipbot.clock import Clock, utcnow
from sipbot.db.engine import session_scope
from sipbot.db.models import BotData, ChatData, ConversationState, UserData

log = logging.getLogger(__name__)
Data = dict[Any, Any]
# How long the stamps of a finished person's last updates are kept: Telegram hands out again
# only the one batch a killed bot had fetched and not confirmed, within seconds of a restart.
KEEP_SEEN = timedelta(hours=1)
_SCAN_BATCH = 2000


def nothing_to_keep(data: Data) -> bool:
    """Only the stamps of the last updates, or empty values: nothing the person would miss."""
    return all(key == SEEN_KEY or value in (None, {}, [], "") for key, value in data.items())


async def persist_now(
    update: Update, context: CallbackContext[Any, Any, Any, Any], *, seen: bool = True
) -> None:
    """Write this user's data now, before the bot shows the next question; raise if it fails.

    Whatever the person has seen acknowledged is then already on disk when a kill comes.
    seen=False leaves the update unmarked: if the process dies before the reply is sent, the
    update Telegram hands out again is handled again rather than skipped in silence.
    """
    app = context.application
    user = update.effective_user
    if user is not None and context.user_data is not None:
        if seen:
            # Which update this write applies, stored with it, so a redelivered one is skipped.
            remember(context.user_data, update)
        # Not through app.update_persistence alone: PTB hands its errors to the error
        # handlers and carries on, and an answer must not be acknowledged unless stored.
        persistence = app.persistence
        assert persistence is not None
        await persistence.update_user_data(user.id, context.user_data)
    await app.update_persistence()


class DatabasePersistence(BasePersistence[Data, Data, Data]):
    """Each update_* call is its own short transaction, so nothing waits for a timed flush.

    A user's flow position and answers live together in user_data, so one write moves both.
    """

    def __init__(self, engine: Engine, clock: Clock = utcnow) -> None:
        # The interval is only PTB's background flush; app.py flushes after every update.
        # Only user_data is used (the flow and its answers): the rest would be written for nothing.
        super().__init__(
            store_data=PersistenceInput(bot_data=False, chat_data=False, callback_data=False),
            update_interval=3600,
        )
        self._engine = engine
        self._clock = clock
        # What each loaded user's data is on disk: whether it was read yet, whether a write is
        # needed, and what to put memory back to when a write fails.
        self._stored: dict[int, Data] = {}
        self._locks: dict[int, asyncio.Lock] = {}

    async def get_user_data(self) -> dict[int, Data]:
        """What PTB loads at start for everyone: nothing (see refresh_user_data)."""
        return {}

    async def stored_user_data(self) -> dict[int, Data]:
        """Every stored row, read now (the draft sweep's and the tests' view of the disk)."""

        def read() -> dict[int, Data]:
            with session_scope(self._engine) as s:
                return {row.user_id: row.data for row in s.exec(select(UserData))}

        return await asyncio.to_thread(read)

    async def refresh_user_data(self, user_id: int, user_data: Data) -> None:
        """Before the handlers of each update: read this user's row, the first time only."""
        if user_id in self._stored:
            return
        async with self._lock(user_id):
            if user_id in self._stored:
                return
            stored = await asyncio.to_thread(self._read, user_id)
            user_data.clear()
            user_data.update(deepcopy(stored))
            self._stored[user_id] = stored

    def _read(self, user_id: int) -> Data:
        with session_scope(self._engine) as s:
            row = s.get(UserData, user_id)
            return row.data if row is not None else {}

    def _lock(self, user_id: int) -> asyncio.Lock:
        return self._locks.setdefault(user_id, asyncio.Lock())

    def restore_user_data(self, user_id: int, data: Data) -> None:
        """Put a user's data in memory back to what is stored, after a change was not."""
        data.clear()
        data.update(deepcopy(self._stored.get(user_id, {})))

    async def forget_finished(self) -> int:
        """Remove the rows of people with nothing left to keep, last written KEEP_SEEN ago.

        A copy in memory stays for the life of the process, as any active person's does: a
        change to it writes the row again. Returns how many rows went.
        """
        gone = await asyncio.to_thread(self._delete_finished, self._clock() - KEEP_SEEN)
        if gone:
            log.info("user_data.forgotten count=%s", gone)
        return gone

    async def load_everyone(self, user_data: dict[int, Data]) -> dict[int, Data]:
        """Everyone with something stored, in memory (``user_data``, the application's): for
        the hourly draft sweep, which looks at each. Rows with nothing to keep go first."""
        await self.forget_finished()
        for user_id, data in (await self.stored_user_data()).items():
            lock = self._locks.get(user_id)
            if user_id in self._stored or (lock is not None and lock.locked()):
                continue  # read already (memory is newer), or being read by their update
            user_data[user_id].clear()
            user_data[user_id].update(deepcopy(data))
            self._stored[user_id] = data
        return user_data

    def _delete_finished(self, before: Any) -> int:
        gone = 0
        last = None
        while True:
            with session_scope(self._engine) as s:
                query = select(UserData).where(col(UserData.updated_at) < before)
                if last is not None:
                    query = query.where(col(UserData.user_id) > last)
                rows = list(s.exec(query.order_by(col(UserData.user_id)).limit(_SCAN_BATCH)))
                if not rows:
                    return gone
                last = rows[-1].user_id
                ids = [row.user_id for row in rows if nothing_to_keep(row.data)]
                if ids:
                    # A write since the scan has a later time: that row stays.
                    s.exec(  # type: ignore[call-overload]
                        delete(UserData).where(
                            col(UserData.user_id).in_(ids), col(UserData.updated_at) < before
                        )
                    )
                gone += len(ids)

    async def get_chat_data(self) -> dict[int, Data]:
        with session_scope(self._engine) as s:
            return {row.chat_id: row.data for row in s.exec(select(ChatData))}

    async def get_bot_data(self) -> Data:
        with session_scope(self._engine) as s:
            row = s.get(BotData, 1)
            return row.data if row else {}

    async def get_callback_data(self) -> None:
        return None

    async def get_conversations(self, name: str) -> ConversationDict:
        with session_scope(self._engine) as s:
            rows = s.exec(select(ConversationState).where(ConversationState.name == name))
            return {tuple(json.loads(row.key)): row.state for row in rows}

    async def update_conversation(
        self, name: str, key: ConversationKey, new_state: object | None
    ) -> None:
        key_text = json.dumps(list(key))
        with session_scope(self._engine) as s:
            row = s.get(ConversationState, (name, key_text))
            if new_state is None:
                if row:
                    s.delete(row)
            elif row:
                row.state = new_state
                s.add(row)
            else:
                s.add(ConversationState(name=name, key=key_text, state=new_state))

    async def update_user_data(self, user_id: int, data: Data) -> None:
        if user_id in self._stored and self._stored[user_id] == data:
            return  # unchanged since it was last written (often: the flush after a question)
        copy = deepcopy(data)
        async with self._lock(user_id):
            await asyncio.to_thread(self._write, user_id, copy)
        self._stored[user_id] = copy  # nobody else holds it once the write's session closed

    def _write(self, user_id: int, data: Data) -> None:
        with session_scope(self._engine) as s:
            row = s.get(UserData, user_id)
            if row is None:
                row = UserData(user_id=user_id, data={}, updated_at=self._clock())
            row.data = data
            row.updated_at = self._clock()
            s.add(row)

    async def update_chat_data(self, chat_id: int, data: Data) -> None:
        with session_scope(self._engine) as s:
            row = s.get(ChatData, chat_id)
            if row is None:
                row = ChatData(chat_id=chat_id, data={}, updated_at=self._clock())
            row.data = deepcopy(data)
            row.updated_at = self._clock()
            s.add(row)

    async def update_bot_data(self, data: Data) -> None:
        with session_scope(self._engine) as s:
            row = s.get(BotData, 1) or BotData(id=1, data={})
            row.data = deepcopy(data)
            s.add(row)

    async def update_callback_data(self, data: Any) -> None:
        return None

    async def drop_chat_data(self, chat_id: int) -> None:
        with session_scope(self._engine) as s:
            s.exec(delete(ChatData).where(ChatData.chat_id == chat_id))  # type: ignore[call-overload]

    async def drop_user_data(self, user_id: int) -> None:
        def drop() -> None:
            with session_scope(self._engine) as s:
                s.exec(delete(UserData).where(UserData.user_id == user_id))  # type: ignore[call-overload]

        async with self._lock(user_id):
            await asyncio.to_thread(drop)
        self._stored[user_id] = {}  # known to be empty now: nothing to read on the next update

    async def refresh_chat_data(self, chat_id: int, chat_data: Data) -> None:
        return None

    async def refresh_bot_data(self, bot_data: Data) -> None:
        return None

    async def flush(self) -> None:
        return None
