"""Two staff acting on one request at the same moment: exactly one of them wins.

Real threads on the real database (SQLite, and PostgreSQL with SIPBOT_TEST_DATABASE_URL):
each action's check and write are one conditional UPDATE or happen under the row's lock.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime

from sqlmodel import select

from sipbot.db.engine import session_scope
from sipbot.db.models import SipRequest, StaffMember
from sipbot.requests import submit_request
from sipbot.services import Services
from sipbot.staff import work

PAIRS = 10


def _member(services: Services, uid: int, unit: str, role: str = "staff") -> StaffMember:
    with session_scope(services.engine) as s:
        member = StaffMember(
            telegram_id=uid, unit=unit, role=role, name=f"m{uid}", created_at=services.clock()
        )
        s.add(member)
        return member


def _request(services: Services) -> SipRequest:
    return submit_request(
        services.engine,
        services.deployment,
        services.clock,
        telegram_id=5000,
        flow_id="sip_request",
        flow_version=1,
        answers={"municipality": "ostersund", "role": "self"},
        language="sv",
        easy=False,
        tz=services.settings.tz,
    )


def _race(*calls: Callable[[], object]) -> list[object]:
    """Run the calls in threads released together; each result or the exception raised."""
    gate = threading.Barrier(len(calls))
    results: list[object] = [None] * len(calls)

    def run(i: int) -> None:
        gate.wait()
        try:
            results[i] = calls[i]()
        except Exception as exc:
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    return results


def _one_won(results: list[object]) -> None:
    refused = [r for r in results if isinstance(r, work.Refused)]
    others = [r for r in results if isinstance(r, Exception) and not isinstance(r, work.Refused)]
    assert others == [], others
    assert len(refused) == len(results) - 1, results


def test_two_claims_at_once_one_wins(services: Services) -> None:
    unit = services.deployment.municipality("ostersund").intake_unit
    anna, bo = _member(services, 801, unit), _member(services, 802, unit)
    for _ in range(PAIRS):
        rid = _request(services).id
        assert rid is not None
        results = _race(
            lambda rid=rid: work.claim(services.engine, services.clock, anna, rid),
            lambda rid=rid: work.claim(services.engine, services.clock, bo, rid),
        )
        _one_won(results)
        with session_scope(services.engine) as s:
            row = s.get(SipRequest, rid)
            assert row is not None
            winner = next(r for r in results if isinstance(r, SipRequest))
            assert row.assigned_to == winner.assigned_to


def test_assign_and_transfer_at_once_one_wins(services: Services) -> None:
    """The holder transfers while a colleague claims it back from them: never both."""
    unit = services.deployment.municipality("ostersund").intake_unit
    anna, bo = _member(services, 811, unit), _member(services, 812, unit)
    units = [u.id for u in services.deployment.units]
    other = next(u for u in units if u != unit)
    for _ in range(PAIRS):
        rid = _request(services).id
        assert rid is not None
        work.claim(services.engine, services.clock, anna, rid)
        results = _race(
            lambda rid=rid: work.transfer(
                services.engine, services.clock, anna, rid, other, units, "x"
            ),
            lambda rid=rid: work.release(services.engine, services.clock, anna, rid),
            lambda rid=rid: work.assign(services.engine, services.clock, bo, rid, bo.telegram_id),
        )
        # The transfer and the release both belong to Anna; one of them may run first and the
        # other still be allowed (release then transfer is refused: claim first). What never
        # happens: the request in the other unit and still held by someone of the old one.
        for r in results:
            assert not isinstance(r, Exception) or isinstance(r, work.Refused), r
        with session_scope(services.engine) as s:
            row = s.get(SipRequest, rid)
            assert row is not None
            if row.unit == other:
                assert row.assigned_to is None


def test_claim_races_are_decided_by_the_database(services: Services) -> None:
    """A claim made while another commits sees it: the loser's refusal says taken."""
    unit = services.deployment.municipality("ostersund").intake_unit
    anna, bo = _member(services, 821, unit), _member(services, 822, unit)
    rid = _request(services).id
    assert rid is not None
    work.claim(services.engine, services.clock, anna, rid)
    try:
        work.claim(services.engine, services.clock, bo, rid)
    except work.Refused as refused:
        assert refused.code == "taken"
    else:
        raise AssertionError("a second claim won")


def test_two_bookings_at_once_book_one_meeting(services: Services) -> None:
    from sipbot.db.models import Meeting
    from sipbot.meetings import booking

    unit = services.deployment.municipality("ostersund").intake_unit
    admin = _member(services, 831, unit, "admin")
    at = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)

    def book(rid: int) -> object:
        return booking.book(
            services.engine,
            services.clock,
            admin,
            rid,
            kind="meeting",
            starts_at=at,
            minutes=60,
            place="office",
            detail=None,
            tz=services.settings.tz,
            policy=services.deployment.reminders,
        )

    for _ in range(PAIRS):
        rid = _request(services).id
        assert rid is not None
        _one_won(_race(lambda rid=rid: book(rid), lambda rid=rid: book(rid)))
        with session_scope(services.engine) as s:
            booked = s.exec(select(Meeting).where(Meeting.request_id == rid)).all()
            assert len(booked) == 1
