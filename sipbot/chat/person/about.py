"""What is a SIP? Short pages, one idea each, with a Next button (seed 001 ch. 11)."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from sipbot.chat import callbacks
from sipbot.chat.keyboards import kb
from sipbot.i18n import N_
from sipbot.services import Services

Context = ContextTypes.DEFAULT_TYPE
# What the national guide says people must be told, in the order a newcomer needs it.
PAGES = (
    N_("about.what"),
    N_("about.who"),
    N_("about.why"),
    N_("about.services"),
    N_("about.meeting"),
    N_("about.responsible"),
    N_("about.followup"),
    N_("about.voluntary"),
    N_("about.part"),
    N_("about.more"),
)


class AboutPages:
    def __init__(self, services: Services) -> None:
        self.s = services

    async def show(self, update: Update, context: Context, page: int = 0) -> None:
        t = self.s.texts_for(update)
        page = max(0, min(page, len(PAGES) - 1))
        counter = t("about.counter", n=page + 1, total=len(PAGES))
        text = f"{t(PAGES[page])}\n\n{counter}"
        if page + 1 < len(PAGES):
            buttons = kb([(t("button.next"), f"A:{page + 1}")], [(t("button.menu"), "M:menu")])
        else:
            buttons = kb([(t("menu.ask"), "M:ask")], [(t("button.menu"), "M:menu")])
        await context.bot.send_message(update.effective_chat.id, text, reply_markup=buttons)  # type: ignore[union-attr]

    async def on_page(self, update: Update, context: Context) -> None:
        query = update.callback_query
        assert query is not None
        await query.answer()
        fields = callbacks.parse(callbacks.ABOUT, query.data) or {}
        await self.show(update, context, callbacks.number(fields.get("page")) or 0)
