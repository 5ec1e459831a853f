"""Unfinished requests: kept 30 days after they were last touched, with a warning at 27."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from telegram.error import TelegramError
from telegram.ext import Application, ContextTypes

from sipbot.chat.keyboards import kb
from sipbot.chat.persistence import DatabasePersistence
from sipbot.chat.person.flow import FLOW_KEY
from sipbot.db.engine import scrub
from sipbot.i18n import N_
from sipbot.requests import purge_ended
from sipbot.services import Services

log = logging.getLogger(__name__)
DRAFT_DAYS = 30
WARN_DAYS = 27
SWEEP_EVERY = timedelta(hours=1)


class DraftKeeper:
    def __init__(self, services: Services) -> None:
        self.s = services

    async def job(self, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self.sweep(context.application)

    async def sweep(self, app: Application) -> None:  # type: ignore[type-arg]
        """Warn about drafts near the end, delete those past it, purge ended requests.

        Drafts live in PTB's user_data, so they are changed there and persisted, not behind
        PTB's back in the database.
        """
        now = self.s.clock()
        changed: list[int] = []
        if isinstance(app.persistence, DatabasePersistence):  # read when asked, not at start
            await app.persistence.load_everyone(app.user_data)
        for user_id, data in list(app.user_data.items()):
            state = data.get(FLOW_KEY)
            if not state:
                continue
            if "touched" not in state:  # a draft from before drafts were dated
                state["touched"] = now.isoformat()
                changed.append(user_id)
                continue
            touched = datetime.fromisoformat(state["touched"])
            if now - touched >= timedelta(days=DRAFT_DAYS):
                del data[FLOW_KEY]
                changed.append(user_id)
                log.info("draft.expired")
                await self._tell(app, user_id, N_("draft.expired"))
            elif (
                now - touched >= timedelta(days=WARN_DAYS)
                and state.get("warned") != state["touched"]
            ):
                state["warned"] = state["touched"]
                changed.append(user_id)
                log.info("draft.warned")
                deleted_on = touched + timedelta(days=DRAFT_DAYS)
                await self._tell(app, user_id, N_("draft.warning"), deleted_on)
        if changed:
            app.mark_data_for_update_persistence(user_ids=changed)
            await app.update_persistence()
        purged = purge_ended(self.s.engine, self.s.clock, self.s.deployment.keep_ended_days)
        if purged:
            scrub(self.s.engine)
            log.info("requests.purged count=%s", purged)

    async def _tell(
        self,
        app: Application,  # type: ignore[type-arg]
        user_id: int,
        msgid: str,
        deleted_on: datetime | None = None,
    ) -> None:
        t = self.s.texts_for_user(user_id)
        markup = None
        if deleted_on is None:
            text = t(msgid, days=t.ngettext("count.days", DRAFT_DAYS, n=DRAFT_DAYS))
        else:
            text = t(msgid, date=t.date(deleted_on))
            markup = kb([(t("draft.continue"), "D:continue")], [(t("draft.restart"), "D:restart")])
        try:
            await app.bot.send_message(user_id, text, reply_markup=markup)
        except TelegramError as exc:  # blocked the bot, or gone: the draft rules still apply
            log.warning("draft.notice_failed kind=%s", type(exc).__name__)
