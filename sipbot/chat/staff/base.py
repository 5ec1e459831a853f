"""What every staff handler shares: who pressed, in which words, the refusal, the reply.

Every callback is checked again on the server: is the presser active staff, of the request's
unit, and may they do this now (sipbot.staff.work)? A button copied from another chat or
forged data gets the same short "not available" and reveals nothing; each refusal is
recorded as an attempt (sipbot.staff.audit).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.ext import ContextTypes

from sipbot.chat import callbacks
from sipbot.chat.keyboards import kb
from sipbot.chat.staff.booking_ui import StaffBooking
from sipbot.chat.staff.pending import BOOKING_KEY, INPUT_KEY, ask_typed
from sipbot.db.models import SipRequest, StaffMember
from sipbot.i18n import N_, Texts
from sipbot.labels import STAFF_DONE, STAFF_REFUSED
from sipbot.services import Services
from sipbot.staff import members, work
from sipbot.staff.audit import refused_attempt
from sipbot.staff.card import open_row

log = logging.getLogger(__name__)
Context = ContextTypes.DEFAULT_TYPE
Fields = dict[str, Any]  # the named parts of the button's data (None: left out)
Action = Callable[[Update, Context, StaffMember, Fields, Texts], Awaitable[None]]
Callback = Callable[[Update, Context], Awaitable[None]]

ASK = {
    "note": N_("staff.ask.note"),
    "message": N_("staff.ask.message"),
    "transfer": N_("staff.ask.transfer_reason"),
    "decline": N_("staff.ask.decline_reason"),
    "suggestion": N_("staff.ask.decline_suggestion"),
    "close": N_("staff.ask.close_reason"),
    "override": N_("staff.ask.consent_override_reason"),
}
TEXT_LIMIT = 2000


def refused_text(t: Texts, code: str) -> str:
    return t(STAFF_REFUSED.get(code, STAFF_REFUSED["not_allowed"]))


class StaffBase:
    def __init__(self, services: Services) -> None:
        self.s = services
        self.booking = StaffBooking(services)

    # -- who and in which words ------------------------------------------------------------

    def _staff(self, update: Update) -> StaffMember | None:
        user = update.effective_user
        return members.member(self.s.engine, user.id) if user else None

    def _t(self, update: Update) -> Texts:
        """Staff read the plain register, in the language they chose (Swedish by default)."""
        return self.s.catalogs.texts(self.s.texts_for(update).lang, easy=False)

    @staticmethod
    def _private(update: Update) -> bool:
        return update.effective_chat is not None and update.effective_chat.type == "private"

    # -- the gate every button passes ------------------------------------------------------

    def guarded(self, op: str | None, action: Action, *, anywhere: bool = False) -> Callback:
        """`action` for active staff, in their private chat unless `anywhere` (the queue and
        Open work from a unit's group too); a refusal is answered and recorded.

        `op` names the action in the record of refused attempts; None: read from the data
        (the catch-all for data no action's grammar matches)."""

        async def handle(update: Update, context: Context) -> None:
            query = update.callback_query
            assert query is not None and update.effective_user is not None
            staff = self._staff(update)
            t = self._t(update)
            if op is None:
                parts = (query.data or "").split(":")
                name = parts[1][:8] if len(parts) > 1 else ""  # forged: anything, kept short
                fields: Fields = {"request": parts[2] if len(parts) > 2 else None}
            else:
                name, fields = op, context.matches[0].groupdict() if context.matches else {}
            rid = callbacks.number(fields.get("request"))
            if staff is None:
                refused_attempt(
                    self.s.engine, self.s.clock(), update.effective_user.id, name, "not_staff", rid
                )
                await query.answer(t("staff.not_available"))
                return
            try:
                if op is None or not (anywhere or self._private(update)) or (
                    "request" in fields and rid is None
                ):
                    raise work.Refused("not_found")
                await action(update, context, staff, fields, t)
            except work.Refused as refused:
                log.info("staff.refused op=%s code=%s", name, refused.code)
                refused_attempt(
                    self.s.engine, self.s.clock(), staff.telegram_id, name, refused.code, rid
                )
                await query.answer(refused_text(t, refused.code), show_alert=True)

        return handle

    # -- typed input for an action ---------------------------------------------------------

    async def _ask_input(
        self, context: Context, staff: StaffMember, action: str, rid: int, t: Texts, **extra: str
    ) -> None:
        user_data = context.application.user_data[staff.telegram_id]
        prompt = ask_typed(self.s, user_data, rid, action, t(ASK[action], limit=TEXT_LIMIT), t)
        user_data[INPUT_KEY].update(extra)
        await context.bot.send_message(
            staff.telegram_id, prompt, reply_markup=kb([(t("staff.button.cancel"), "S:x:0")])
        )

    async def _end_input(
        self, context: Context, staff: StaffMember, t: Texts, keep: int | None = None
    ) -> bool:
        """Stop waiting for typed text (another card opened, a command), saying so; True if
        something was waiting. `keep`: a request whose pending input may stay."""
        user_data = context.application.user_data[staff.telegram_id]
        pending = user_data.get(INPUT_KEY)
        booking = user_data.get(BOOKING_KEY)
        waiting_on = (pending or {}).get("request", (booking or {}).get("request"))
        if waiting_on is None or waiting_on == keep:
            return False
        user_data.pop(INPUT_KEY, None)
        user_data.pop(BOOKING_KEY, None)
        reference = (pending or {}).get("reference", "")
        await context.bot.send_message(
            staff.telegram_id, t("staff.input.ended", reference=reference)
        )
        return True

    # -- after an action -------------------------------------------------------------------

    async def _done(
        self, context: Context, staff: StaffMember, request: SipRequest, what: str, t: Texts
    ) -> None:
        key = STAFF_DONE.get(what, N_("staff.refused.unreachable"))
        await context.bot.send_message(
            staff.telegram_id,
            t(key, reference=request.reference),
            reply_markup=kb(
                open_row(t, request.id),  # type: ignore[arg-type]
                [(t("staff.button.queue"), "S:q:mine:0")],
            ),
        )

    async def _not_available(self, update: Update, context: Context) -> None:
        await context.bot.send_message(
            update.effective_chat.id,
            self._t(update)("staff.not_available"),  # type: ignore[union-attr]
        )
