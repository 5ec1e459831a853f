"""The person answers a staff message: Reply, then one text or voice message, sent on."""

from __future__ import annotations

import logging
from datetime import timedelta

from telegram import Update
from telegram.ext import ContextTypes

from sipbot import notify
from sipbot.blank import is_blank
from sipbot.chat import callbacks
from sipbot.services import Services
from sipbot.staff import work

log = logging.getLogger(__name__)
Context = ContextTypes.DEFAULT_TYPE
REPLY_KEY = "reply_to"  # in the person's user_data: the request their next message answers
REPLY_LIMIT = 2000


class PersonReplies:
    def __init__(self, services: Services) -> None:
        self.s = services

    async def on_reply_button(self, update: Update, context: Context) -> None:
        query = update.callback_query
        assert query is not None and update.effective_chat is not None
        await query.answer()
        rid = callbacks.number((callbacks.parse(callbacks.REPLY, query.data) or {}).get("request"))
        if rid is None:
            return
        context.user_data[REPLY_KEY] = rid  # type: ignore[index]
        t = self.s.texts_for(update)
        await context.bot.send_message(update.effective_chat.id, t("person.reply_ask"))

    async def take(self, update: Update, context: Context) -> bool:
        """The person's message after pressing Reply; True if it was taken as the reply."""
        rid = (context.user_data or {}).get(REPLY_KEY)
        msg = update.effective_message
        if rid is None or msg is None or update.effective_user is None:
            return False
        t = self.s.texts_for(update)
        if msg.text is not None and msg.text.startswith("/"):
            context.user_data.pop(REPLY_KEY, None)  # type: ignore[union-attr]
            return False  # a command: they moved on
        if msg.voice is not None:
            seconds = msg.voice.duration
            if isinstance(seconds, timedelta):
                seconds = int(seconds.total_seconds())
            body: dict[str, object] = {"voice": msg.voice.file_id, "duration": seconds}
        elif msg.text and not is_blank(msg.text) and len(msg.text) <= REPLY_LIMIT:
            body = {"text": msg.text.strip()}
        else:
            await msg.reply_text(t("person.reply_text_only", limit=REPLY_LIMIT))
            return True
        context.user_data.pop(REPLY_KEY, None)  # type: ignore[union-attr]
        request = work.person_replied(
            self.s.engine,
            self.s.clock,
            update.effective_user.id,
            int(rid),
            body,
            then=notify.reply_forwarded(self.s, body),  # queued with the reply itself
        )
        if request is None:
            await msg.reply_text(t("person.reply_closed"))
            return True
        log.info("person.replied id=%s", request.id)
        await msg.reply_text(t("person.reply_sent"))
        return True
