"""Text a staff action waits for (a note, a reason, a message to the person) and what is
done with it; /cancel, the Cancel button and another command end the waiting."""

from __future__ import annotations

from typing import Any

from telegram import Update

from sipbot import notify
from sipbot.blank import is_blank
from sipbot.chat.keyboards import kb
from sipbot.chat.staff.actions import CardActions
from sipbot.chat.staff.base import TEXT_LIMIT, Context, refused_text
from sipbot.chat.staff.pending import BOOKING_KEY, CLOSE_KEY, INPUT_KEY, INPUTS
from sipbot.db.models import StaffMember
from sipbot.i18n import N_, Texts
from sipbot.staff import work
from sipbot.staff.audit import refused_attempt


class TypedInput(CardActions):
    async def cancel_input(self, update: Update, context: Context) -> None:
        query = update.callback_query
        assert query is not None
        context.user_data.pop(INPUT_KEY, None)  # type: ignore[union-attr]
        context.user_data.pop(BOOKING_KEY, None)  # type: ignore[union-attr]
        context.user_data.pop(CLOSE_KEY, None)  # type: ignore[union-attr]
        t = self._t(update)
        await query.answer(t("staff.input_cancelled"))

    async def take_input(self, update: Update, context: Context) -> bool:
        """A staff member's message while an action waits for text; True if it was taken."""
        pending = (context.user_data or {}).get(INPUT_KEY)
        msg = update.effective_message
        if pending is None or msg is None:
            return False
        staff = self._staff(update)
        if staff is None:
            context.user_data.pop(INPUT_KEY, None)  # type: ignore[union-attr]
            return False
        t = self._t(update)
        text = (msg.text or "").strip()
        if text.startswith("/"):
            # Any command ends the waiting, with a word; /cancel and /queue then do their part.
            command = text.split()[0].split("@")[0].lower()
            if command in ("/cancel", "/avbryt"):
                context.user_data.pop(INPUT_KEY, None)  # type: ignore[union-attr]
                context.user_data.pop(BOOKING_KEY, None)  # type: ignore[union-attr]
                await msg.reply_text(t("staff.input_cancelled"))
                return True
            await self._end_input(context, staff, t)
            return False
        if is_blank(text) or len(text) > TEXT_LIMIT:
            await msg.reply_text(t("staff.input_text_only", limit=TEXT_LIMIT))
            return True
        context.user_data.pop(INPUT_KEY, None)  # type: ignore[union-attr]
        try:
            await self._apply_input(update, context, staff, pending, text, t)
        except work.Refused as refused:
            rid = int(pending["request"])
            refused_attempt(
                self.s.engine,
                self.s.clock(),
                staff.telegram_id,
                pending["action"],
                refused.code,
                rid,
            )
            await msg.reply_text(refused_text(t, refused.code))
        return True

    async def _apply_input(
        self,
        update: Update,
        context: Context,
        staff: StaffMember,
        pending: dict[str, Any],
        text: str,
        t: Texts,
    ) -> None:
        engine, clock = self.s.engine, self.s.clock
        rid, action = int(pending["request"]), pending["action"]
        if action == "note":
            work.add_note(engine, clock, staff, rid, text)
            request = work.view(engine, clock, staff, rid).request
            await self._done(context, staff, request, "note", t)
        elif action == "message":
            tell = notify.staff_message(self.s, text)
            request = work.message_person(engine, clock, staff, rid, text, then=tell)
            await self._done(context, staff, request, "message", t)
        elif action == "transfer":
            unit_ids = [u.id for u in self.s.deployment.units]
            tell = notify.transferred(self.s, staff)
            request, _ = work.transfer(
                engine, clock, staff, rid, pending["unit"], unit_ids, text, then=tell
            )
            await self._done(context, staff, request, "transfer", t)
        elif action == "decline":
            await self._ask_input(context, staff, "suggestion", rid, t, reason=text)
        elif action == "suggestion":
            tell = notify.person_status(
                self.s, N_("person.status.declined"), reason=pending["reason"], suggestion=text
            )
            request = work.decline(engine, clock, staff, rid, pending["reason"], text, then=tell)
            await self._done(context, staff, request, "decline", t)
        elif action == "override":
            today = clock().astimezone(self.s.settings.tz).date()
            tell = notify.person_status(self.s, N_("person.status.consent_override"))
            request = work.confirm_consent(
                engine, clock, staff, rid, pending["how"], today, override_reason=text, then=tell
            )
            await self._done(context, staff, request, "consent", t)
        elif action == "close":
            request = work.check_acting(engine, staff, rid)
            context.user_data[CLOSE_KEY] = {"request": rid, "reason": text}  # type: ignore[index]
            await context.bot.send_message(
                staff.telegram_id,
                t("staff.ask.close_confirm", reference=request.reference),
                reply_markup=kb(
                    [(t("staff.button.close_yes"), f"S:Z:{rid}")],
                    [(t("staff.button.cancel"), "S:x:0")],
                ),
            )
        elif action in INPUTS:
            await self.booking.take(context, staff, pending, text, t)
