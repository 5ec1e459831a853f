"""The staff side in Telegram: enrolment, the queue, and the routing of the card's buttons.

The card and its actions live beside this module (card_view, actions, typed, booking_ui);
each button family has its grammar in sipbot/chat/callbacks.py and one handler here, read
through context.matches. Data in the staff family that no grammar matches is refused and
recorded like any other refusal.
"""

from __future__ import annotations

import logging

from telegram import BotCommand, BotCommandScopeChat, Update
from telegram.error import TelegramError
from telegram.ext import CallbackQueryHandler

from sipbot.chat import callbacks
from sipbot.chat.keyboards import kb
from sipbot.chat.staff.base import Context, Fields
from sipbot.chat.staff.card_view import CardView
from sipbot.chat.staff.typed import TypedInput
from sipbot.db.models import StaffMember
from sipbot.i18n import N_, Texts
from sipbot.staff import card as cards
from sipbot.staff import members, queue, work

log = logging.getLogger(__name__)
STAFF = callbacks.STAFF_ANY

# The command menu a staff member sees in their private chat with the bot.
STAFF_COMMANDS = {
    "queue": N_("command.queue"),
    "staff": N_("command.staff"),
    "stats": N_("command.stats"),
}
TAB_LABELS = {
    "new": N_("staff.tab.new"),
    "mine": N_("staff.tab.mine"),
    "overdue": N_("staff.tab.overdue"),
    "open": N_("staff.tab.open"),
    "closed": N_("staff.tab.closed"),
}


class StaffBot(TypedInput, CardView):
    def callback_handlers(self) -> list[CallbackQueryHandler]:  # type: ignore[type-arg]
        """One handler per button, by its whole grammar; the catch-all for the family last."""
        routes = [
            (callbacks.STAFF_QUEUE, "q", self.on_queue, True),
            (callbacks.STAFF_OPEN, "o", self.on_open, True),
            (callbacks.STAFF_CLAIM, "c", self.on_claim, False),
            (callbacks.STAFF_RELEASE, "r", self.on_release, False),
            (callbacks.STAFF_ASSIGN, "A", self.on_assign, False),
            (callbacks.STAFF_TRANSFER, "T", self.on_transfer, False),
            (callbacks.STAFF_CONSENT, "k", self.on_consent, False),
            (callbacks.STAFF_STATUS, "s", self.on_status, False),
            (callbacks.STAFF_CLOSE_YES, "Z", self.on_close_yes, False),
            (callbacks.STAFF_BOOKING, "b", self.on_booking, False),
            (callbacks.STAFF_VOICE, "v", self.on_voice, False),
            (callbacks.STAFF_MESSAGE, "m", self.asks_text("message"), False),
            (callbacks.STAFF_NOTE, "n", self.asks_text("note"), False),
            (callbacks.STAFF_DECLINE, "d", self.asks_text("decline"), False),
            (callbacks.STAFF_PDF, "p", self.on_pdf, False),
            (callbacks.STAFF_JSON, "j", self.on_json, False),
        ]
        handlers = [
            CallbackQueryHandler(self.guarded(op, action, anywhere=anywhere), pattern=pattern)
            for pattern, op, action, anywhere in routes
        ]
        # Anything else in the staff family: old or forged, refused and recorded.
        handlers.append(CallbackQueryHandler(self.guarded(None, self._refuse), pattern=STAFF))
        return handlers

    async def _refuse(
        self, update: Update, context: Context, staff: StaffMember, f: Fields, t: Texts
    ) -> None:
        raise work.Refused("not_found")  # not reached: guarded refuses it first

    # -- enrolment -------------------------------------------------------------------------

    async def enrol(self, update: Update, context: Context, token: str) -> None:
        user = update.effective_user
        assert user is not None and update.effective_chat is not None
        t = self._t(update)
        result = members.accept_invite(
            self.s.engine, self.s.clock, token, user.id, (user.first_name or "")[:120]
        )
        if isinstance(result, str):
            log.info("staff.enrol_refused problem=%s", result)
            await context.bot.send_message(update.effective_chat.id, t("staff.invite.invalid"))
            return
        log.info("staff.enrolled unit=%s role=%s", result.unit, result.role)
        commands = ["queue", "staff", "stats"] if result.role == "admin" else ["queue"]
        await context.bot.set_my_commands(
            [BotCommand(c, t(STAFF_COMMANDS[c])) for c in commands],
            scope=BotCommandScopeChat(user.id),
        )
        unit = self.s.deployment.unit(result.unit)
        # Where new requests arrive: the unit's group if it has one, else this private chat.
        enrolled = N_("staff.enrolled")
        if unit.staff_group_chat_id is None:
            enrolled = N_("staff.enrolled_private")
        await context.bot.send_message(
            update.effective_chat.id,
            t(enrolled, unit=unit.name),
            reply_markup=kb([(t("staff.button.queue"), "S:q:new:0")]),
        )

    # -- the queue -------------------------------------------------------------------------

    async def queue_command(self, update: Update, context: Context) -> None:
        staff = self._staff(update)
        if staff is None:
            await self._not_available(update, context)
            return
        await self._queue(update, context, staff, "new", 0, edit=False)

    async def on_queue(
        self, update: Update, context: Context, staff: StaffMember, f: Fields, t: Texts
    ) -> None:
        await update.callback_query.answer()  # type: ignore[union-attr]
        await self._queue(update, context, staff, f["tab"], int(f["page"]), edit=True)

    async def _queue(
        self,
        update: Update,
        context: Context,
        staff: StaffMember,
        tab: str,
        number: int,
        *,
        edit: bool,
    ) -> None:
        t = self._t(update)
        now = self.s.clock()
        rows, total = queue.page(self.s.engine, staff, tab, now, number)
        counts = queue.counts(self.s.engine, staff, now)
        names = members.names(self.s.engine, staff.unit)
        lines = [t("staff.queue.title", tab=t(TAB_LABELS[tab], n=total))]
        lines += [cards.queue_line(r, now, t, names) for r in rows] or [t("staff.queue.empty")]
        buttons = [[(r.reference, cards.open_data(r.id))] for r in rows]
        pager = []
        if number > 0:
            pager.append((t("staff.button.prev"), f"S:q:{tab}:{number - 1}"))
        if (number + 1) * queue.PAGE_SIZE < total:
            pager.append((t("staff.button.next"), f"S:q:{tab}:{number + 1}"))
        if pager:
            buttons.append(pager)
        tabs = [(t(TAB_LABELS[x], n=counts[x]), f"S:q:{x}:0") for x in queue.TABS]
        buttons += [tabs[:3], tabs[3:]]
        text = "\n".join(lines)
        query = update.callback_query
        if edit and query is not None and query.message is not None:
            try:
                await query.edit_message_text(text, reply_markup=kb(*buttons))
                return
            except TelegramError:
                pass  # an old message: send a new one instead
        await context.bot.send_message(update.effective_chat.id, text, reply_markup=kb(*buttons))  # type: ignore[union-attr]
