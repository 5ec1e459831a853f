"""What is a SIP? Short pages, one idea each, turned in place (seed 001 ch. 11)."""

from __future__ import annotations

import logging

from telegram import InlineKeyboardMarkup, Update
from telegram.error import BadRequest
from telegram.ext import ContextTypes

from sipbot.chat import callbacks
from sipbot.chat.keyboards import kb
from sipbot.i18n import N_
from sipbot.services import Services

log = logging.getLogger(__name__)
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

    def _page(self, update: Update, page: int) -> tuple[str, InlineKeyboardMarkup]:
        t = self.s.texts_for(update)
        counter = t("about.counter", n=page + 1, total=len(PAGES))
        moves = [(t("button.back"), f"A:{page - 1}")] if page > 0 else []
        if page + 1 < len(PAGES):
            moves.append((t("button.next"), f"A:{page + 1}"))
            return f"{t(PAGES[page])}\n\n{counter}", kb(moves, [(t("button.menu"), "M:menu")])
        # The last page leads on to asking for one.
        buttons = kb([(t("about.ask_now"), "M:ask")], moves, [(t("button.menu"), "M:menu")])
        return f"{t(PAGES[page])}\n\n{counter}", buttons

    async def show(self, update: Update, context: Context, page: int = 0) -> None:
        """The first page as a new message (from the menu)."""
        text, buttons = self._page(update, max(0, min(page, len(PAGES) - 1)))
        await context.bot.send_message(update.effective_chat.id, text, reply_markup=buttons)  # type: ignore[union-attr]

    async def on_page(self, update: Update, context: Context) -> None:
        """Next or Back: the same message shows the other page, so pages do not pile up.

        A button on an old page message turns that message; one Telegram no longer lets the
        bot edit (or a page number from an older version) gets the page as a new message.
        """
        query = update.callback_query
        assert query is not None
        await query.answer()
        fields = callbacks.parse(callbacks.ABOUT, query.data) or {}
        page = max(0, min(callbacks.number(fields.get("page")) or 0, len(PAGES) - 1))
        text, buttons = self._page(update, page)
        try:
            await query.edit_message_text(text, reply_markup=buttons)
        except BadRequest as e:
            if "not modified" in str(e).lower():
                return  # pressed twice: the page is already shown
            log.info("about.not_editable page=%s", page)
            await context.bot.send_message(update.effective_chat.id, text, reply_markup=buttons)  # type: ignore[union-attr]
