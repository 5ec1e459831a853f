"""The person's answers to the meeting notice (kallelse; written by sipbot.notify)."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import ContextTypes

from sipbot import notify
from sipbot.chat import callbacks
from sipbot.chat.person.replies import REPLY_KEY
from sipbot.meetings.booking import person_answer
from sipbot.services import Services

log = logging.getLogger(__name__)
Context = ContextTypes.DEFAULT_TYPE


class NoticeAnswers:
    def __init__(self, services: Services) -> None:
        self.s = services

    async def on_button(self, update: Update, context: Context) -> None:
        query = update.callback_query
        assert query is not None and update.effective_user is not None
        await query.answer()
        fields = callbacks.parse(callbacks.NOTICE, query.data) or {}
        choice, meeting_id = fields.get("choice"), callbacks.number(fields.get("meeting"))
        t = self.s.texts_for(update)
        chat_id = update.effective_chat.id  # type: ignore[union-attr]
        if choice not in ("yes", "other") or meeting_id is None:
            return
        answer = "can_come" if choice == "yes" else "other_time"
        result = person_answer(
            self.s.engine,
            self.s.clock,
            update.effective_user.id,
            meeting_id,
            answer,
            then=lambda s, r, _m: notify.notice_answered(self.s, answer)(s, r),
        )
        if result is None:
            await context.bot.send_message(chat_id, t("person.notice.gone"))
            return
        request, _ = result
        log.info("notice.answer id=%s answer=%s", request.id, answer)
        if choice == "yes":
            await context.bot.send_message(chat_id, t("person.notice.thanks"))
        else:
            # Their reason goes to staff through the reply relay, like any reply.
            context.user_data[REPLY_KEY] = request.id  # type: ignore[index]
            await context.bot.send_message(chat_id, t("person.notice.other_time_ask"))
