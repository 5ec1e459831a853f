"""The person a request is about opens the consent link on their own phone and answers."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import ContextTypes

from sipbot import notify
from sipbot.chat import callbacks
from sipbot.chat.keyboards import kb
from sipbot.consent import PAYLOAD_PREFIX, VALID_FOR, answer_link, check_link, create_link
from sipbot.db.models import SipRequest
from sipbot.i18n import N_, Texts
from sipbot.services import Services

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
            # One question at a time: first whether they want a SIP at all (K:s), then
            # whether those taking part may share information (K:y), each with its own No.
            reply_markup=kb(
                [(t("consent_link.yes"), f"K:s:{token}")], [(t("consent_link.no"), f"K:n:{token}")]
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
        if choice == "s":
            await self._ask_share(update, context, token, t)
            return False
        agrees = choice == "y"
        tell = notify.consent_answered(self.s, agrees)  # queued with the answer
        result = answer_link(
            self.s.engine, self.s.clock, token, update.effective_user.id, agrees, then=tell
        )
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
        return True

    async def _ask_share(self, update: Update, context: Context, token: str, t: Texts) -> None:
        """The second question: may those taking part share information about them."""
        user_id = update.effective_user.id  # type: ignore[union-attr]
        checked = check_link(self.s.engine, self.s.clock, token, user_id)
        chat_id = update.effective_chat.id  # type: ignore[union-attr]
        if checked.problem is not None or checked.request is None:
            await context.bot.send_message(chat_id, t(PROBLEMS[checked.problem or "unknown"]))
            return
        await context.bot.send_message(
            chat_id,
            t("consent_link.ask_share"),
            reply_markup=kb(
                [(t("consent_link.share_yes"), f"K:y:{token}")],
                [(t("consent_link.share_no"), f"K:n:{token}")],
            ),
        )
