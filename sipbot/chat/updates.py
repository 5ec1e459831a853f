"""Updates as they come from Telegram: read one by one, each applied once, each button answered.

Three things PTB leaves to the bot:

- ``get_updates`` parses a whole batch at once, so one update it cannot read (a new field it
  requires that an older Bot API server does not send) fails the batch, which is then fetched
  again forever, and logged with everyone's messages in it. Here each update is read on its
  own; one that cannot be read stands in the batch as a bare update with its id only, so the
  offset moves past it and no handler sees it.
- Telegram hands out again the updates a bot had fetched but not confirmed when it died. The
  stamps of the updates applied to a user's data are stored with it (see persistence), so a
  redelivered one is skipped. Ids alone do not tell: Telegram starts them over at a random
  number after a week without updates, so a stamp is the id with what the update carries.
- A callback query left unanswered keeps the button spinning; the bot remembers which it
  answered, so app.py can answer the rest.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from telegram import Update
from telegram._utils.defaultvalue import DEFAULT_NONE, DefaultValue
from telegram._utils.types import JSONDict, ODVInput, TimePeriod
from telegram.ext import ExtBot
from telegram.request import HTTPXRequest

log = logging.getLogger(__name__)

# The stamps of the updates last applied to a user's data, in user_data.
# (Once the last update id alone, an int: such a value is simply replaced.)
SEEN_KEY = "last_update"
# What a kill can make Telegram send again is at most the one batch the bot had fetched and
# not yet confirmed, and a batch is at most 100 updates (getUpdates' limit).
SEEN_KEEP = 100
_ANSWERED_KEEP = 1000  # answered callback query ids kept, far more than are ever in flight


class SipBot(ExtBot[None]):
    """The bot: reads each update on its own and remembers the callback queries it answered."""

    def __init__(self, token: str, api_url: str, **kw: Any) -> None:
        # The pools ApplicationBuilder would give: one long poll, many sends.
        super().__init__(
            token,
            base_url=f"{api_url}/bot",
            base_file_url=f"{api_url}/file/bot",
            request=HTTPXRequest(connection_pool_size=256),
            get_updates_request=HTTPXRequest(connection_pool_size=1),
            **kw,
        )
        self._answered: OrderedDict[str, None] = OrderedDict()

    async def get_updates(
        self,
        offset: int | None = None,
        limit: int | None = None,
        timeout: TimePeriod | None = None,
        allowed_updates: Sequence[str] | None = None,
        *,
        read_timeout: ODVInput[float] = DEFAULT_NONE,
        write_timeout: ODVInput[float] = DEFAULT_NONE,
        connect_timeout: ODVInput[float] = DEFAULT_NONE,
        pool_timeout: ODVInput[float] = DEFAULT_NONE,
        api_kwargs: JSONDict | None = None,
    ) -> tuple[Update, ...]:
        data: JSONDict = {
            "timeout": timeout,
            "offset": offset,
            "limit": limit,
            "allowed_updates": allowed_updates,
        }
        # As PTB does: the request's read timeout plus the long poll's own wait.
        if isinstance(read_timeout, DefaultValue):
            read = self._request[0].read_timeout or 0
        else:
            read = read_timeout or 0
        waited = timeout.total_seconds() if isinstance(timeout, timedelta) else timeout
        raw: list[JSONDict] = await self._post(
            "getUpdates",
            data,
            read_timeout=read + (waited or 0),
            write_timeout=write_timeout,
            connect_timeout=connect_timeout,
            pool_timeout=pool_timeout,
            api_kwargs=api_kwargs,
        )
        updates = tuple(u for u in (self._read(item) for item in raw) if u is not None)
        for update in updates:
            self.insert_callback_data(update)
        return updates

    def _read(self, raw: JSONDict) -> Update | None:
        try:
            return Update.de_json(raw, self)
        except Exception as exc:  # whatever PTB cannot read: this update only, not the batch
            update_id = raw.get("update_id") if isinstance(raw, dict) else None
            # The id and the kind of failure only: the update holds someone's words.
            log.warning("update.unreadable update_id=%s kind=%s", update_id, type(exc).__name__)
            if not isinstance(update_id, int):
                return None
            return Update(update_id)  # acknowledged with the batch, handled by nobody

    async def answer_callback_query(self, callback_query_id: str, *args: Any, **kw: Any) -> bool:
        # Remembered before the call: a failed answer would fail again.
        self._answered[callback_query_id] = None
        while len(self._answered) > _ANSWERED_KEEP:
            self._answered.popitem(last=False)
        return await super().answer_callback_query(callback_query_id, *args, **kw)

    def answered(self, callback_query_id: str) -> bool:
        return callback_query_id in self._answered


def stamp(update: Update) -> str:
    """What tells this update from another with the same id: the id and what it carries.

    A redelivered update is the same update, so its stamp is the same; one from a new run of
    ids has another message, date or query id. Ids and dates only: no words.
    """
    parts: list[object] = [update.update_id]
    query = update.callback_query
    if query is not None:
        parts.append(f"q{query.id}")
    message = query.message if query is not None else update.effective_message
    if message is not None:
        parts += [message.message_id, int(message.date.timestamp())]
    edited = update.edited_message or update.edited_channel_post
    if edited is not None and edited.edit_date is not None:
        parts.append(int(edited.edit_date.timestamp()))
    return ":".join(str(p) for p in parts)


def seen(user_data: dict[Any, Any] | None, update: Update) -> bool:
    """Was this very update already applied to this user's data?"""
    kept = (user_data or {}).get(SEEN_KEY)
    return isinstance(kept, list) and stamp(update) in kept


def remember(user_data: dict[Any, Any], update: Update) -> None:
    """Note the update as applied, in the data written with its effects."""
    raw = user_data.get(SEEN_KEY)
    kept = [s for s in raw if isinstance(s, str)] if isinstance(raw, list) else []
    this = stamp(update)
    if this in kept and kept == raw:
        # Noted already (a handler stored the update, then the flush after it): unchanged,
        # so the flush writes nothing a second time.
        return
    user_data[SEEN_KEY] = [*(s for s in kept if s != this), this][-SEEN_KEEP:]
