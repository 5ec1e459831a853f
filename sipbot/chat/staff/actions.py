"""The staff card's actions, one handler per button (routed by its grammar, chat/callbacks.py):
claim, release, assign, transfer, consent, status, close, and the ones that ask for text.

Each checks again in the core (sipbot.staff.work) and is refused there, not here; the lists
offered (moves, consent ways, units) are the core's.
"""

from __future__ import annotations

from telegram import Update

from sipbot import notify
from sipbot.chat.keyboards import kb
from sipbot.chat.staff.base import Action, Context, Fields, StaffBase
from sipbot.chat.staff.pending import CLOSE_KEY
from sipbot.db.models import StaffMember
from sipbot.i18n import Texts
from sipbot.labels import CONSENT_HOW, STATUS
from sipbot.staff import members, work
from sipbot.status import BY_BOOKING, offered_moves, refusal


class CardActions(StaffBase):
    async def on_claim(
        self, update: Update, context: Context, staff: StaffMember, f: Fields, t: Texts
    ) -> None:
        rid = int(f["request"])
        request = work.claim(self.s.engine, self.s.clock, staff, rid, then=notify.claimed(self.s))
        await update.callback_query.answer()  # type: ignore[union-attr]
        await self._done(context, staff, request, "claim", t)

    async def on_release(
        self, update: Update, context: Context, staff: StaffMember, f: Fields, t: Texts
    ) -> None:
        request = work.release(self.s.engine, self.s.clock, staff, int(f["request"]))
        await update.callback_query.answer()  # type: ignore[union-attr]
        await self._done(context, staff, request, "release", t)

    async def on_assign(
        self, update: Update, context: Context, staff: StaffMember, f: Fields, t: Texts
    ) -> None:
        engine, clock, rid = self.s.engine, self.s.clock, int(f["request"])
        query = update.callback_query
        assert query is not None
        if f["colleague"] is None:
            work.view(engine, clock, staff, rid)  # checks the unit before listing colleagues
            await query.answer()
            rows = [
                [(m.name or str(m.telegram_id), f"S:A:{rid}:{m.telegram_id}")]
                for m in members.members(engine, staff.unit)
            ]
            ask = t("staff.ask.assign")
            await context.bot.send_message(staff.telegram_id, ask, reply_markup=kb(*rows))
            return
        colleague = int(f["colleague"])
        tell = notify.assigned(self.s, staff)
        request = work.assign(engine, clock, staff, rid, colleague, then=tell)
        await query.answer()
        await self._done(context, staff, request, "assign", t)

    async def on_transfer(
        self, update: Update, context: Context, staff: StaffMember, f: Fields, t: Texts
    ) -> None:
        rid, unit = int(f["request"]), f["unit"]
        work.check_acting(self.s.engine, staff, rid)
        units = self.s.deployment.units
        if unit is None:
            await update.callback_query.answer()  # type: ignore[union-attr]
            rows = [[(u.name, f"S:T:{rid}:{u.id}")] for u in units if u.id != staff.unit]
            ask = t("staff.ask.transfer")
            await context.bot.send_message(staff.telegram_id, ask, reply_markup=kb(*rows))
            return
        if unit not in {u.id for u in units} or unit == staff.unit:
            raise work.Refused("no_unit")
        await update.callback_query.answer()  # type: ignore[union-attr]
        await self._ask_input(context, staff, "transfer", rid, t, unit=unit)

    async def on_consent(
        self, update: Update, context: Context, staff: StaffMember, f: Fields, t: Texts
    ) -> None:
        engine, rid, how = self.s.engine, int(f["request"]), f["how"]
        query = update.callback_query
        assert query is not None
        if how is None:
            request = work.check_acting(engine, staff, rid)
            await query.answer()
            rows = [[(t(CONSENT_HOW[h].staff), f"S:k:{rid}:{h}")] for h in work.CONSENT_HOW]
            ask = t("staff.ask.consent")
            if request.consent == "person_refused":  # the person's own answer comes first
                ask = t("staff.consent.person_said_no", reference=request.reference) + "\n\n" + ask
            await context.bot.send_message(staff.telegram_id, ask, reply_markup=kb(*rows))
        elif how in work.CONSENT_HOW and (
            work.check_acting(engine, staff, rid).consent == "person_refused"
        ):
            await query.answer()
            await self._ask_input(context, staff, "override", rid, t, how=how)
        else:
            today = self.s.clock().astimezone(self.s.settings.tz).date()
            request = work.confirm_consent(engine, self.s.clock, staff, rid, how, today)
            await query.answer()
            await self._done(context, staff, request, "consent", t)

    def asks_text(self, action: str) -> Action:
        """Message, note, decline: each asks for its text first."""

        async def ask(
            update: Update, context: Context, staff: StaffMember, f: Fields, t: Texts
        ) -> None:
            rid = int(f["request"])
            if action == "note":
                work.view(self.s.engine, self.s.clock, staff, rid)  # any staff of the unit
            else:
                work.check_acting(self.s.engine, staff, rid)
            await update.callback_query.answer()  # type: ignore[union-attr]
            await self._ask_input(context, staff, action, rid, t)

        return ask

    async def on_status(
        self, update: Update, context: Context, staff: StaffMember, f: Fields, t: Texts
    ) -> None:
        engine, clock, rid, to = self.s.engine, self.s.clock, int(f["request"]), f["status"]
        query = update.callback_query
        assert query is not None
        if to is None:
            work.check_acting(engine, staff, rid)
            card = work.view(engine, clock, staff, rid)
            await query.answer()
            moves = offered_moves(card.request.status)
            rows = [[(t(STATUS[m].staff), f"S:s:{rid}:{m}")] for m in moves]
            ask = t("staff.ask.status")
            await context.bot.send_message(staff.telegram_id, ask, reply_markup=kb(*rows))
        elif to == "closed":
            request = work.check_acting(engine, staff, rid)
            if (code := refusal(request.status, request.consent, "closed")) is not None:
                raise work.Refused(code)
            await query.answer()
            await self._ask_input(context, staff, "close", rid, t)
        elif to in BY_BOOKING:
            what = "meeting" if to == "meeting_booked" else "followup"
            await self.booking.start(context, staff, rid, what, t)  # may refuse
            await query.answer()
        else:
            request = work.move(engine, clock, staff, rid, to, then=notify.moved(self.s))
            await query.answer()
            await self._done(context, staff, request, "status", t)

    async def on_close_yes(
        self, update: Update, context: Context, staff: StaffMember, f: Fields, t: Texts
    ) -> None:
        rid = int(f["request"])
        pending = context.application.user_data[staff.telegram_id].pop(CLOSE_KEY, None)
        if not pending or pending.get("request") != rid:
            raise work.Refused("not_allowed")  # an old or another card's confirmation
        tell = notify.closed(self.s)
        closed = work.close(self.s.engine, self.s.clock, staff, rid, pending["reason"], then=tell)
        await update.callback_query.answer()  # type: ignore[union-attr]
        await self._done(context, staff, closed.request, "status", t)

    async def on_booking(
        self, update: Update, context: Context, staff: StaffMember, f: Fields, t: Texts
    ) -> None:
        rid, what, value = int(f["request"]), f["what"], f["value"] or ""
        await self.booking.on_button(context, staff, rid, what, value, t)  # may refuse
        await update.callback_query.answer()  # type: ignore[union-attr]
