"""The meeting notice (kallelse) and its calendar file; the person's answers to it."""

from __future__ import annotations

import logging

from telegram import Bot, InputFile, Update
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from sipbot.citizen.replies import REPLY_KEY
from sipbot.db.models import Meeting, SipRequest
from sipbot.deployment import ACTOR_LABELS
from sipbot.i18n import N_, Texts
from sipbot.keyboards import kb
from sipbot.meetings.booking import person_answer
from sipbot.meetings.ics import meeting_ics
from sipbot.reminders.sender import where
from sipbot.services import Services
from sipbot.staff.notify import STAFF_LANGUAGE

log = logging.getLogger(__name__)
Context = ContextTypes.DEFAULT_TYPE
NOTICE = {
    ("meeting", "new"): N_("person.notice.meeting"),
    ("meeting", "moved"): N_("person.notice.moved"),
    ("meeting", "cancelled"): N_("person.notice.cancelled"),
    ("followup", "new"): N_("person.notice.followup"),
    ("followup", "moved"): N_("person.notice.followup_moved"),
    ("followup", "cancelled"): N_("person.notice.followup_cancelled"),
}


def invitees(request: SipRequest, meeting: Meeting, t: Texts) -> str:
    """Who is invited, the convener marked; the person's own choice when staff chose none."""
    actors = meeting.invitees
    if actors is None:
        actors = (request.answers or {}).get("actors") or []
    names = []
    for actor in actors:
        if actor in ACTOR_LABELS:
            name = t(ACTOR_LABELS[actor])
            if actor == meeting.convener:
                name = t("meeting.convener", name=name)
            names.append(name)
    return ", ".join(names) or "–"


async def send_notice(
    bot: Bot, services: Services, request: SipRequest, meeting: Meeting, change: str
) -> bool:
    """The notice in the person's language and register, and the .ics; False if unreachable."""
    if request.telegram_id is None:
        return False
    t = services.texts_for_user(request.telegram_id)
    answers = request.answers or {}
    text = t(
        NOTICE[meeting.kind, change],
        reference=request.reference,
        date=t.datetime(meeting.starts_at),
        minutes=meeting.minutes,
        where=where(meeting, t),
        who=invitees(request, meeting, t),
        goal=answers.get("main_goal", ""),
        problems=answers.get("problems", "") if isinstance(answers.get("problems"), str) else "",
        responsible=(meeting.place_detail or {}).get("responsible") or "–",
    )
    markup = None
    if meeting.kind == "meeting" and change != "cancelled":
        markup = kb(
            [(t("person.notice.can_come"), f"N:yes:{meeting.id}")],
            [(t("person.notice.other_time"), f"N:other:{meeting.id}")],
            [(t("person.notice.questions"), f"Y:{request.id}")],
        )
    calendar = meeting_ics(
        uid=meeting.uid,
        sequence=meeting.sequence,
        start=meeting.starts_at,
        minutes=meeting.minutes,
        # No words of the person's in the calendar file: calendars sync to many places.
        summary=t("meeting.ics.summary", reference=request.reference),
        location=where(meeting, t),
        description=None,
        organizer_name=services.deployment.unit(request.unit).name,
        method="CANCEL" if change == "cancelled" else "REQUEST",
        tz=services.settings.tz,
        now=services.clock(),
    )
    try:
        await bot.send_message(request.telegram_id, text, reply_markup=markup)
        await bot.send_document(
            request.telegram_id, InputFile(calendar, filename=f"{request.reference}.ics")
        )
    except TelegramError as exc:
        log.warning("notice.unreachable id=%s kind=%s", request.id, type(exc).__name__)
        return False
    log.info("notice.sent id=%s kind=%s change=%s", request.id, meeting.kind, change)
    return True


class NoticeAnswers:
    def __init__(self, services: Services) -> None:
        self.s = services

    async def on_button(self, update: Update, context: Context) -> None:
        query = update.callback_query
        assert query is not None and update.effective_user is not None
        await query.answer()
        _, choice, arg = ((query.data or "") + "::").split(":")[:3]
        t = self.s.texts_for(update)
        chat_id = update.effective_chat.id  # type: ignore[union-attr]
        if choice not in ("yes", "other") or not arg.isdigit():
            return
        answer = "can_come" if choice == "yes" else "other_time"
        result = person_answer(self.s.engine, update.effective_user.id, int(arg), answer)
        if result is None:
            await context.bot.send_message(chat_id, t("person.notice.gone"))
            return
        request, _ = result
        log.info("notice.answer id=%s answer=%s", request.id, answer)
        if choice == "yes":
            await context.bot.send_message(chat_id, t("person.notice.thanks"))
        else:
            # Their reason goes to staff through the reply relay, like any reply.
            context.user_data[REPLY_KEY] = request.id  # type: ignore[index]
            await context.bot.send_message(chat_id, t("person.notice.other_time_ask"))
        await self._tell_staff(context, request, answer)

    async def _tell_staff(self, context: Context, request: SipRequest, answer: str) -> None:
        if request.assigned_to is None:
            return
        st = self.s.catalogs.texts(STAFF_LANGUAGE, easy=False)
        msgid = N_("staff.notice.can_come")
        if answer == "other_time":
            msgid = N_("staff.notice.other_time")
        try:
            await context.bot.send_message(
                request.assigned_to,
                st(msgid, reference=request.reference),
                reply_markup=kb([(st("staff.button.card"), f"S:o:{request.id}")]),
            )
        except TelegramError as exc:
            log.warning("notice.staff_unreachable kind=%s", type(exc).__name__)
