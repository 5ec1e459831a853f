"""The person's answers to a meeting notice: can come, or another time (told to staff)."""

from __future__ import annotations

import logging

from sqlmodel import Session
from telegram import Update
from telegram.ext import ContextTypes

from sipbot import outbox
from sipbot.chat import callbacks
from sipbot.chat.person.replies import REPLY_KEY
from sipbot.db.models import SipRequest
from sipbot.i18n import N_
from sipbot.meetings.booking import person_answer
from sipbot.services import Services
from sipbot.staff.card import open_row
from sipbot.staff.notify import STAFF_LANGUAGE, queue_announce

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
            then=lambda s, r, _m: self._tell_staff(s, r, answer),
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

    def _tell_staff(self, s: Session, request: SipRequest, answer: str) -> None:
        """To whoever has the request; to the unit when no one does (queued with the answer)."""
        msgid = N_("staff.notice.can_come")
        if answer == "other_time":
            msgid = N_("staff.notice.other_time")
        if request.assigned_to is None:
            queue_announce(s, self.s, request, msgid, reference=request.reference)
            return
        st = self.s.catalogs.texts(STAFF_LANGUAGE, easy=False)
        card = [open_row(st, request.id)]
        text = st(msgid, reference=request.reference)
        outbox.put(
            s,
            self.s.clock(),
            request.assigned_to,
            [outbox.text(text, card)],
            kind=f"notice.{answer}",
            request_id=request.id,
        )
