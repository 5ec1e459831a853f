"""The person a request is about opens the consent link on their own phone and answers."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from sipbot import callbacks
from sipbot.citizen.meeting_notice import send_notice
from sipbot.consent import PAYLOAD_PREFIX, VALID_FOR, answer_link, check_link, create_link
from sipbot.db.models import SipRequest
from sipbot.i18n import N_, Texts
from sipbot.keyboards import kb
from sipbot.services import Services
from sipbot.staff.notify import (
    CONSENT_AGREED,
    CONSENT_REFUSED,
    CONSENT_REFUSED_MEETING_OFF,
    tell_unit,
)

log = logging.getLogger(__name__)
Context = ContextTypes.DEFAULT_TYPE
PROBLEMS = {
    "unknown": N_("consent_link.unknown"),
    "used": N_("consent_link.used"),
    "expired": N_("consent_link.expired"),
    "own": N_("consent_link.own"),
}


class ConsentLinks:
    def __init__(self, services: Services) -> None:
        self.s = services

    async def offer(self, context: Context, chat_id: int, request: SipRequest, t: Texts) -> None:
        """After a relative's request: a link for the person to confirm on their own phone."""
        token = create_link(self.s.engine, self.s.clock, request.id)  # type: ignore[arg-type]
        link = f"https://t.me/{context.bot.username}?start={PAYLOAD_PREFIX}{token}"
        name = (request.answers or {}).get("person_name", "")
        await context.bot.send_message(
            chat_id,
            t(
                "consent_link.offer",
                name=name,
                link=link,
                days=t.ngettext("count.days", VALID_FOR.days, n=VALID_FOR.days),
            ),
        )

    async def open(self, update: Update, context: Context, token: str) -> None:
        t = self.s.texts_for(update)
        user_id = update.effective_user.id  # type: ignore[union-attr]
        checked = check_link(self.s.engine, self.s.clock, token, user_id)
        chat_id = update.effective_chat.id  # type: ignore[union-attr]
        if checked.problem is not None or checked.request is None:
            log.info("consent_link.refused problem=%s", checked.problem)
            problem = PROBLEMS[checked.problem or "unknown"]
            await context.bot.send_message(chat_id, t(problem))
            return
        request = checked.request
        await context.bot.send_message(
            chat_id,
            t(
                "consent_link.ask",
                reference=request.reference,
                unit=self.s.deployment.unit(request.unit).name,
            ),
            reply_markup=kb(
                [(t("consent_link.yes"), f"K:y:{token}")], [(t("consent_link.no"), f"K:n:{token}")]
            ),
        )

    async def on_answer(self, update: Update, context: Context) -> bool:
        """Record the answer; True if it was recorded (the caller then shows the way on)."""
        query = update.callback_query
        assert query is not None and update.effective_user is not None
        await query.answer()
        fields = callbacks.parse(callbacks.CONSENT, query.data) or {}
        choice, token = fields.get("choice"), fields.get("token", "")
        t = self.s.texts_for(update)
        agrees = choice == "y"
        result = answer_link(self.s.engine, self.s.clock, token, update.effective_user.id, agrees)
        chat_id = update.effective_chat.id  # type: ignore[union-attr]
        if result.problem is not None or result.request is None:
            problem = PROBLEMS[result.problem or "unknown"]
            await context.bot.send_message(chat_id, t(problem))
            return False
        request = result.request
        log.info("consent_link.answered id=%s agrees=%s", request.id, agrees)
        key = N_("consent_link.thanks_yes")
        if not agrees:
            key = N_("consent_link.thanks_no")
        await context.bot.send_message(
            chat_id, t(key, unit=self.s.deployment.unit(request.unit).name)
        )
        notice = CONSENT_AGREED if agrees else CONSENT_REFUSED
        if result.cancelled:  # staff had booked on a consent the person now refuses
            notice = CONSENT_REFUSED_MEETING_OFF
        await tell_unit(context.bot, self.s, request.unit, notice, reference=request.reference)
        for meeting in result.cancelled:  # the invitation went to the one who asked
            await send_notice(context.bot, self.s, request, meeting, "cancelled")
        await self._tell_requester(context, request, agrees)
        return True

    async def _tell_requester(self, context: Context, request: SipRequest, agrees: bool) -> None:
        if request.telegram_id is None:
            return
        t = self.s.texts_for_user(request.telegram_id)
        key = N_("consent_link.requester_yes")
        if not agrees:
            key = N_("consent_link.requester_no")
        name = (request.answers or {}).get("person_name", "")
        try:
            await context.bot.send_message(
                request.telegram_id, t(key, name=name, reference=request.reference)
            )
        except TelegramError as exc:
            log.warning("consent_link.requester_unreachable kind=%s", type(exc).__name__)
