"""The meeting notice (kallelse) and its calendar file, queued in the booking's transaction.

No channel: the chat's staff side and, next, the web desk queue it from here."""

from __future__ import annotations

import logging

from sqlmodel import Session

from sipbot import outbox
from sipbot.db.engine import session_scope
from sipbot.db.models import Meeting, SipRequest
from sipbot.deployment import ACTOR_LABELS
from sipbot.i18n import N_, Texts
from sipbot.labels import PLACE
from sipbot.meetings.booking import place_text
from sipbot.meetings.ics import meeting_ics
from sipbot.render import answers as rendered
from sipbot.services import Services
from sipbot.staff.card import open_row
from sipbot.staff.notify import STAFF_LANGUAGE, UNREACHABLE

log = logging.getLogger(__name__)
NOTICE = {
    ("meeting", "new"): N_("person.notice.meeting"),
    ("meeting", "moved"): N_("person.notice.moved"),
    ("meeting", "cancelled"): N_("person.notice.cancelled"),
    ("followup", "new"): N_("person.notice.followup"),
    ("followup", "moved"): N_("person.notice.followup_moved"),
    ("followup", "cancelled"): N_("person.notice.followup_cancelled"),
}


def where(meeting: Meeting, t: Texts) -> str:
    detail = place_text(meeting)
    return t(PLACE[meeting.place].person) + (f": {detail}" if detail else "")


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

    False if the person cannot be reached at all (they deleted their data)."""
    if request.telegram_id is None:
        return False
    t = services.texts_for_user(request.telegram_id)
    answers = request.answers or {}
    body = t(
        NOTICE[meeting.kind, change],
        reference=request.reference,
        date=t.datetime(meeting.starts_at),
        minutes=meeting.minutes,
        where=where(meeting, t),
        who=invitees(request, meeting, t),
        goal=rendered.written(answers.get("main_goal"), t),
        problems=rendered.written(answers.get("problems"), t),
        responsible=(meeting.place_detail or {}).get("responsible") or "–",
    )
    buttons = None
    if meeting.kind == "meeting" and change != "cancelled":
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
        location=where(meeting, t),
        description=None,
        organizer_name=services.deployment.unit(request.unit).name,
        method="CANCEL" if change == "cancelled" else "REQUEST",
        tz=services.settings.tz,
        now=now,
    )
    parts = [outbox.text(body, buttons), outbox.document(calendar, f"{request.reference}.ics")]
    fallback = None
    if staff_id is not None:
        st = services.catalogs.texts(STAFF_LANGUAGE, easy=False)
        card = open_row(st, request.id)
        unreachable = st(UNREACHABLE, reference=request.reference)
        fallback = (staff_id, [outbox.text(unreachable, [card])])
    outbox.put(
        s,
        now,
        request.telegram_id,
        parts,
        kind=f"notice.{change}",
        request_id=request.id,
        fallback=fallback,
    )
    log.info("notice.queued id=%s kind=%s change=%s", request.id, meeting.kind, change)
    return True
