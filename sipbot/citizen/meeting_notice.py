"""The meeting notice (kallelse) and its calendar file; the person's answers to it."""

from __future__ import annotations

import logging

from sqlmodel import Session
from telegram import Update
from telegram.ext import ContextTypes

from sipbot import callbacks, outbox
from sipbot.citizen.replies import REPLY_KEY
from sipbot.db.engine import session_scope
from sipbot.db.models import Meeting, SipRequest
from sipbot.deployment import ACTOR_LABELS
from sipbot.i18n import N_, Texts
from sipbot.meetings.booking import person_answer
from sipbot.meetings.ics import meeting_ics
from sipbot.people import ABOUT_LEAD, readers, subject_name
from sipbot.reminders.sender import where
from sipbot.services import Services
from sipbot.staff.notify import STAFF_LANGUAGE, UNREACHABLE, queue_announce

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
# The same notices for one who filled the request in for someone else: about the person.
NOTICE_ABOUT = {
    ("meeting", "new"): N_("person.notice.meeting_about"),
    ("meeting", "moved"): N_("person.notice.moved_about"),
    ("meeting", "cancelled"): N_("person.notice.cancelled_about"),
    ("followup", "new"): N_("person.notice.followup_about"),
    ("followup", "moved"): N_("person.notice.followup_moved_about"),
    ("followup", "cancelled"): N_("person.notice.followup_cancelled_about"),
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
    bot: object, services: Services, request: SipRequest, meeting: Meeting, change: str
) -> bool:
    """Queue the notice of a change already committed, in a transaction of its own.

    For the changes that do not yet take a `then` hook (transfer, close, a refusal through the
    consent link): delivered by the outbox like the rest, with a window between the commit and
    this one. `bot` is unused; the outbox sends.
    """
    with session_scope(services.engine) as s:
        return queue_notice(s, services, request, meeting, change)


def queue_notice(
    s: Session,
    services: Services,
    request: SipRequest,
    meeting: Meeting,
    change: str,
    staff_id: int | None = None,
) -> bool:
    """The notice in the person's language and register, and the .ics, queued in the
    booking's transaction (sipbot.outbox); `staff_id` hears if it cannot be delivered.

    False if the person cannot be reached at all (they deleted their data).

    Each reader gets their own wording: one who filled it in for someone else reads about
    the person (by name); the person, when reachable through the consent link, is told too.
    """
    targets = readers(s, request)
    if not targets:
        return False
    for chat_id, about in targets:
        _queue_one(s, services, request, meeting, change, chat_id, about, staff_id)
    return True


def _queue_one(
    s: Session,
    services: Services,
    request: SipRequest,
    meeting: Meeting,
    change: str,
    chat_id: int,
    about: bool,
    staff_id: int | None,
) -> None:
    t = services.texts_for_user(chat_id)
    answers = request.answers or {}
    name = subject_name(request)
    msgid = NOTICE[meeting.kind, change]
    if about:
        msgid = NOTICE_ABOUT[meeting.kind, change]
    body = t(
        msgid,
        reference=request.reference,
        date=t.datetime(meeting.starts_at),
        minutes=meeting.minutes,
        where=where(meeting, t, name=name if about else None),
        who=invitees(request, meeting, t),
        goal=answers.get("main_goal", ""),
        problems=answers.get("problems", "") if isinstance(answers.get("problems"), str) else "",
        responsible=(meeting.place_detail or {}).get("responsible") or "–",
        **({"name": name} if about else {}),
    )
    if about:
        body = f"{t(ABOUT_LEAD[request.role], name=name)}\n\n{body}"
    buttons = None
    # The answer buttons go to the one who asked (the answers are theirs to give); the
    # person reached through the link reads the notice and the calendar file.
    if meeting.kind == "meeting" and change != "cancelled" and chat_id == request.telegram_id:
        buttons = [
            [(t("person.notice.can_come"), f"N:yes:{meeting.id}")],
            [(t("person.notice.other_time"), f"N:other:{meeting.id}")],
            [(t("person.notice.questions"), f"Y:{request.id}")],
        ]
    now = services.clock()
    calendar = meeting_ics(
        uid=meeting.uid,
        sequence=meeting.sequence,
        start=meeting.starts_at,
        minutes=meeting.minutes,
        # No words of the person's in the calendar file: calendars sync to many places.
        summary=t("meeting.ics.summary", reference=request.reference),
        location=where(meeting, t, name=name if about else None),
        description=None,
        organizer_name=services.deployment.unit(request.unit).name,
        method="CANCEL" if change == "cancelled" else "REQUEST",
        tz=services.settings.tz,
        now=now,
    )
    parts = [outbox.text(body, buttons), outbox.document(calendar, f"{request.reference}.ics")]
    fallback = None
    if staff_id is not None and chat_id == request.telegram_id:
        st = services.catalogs.texts(STAFF_LANGUAGE, easy=False)
        card = [(st("staff.button.card"), f"S:o:{request.id}")]
        unreachable = st(UNREACHABLE, reference=request.reference)
        fallback = (staff_id, [outbox.text(unreachable, [card])])
    outbox.put(
        s,
        now,
        chat_id,
        parts,
        kind=f"notice.{change}",
        request_id=request.id,
        fallback=fallback,
    )
    log.info("notice.queued id=%s kind=%s change=%s", request.id, meeting.kind, change)


class NoticeAnswers:
    def __init__(self, services: Services) -> None:
        self.s = services

    async def on_button(self, update: Update, context: Context) -> None:
        query = update.callback_query
        assert query is not None and update.effective_user is not None
        await query.answer()
        fields = callbacks.parse(callbacks.NOTICE, query.data) or {}
        choice, meeting_id = fields.get("choice"), callbacks.number(fields.get("meeting"))
        t = self.s.texts_for(update)
        chat_id = update.effective_chat.id  # type: ignore[union-attr]
        if choice not in ("yes", "other") or meeting_id is None:
            return
        answer = "can_come" if choice == "yes" else "other_time"
        result = person_answer(
            self.s.engine,
            self.s.clock,
            update.effective_user.id,
            meeting_id,
            answer,
            then=lambda s, r, _m: self._tell_staff(s, r, answer),
        )
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

    def _tell_staff(self, s: Session, request: SipRequest, answer: str) -> None:
        """To whoever has the request; to the unit when no one does (queued with the answer)."""
        msgid = N_("staff.notice.can_come")
        if answer == "other_time":
            msgid = N_("staff.notice.other_time")
        if request.assigned_to is None:
            queue_announce(s, self.s, request, msgid, reference=request.reference)
            return
        st = self.s.catalogs.texts(STAFF_LANGUAGE, easy=False)
        card = [[(st("staff.button.card"), f"S:o:{request.id}")]]
        text = st(msgid, reference=request.reference)
        outbox.put(
            s,
            self.s.clock(),
            request.assigned_to,
            [outbox.text(text, card)],
            kind=f"notice.{answer}",
            request_id=request.id,
        )
