"""Booking, moving and cancelling meetings and follow-ups, with their reminders.

Each function is one transaction: the meeting, the request's status and dates, the reminder
rows and the audit entry change together or not at all.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from sipbot.clock import Clock
from sipbot.db.engine import session_scope
from sipbot.db.models import Meeting, SipRequest, StaffMember
from sipbot.deployment import ReminderPolicy
from sipbot.i18n import Texts
from sipbot.labels import PLACE
from sipbot.meetings.times import TimeProblem, check_meeting_time
from sipbot.reminders import store
from sipbot.requests import record
from sipbot.staff.audit import audit
from sipbot.staff.work import Refused, ensure_acting, lock_for
from sipbot.status import refusal

PLACES = ("home", "office", "video", "phone")
LENGTHS = (60, 90, 120)
KIND_STATUS = {"meeting": "meeting_booked", "followup": "followup_booked"}
# Queues the messages that tell of the change (sipbot.outbox), in the change's transaction.
Then = Callable[[Session, SipRequest, Meeting], object]


def _nothing(_s: Session, _r: SipRequest, _m: Meeting) -> None:
    return None


def bookable(status: str, consent: str, kind: str) -> str | None:
    """Why a meeting (or follow-up) may not be booked now, as a refusal code; None if it may.

    The chat's Book button and, next, the web form ask this before asking for a time."""
    to = KIND_STATUS[kind]
    return refusal(passed_on_the_way(status, kind) or status, consent, to)


def passed_on_the_way(status: str, kind: str) -> str | None:
    """The step a booking records first: contact made (a meeting booked straight from new),
    or the plan made (a follow-up booked after the meeting)."""
    if kind == "meeting" and status == "new":
        return "contacted"
    if kind == "followup" and status == "meeting_booked":
        return "plan_made"
    return None


def current(s: Session, request_id: int, kind: str) -> Meeting | None:
    return s.exec(
        select(Meeting)
        .where(Meeting.request_id == request_id, Meeting.kind == kind, Meeting.status == "booked")
        .order_by(col(Meeting.id).desc())
    ).first()


def book(
    engine: Engine,
    clock: Clock,
    staff: StaffMember,
    request_id: int,
    *,
    kind: str,
    starts_at: datetime,
    minutes: int,
    place: str,
    detail: str | None,
    tz: ZoneInfo,
    policy: ReminderPolicy,
    responsible: str | None = None,
    invitees: list[str] | None = None,
    convener: str | None = None,
    then: Then = _nothing,
) -> tuple[SipRequest, Meeting]:
    """Book the meeting (or the follow-up): the request moves to meeting/follow-up booked.

    `invitees` are actor ids from the person's chosen ones; `convener` one of them or "unit".
    """
    if place not in PLACES or minutes not in LENGTHS or kind not in KIND_STATUS:
        raise Refused("not_allowed")
    with session_scope(engine) as s:
        request = lock_for(s, staff, request_id)
        ensure_acting(staff, request)
        _check_time(starts_at, clock(), tz)
        to = KIND_STATUS[kind]
        on_the_way = passed_on_the_way(request.status, kind)
        if (code := bookable(request.status, request.consent, kind)) is not None:
            raise Refused(code)
        now = clock()
        if on_the_way:
            _move(s, request, now, on_the_way, staff)
        old = current(s, request.id, kind)  # type: ignore[arg-type]
        if old is not None:  # a new follow-up after a follow-up replaces the old one
            old.status = "held"
            store.cancel(s, old.id)  # type: ignore[arg-type]
        meeting = Meeting(
            request_id=request.id,
            kind=kind,
            starts_at=starts_at,
            minutes=minutes,
            place=place,
            place_detail={"text": detail, "responsible": responsible}
            if detail or responsible
            else None,
            invitees=invitees,
            convener=convener,
            uid=f"{uuid.uuid4()}@sipbot",
            status="booked",
            booked_by=staff.telegram_id,
            created_at=now,
        )
        s.add(meeting)
        s.flush()
        if kind == "meeting":
            request.meeting_at = starts_at
        else:
            request.followup_at = starts_at
        _move(s, request, now, to, staff)
        store.schedule(s, meeting, request, now, tz, policy)
        audit(s, now, staff.telegram_id, f"{kind}.book", request.id, f"meeting={meeting.id}")
        then(s, request, meeting)
        return request, meeting


def move_time(
    engine: Engine,
    clock: Clock,
    staff: StaffMember,
    request_id: int,
    kind: str,
    starts_at: datetime,
    tz: ZoneInfo,
    policy: ReminderPolicy,
    then: Then = _nothing,
) -> tuple[SipRequest, Meeting]:
    """A new time: same calendar UID, higher SEQUENCE, old reminders off, new ones on."""
    with session_scope(engine) as s:
        request = lock_for(s, staff, request_id)
        ensure_acting(staff, request)
        meeting = current(s, request.id, kind)  # type: ignore[arg-type]
        if meeting is None:
            raise Refused("not_allowed")
        now = clock()
        _check_time(starts_at, now, tz)
        store.cancel(s, meeting.id)  # type: ignore[arg-type]
        meeting.starts_at = starts_at
        meeting.sequence += 1
        meeting.person_answer = None
        s.add(meeting)
        if kind == "meeting":
            request.meeting_at = starts_at
        else:
            request.followup_at = starts_at
        s.add(request)
        s.flush()
        store.schedule(s, meeting, request, now, tz, policy)
        record(s, request, now, "meeting", "moved", "staff", staff.telegram_id)
        audit(s, now, staff.telegram_id, f"{kind}.move", request.id, f"meeting={meeting.id}")
        then(s, request, meeting)
        return request, meeting


def cancel_meeting(
    engine: Engine, clock: Clock, staff: StaffMember, request_id: int, then: Then = _nothing
) -> tuple[SipRequest, Meeting]:
    """Call the meeting off: its reminders go, the request goes back to contacted."""
    with session_scope(engine) as s:
        request = lock_for(s, staff, request_id)
        ensure_acting(staff, request)
        meeting = current(s, request.id, "meeting")  # type: ignore[arg-type]
        if meeting is None or request.status != "meeting_booked":
            raise Refused("not_allowed")
        now = clock()
        store.cancel(s, meeting.id)  # type: ignore[arg-type]
        meeting.status = "cancelled"
        meeting.sequence += 1
        s.add(meeting)
        request.meeting_at = None
        record(s, request, now, "meeting", "cancelled", "staff", staff.telegram_id)
        _move(s, request, now, "contacted", staff)
        audit(s, now, staff.telegram_id, "meeting.cancel", request.id, f"meeting={meeting.id}")
        then(s, request, meeting)
        return request, meeting


def person_answer(
    engine: Engine,
    clock: Clock,
    telegram_id: int,
    meeting_id: int,
    answer: str,
    then: Then = _nothing,
) -> tuple[SipRequest, Meeting] | None:
    """The person's answer to a notice (can come, needs another time); None if not theirs.

    Kept in the request's history, where staff see it on the card."""
    with session_scope(engine) as s:
        meeting = s.get(Meeting, meeting_id)
        request = s.get(SipRequest, meeting.request_id) if meeting else None
        if meeting is None or request is None or request.telegram_id != telegram_id:
            return None
        if meeting.status != "booked":
            return None
        meeting.person_answer = answer
        s.add(meeting)
        record(s, request, clock(), "meeting", answer, "person")
        then(s, request, meeting)
        return request, meeting


def _check_time(starts_at: datetime, now: datetime, tz: ZoneInfo) -> None:
    """The time rules once more as the booking is written: it may have passed meanwhile."""
    try:
        check_meeting_time(starts_at, now, tz)
    except TimeProblem as problem:
        raise Refused(f"time_{problem.code}") from None


def _move(s: Session, request: SipRequest, now: datetime, to: str, staff: StaffMember) -> None:
    record(s, request, now, "status", to, "staff", staff.telegram_id)


# Where a meeting is, as the person and staff read it in notices and reminders.


def where(meeting: Meeting, t: Texts, *, name: str | None = None, staff: bool = False) -> str:
    """The place as its reader says it: "at your home" to the person, "at {name}'s home" to
    one who asked for them, "at the person's home" to staff."""
    detail = place_text(meeting)
    if staff:
        place = t(PLACE[meeting.place].staff)
    elif name is not None and meeting.place == "home":
        place = t("meeting.place.home_about", name=name)
    else:
        place = t(PLACE[meeting.place].person)
    return place + (f": {detail}" if detail else "")


def place_text(meeting: Meeting) -> str | None:
    detail: dict[str, Any] = meeting.place_detail or {}
    return detail.get("text")
