"""The reminder sweep: claim what is due, send it through PTB, record what happened.

Runs every few seconds on PTB's JobQueue (APScheduler). Tests call `sweep` directly with
an injected clock.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from telegram import Bot
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import ContextTypes

from sipbot import notify, outbox
from sipbot.chat.keyboards import kb
from sipbot.chat.outbox_sender import markup as part_markup
from sipbot.db.engine import session_scope
from sipbot.db.models import Meeting, Reminder, SipRequest
from sipbot.i18n import N_, Texts
from sipbot.meetings.booking import where
from sipbot.people import ABOUT_LEAD, subject_name
from sipbot.reminders import store
from sipbot.reminders.schedule import is_quiet, out_of_quiet
from sipbot.render import answers as rendered
from sipbot.services import Services
from sipbot.staff.card import open_row
from sipbot.staff.members import member
from sipbot.status import OPEN

log = logging.getLogger(__name__)
SWEEP_EVERY = timedelta(seconds=10)
BATCH = 300
CONCURRENCY = 30  # sends in flight at once; AIORateLimiter keeps them within Telegram's limits
MAX_ATTEMPTS = 8

class ReminderSender:
    def __init__(self, services: Services) -> None:
        self.s = services
        self._started = False

    async def job(self, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self.sweep(context.bot)

    async def sweep(self, bot: Bot) -> int:
        """Send what is due now; returns how many were handled (sent or otherwise settled)."""
        now = self.s.clock()
        if not self._started:
            # A kill may have left rows marked as being sent: they go out again now.
            recovered = await asyncio.to_thread(store.recover, self.s.engine, now, all_sending=True)
            self._started = True
            if recovered:
                log.info("reminders.recovered count=%s", recovered)
        else:
            await asyncio.to_thread(store.recover, self.s.engine, now)
        handled = 0
        gate = asyncio.Semaphore(CONCURRENCY)

        async def one(row: Reminder) -> None:
            async with gate:
                await self._send(bot, row)

        # Claiming and recovering scan the table: in a worker thread, off the event loop.
        while rows := await asyncio.to_thread(store.claim_due, self.s.engine, now, BATCH):
            await asyncio.gather(*(one(r) for r in rows))
            handled += len(rows)
        return handled

    async def _send(self, bot: Bot, row: Reminder) -> None:
        engine, now = self.s.engine, self.s.clock()
        policy, tz = self.s.deployment.reminders, self.s.settings.tz
        if row.event_at <= now:
            store.finish(engine, row.id, "missed", now)  # type: ignore[arg-type]
            log.info("reminder.missed id=%s kind=%s", row.id, row.kind)
            return
        if is_quiet(now, tz, policy):
            store.finish(engine, row.id, "pending", now, retry_at=out_of_quiet(now, tz, policy))  # type: ignore[arg-type]
            return
        with session_scope(engine) as s:
            meeting = s.get(Meeting, row.meeting_id)
            request = s.get(SipRequest, meeting.request_id) if meeting else None
        if (
            meeting is None
            or request is None
            or meeting.status != "booked"
            or request.status not in OPEN  # withdrawn, deleted or closed since it was booked
        ):
            store.finish(engine, row.id, "cancelled", now)  # type: ignore[arg-type]
            return
        try:
            await self._deliver(bot, row, meeting, request)
        except RetryAfter as exc:
            wait = exc.retry_after if isinstance(exc.retry_after, int) else exc.retry_after.seconds
            store.finish(
                engine,
                row.id,
                "pending",
                now,
                error="429",
                retry_at=now + timedelta(seconds=int(wait)),
            )  # type: ignore[arg-type]
        except Forbidden:
            store.finish(engine, row.id, "unreachable", now, error="403")  # type: ignore[arg-type]
            log.info("reminder.unreachable id=%s audience=%s", row.id, row.audience)
            if row.audience == "person" and request.assigned_to is not None:
                await self._tell_staff_unreachable(bot, request)
        except BadRequest as exc:
            store.finish(engine, row.id, "failed", now, error=type(exc).__name__)  # type: ignore[arg-type]
        except (NetworkError, TelegramError) as exc:  # 5xx, timeouts, connection errors
            if row.attempts + 1 >= MAX_ATTEMPTS:
                store.finish(engine, row.id, "failed", now, error=type(exc).__name__)  # type: ignore[arg-type]
                return
            backoff = timedelta(seconds=min(30 * 2**row.attempts, 3600))
            store.finish(
                engine, row.id, "pending", now, error=type(exc).__name__, retry_at=now + backoff
            )  # type: ignore[arg-type]
        else:
            store.finish(engine, row.id, "sent", now)  # type: ignore[arg-type]

    async def _deliver(
        self, bot: Bot, row: Reminder, meeting: Meeting, request: SipRequest
    ) -> None:
        if row.audience == "staff":
            msgid = N_("staff.reminder.meeting")
            if meeting.kind == "followup":
                msgid = N_("staff.reminder.followup")

            def render(t: Texts) -> list[outbox.Part]:
                text = t(
                    msgid,
                    reference=request.reference,
                    date=t.datetime(meeting.starts_at),
                    where=where(meeting, t, staff=True),
                )
                return [outbox.text(text, [open_row(t, request.id)])]

            # Whoever has the request now, within its unit (it may have changed hands, units,
            # or its holder left since the booking), in their words; nobody: the unit, through
            # the outbox (a group's minute may be full).
            holder = member(self.s.engine, request.assigned_to) if request.assigned_to else None
            if holder is None or holder.unit != request.unit:
                with session_scope(self.s.engine) as s:
                    notify.queue_to_unit(s, self.s, request, render, kind="staff.reminder")
                return
            with session_scope(self.s.engine) as s:
                [part] = render(notify.staff_texts(s, self.s, holder.telegram_id))
            await bot.send_message(
                holder.telegram_id, part["text"], reply_markup=part_markup(part)
            )
            return
        t = self.s.texts_for_user(row.chat_id)
        answers = request.answers or {}
        # One who filled it in for someone else reads about the person; the person, reached
        # through the consent link, reads their own reminder.
        about = row.chat_id == request.telegram_id and request.role != "self"
        name = subject_name(request)
        named = {"name": name} if about else {}
        lead = f"{t(ABOUT_LEAD[request.role], name=name)}\n\n" if about else ""
        if row.kind == "prepare":
            msgid = N_("person.reminder.prepare_about") if about else N_("person.reminder.prepare")
            text = t(
                msgid,
                date=t.datetime(meeting.starts_at),
                goal=rendered.written(answers.get("main_goal"), t),
                problems=rendered.written(answers.get("problems"), t),
                **named,
            )
            markup = None
            if row.chat_id == request.telegram_id:  # additions go through the one who asked
                markup = kb([(t("person.reminder.add"), f"Y:{request.id}")])
            await bot.send_message(row.chat_id, lead + text, reply_markup=markup)
            return
        msgid = N_("person.reminder.meeting_about") if about else N_("person.reminder.meeting")
        if meeting.kind == "followup":
            msgid = (
                N_("person.reminder.followup_about") if about else N_("person.reminder.followup")
            )
        text = t(
            msgid,
            date=t.datetime(meeting.starts_at),
            where=where(meeting, t, name=name if about else None),
            reference=request.reference,
            **named,
        )
        await bot.send_message(row.chat_id, lead + text)

    async def _tell_staff_unreachable(self, bot: Bot, request: SipRequest) -> None:
        assert request.assigned_to is not None
        t = self.s.catalogs.texts(self.s.texts_for_user(request.assigned_to).lang, easy=False)
        try:
            await bot.send_message(
                request.assigned_to, t("staff.reminder.unreachable", reference=request.reference)
            )
        except TelegramError as exc:
            log.warning("reminder.staff_unreachable kind=%s", type(exc).__name__)
