"""The end of a booking in the staff chat: whom to invite, who convenes, the booking itself
and what staff hear after it (booked; no reminder can come in time)."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlmodel import Session
from telegram.ext import ContextTypes

from sipbot.chat.keyboards import kb
from sipbot.chat.staff.pending import BOOKING_KEY
from sipbot.db.models import Meeting, SipRequest, StaffMember
from sipbot.deployment import ACTOR_LABELS
from sipbot.i18n import N_, Texts
from sipbot.meetings import booking
from sipbot.notify import queue_notice
from sipbot.reminders.schedule import reminder_times
from sipbot.services import Services
from sipbot.staff import plan_work, work
from sipbot.staff.card import open_row

log = logging.getLogger(__name__)
Context = ContextTypes.DEFAULT_TYPE


class BookingEnd:
    def __init__(self, services: Services) -> None:
        self.s = services

    def _notice(self, staff: StaffMember, change: str) -> booking.Then:
        """The notice (kallelse), queued with the booking it tells of."""

        def then(s: Session, request: SipRequest, meeting: Meeting) -> None:
            queue_notice(s, self.s, request, meeting, change, staff.telegram_id)

        return then

    def _data(self, context: Context, staff: StaffMember) -> dict[str, Any]:
        return context.application.user_data[staff.telegram_id]

    async def _ask_invitees(self, context: Context, staff: StaffMember, rid: int, t: Texts) -> None:
        """Whom to invite: those the person chose (ticked to begin with), then the region's
        other actors, whom staff may add (they get the kallelse by e-mail too)."""
        state = self._data(context, staff)[BOOKING_KEY]
        if "choices" not in state:
            card = work.view(self.s.engine, self.s.clock, staff, rid)
            actors = [
                a for a in (card.request.answers or {}).get("actors") or [] if a in ACTOR_LABELS
            ]
            others = [a for a in self.s.deployment.actors if a not in actors]
            state["choices"], state["invitees"] = actors + others, list(actors)
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
        if meeting.kind == "followup" and state.get("responsible"):
            # "Plan made": version 1 of the plan from the draft (sipbot.staff.plan_work).
            version = plan_work.first_version_at_followup(
                self.s.engine,
                self.s.clock,
                staff,
                rid,
                self.s.deployment.actors,
                responsible=state["responsible"],
                followup_at=meeting.starts_at,
                convener=state.get("convener"),
            )
            log.info("plan.version id=%s made=%s", request.id, version is not None)
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
            reply_markup=kb(open_row(t, rid)),
        )
