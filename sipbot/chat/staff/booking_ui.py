"""Booking in the staff chat: time, length, place; moving and cancelling; the follow-up.

A booking is asked a piece at a time. What has been chosen so far waits in the staff
member's user_data under BOOKING_KEY; typed parts (a time, an address) come through
StaffBot.take_input as the input actions listed in INPUTS.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from telegram.ext import ContextTypes

from sipbot.chat import callbacks
from sipbot.chat.keyboards import kb
from sipbot.chat.staff.booking_end import BookingEnd
from sipbot.chat.staff.pending import BOOKING_KEY, INPUT_KEY, ask_typed
from sipbot.db.models import StaffMember
from sipbot.deployment import ACTOR_LABELS
from sipbot.i18n import N_, Texts
from sipbot.labels import PLACE, TIME_PROBLEM
from sipbot.meetings import booking
from sipbot.meetings.times import TimeProblem, check_meeting_time, parse_meeting_time, slots
from sipbot.staff import work
from sipbot.status import bookings

log = logging.getLogger(__name__)
Context = ContextTypes.DEFAULT_TYPE
DETAIL_ASK = {
    "office": N_("staff.ask.place_office"),
    "video": N_("staff.ask.place_video"),
    "phone": N_("staff.ask.place_phone"),
}


class StaffBooking(BookingEnd):
    async def start(
        self, context: Context, staff: StaffMember, rid: int, what: str, t: Texts
    ) -> None:
        """Begin: book the meeting or a follow-up, move one, or call the meeting off."""
        request = work.check_acting(self.s.engine, staff, rid)
        data = self._data(context, staff)
        if what == "meeting":
            if (code := booking.bookable(request.status, request.consent, "meeting")) is not None:
                raise work.Refused(code)
            data[BOOKING_KEY] = {"request": rid, "kind": "meeting"}
            await self._ask_time(context, staff, rid, "book_time", t)
        elif what == "followup":
            if "followup" not in bookings(request.status):
                raise work.Refused("not_allowed")
            data[BOOKING_KEY] = {"request": rid, "kind": "followup"}
            await self._ask(context, staff, rid, "book_responsible", t("staff.ask.responsible"), t)
        elif what in ("move_meeting", "move_followup"):
            kind = what.removeprefix("move_")
            data[BOOKING_KEY] = {"request": rid, "kind": kind}
            await self._ask_time(context, staff, rid, "move_time", t)
        elif what == "cancel":  # irreversible for the person's calendar: ask first
            await context.bot.send_message(
                staff.telegram_id,
                t("staff.ask.cancel_meeting", reference=request.reference),
                reply_markup=kb(
                    [(t("staff.button.cancel_meeting_yes"), f"S:b:{rid}:cancel_yes")],
                    [(t("staff.button.cancel"), "S:x:0")],
                ),
            )
        elif what == "cancel_yes":
            request, _ = booking.cancel_meeting(
                self.s.engine, self.s.clock, staff, rid, then=self._notice(staff, "cancelled")
            )
            log.info("meeting.cancelled id=%s", request.id)
            delivered = request.telegram_id is not None
            await self._done(context, staff, request.id, request.reference, delivered, t)  # type: ignore[arg-type]
        else:
            raise work.Refused("not_allowed")

    async def _ask(
        self,
        context: Context,
        staff: StaffMember,
        rid: int,
        action: str,
        text: str,
        t: Texts,
        extra_rows: list[list[tuple[str, str]]] | None = None,
    ) -> None:
        prompt = ask_typed(self.s, self._data(context, staff), rid, action, text, t)
        rows = [*(extra_rows or []), [(t("staff.button.cancel"), "S:x:0")]]
        await context.bot.send_message(staff.telegram_id, prompt, reply_markup=kb(*rows))

    async def _ask_time(
        self, context: Context, staff: StaffMember, rid: int, action: str, t: Texts
    ) -> None:
        tz = self.s.settings.tz
        suggested = slots(self.s.clock(), tz, days=5)
        rows = [
            [
                (t.datetime(at), f"S:b:{rid}:slot:{int(at.timestamp())}")
                for at in suggested[i : i + 2]
            ]
            for i in range(0, len(suggested), 2)
        ]
        await self._ask(context, staff, rid, action, t("staff.ask.time"), t, rows)

    async def on_button(
        self, context: Context, staff: StaffMember, rid: int, what: str, value: str, t: Texts
    ) -> None:
        """The parts chosen by button: a suggested time, a length, a place."""
        data = self._data(context, staff)
        pending = data.get(BOOKING_KEY)
        if what in ("meeting", "followup", "move_meeting", "move_followup", "cancel", "cancel_yes"):
            await self.start(context, staff, rid, what, t)
            return
        if not pending or pending.get("request") != rid:
            raise work.Refused("not_allowed")  # an old booking's button
        if what == "slot" and (chosen := callbacks.slot(value)) is not None:
            pending_input = data.get(INPUT_KEY) or {}
            if pending_input.get("action") not in ("book_time", "move_time"):
                raise work.Refused("not_allowed")  # a slot of a question no longer asked
            try:  # the same rules as a typed time: a button may be old or forged
                at = check_meeting_time(chosen, self.s.clock(), self.s.settings.tz)
            except TimeProblem as problem:
                await self._time_problem(context, staff, problem, t)  # the question stays
                return
            data.pop(INPUT_KEY, None)
            await self.time_chosen(
                context, staff, rid, at, pending_input["action"] == "move_time", t
            )
        elif what == "len" and callbacks.number(value) in booking.LENGTHS:
            pending["minutes"] = callbacks.number(value)
            rows = [[(t(words.staff), f"S:b:{rid}:place:{p}")] for p, words in PLACE.items()]
            await context.bot.send_message(
                staff.telegram_id, t("staff.ask.place"), reply_markup=kb(*rows)
            )
        elif what == "place" and value in booking.PLACES:
            pending["place"] = value
            if value == "home":
                await self._ask_invitees(context, staff, rid, t)
            else:
                await self._ask(context, staff, rid, "book_detail", t(DETAIL_ASK[value]), t)
        elif (
            what == "inv"
            and (i := callbacks.number(value)) is not None
            and i < len(pending.get("choices", []))
        ):
            actor = pending["choices"][i]
            chosen: list[str] = pending["invitees"]
            chosen.remove(actor) if actor in chosen else chosen.append(actor)
            await self._ask_invitees(context, staff, rid, t)
        elif what == "invdone":
            rows = [
                [(t(ACTOR_LABELS[a]), f"S:b:{rid}:conv:{a}")] for a in pending.get("invitees", [])
            ]
            rows.append([(t("staff.convener.unit"), f"S:b:{rid}:conv:unit")])
            await context.bot.send_message(
                staff.telegram_id, t("staff.ask.convener"), reply_markup=kb(*rows)
            )
        elif what == "conv" and (value == "unit" or value in pending.get("invitees", [])):
            pending["convener"] = value
            await self._book(context, staff, rid, pending.get("detail"), t)
        else:
            raise work.Refused("not_allowed")

    async def take(
        self,
        context: Context,
        staff: StaffMember,
        pending_input: dict[str, Any],
        text: str,
        t: Texts,
    ) -> None:
        """A typed part of the booking."""
        rid, action = int(pending_input["request"]), pending_input["action"]
        booking_state = self._data(context, staff).get(BOOKING_KEY) or {}
        if booking_state.get("request") != rid:
            raise work.Refused("not_allowed")
        if action in ("book_time", "move_time"):
            try:
                at = parse_meeting_time(text, self.s.clock(), self.s.settings.tz)
            except TimeProblem as problem:
                self._data(context, staff)[INPUT_KEY] = pending_input  # ask again
                await self._time_problem(context, staff, problem, t)
                return
            await self.time_chosen(context, staff, rid, at, action == "move_time", t)
        elif action == "book_responsible":
            booking_state["responsible"] = text
            await self._ask_time(context, staff, rid, "book_time", t)
        elif action == "book_detail":
            booking_state["detail"] = text
            await self._ask_invitees(context, staff, rid, t)

    async def _time_problem(
        self, context: Context, staff: StaffMember, problem: TimeProblem, t: Texts
    ) -> None:
        msgid = TIME_PROBLEM.get(str(problem.code), TIME_PROBLEM["unreadable"])
        await context.bot.send_message(staff.telegram_id, t(msgid))

    async def time_chosen(
        self,
        context: Context,
        staff: StaffMember,
        rid: int,
        at: datetime,
        moving: bool,
        t: Texts,
    ) -> None:
        state = self._data(context, staff)[BOOKING_KEY]
        if moving:
            request, meeting = booking.move_time(
                self.s.engine,
                self.s.clock,
                staff,
                rid,
                state["kind"],
                at,
                self.s.settings.tz,
                self.s.deployment.reminders,
                then=self._notice(staff, "moved"),
            )
            self._data(context, staff).pop(BOOKING_KEY, None)
            delivered = request.telegram_id is not None
            await self._done(context, staff, rid, request.reference, delivered, t)
            await self._short_notice(context, staff, meeting, request.reference, t)
            return
        state["at"] = at.isoformat()
        rows = [[(t("staff.length", minutes=m), f"S:b:{rid}:len:{m}") for m in booking.LENGTHS]]
        await context.bot.send_message(
            staff.telegram_id, t("staff.ask.length"), reply_markup=kb(*rows)
        )
