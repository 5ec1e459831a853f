"""My data and privacy: what is stored, who sees it, how long; Delete everything."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import ContextTypes

from sipbot import notify
from sipbot.chat.keyboards import kb
from sipbot.chat.persistence import persist_now
from sipbot.chat.person import confirm
from sipbot.chat.person.drafts import DRAFT_DAYS
from sipbot.db.engine import scrub
from sipbot.people import forget
from sipbot.requests import delete_person_requests
from sipbot.services import Services

log = logging.getLogger(__name__)
Context = ContextTypes.DEFAULT_TYPE


class Privacy:
    def __init__(self, services: Services) -> None:
        self.s = services

    async def _send(self, update: Update, context: Context, text: str, **kw: object) -> None:
        await context.bot.send_message(update.effective_chat.id, text, **kw)  # type: ignore[union-attr,arg-type]

    async def show(self, update: Update, context: Context) -> None:
        t = self.s.texts_for(update)
        keep = self.s.deployment.keep_ended_days
        await self._send(
            update,
            context,
            t(
                "privacy.text",
                draft_days=t.ngettext("count.days", DRAFT_DAYS, n=DRAFT_DAYS),
                keep_days=t.ngettext("count.days", keep, n=keep),
            ),
            reply_markup=kb([(t("privacy.delete"), "P:delete")], [(t("button.menu"), "M:menu")]),
        )

    async def on_button(self, update: Update, context: Context) -> None:
        query = update.callback_query
        assert query is not None and update.effective_user is not None
        t = self.s.texts_for(update)
        action, _, nonce = (query.data or "").removeprefix("P:").partition(":")
        user_data = context.user_data
        assert user_data is not None
        if action in ("yes", "no") and not confirm.take(user_data, "delete", nonce):
            # Already answered (or forged): an old confirmation does nothing.
            await query.answer(t("input.old_button"))
            return
        await query.answer()
        if action == "delete":
            nonce = confirm.ask(user_data, "delete")
            await self._send(
                update,
                context,
                t("privacy.delete_ask"),
                reply_markup=kb(
                    [(t("privacy.delete_yes"), f"P:yes:{nonce}")],
                    [(t("privacy.delete_no"), f"P:no:{nonce}")],
                ),
            )
        elif action == "yes":
            await self._delete_everything(update, context)
        else:  # "no", or back to the page
            await self.show(update, context)

    async def _delete_everything(self, update: Update, context: Context) -> None:
        user_id = update.effective_user.id  # type: ignore[union-attr]
        t = self.s.texts_for(update)  # before the settings go
        was_open = delete_person_requests(
            self.s.engine, self.s.clock, user_id, then=notify.deleted(self.s)
        )
        forget(self.s.engine, user_id)
        self.s.preferences_changed(user_id)
        # The draft and any other per-user state; only the id of the last update stays, so a
        # redelivered update is not applied again.
        context.user_data.clear()  # type: ignore[union-attr]
        await persist_now(update, context)
        scrub(self.s.engine)
        log.info("person.deleted requests_open=%s", len(was_open))
        await self._send(update, context, t("privacy.deleted"))
