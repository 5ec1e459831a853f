"""The one outbound notifier: who is told what, in which language and register.

Every message that tells of a change is queued here, in the change's own transaction
(sipbot.outbox), so it arrives even if the process dies right after the commit; the outbox
sender is the only one that sends them, and decides what 403/429/5xx do. No channel here.

Who reads what:
- the person (or whoever asked for them): their own language and register; if they cannot
  be reached (blocked the bot), the one who has the request hears it, else the unit;
- a staff member privately: the plain register in the language they chose (Swedish unless
  they chose another), for card actions and relays alike;
- a unit's staff group: the plain register in the staff language (one group, many readers).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlmodel import Session

from sipbot import mail, outbox
from sipbot.db.models import Meeting, Person, SipRequest, StaffMember
from sipbot.deployment import ACTOR_LABELS
from sipbot.i18n import N_, Texts
from sipbot.meetings.booking import where
from sipbot.meetings.ics import meeting_ics
from sipbot.people import ABOUT_LEAD, readers, subject_name
from sipbot.render import answers as rendered
from sipbot.services import Services
from sipbot.staff.card import notice as card_notice
from sipbot.staff.card import open_row
from sipbot.staff.members import members

log = logging.getLogger(__name__)
STAFF_LANGUAGE = "sv"  # a group's language; a member privately reads the one they chose

# What the person did, as staff read it: the reference only, never the person's words.
WITHDRAWN = N_("staff.notice.withdrawn")
DELETED = N_("staff.notice.deleted")
CONSENT_AGREED = N_("staff.notice.consent_agreed")
CONSENT_REFUSED = N_("staff.notice.consent_refused")
UNREACHABLE = N_("staff.notice.unreachable")  # a queued message could not be delivered
CONSENT_REFUSED_MEETING_OFF = N_("staff.notice.consent_refused_meeting_off")
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
Render = Callable[[Texts], list[outbox.Part]]
Fallback = list[tuple[int, list[outbox.Part]]]

# -- in which words -------------------------------------------------------------------------


def staff_texts(s: Session, services: Services, chat_id: int) -> Texts:
    """Staff read the plain register: a member in the language they chose, a group in the
    staff language."""
    person = s.get(Person, chat_id) if chat_id > 0 else None
    return services.catalogs.texts(person.language if person else STAFF_LANGUAGE, easy=False)


def person_texts(s: Session, services: Services, chat_id: int) -> Texts:
    person = s.get(Person, chat_id)
    if person is None:
        return services.catalogs.texts(STAFF_LANGUAGE, easy=False)
    return services.catalogs.texts(person.language, person.easy)


# -- to whom --------------------------------------------------------------------------------


def unit_chats(services: Services, unit_id: str) -> list[int]:
    """The unit's group when it has one, else each of its staff privately."""
    unit = services.deployment.unit(unit_id)
    if unit.staff_group_chat_id is not None:
        return [unit.staff_group_chat_id]
    return [m.telegram_id for m in members(services.engine, unit_id)]


def _card_button(t: Texts, request: SipRequest) -> outbox.Buttons:
    return [open_row(t, request.id)]


def _each(
    s: Session, services: Services, chats: list[int], render: Render
) -> Fallback:
    return [(chat, render(staff_texts(s, services, chat))) for chat in chats]


def queue_to_chats(
    s: Session,
    services: Services,
    chats: list[int],
    request: SipRequest | None,
    render: Render,
    *,
    kind: str,
) -> int:
    """One row per chat, each in its reader's words."""
    for chat_id, parts in _each(s, services, chats, render):
        outbox.put(
            s,
            services.clock(),
            chat_id,
            parts,
            kind=kind[:32],
            request_id=request.id if request else None,
        )
    return len(chats)


def queue_to_unit(
    s: Session,
    services: Services,
    request: SipRequest,
    render: Render,
    *,
    kind: str,
    unit_id: str | None = None,
) -> int:
    targets = unit_chats(services, unit_id or request.unit)
    if not targets:
        log.warning("staff.notice.nobody unit=%s", unit_id or request.unit)
    return queue_to_chats(s, services, targets, request, render, kind=kind)


def queue_tell_unit(
    s: Session, services: Services, request: SipRequest, msgid: str, **values: object
) -> int:
    """A short notice to the unit's staff (the reference only, never the person's words)."""
    return queue_to_unit(
        s, services, request, lambda t: [outbox.text(t(msgid, **values))], kind=msgid
    )


def queue_announce(
    s: Session, services: Services, request: SipRequest, msgid: str, **values: object
) -> int:
    """A short card about the request for its unit, with an Open button."""

    def render(t: Texts) -> list[outbox.Part]:
        text = t(msgid, **values) + "\n\n" + card_notice(services, request, t)
        return [outbox.text(text, [open_row(t, request.id, N_("staff.button.open"))])]

    return queue_to_unit(s, services, request, render, kind=msgid)


def queue_to_staff(
    s: Session,
    services: Services,
    staff_id: int,
    request: SipRequest,
    msgid: str,
    *,
    extra: list[outbox.Part] | None = None,
    **values: object,
) -> None:
    """To one staff member privately, in their words, with a button to the card."""
    t = staff_texts(s, services, staff_id)
    parts = [outbox.text(t(msgid, **values), _card_button(t, request)), *(extra or [])]
    outbox.put(s, services.clock(), staff_id, parts, kind=msgid[:32], request_id=request.id)


def to_holder_or_unit(
    s: Session, services: Services, request: SipRequest, msgid: str, **values: object
) -> None:
    """To whoever has the request; to the unit when no one does."""
    if request.assigned_to is None:
        queue_announce(s, services, request, msgid, **values)
    else:
        queue_to_staff(s, services, request.assigned_to, request, msgid, **values)


def _unreachable(
    s: Session, services: Services, request: SipRequest, staff_id: int | None
) -> Fallback:
    """Who hears that a message to the person could not be delivered, and in which words:
    the staff member named, else whoever has the request, else the unit."""
    who = staff_id or request.assigned_to
    chats = [who] if who is not None else unit_chats(services, request.unit)

    def render(t: Texts) -> list[outbox.Part]:
        return [outbox.text(t(UNREACHABLE, reference=request.reference), _card_button(t, request))]

    return _each(s, services, chats, render)


def _person_text(
    services: Services,
    request: SipRequest,
    t: Texts,
    msgid: str,
    when: datetime | None,
    values: dict[str, object],
) -> str:
    """A message about a request, in the reader's words: its reference, a date, the unit."""
    return t(
        msgid,
        reference=request.reference,
        date=t.datetime(when) if when else "",
        unit=values.pop("unit", services.deployment.unit(request.unit).name),
        **values,
    )


def queue_person(
    s: Session,
    services: Services,
    request: SipRequest,
    msgid: str,
    *,
    staff_id: int | None = None,
    when: datetime | None = None,
    reply: bool = False,
    **values: object,
) -> bool:
    """Queue a message to the person in their words; if it cannot arrive, `staff_id` (else
    whoever has the request, else the unit) hears so.

    False if they cannot be reached at all (they deleted their data)."""
    if request.telegram_id is None:
        return False
    t = person_texts(s, services, request.telegram_id)
    text = _person_text(services, request, t, msgid, when, values)
    buttons = [[(t("person.reply"), f"Y:{request.id}")]] if reply else None
    outbox.put(
        s,
        services.clock(),
        request.telegram_id,
        [outbox.text(text, buttons)],
        kind=msgid[:32],
        request_id=request.id,
        fallback=_unreachable(s, services, request, staff_id),
    )
    return True


def queue_requester(
    s: Session, services: Services, request: SipRequest, msgid: str, **values: object
) -> bool:
    """To the one who asked, with nothing more (no fallback): the consent link's answer."""
    if request.telegram_id is None:
        return False
    t = person_texts(s, services, request.telegram_id)
    body = t(msgid, reference=request.reference, **values)
    outbox.put(
        s, services.clock(), request.telegram_id, [outbox.text(body)], kind=msgid[:32],
        request_id=request.id,
    )
    return True


# -- the meeting notice (kallelse) and its calendar file ------------------------------------


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


def queue_notice(
    s: Session,
    services: Services,
    request: SipRequest,
    meeting: Meeting,
    change: str,
    staff_id: int | None = None,
) -> bool:
    """The notice in each reader's language and register, and the .ics, queued in the
    change's transaction; `staff_id` (else the holder, else the unit) hears if it cannot be
    delivered to the one who asked.

    Each reader gets their own wording: one who filled it in for someone else reads about
    the person (by name); the person, when reachable through the consent link, is told too.
    False if no one can be reached at all (they deleted their data). The invited
    organisations get theirs by e-mail all the same."""
    mail.queue_kallelse(s, services, request, meeting, change)
    targets = readers(s, request)
    if not targets:
        return False
    for chat_id, about in targets:
        _queue_one_notice(s, services, request, meeting, change, chat_id, about, staff_id)
    return True


def _queue_one_notice(
    s: Session,
    services: Services,
    request: SipRequest,
    meeting: Meeting,
    change: str,
    chat_id: int,
    about: bool,
    staff_id: int | None,
) -> None:
    t = person_texts(s, services, chat_id)
    answers = request.answers or {}
    name = subject_name(request)
    msgid = NOTICE_ABOUT[meeting.kind, change] if about else NOTICE[meeting.kind, change]
    place = where(meeting, t, name=name if about else None)
    body = t(
        msgid,
        reference=request.reference,
        date=t.datetime(meeting.starts_at),
        minutes=meeting.minutes,
        where=place,
        who=invitees(request, meeting, t),
        goal=rendered.written(answers.get("main_goal"), t),
        problems=rendered.written(answers.get("problems"), t),
        responsible=(meeting.place_detail or {}).get("responsible") or "–",
        **({"name": name} if about else {}),
    )
    if about:
        body = f"{t(ABOUT_LEAD[request.role], name=name)}\n\n{body}"
    buttons = None
    # The answer buttons go to the one who asked (the answers are theirs to give); the
    # person reached through the link reads the notice and the calendar file.
    asker = chat_id == request.telegram_id
    if meeting.kind == "meeting" and change != "cancelled" and asker:
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
        location=place,
        description=None,
        organizer_name=services.deployment.unit(request.unit).name,
        method="CANCEL" if change == "cancelled" else "REQUEST",
        tz=services.settings.tz,
        now=now,
    )
    parts = [outbox.text(body, buttons), outbox.document(calendar, f"{request.reference}.ics")]
    outbox.put(
        s,
        now,
        chat_id,
        parts,
        kind=f"notice.{change}",
        request_id=request.id,
        fallback=_unreachable(s, services, request, staff_id) if asker else None,
    )
    log.info("notice.queued id=%s kind=%s change=%s", request.id, meeting.kind, change)


def queue_cancelled(
    s: Session, services: Services, request: SipRequest, cancelled: list[Meeting]
) -> None:
    """Called-off meetings leave the person's calendar: a CANCEL for each."""
    for meeting in cancelled:
        queue_notice(s, services, request, meeting, "cancelled")


# -- what tells of each change (the `then` hooks of sipbot.staff.work and friends) ----------

Then = Callable[[Session, SipRequest], None]


def new_request(services: Services) -> Then:
    """A new request: its card to the unit, with the request's own insert."""

    def then(s: Session, request: SipRequest) -> None:
        queue_announce(s, services, request, N_("staff.notice.new"))

    return then


def claimed(services: Services) -> Then:
    def then(s: Session, request: SipRequest) -> None:
        queue_person(s, services, request, N_("person.status.claimed"))

    return then


def assigned(services: Services, by: StaffMember) -> Then:
    def then(s: Session, request: SipRequest) -> None:
        if request.assigned_to is not None and request.assigned_to != by.telegram_id:
            queue_to_staff(
                s, services, request.assigned_to, request, N_("staff.assigned_to_you"),
                reference=request.reference,
            )

    return then


def person_status(services: Services, msgid: str | None, **values: object) -> Then:
    """The person hears of a move (None: nothing to tell)."""

    def then(s: Session, request: SipRequest) -> None:
        if msgid is not None:
            queue_person(s, services, request, msgid, **values)

    return then


# What the person is told when staff move their request along; others: nothing.
PERSON_STATUS = {
    "contacted": N_("person.status.contacted"),
}


def moved(services: Services) -> Then:
    def then(s: Session, request: SipRequest) -> None:
        if (msgid := PERSON_STATUS.get(request.status)) is not None:
            queue_person(s, services, request, msgid)

    return then


def staff_message(services: Services, text: str) -> Then:
    def then(s: Session, request: SipRequest) -> None:
        queue_person(s, services, request, N_("person.staff_message"), text=text, reply=True)

    return then


def transferred(
    services: Services, by: StaffMember
) -> Callable[[Session, SipRequest, list[Meeting]], None]:
    """The old unit's meetings leave the calendar, the new unit gets the card, the person
    hears where their request is now."""

    def then(s: Session, request: SipRequest, cancelled: list[Meeting]) -> None:
        queue_cancelled(s, services, request, cancelled)
        queue_announce(
            s,
            services,
            request,
            N_("staff.notice.transferred"),
            from_unit=services.deployment.unit(by.unit).name,
        )
        queue_person(
            s,
            services,
            request,
            N_("person.status.transferred"),
            unit=services.deployment.unit(request.unit).name,
        )

    return then


# Closed: "the plan has ended" only once there is a plan.
CLOSED_BEFORE_PLAN = ("new", "contacted", "meeting_booked")


def closed(services: Services) -> Callable[[Session, SipRequest, str, list[Meeting]], None]:
    def then(s: Session, request: SipRequest, was: str, cancelled: list[Meeting]) -> None:
        queue_cancelled(s, services, request, cancelled)
        msgid = N_("person.status.closed")
        if was in CLOSED_BEFORE_PLAN:
            msgid = N_("person.status.closed_early")
        queue_person(s, services, request, msgid)

    return then


def consent_answered(
    services: Services, agrees: bool
) -> Callable[[Session, SipRequest, list[Meeting]], None]:
    """The person answered the consent link: the unit, the one who asked, and a CANCEL for
    each meeting booked on the consent the person now refuses (it went to the one who asked)."""

    def then(s: Session, request: SipRequest, cancelled: list[Meeting]) -> None:
        msgid = CONSENT_AGREED if agrees else CONSENT_REFUSED
        if cancelled:
            msgid = CONSENT_REFUSED_MEETING_OFF
        queue_tell_unit(s, services, request, msgid, reference=request.reference)
        queue_cancelled(s, services, request, cancelled)
        key = N_("consent_link.requester_yes") if agrees else N_("consent_link.requester_no")
        name = (request.answers or {}).get("person_name", "")
        queue_requester(s, services, request, key, name=name)

    return then


def deleted(services: Services) -> Then:
    """The person deleted their data: the unit of each open request hears, by reference."""

    def then(s: Session, request: SipRequest) -> None:
        queue_tell_unit(s, services, request, DELETED, reference=request.reference)

    return then


def withdrawn(services: Services) -> Then:
    def then(s: Session, request: SipRequest) -> None:
        queue_tell_unit(s, services, request, WITHDRAWN, reference=request.reference)

    return then


def returned(services: Services) -> Then:
    """Back in the unit's queue (its holder left): the unit gets the card again."""

    def then(s: Session, request: SipRequest) -> None:
        queue_announce(s, services, request, N_("staff.notice.returned"))

    return then


def handed_over(
    services: Services, admin: StaffMember, to_id: int
) -> Callable[[Session, list[SipRequest]], None]:
    """An admin gave a colleague someone's requests: the colleague hears which, in their
    words (the admin saw it happen)."""

    def then(s: Session, moved: list[SipRequest]) -> None:
        if to_id == admin.telegram_id:
            return
        t = staff_texts(s, services, to_id)
        refs = ", ".join(r.reference for r in moved)
        text = t.ngettext("staff.team.handed_to_you", len(moved), count=len(moved), references=refs)
        outbox.put(s, services.clock(), to_id, [outbox.text(text)], kind="staff.handed_over")

    return then


def reply_forwarded(services: Services, body: dict[str, Any]) -> Then:
    """The person's reply to whoever has the request, in that member's words; to the unit
    if no one has it."""

    def then(s: Session, request: SipRequest) -> None:
        if request.assigned_to is None:
            queue_announce(s, services, request, N_("staff.reply_unassigned"))
            return
        extra = [outbox.voice(str(body["voice"]))] if "voice" in body else None
        queue_to_staff(
            s,
            services,
            request.assigned_to,
            request,
            N_("staff.reply_from_person"),
            extra=extra,
            reference=request.reference,
            text=body.get("text", ""),
        )

    return then


def notice_answered(services: Services, answer: str) -> Then:
    """"I can come" or "another time": to whoever has the request, else the unit."""
    msgid = N_("staff.notice.can_come")
    if answer == "other_time":
        msgid = N_("staff.notice.other_time")

    def then(s: Session, request: SipRequest) -> None:
        to_holder_or_unit(s, services, request, msgid, reference=request.reference)

    return then


def overdue(
    s: Session, services: Services, unit_id: str, references: str, count: int
) -> int:
    """The daily reminder of a unit's overdue, unclaimed requests (queued with its mark)."""

    def render(t: Texts) -> list[outbox.Part]:
        text = t.ngettext("staff.overdue", count, count=count, references=references)
        return [outbox.text(text, [[(t("staff.button.overdue"), "S:q:overdue:0")]])]

    targets = unit_chats(services, unit_id)
    return queue_to_chats(s, services, targets, None, render, kind="staff.overdue")
