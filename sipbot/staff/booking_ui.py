"""Booking in the staff chat: time, length, place; moving and cancelling; the follow-up.

A booking is asked a piece at a time. What has been chosen so far waits in the staff
member's user_data under BOOKING_KEY; typed parts (a time, an address) come through
StaffBot.take_input as the input actions listed in INPUTS.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlmodel import Session
from telegram.ext import ContextTypes

from sipbot import callbacks
from sipbot.db.engine import session_scope
from sipbot.db.models import Meeting, SipRequest, StaffMember
from sipbot.deployment import ACTOR_LABELS
from sipbot.i18n import N_, Texts
from sipbot.keyboards import kb
from sipbot.meetings import booking
from sipbot.meetings.times import TimeProblem, check_meeting_time, parse_meeting_time, slots
from sipbot.reminders.schedule import reminder_times
from sipbot.services import Services
from sipbot.staff import work
from sipbot.staff.notify import queue_notice
from sipbot.status import refusal

log = logging.getLogger(__name__)
Context = ContextTypes.DEFAULT_TYPE
BOOKING_KEY = "booking"
INPUT_KEY = "staff_input"  # in the staff member's user_data: what their next text is for
INPUTS = ("book_time", "book_detail", "book_responsible", "move_time")
PLACE_LABELS = {
    "home": N_("staff.place.home"),
    "office": N_("staff.place.office"),
    "video": N_("staff.place.video"),
    "phone": N_("staff.place.phone"),
}
DETAIL_ASK = {
    "office": N_("staff.ask.place_office"),
    "video": N_("staff.ask.place_video"),
    "phone": N_("staff.ask.place_phone"),
}
TIME_PROBLEM = {
    "unreadable": N_("staff.time.unreadable"),
    "weekday_mismatch": N_("staff.time.weekday_mismatch"),
    "past": N_("staff.time.past"),
    "too_far": N_("staff.time.too_far"),
    "outside_hours": N_("staff.time.outside_hours"),
}


def input_for(services: Services, rid: int, t: Texts) -> tuple[str, str]:
    """The line that heads every question staff answer by typing, naming the request (and
    the person, when known) the text will go to; and the reference alone."""
    with session_scope(services.engine) as s:
        request = s.get(SipRequest, rid)
        reference = request.reference if request else ""
        name = str((request.answers or {}).get("person_name") or "") if request else ""
    if name:
        return t("staff.input.for_named", reference=reference, name=name), reference
    return t("staff.input.for", reference=reference), reference


def ask_typed(
    services: Services, user_data: dict[str, Any], rid: int, action: str, text: str, t: Texts
) -> str:
    """Wait for the staff member's text for `action` on request `rid`; returns the prompt."""
    header, reference = input_for(services, rid, t)
    user_data[INPUT_KEY] = {"action": action, "request": rid, "reference": reference}
    return f"{header}\n{text}"


class StaffBooking:
    def __init__(self, services: Services) -> None:
        self.s = services

    def _notice(self, staff: StaffMember, change: str) -> booking.Then:
        """The notice (kallelse), queued with the booking it tells of."""

        def then(s: Session, request: SipRequest, meeting: Meeting) -> None:
            queue_notice(s, self.s, request, meeting, change, staff.telegram_id)

        return then

    def _data(self, context: Context, staff: StaffMember) -> dict[str, Any]:
        return context.application.user_data[staff.telegram_id]

    async def start(
        self, context: Context, staff: StaffMember, rid: int, what: str, t: Texts
    ) -> None:
        """Begin: book the meeting or a follow-up, move one, or call the meeting off."""
        request = work.check_acting(self.s.engine, staff, rid)
        data = self._data(context, staff)
        if what == "meeting":
            status = booking.passed_on_the_way(request.status, "meeting") or request.status
            if (code := refusal(status, request.consent, "meeting_booked")) is not None:
                raise work.Refused(code)
            data[BOOKING_KEY] = {"request": rid, "kind": "meeting"}
            await self._ask_time(context, staff, rid, "book_time", t)
        elif what == "followup":
            if request.status not in ("meeting_booked", "followup_booked"):
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
            rows = [[(t(label), f"S:b:{rid}:place:{p}")] for p, label in PLACE_LABELS.items()]
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

    async def _ask_invitees(self, context: Context, staff: StaffMember, rid: int, t: Texts) -> None:
        """Whom to invite, from those the person chose (all of them to begin with)."""
        state = self._data(context, staff)[BOOKING_KEY]
        if "choices" not in state:
            card = work.view(self.s.engine, self.s.clock, staff, rid)
            actors = [
                a for a in (card.request.answers or {}).get("actors") or [] if a in ACTOR_LABELS
            ]
            state["choices"], state["invitees"] = actors, list(actors)
        if not state["choices"]:
            state["convener"] = "unit"
            await self._book(context, staff, rid, state.get("detail"), t)
            return
        rows = [
            [
                (
                    ("✅ " if a in state["invitees"] else "▫️ ") + t(ACTOR_LABELS[a]),
                    f"S:b:{rid}:inv:{i}",
                )
            ]
            for i, a in enumerate(state["choices"])
        ]
        rows.append([(t("button.done"), f"S:b:{rid}:invdone")])
        await context.bot.send_message(
            staff.telegram_id, t("staff.ask.invitees"), reply_markup=kb(*rows)
        )

    async def _book(
        self, context: Context, staff: StaffMember, rid: int, detail: str | None, t: Texts
    ) -> None:
        state = self._data(context, staff).pop(BOOKING_KEY)
        request, meeting = booking.book(
            self.s.engine,
            self.s.clock,
            staff,
            rid,
            kind=state["kind"],
            starts_at=datetime.fromisoformat(state["at"]),
            minutes=state.get("minutes", 60),
            place=state.get("place", "office"),
            detail=detail,
            tz=self.s.settings.tz,
            policy=self.s.deployment.reminders,
            responsible=state.get("responsible"),
            invitees=state.get("invitees"),
            convener=state.get("convener"),
            then=self._notice(staff, "new"),
        )
        log.info("meeting.booked id=%s kind=%s", request.id, meeting.kind)
        delivered = request.telegram_id is not None
        await self._done(context, staff, rid, request.reference, delivered, t)
        await self._short_notice(context, staff, meeting, request.reference, t)

    async def _short_notice(
        self, context: Context, staff: StaffMember, meeting: Meeting, reference: str, t: Texts
    ) -> None:
        """Booked so soon that no reminder can come: staff hear it and remind the person."""
        times = reminder_times(
            meeting.starts_at, self.s.clock(), self.s.settings.tz, self.s.deployment.reminders
        )
        if not any(kind != "prepare" for kind, _ in times):
            await context.bot.send_message(
                staff.telegram_id, t("staff.done.short_notice", reference=reference)
            )

    async def _done(
        self,
        context: Context,
        staff: StaffMember,
        rid: int,
        reference: str,
        delivered: bool,
        t: Texts,
    ) -> None:
        msgid = N_("staff.done.booked")
        if not delivered:
            msgid = N_("staff.refused.unreachable")
        await context.bot.send_message(
            staff.telegram_id,
            t(msgid, reference=reference),
            reply_markup=kb([(t("staff.button.card"), f"S:o:{rid}")]),
        )
