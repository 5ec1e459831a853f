"""Reminder rows on their own: made with a booking, cancelled, claimed once, recovered, settled.

The sender's stories (what the person and staff receive) are in test_reminders.py; here the
rows' life is checked directly against the database, with the fake clock.
"""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import col, select

from sipbot.db.engine import session_scope
from sipbot.db.models import Meeting, Reminder, SipRequest
from sipbot.deployment import ReminderPolicy
from sipbot.reminders import store
from sipbot.services import Services
from sipbot.staff import work
from tests.conftest import FakeClock
from tests.test_work_rules import PERSON, TZ, _book, _request, _staff


def _meeting(services: Services, days: int = 10) -> tuple[int, Meeting]:
    anna = _staff(services, 1)
    rid = _request(services)
    work.claim(services.engine, services.clock, anna, rid)
    work.move(services.engine, services.clock, anna, rid, "contacted")
    at = (services.clock() + timedelta(days=days)).replace(hour=12, minute=0)
    return rid, _book(services, anna, rid, "meeting", at)


def _rows(services: Services) -> list[Reminder]:
    with session_scope(services.engine) as s:
        return list(s.exec(select(Reminder).order_by(col(Reminder.due_at), col(Reminder.id))))


def test_rows_for_the_person_and_whoever_has_the_request(
    services: Services, clock: FakeClock
) -> None:
    rid, meeting = _meeting(services)
    policy = ReminderPolicy()
    with session_scope(services.engine) as s:
        request = s.get(SipRequest, rid)
        assert request is not None
        made = store.schedule(s, meeting, request, clock(), TZ, policy)
        assert [(r.kind, r.audience, r.chat_id) for r in made] == [
            ("before_7", "person", PERSON),
            ("before_7", "staff", 1),
            ("prepare", "person", PERSON),  # preparing is the person's, not staff's
            ("before_1", "person", PERSON),
            ("before_1", "staff", 1),
        ]
        assert all(r.status == "pending" and r.next_try_at == r.due_at for r in made)
        assert {r.event_at for r in made} == {meeting.starts_at}
        request.assigned_to = None
        assert {r.audience for r in store.schedule(s, meeting, request, clock(), TZ, policy)} == {
            "person"
        }
        request.assigned_to, request.telegram_id = 1, None
        assert {r.audience for r in store.schedule(s, meeting, request, clock(), TZ, policy)} == {
            "staff"
        }
        s.rollback()


def test_cancel_takes_only_what_has_not_gone_out(services: Services, clock: FakeClock) -> None:
    _, meeting = _meeting(services)
    rows = _rows(services)
    assert len(rows) == 5
    store.finish(services.engine, rows[0].id, "sent", clock())  # type: ignore[arg-type]
    with session_scope(services.engine) as s:
        assert store.cancel(s, meeting.id) == 4  # type: ignore[arg-type]
        assert store.cancel(s, meeting.id) == 0  # type: ignore[arg-type]
    assert [r.status for r in _rows(services)] == ["sent"] + ["cancelled"] * 4


def test_claimed_once_oldest_first_and_only_when_due(services: Services, clock: FakeClock) -> None:
    e = services.engine
    _meeting(services)
    assert store.claim_due(e, clock(), 10) == []  # nothing due yet
    due = [r.due_at for r in _rows(services)]
    first = store.claim_due(e, due[0], 1)  # due exactly now counts
    assert [(r.kind, r.audience, r.status) for r in first] == [("before_7", "person", "sending")]
    assert first[0].claimed_at == due[0] and first[0].claim
    second = store.claim_due(e, due[0], 10)  # the other one due then; the first is taken
    assert [(r.kind, r.audience) for r in second] == [("before_7", "staff")]
    assert second[0].claim != first[0].claim
    assert store.claim_due(e, due[0], 10) == []
    later = store.claim_due(e, due[-1] + timedelta(days=1), 2)
    assert [r.kind for r in later] == ["prepare", "before_1"]


def test_a_lost_claim_is_put_back_after_five_minutes_or_all_at_start(
    services: Services, clock: FakeClock
) -> None:
    e = services.engine
    _meeting(services)
    at = _rows(services)[0].due_at
    assert len(store.claim_due(e, at, 10)) == 2
    assert store.recover(e, at + timedelta(minutes=5)) == 0  # exactly five: still its own
    assert store.recover(e, at + timedelta(minutes=5, seconds=1)) == 2
    assert {r.status for r in _rows(services)[:2]} == {"pending"}
    assert {r.claim for r in _rows(services)} == {None}
    assert len(store.claim_due(e, at, 10)) == 2
    assert store.recover(e, at) == 0  # fresh claims are left alone
    assert store.recover(e, at, all_sending=True) == 2  # at start: every one still sending
    assert store.recover(e, at, all_sending=True) == 0


def test_the_outcome_is_kept(services: Services, clock: FakeClock) -> None:
    e = services.engine
    _meeting(services)
    at = _rows(services)[0].due_at
    sent, failed = store.claim_due(e, at, 10)
    store.finish(e, sent.id, "sent", at)
    store.finish(e, failed.id, "pending", at, error="429", retry_at=at + timedelta(seconds=30))
    rows = {r.id: r for r in _rows(services)}
    done, waiting = rows[sent.id], rows[failed.id]
    assert (done.status, done.sent_at, done.attempts, done.claim) == ("sent", at, 1, None)
    assert done.last_error is None
    assert (waiting.status, waiting.next_try_at) == ("pending", at + timedelta(seconds=30))
    assert (waiting.attempts, waiting.last_error, waiting.sent_at) == (1, "429", None)
    assert store.claim_due(e, at + timedelta(seconds=29), 10) == []
    (again,) = store.claim_due(e, at + timedelta(seconds=30), 10)
    store.finish(e, again.id, "unreachable", at, error="403")
    row = next(r for r in _rows(services) if r.id == again.id)
    assert (row.status, row.attempts, row.sent_at, row.last_error) == (
        "unreachable",
        2,
        None,
        "403",
    )
    store.finish(e, 10_000, "sent", at)  # a row deleted since: nothing to do, no error
