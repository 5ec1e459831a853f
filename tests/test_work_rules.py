"""What staff may do to a request, and what each action changes: the rules in staff/work.py.

The stories through the chat are in test_staff_actions.py and test_staff_flow.py; here each
rule is stated on its own against a real database, so a broken rule fails fast and by name.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import col, select

from sipbot.db.engine import session_scope
from sipbot.db.models import (
    AuditEntry,
    Meeting,
    Reminder,
    RequestEvent,
    RequestNote,
    SipRequest,
    StaffMember,
)
from sipbot.deployment import ReminderPolicy
from sipbot.meetings import booking
from sipbot.requests import submit_request
from sipbot.services import Services
from sipbot.staff import members, work
from sipbot.staff.work import Refused
from tests.conftest import FakeClock
from tests.scripts import BRANCHES

TZ = ZoneInfo("Europe/Stockholm")
UNITS = ["ostersund", "are", "berg"]
PERSON = 800


def _staff(
    services: Services, uid: int, unit: str = "ostersund", role: str = "staff"
) -> StaffMember:
    token = members.create_invite(services.engine, services.clock, unit, role)
    member = members.accept_invite(services.engine, services.clock, token, uid, f"S{uid}")
    assert isinstance(member, StaffMember)
    return member


def _request(services: Services, branch: str = "self") -> int:
    script, _ = BRANCHES[branch]
    request = submit_request(
        services.engine,
        services.deployment,
        services.clock,
        telegram_id=PERSON,
        flow_id="sip_request",
        flow_version=services.flows["sip_request"].version,
        answers=script,
        language="sv",
        easy=False,
        tz=TZ,
    )
    assert request.id is not None
    return request.id


def _row(services: Services, rid: int) -> SipRequest:
    with session_scope(services.engine) as s:
        row = s.get(SipRequest, rid)
        assert row is not None
        return row


def _events(services: Services, rid: int) -> list[tuple[str, str, str | None]]:
    with session_scope(services.engine) as s:
        rows = s.exec(
            select(RequestEvent)
            .where(RequestEvent.request_id == rid)
            .order_by(col(RequestEvent.id))
        )
        return [(e.kind, e.value, e.detail) for e in rows]


def _notes(services: Services, rid: int) -> list[tuple[str, dict]]:  # type: ignore[type-arg]
    with session_scope(services.engine) as s:
        rows = s.exec(
            select(RequestNote).where(RequestNote.request_id == rid).order_by(col(RequestNote.id))
        )
        return [(n.kind, n.body) for n in rows]


def _audit(services: Services) -> list[tuple[str, int | None, str | None]]:
    with session_scope(services.engine) as s:
        rows = s.exec(select(AuditEntry).order_by(col(AuditEntry.id)))
        return [(a.action, a.request_id, a.detail) for a in rows]


def _refused(code: str, call, *args, **kw) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(Refused) as info:
        call(*args, **kw)
    assert info.value.code == code and str(info.value) == code  # logged by its code


def _book(services: Services, staff: StaffMember, rid: int, kind: str, at: datetime) -> Meeting:
    _, meeting = booking.book(
        services.engine,
        services.clock,
        staff,
        rid,
        kind=kind,
        starts_at=at,
        minutes=60,
        place="video",
        detail="https://meet.example/sip",
        tz=TZ,
        policy=ReminderPolicy(),
    )
    return meeting


def _booked(services: Services, staff: StaffMember) -> tuple[int, Meeting]:
    rid = _request(services)
    work.claim(services.engine, services.clock, staff, rid)
    work.move(services.engine, services.clock, staff, rid, "contacted")
    at = services.clock() + timedelta(days=10)
    return rid, _book(services, staff, rid, "meeting", at.replace(hour=9, minute=0))


def test_a_request_of_another_unit_is_not_found_for_anything(services: Services) -> None:
    e, c = services.engine, services.clock
    rid = _request(services)  # Östersund's
    other = _staff(services, 1, "are")
    _refused("not_found", work.view, e, c, other, rid)
    _refused("not_found", work.claim, e, c, other, rid)
    _refused("not_found", work.check_acting, e, other, rid)
    _refused("not_found", work.add_note, e, c, other, rid, "x")
    _refused("not_found", work.release, e, c, other, rid)
    _refused("not_found", work.view, e, c, _staff(services, 2), rid + 1000)
    assert _row(services, rid).assigned_to is None and _notes(services, rid) == []


def test_one_claim_wins_and_the_others_learn_why(services: Services) -> None:
    e, c = services.engine, services.clock
    anna, bo = _staff(services, 1), _staff(services, 2)
    rid = _request(services)
    hooked: list[int] = []
    claimed = work.claim(e, c, anna, rid, lambda s, r: hooked.append(r.id))
    assert hooked == [rid]  # the notices of the change are queued in its transaction
    assert claimed.assigned_to == 1 and claimed.claimed_at == c()
    _refused("yours_already", work.claim, e, c, anna, rid)
    _refused("taken", work.claim, e, c, bo, rid)
    _refused("taken", work.check_acting, e, bo, rid)
    assert work.check_acting(e, anna, rid).id == rid
    # Released and claimed again: the first claim's time is kept for the figures.
    first = c()
    c.advance(hours=2)  # type: ignore[attr-defined]
    assert work.release(e, c, anna, rid).assigned_to is None
    _refused("claim_first", work.release, e, c, anna, rid)
    _refused("claim_first", work.check_acting, e, bo, rid)
    again = work.claim(e, c, bo, rid)
    assert again.assigned_to == 2 and again.claimed_at == first
    assert [(k, v) for k, v, _ in _events(services, rid) if k == "assign"] == [
        ("assign", "1"),
        ("assign", ""),
        ("assign", "2"),
    ]
    assert [a for a, _, _ in _audit(services) if a in ("claim", "release")] == [
        "claim",
        "release",
        "claim",
    ]


def test_an_ended_request_cannot_be_claimed_or_changed(services: Services) -> None:
    e, c = services.engine, services.clock
    anna = _staff(services, 1)
    rid = _request(services)
    work.claim(e, c, anna, rid)
    work.decline(e, c, anna, rid, "Inte SIP", "Ring vårdcentralen")
    assert _row(services, rid).status == "declined"
    _refused("ended", work.claim, e, c, _staff(services, 2), rid)
    _refused("ended", work.check_acting, e, anna, rid)
    _refused("ended", work.move, e, c, anna, rid, "contacted")
    _refused("ended", work.message_person, e, c, anna, rid, "Hej")
    assert _notes(services, rid) == [
        ("decline", {"text": "Inte SIP", "suggestion": "Ring vårdcentralen"})
    ]


def test_an_admin_acts_without_claiming(services: Services) -> None:
    e, c = services.engine, services.clock
    admin = _staff(services, 9, role="admin")
    rid = _request(services)
    assert work.check_acting(e, admin, rid).assigned_to is None
    work.move(e, c, admin, rid, "contacted")
    assert _row(services, rid).status == "contacted"


def test_assign_to_a_colleague_of_the_unit_only(services: Services) -> None:
    e, c = services.engine, services.clock
    anna, bo, cia = _staff(services, 1), _staff(services, 2), _staff(services, 3)
    elsewhere = _staff(services, 4, "are")
    rid = _request(services)
    # Unassigned: anyone of the unit may give it to a colleague.
    assigned = work.assign(e, c, anna, rid, 2)
    assert assigned.assigned_to == 2 and assigned.claimed_at == c()
    # Assigned: only the one who has it.
    _refused("taken", work.assign, e, c, anna, rid, 1)
    _refused("no_colleague", work.assign, e, c, bo, rid, 4)
    _refused("no_colleague", work.assign, e, c, bo, rid, 999)
    members.remove(e, c, 3)
    _refused("no_colleague", work.assign, e, c, bo, rid, cia.telegram_id)
    assert work.assign(e, c, bo, rid, 1).assigned_to == 1
    assert [v for k, v, _ in _events(services, rid) if k == "assign"] == ["2", "1"]
    assert ("assign", rid, "to=1") in _audit(services)
    assert elsewhere.unit == "are"


def test_transfer_moves_it_unassigned_and_calls_off_what_was_booked(services: Services) -> None:
    e, c = services.engine, services.clock
    anna = _staff(services, 1)
    rid, meeting = _booked(services, anna)
    with session_scope(e) as s:
        row = s.get(SipRequest, rid)
        row.escalated_at = c()  # type: ignore[union-attr]
        s.add(row)
    _refused("taken", work.transfer, e, c, _staff(services, 2), rid, "are", UNITS, "x")
    _refused("no_unit", work.transfer, e, c, anna, rid, "ostersund", UNITS, "x")
    _refused("no_unit", work.transfer, e, c, anna, rid, "mars", UNITS, "x")
    moved, cancelled = work.transfer(e, c, anna, rid, "are", UNITS, "Flyttat")
    assert (moved.unit, moved.assigned_to, moved.escalated_at) == ("are", None, None)
    assert [m.id for m in cancelled] == [meeting.id] and cancelled[0].sequence == 1
    assert moved.status == "contacted" and moved.meeting_at is None
    assert ("transfer", {"text": "Flyttat", "from": "ostersund"}) in _notes(services, rid)
    assert ("transfer", "are", None) in _events(services, rid)
    assert ("transfer", rid, "to=are") in _audit(services)
    assert ("meeting.cancel", rid, f"meeting={meeting.id}") in _audit(services)
    with session_scope(e) as s:
        assert s.get(Meeting, meeting.id).status == "cancelled"  # type: ignore[union-attr]
        statuses = {r.status for r in s.exec(select(Reminder))}
    assert statuses == {"cancelled"}
    _refused("not_found", work.check_acting, e, anna, rid)  # Åre's now


def test_calling_off_a_follow_up_goes_back_to_the_plan(services: Services) -> None:
    e, c = services.engine, services.clock
    anna = _staff(services, 1)
    rid, meeting = _booked(services, anna)
    _book(services, anna, rid, "followup", meeting.starts_at + timedelta(days=30))
    assert _row(services, rid).status == "followup_booked"
    with session_scope(e) as s:
        request = s.get(SipRequest, rid)
        assert request is not None
        meeting_at = request.meeting_at
        off = work.call_off_meetings(s, request, c(), None)
        assert sorted((m.kind, m.sequence) for m in off) == [("followup", 1), ("meeting", 1)]
        assert request.status == "plan_made" and request.followup_at is None
        assert request.meeting_at == meeting_at is not None
    events = _events(services, rid)
    assert events[-1] == ("status", "plan_made", None)


def test_consent_is_confirmed_with_how_and_over_a_no_only_with_a_reason(
    services: Services,
) -> None:
    e, c = services.engine, services.clock
    anna = _staff(services, 1, "berg")
    rid = _request(services, "relative_without_link")  # Berg's
    _refused("claim_first", work.confirm_consent, e, c, anna, rid, "spoken", date(2026, 11, 23))
    work.claim(e, c, anna, rid)
    _refused("not_allowed", work.confirm_consent, e, c, anna, rid, "mail", date(2026, 11, 23))
    done = work.confirm_consent(e, c, anna, rid, "spoken", date(2026, 11, 23))
    assert done.consent == "confirmed"
    assert _events(services, rid)[-1] == ("consent", "confirmed", "how=spoken date=2026-11-23")
    # The person said no through the link: staff may go over it only with a reason.
    with session_scope(e) as s:
        row = s.get(SipRequest, rid)
        row.consent = "person_refused"  # type: ignore[union-attr]
        s.add(row)
    _refused("person_refused", work.confirm_consent, e, c, anna, rid, "written", date(2026, 11, 23))
    work.confirm_consent(e, c, anna, rid, "written", date(2026, 11, 23), "Sa ja i telefon")
    detail = "how=written date=2026-11-23 over=person_refused"
    assert _events(services, rid)[-1] == ("consent", "confirmed", detail)
    assert ("consent_override", {"text": "Sa ja i telefon"}) in _notes(services, rid)
    assert ("consent", rid, detail) in _audit(services)
    with session_scope(e) as s:
        row = s.get(SipRequest, rid)
        row.consent = "withdrawn"  # type: ignore[union-attr]
        s.add(row)
    _refused("ended", work.confirm_consent, e, c, anna, rid, "bot", date(2026, 11, 23), "x")


def test_notes_by_anyone_of_the_unit_messages_by_who_has_it(services: Services) -> None:
    e, c = services.engine, services.clock
    anna, bo = _staff(services, 1), _staff(services, 2)
    rid = _request(services)
    note = work.add_note(e, c, bo, rid, "Ring efter tre")  # not claimed: still allowed
    assert (note.kind, note.body, note.staff_id) == ("note", {"text": "Ring efter tre"}, 2)
    _refused("claim_first", work.message_person, e, c, anna, rid, "Hej")
    work.claim(e, c, anna, rid)
    assert work.message_person(e, c, anna, rid, "Hej Klara").id == rid
    assert _notes(services, rid)[-1] == ("to_person", {"text": "Hej Klara"})
    assert [a for a, _, _ in _audit(services) if a in ("note", "message")] == ["note", "message"]
    with session_scope(e) as s:
        row = s.get(SipRequest, rid)
        row.telegram_id = None  # type: ignore[union-attr]
        s.add(row)
    _refused("unreachable", work.message_person, e, c, anna, rid, "Hej")


def test_a_reply_is_kept_only_on_the_persons_own_open_request(services: Services) -> None:
    e, c = services.engine, services.clock
    rid = _request(services)
    told: list[int] = []
    body = {"text": "Tack"}
    assert work.person_replied(e, c, PERSON + 1, rid, body) is None
    assert work.person_replied(e, c, PERSON, rid + 1000, body) is None
    kept = work.person_replied(e, c, PERSON, rid, body, lambda s, r: told.append(r.id))
    assert kept is not None and told == [rid]
    assert _notes(services, rid) == [("from_person", body)]
    anna = _staff(services, 1)
    work.claim(e, c, anna, rid)
    work.decline(e, c, anna, rid, "x", "y")
    assert work.person_replied(e, c, PERSON, rid, body) is None
    assert len(_notes(services, rid)) == 2  # the decline's, and no second reply


def test_moves_outside_booking_and_their_refusals(services: Services) -> None:
    e, c = services.engine, services.clock
    anna = _staff(services, 1)
    rid = _request(services)
    work.claim(e, c, anna, rid)
    for to in ("meeting_booked", "followup_booked", "plan_made", "declined", "closed"):
        _refused("not_allowed", work.move, e, c, anna, rid, to)
    moved = work.move(e, c, anna, rid, "contacted")
    assert moved.status == "contacted"
    assert _events(services, rid)[-1] == ("status", "contacted", None)
    assert ("status", rid, "to=contacted") in _audit(services)
    _refused("not_allowed", work.move, e, c, anna, rid, "contacted")  # already there
    _refused("not_allowed", work.move, e, c, anna, rid, "new")
    # Declining: from new or contacted, with the reason kept.
    work.decline(e, c, anna, rid, "Inte SIP", "Ring 1177")
    _refused("ended", work.decline, e, c, anna, rid, "x", "y")
    rid2, _ = _booked(services, anna)
    _refused("not_allowed", work.move, e, c, anna, rid2, "contacted")  # only by calling off
    _refused("not_allowed", work.decline, e, c, anna, rid2, "x", "y")


def test_closing_calls_off_meetings_ahead_and_counts_a_begun_one_as_held(
    services: Services, clock: FakeClock
) -> None:
    e = services.engine
    anna = _staff(services, 1)
    rid, meeting = _booked(services, anna)
    ahead = work.close(e, clock, anna, rid, "Klart")
    assert ahead.was == "meeting_booked" and [m.id for m in ahead.cancelled] == [meeting.id]
    assert ahead.cancelled[0].sequence == 1 and ahead.request.status == "closed"
    assert ("close", {"text": "Klart"}) in _notes(services, rid)
    _refused("ended", work.close, e, clock, anna, rid, "igen")
    # A meeting already begun when the request is closed was held, not called off.
    rid2, begun = _booked(services, anna)
    clock.now = begun.starts_at + timedelta(minutes=5)
    held = work.close(e, clock, anna, rid2, "Klart")
    assert held.cancelled == []
    with session_scope(e) as s:
        assert s.get(Meeting, begun.id).status == "held"  # type: ignore[union-attr]
        assert s.get(Meeting, begun.id).sequence == 0  # type: ignore[union-attr]
        pending = [r for r in s.exec(select(Reminder)) if r.status == "pending"]
    assert pending == []
    # Not from new: nothing to close before contact.
    rid3 = _request(services)
    work.claim(e, clock, anna, rid3)
    _refused("not_allowed", work.close, e, clock, anna, rid3, "x")


def test_a_card_shows_the_history_and_notes_and_the_look_is_logged(services: Services) -> None:
    e, c = services.engine, services.clock
    anna = _staff(services, 1)
    rid = _request(services)
    work.add_note(e, c, anna, rid, "Ring efter tre")
    work.claim(e, c, anna, rid)
    card = work.view(e, c, anna, rid)
    assert card.request.id == rid
    assert [(ev.kind, ev.value) for ev in card.events][-1] == ("assign", "1")
    assert [(n.kind, n.body) for n in card.notes] == [("note", {"text": "Ring efter tre"})]
    assert ("view", rid, None) in _audit(services)
