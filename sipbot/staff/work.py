"""What staff do to a request, checked against their unit and the request's state.

Every function takes the acting staff member, loads the request in one transaction, refuses
with a code (`Refused`) when the action is not allowed, and otherwise changes the request,
its history and the audit log together. A request of another unit is "not_found": staff learn
nothing about requests that are not theirs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Engine, update
from sqlmodel import Session, col, select

from sipbot.clock import Clock
from sipbot.db.engine import session_scope
from sipbot.db.models import Meeting, RequestEvent, RequestNote, SipRequest, StaffMember
from sipbot.reminders import store as reminders
from sipbot.requests import record
from sipbot.staff.audit import audit
from sipbot.status import OPEN, refusal

CONSENT_HOW = ("bot", "spoken", "written")
# Queues the messages that tell of the change (sipbot.outbox), in the change's transaction.
Then = Callable[[Session, SipRequest], object]
# The same for a change that calls meetings off: they come along, for their CANCEL.
ThenCancelled = Callable[[Session, SipRequest, list[Meeting]], object]
ThenClosed = Callable[[Session, SipRequest, str, list[Meeting]], object]


def _nothing(_s: Session, _r: SipRequest, *_rest: object) -> None:
    return None


class Refused(Exception):
    """The action is not allowed; `code` says why (a catalog id suffix)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass
class Card:
    """Everything staff see on a request card."""

    request: SipRequest
    events: list[RequestEvent]
    notes: list[RequestNote]


def load_for(s: Session, staff: StaffMember, request_id: int) -> SipRequest:
    request = s.get(SipRequest, request_id)
    if request is None or request.unit != staff.unit:
        raise Refused("not_found")
    return request


def lock_for(s: Session, staff: StaffMember, request_id: int) -> SipRequest:
    """Load the request to change it, holding its row until the transaction ends.

    The first statement of the transaction is a write to the row: PostgreSQL locks the row
    (a second writer waits, then reads what the first committed), SQLite takes its write lock
    before anything is read. So a check made after this cannot be overtaken by another
    transaction's write: no check-then-write race (two claims, an assign during a transfer).
    """
    s.execute(
        update(SipRequest)
        .where(col(SipRequest.id) == request_id)
        .values(unit=SipRequest.unit)  # type: ignore[arg-type]
    )
    return load_for(s, staff, request_id)


def ensure_acting(staff: StaffMember, request: SipRequest) -> None:
    """Changes are made by the one who has the request (or an admin); claim it first."""
    if request.status not in OPEN:
        raise Refused("ended")
    if request.assigned_to == staff.telegram_id or staff.role == "admin":
        return
    raise Refused("claim_first" if request.assigned_to is None else "taken")


def check_acting(engine: Engine, staff: StaffMember, request_id: int) -> SipRequest:
    """Refuse now what would be refused later, before asking staff to type anything."""
    with session_scope(engine) as s:
        request = load_for(s, staff, request_id)
        ensure_acting(staff, request)
        return request


def view(engine: Engine, clock: Clock, staff: StaffMember, request_id: int) -> Card:
    with session_scope(engine) as s:
        request = load_for(s, staff, request_id)
        events = s.exec(
            select(RequestEvent)
            .where(RequestEvent.request_id == request.id)
            .order_by(col(RequestEvent.at), col(RequestEvent.id))
        ).all()
        notes = s.exec(
            select(RequestNote)
            .where(RequestNote.request_id == request.id)
            .order_by(col(RequestNote.at), col(RequestNote.id))
        ).all()
        audit(s, clock(), staff.telegram_id, "view", request.id)
        return Card(request, list(events), list(notes))


def claim(
    engine: Engine, clock: Clock, staff: StaffMember, request_id: int, then: Then = _nothing
) -> SipRequest:
    with session_scope(engine) as s:
        # Conditional: of two claims at once exactly one finds the request unassigned.
        won = s.execute(
            update(SipRequest)
            .where(
                col(SipRequest.id) == request_id,
                col(SipRequest.unit) == staff.unit,
                col(SipRequest.status).in_(OPEN),
                col(SipRequest.assigned_to).is_(None),
            )
            .values(assigned_to=staff.telegram_id)
        )
        request = load_for(s, staff, request_id)
        if won.rowcount != 1:  # type: ignore[attr-defined]
            if request.status not in OPEN:
                raise Refused("ended")
            raise Refused("yours_already" if request.assigned_to == staff.telegram_id else "taken")
        now = clock()
        request.claimed_at = request.claimed_at or now
        record(s, request, now, "assign", str(staff.telegram_id), "staff", staff.telegram_id)
        audit(s, now, staff.telegram_id, "claim", request.id)
        then(s, request)
        return request


def release(engine: Engine, clock: Clock, staff: StaffMember, request_id: int) -> SipRequest:
    with session_scope(engine) as s:
        request = lock_for(s, staff, request_id)
        ensure_acting(staff, request)
        now = clock()
        request.assigned_to = None
        record(s, request, now, "assign", "", "staff", staff.telegram_id)
        audit(s, now, staff.telegram_id, "release", request.id)
        return request


def assign(
    engine: Engine,
    clock: Clock,
    staff: StaffMember,
    request_id: int,
    to: int,
    then: Then = _nothing,
) -> SipRequest:
    with session_scope(engine) as s:
        request = lock_for(s, staff, request_id)
        if request.assigned_to is not None or request.status not in OPEN:
            ensure_acting(staff, request)
        colleague = s.get(StaffMember, to)
        if colleague is None or not colleague.active or colleague.unit != staff.unit:
            raise Refused("no_colleague")
        now = clock()
        request.assigned_to = to
        request.claimed_at = request.claimed_at or now
        record(s, request, now, "assign", str(to), "staff", staff.telegram_id)
        audit(s, now, staff.telegram_id, "assign", request.id, f"to={to}")
        then(s, request)
        return request


def transfer(
    engine: Engine,
    clock: Clock,
    staff: StaffMember,
    request_id: int,
    to_unit: str,
    units: list[str],
    reason: str,
    then: ThenCancelled = _nothing,
) -> tuple[SipRequest, list[Meeting]]:
    """Move the request to another unit's queue, unassigned, with the reason kept on it.

    A booked meeting or follow-up was this unit's: it is called off (its reminders too) and
    given to `then` with the moved request, which queues the person's CANCEL in this
    transaction. The new unit books its own.
    """
    with session_scope(engine) as s:
        request = lock_for(s, staff, request_id)
        ensure_acting(staff, request)
        if to_unit not in units or to_unit == request.unit:
            raise Refused("no_unit")
        now = clock()
        cancelled = call_off_meetings(s, request, now, staff.telegram_id)
        request.unit = to_unit
        request.assigned_to = None
        request.escalated_at = None
        record(s, request, now, "transfer", to_unit, "staff", staff.telegram_id)
        _note(s, request, now, "transfer", staff, {"text": reason, "from": staff.unit})
        audit(s, now, staff.telegram_id, "transfer", request.id, f"to={to_unit}")
        then(s, request, cancelled)
        return request, cancelled


def call_off_meetings(
    s: Session, request: SipRequest, now: datetime, staff_id: int | None
) -> list[Meeting]:
    """Cancel the request's booked meetings and their reminders; the status steps back to
    where a booking would start from (contacted, or plan made for a follow-up)."""
    booked = list(
        s.exec(select(Meeting).where(Meeting.request_id == request.id, Meeting.status == "booked"))
    )
    for meeting in booked:
        reminders.cancel(s, meeting.id)  # type: ignore[arg-type]
        meeting.status = "cancelled"
        meeting.sequence += 1
        s.add(meeting)
        audit(s, now, staff_id, f"{meeting.kind}.cancel", request.id, f"meeting={meeting.id}")
    back = {"meeting_booked": "contacted", "followup_booked": "plan_made"}.get(request.status)
    if booked and back is not None:
        request.meeting_at = None if back == "contacted" else request.meeting_at
        request.followup_at = None
        record(s, request, now, "status", back, "staff" if staff_id else "system", staff_id)
    return booked


def confirm_consent(
    engine: Engine,
    clock: Clock,
    staff: StaffMember,
    request_id: int,
    how: str,
    on: date,
    override_reason: str | None = None,
    then: Then = _nothing,
) -> SipRequest:
    """Staff confirm the person's consent. Over the person's own "no" (through the link) only
    with a reason, which is kept on the request and in the audit log."""
    if how not in CONSENT_HOW:
        raise Refused("not_allowed")
    with session_scope(engine) as s:
        request = lock_for(s, staff, request_id)
        ensure_acting(staff, request)
        if request.consent == "withdrawn":
            raise Refused("ended")
        if request.consent == "person_refused" and not override_reason:
            raise Refused("person_refused")
        now = clock()
        detail = f"how={how} date={on.isoformat()}"
        if request.consent == "person_refused":
            detail += " over=person_refused"
            _note(s, request, now, "consent_override", staff, {"text": override_reason})
        record(s, request, now, "consent", "confirmed", "staff", staff.telegram_id, detail)
        audit(s, now, staff.telegram_id, "consent", request.id, detail)
        then(s, request)
        return request


def add_note(
    engine: Engine, clock: Clock, staff: StaffMember, request_id: int, text: str
) -> RequestNote:
    """An internal note: any staff of the unit may write one, on any request of the unit."""
    with session_scope(engine) as s:
        request = load_for(s, staff, request_id)
        now = clock()
        note = _note(s, request, now, "note", staff, {"text": text})
        audit(s, now, staff.telegram_id, "note", request.id)
        return note


def message_person(
    engine: Engine,
    clock: Clock,
    staff: StaffMember,
    request_id: int,
    text: str,
    then: Then = _nothing,
) -> SipRequest:
    """Keep a staff message to the person; `then` queues it. Refused if they deleted it."""
    with session_scope(engine) as s:
        request = lock_for(s, staff, request_id)
        ensure_acting(staff, request)
        if request.telegram_id is None:
            raise Refused("unreachable")
        now = clock()
        _note(s, request, now, "to_person", staff, {"text": text})
        audit(s, now, staff.telegram_id, "message", request.id)
        then(s, request)
        return request


def person_replied(
    engine: Engine,
    clock: Clock,
    telegram_id: int,
    request_id: int,
    body: dict[str, Any],
    then: Then = _nothing,
) -> SipRequest | None:
    """Keep the person's reply on their own open request; returns it (with who has it)."""
    with session_scope(engine) as s:
        request = s.get(SipRequest, request_id)
        if request is None or request.telegram_id != telegram_id or request.status not in OPEN:
            return None
        s.add(RequestNote(request_id=request.id, at=clock(), kind="from_person", body=body))
        then(s, request)
        return request


def decline(
    engine: Engine,
    clock: Clock,
    staff: StaffMember,
    request_id: int,
    reason: str,
    suggestion: str,
    then: Then = _nothing,
) -> SipRequest:
    with session_scope(engine) as s:
        request = lock_for(s, staff, request_id)
        ensure_acting(staff, request)
        if (code := refusal(request.status, request.consent, "declined")) is not None:
            raise Refused(code)
        now = clock()
        _note(s, request, now, "decline", staff, {"text": reason, "suggestion": suggestion})
        record(s, request, now, "status", "declined", "staff", staff.telegram_id)
        audit(s, now, staff.telegram_id, "decline", request.id)
        then(s, request)
        return request


def move(
    engine: Engine,
    clock: Clock,
    staff: StaffMember,
    request_id: int,
    to: str,
    then: Then = _nothing,
) -> SipRequest:
    """Move along the process where no booking is involved: contacted.

    Meetings, plans and follow-ups change only through sipbot.meetings.booking, which keeps
    the meeting, its reminders and the person's calendar in step; declining needs a reason,
    closing a reason and a confirmation (`close`).
    """
    with session_scope(engine) as s:
        request = lock_for(s, staff, request_id)
        ensure_acting(staff, request)
        through_booking = to in ("meeting_booked", "followup_booked", "plan_made", "declined")
        if through_booking or to == "closed" or (
            to == "contacted" and request.status == "meeting_booked"
        ):
            raise Refused("not_allowed")
        if (code := refusal(request.status, request.consent, to)) is not None:
            raise Refused(code)
        now = clock()
        record(s, request, now, "status", to, "staff", staff.telegram_id)
        audit(s, now, staff.telegram_id, "status", request.id, f"to={to}")
        then(s, request)
        return request


@dataclass
class Closed:
    request: SipRequest
    was: str  # the status before: a request closed before any plan is told so
    cancelled: list[Meeting]  # booked meetings still ahead: the person gets their CANCEL


def close(
    engine: Engine,
    clock: Clock,
    staff: StaffMember,
    request_id: int,
    reason: str,
    then: ThenClosed = _nothing,
) -> Closed:
    """End the request, with the reason kept on it. Meetings still ahead are called off;
    one already begun counts as held. Either way no more reminders go out. `then` gets the
    status before and the meetings called off, and queues what tells of it."""
    with session_scope(engine) as s:
        request = lock_for(s, staff, request_id)
        ensure_acting(staff, request)
        if (code := refusal(request.status, request.consent, "closed")) is not None:
            raise Refused(code)
        now, was = clock(), request.status
        ahead: list[Meeting] = []
        for meeting in s.exec(
            select(Meeting).where(Meeting.request_id == request.id, Meeting.status == "booked")
        ):
            reminders.cancel(s, meeting.id)  # type: ignore[arg-type]
            if meeting.starts_at > now:
                meeting.status = "cancelled"
                meeting.sequence += 1
                ahead.append(meeting)
            else:
                meeting.status = "held"
            s.add(meeting)
        _note(s, request, now, "close", staff, {"text": reason})
        record(s, request, now, "status", "closed", "staff", staff.telegram_id)
        audit(s, now, staff.telegram_id, "status", request.id, "to=closed")
        then(s, request, was, ahead)
        return Closed(request, was, ahead)


def _note(
    s: Session,
    request: SipRequest,
    now: datetime,
    kind: str,
    staff: StaffMember,
    body: dict[str, Any],
) -> RequestNote:
    note = RequestNote(
        request_id=request.id, at=now, kind=kind, staff_id=staff.telegram_id, body=body
    )
    s.add(note)
    return note
