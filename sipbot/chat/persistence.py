"""PTB persistence in sipbot's own database, flushed after every update (see app.py)."""

from __future__ import annotations

import json
from copy import deepcopy
from typing import Any

from sqlalchemy import Engine, delete
from sqlmodel import select
from telegram import Update
from telegram.ext import BasePersistence, CallbackContext, PersistenceInput
from telegram.ext._utils.types import ConversationDict, ConversationKey

from sipbot.chat.updates import remember
from sipbot.clock import Clock, utcnow
from sipbot.db.engine import session_scope
from sipbot.db.models import BotData, ChatData, ConversationState, UserData

Data = dict[Any, Any]


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
        # What each user's data is on disk, to put memory back to when a write fails.
        self._stored: dict[int, Data] = {}

    async def get_user_data(self) -> dict[int, Data]:
        with session_scope(self._engine) as s:
            data = {row.user_id: row.data for row in s.exec(select(UserData))}
        self._stored = deepcopy(data)
        return data

    def restore_user_data(self, user_id: int, data: Data) -> None:
        """Put a user's data in memory back to what is stored, after a change was not."""
        data.clear()
        data.update(deepcopy(self._stored.get(user_id, {})))

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
        with session_scope(self._engine) as s:
            row = s.get(UserData, user_id)
            if row is None:
                row = UserData(user_id=user_id, data={}, updated_at=self._clock())
            row.data = copy
            row.updated_at = self._clock()
            s.add(row)
        self._stored[user_id] = deepcopy(copy)

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
        with session_scope(self._engine) as s:
            s.exec(delete(UserData).where(UserData.user_id == user_id))  # type: ignore[call-overload]
        self._stored.pop(user_id, None)

    async def refresh_user_data(self, user_id: int, user_data: Data) -> None:
        return None

    async def refresh_chat_data(self, chat_id: int, chat_data: Data) -> None:
        return None

    async def refresh_bot_data(self, bot_data: Data) -> None:
        return None

    async def flush(self) -> None:
        return None
