"""Reminders: at the right local times, moved and cancelled with their meeting, never lost.

Time is the fake clock; each sweep is run by the test, as the scheduler would run it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import col, select

from sipbot.chat.reminders import SWEEP_EVERY, ReminderSender
from sipbot.db.engine import session_scope
from sipbot.db.models import Reminder, SipRequest, StaffMember
from sipbot.deployment import ReminderPolicy
from sipbot.meetings import booking
from sipbot.meetings.booking import where
from sipbot.people import save_preferences
from sipbot.playground.emulator import BotApiEmulator
from sipbot.reminders.schedule import is_quiet, out_of_quiet, reminder_times
from sipbot.requests import delete_person_requests, submit_request
from sipbot.staff import members, work
from tests.conftest import FakeClock, RunningBot
from tests.scripts import BRANCHES

TZ = ZoneInfo("Europe/Stockholm")
POLICY = ReminderPolicy()
PERSON, STAFF = 700, 701


def _utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def _local(*args: int) -> datetime:
    return datetime(*args, tzinfo=TZ).astimezone(UTC)


# -- when (no database) --------------------------------------------------------------------


def test_seven_and_one_day_before_at_ten_and_a_preparation_prompt_at_three() -> None:
    times = reminder_times(_local(2026, 12, 3, 13, 30), _utc(2026, 11, 1), TZ, POLICY)
    assert times == [
        ("before_7", _local(2026, 11, 26, 10, 0)),
        ("prepare", _local(2026, 11, 30, 10, 0)),
        ("before_1", _local(2026, 12, 2, 10, 0)),
    ]


@pytest.mark.parametrize(
    ("meeting", "seven_before_utc"),
    [
        # Autumn: the meeting is in winter time, the reminder a week earlier in summer time.
        (_local(2026, 10, 29, 10, 0), _utc(2026, 10, 22, 8, 0)),
        # Spring: the other way round.
        (_local(2026, 3, 31, 10, 0), _utc(2026, 3, 24, 9, 0)),
    ],
)
def test_ten_local_across_daylight_saving(meeting: datetime, seven_before_utc: datetime) -> None:
    times = dict(reminder_times(meeting, _utc(2026, 1, 1), TZ, POLICY))
    assert times["before_7"] == seven_before_utc
    assert times["before_7"].astimezone(TZ).hour == 10
    assert times["before_1"].astimezone(TZ).hour == 10


def test_quiet_hours_move_a_reminder_to_the_morning_and_past_ones_are_left_out() -> None:
    late = ReminderPolicy(
        before_days=[1], at=datetime(2026, 1, 1, 21, 30).time(), prepare_days=None
    )
    (only,) = reminder_times(_local(2026, 12, 3, 10, 0), _utc(2026, 11, 1), TZ, late)
    assert only == ("before_1", _local(2026, 12, 3, 8, 0))  # 21:30 the day before → 08:00
    booked_late = reminder_times(_local(2026, 12, 3, 10, 0), _local(2026, 12, 1, 12, 0), TZ, POLICY)
    assert [kind for kind, _ in booked_late] == ["before_1"]


# -- sending (the real bot's Bot against the emulator) -----------------------------------------


def _setup(bot: RunningBot, emu: BotApiEmulator, clock: FakeClock) -> tuple[StaffMember, int]:
    services = bot.services
    emu.user(PERSON)
    emu.user(STAFF)
    save_preferences(services.engine, PERSON, clock, language="sv", easy=True)
    token = members.create_invite(services.engine, clock, "ostersund")
    staff = members.accept_invite(services.engine, clock, token, STAFF, "Anna")
    assert isinstance(staff, StaffMember)
    script, _ = BRANCHES["self"]
    request = submit_request(
        services.engine,
        services.deployment,
        clock,
        telegram_id=PERSON,
        flow_id="sip_request",
        flow_version=services.flows["sip_request"].version,
        answers=script,
        language="sv",
        easy=True,
        tz=TZ,
    )
    work.claim(services.engine, clock, staff, request.id)  # type: ignore[arg-type]
    return staff, request.id  # type: ignore[return-value]


def _book(bot: RunningBot, clock: FakeClock, staff: StaffMember, rid: int, at: datetime) -> int:
    _, meeting = booking.book(
        bot.services.engine,
        clock,
        staff,
        rid,
        kind="meeting",
        starts_at=at,
        minutes=60,
        place="video",
        detail="https://meet.example/sip",
        tz=TZ,
        policy=POLICY,
    )
    return meeting.id  # type: ignore[return-value]


def _reminders(bot: RunningBot) -> list[Reminder]:
    with session_scope(bot.services.engine) as s:
        return list(s.exec(select(Reminder).order_by(col(Reminder.due_at), col(Reminder.id))))


async def test_booking_reminds_person_and_staff_at_ten_local_then_moves_and_cancels(
    emu: BotApiEmulator, bot: RunningBot, clock: FakeClock
) -> None:
    staff, rid = _setup(bot, emu, clock)
    sender = ReminderSender(bot.services)
    meeting_at = _local(2026, 12, 3, 13, 30)
    _book(bot, clock, staff, rid, meeting_at)
    rows = _reminders(bot)
    assert [(r.kind, r.audience, r.due_at) for r in rows] == [
        ("before_7", "person", _local(2026, 11, 26, 10, 0)),
        ("before_7", "staff", _local(2026, 11, 26, 10, 0)),
        ("prepare", "person", _local(2026, 11, 30, 10, 0)),
        ("before_1", "person", _local(2026, 12, 2, 10, 0)),
        ("before_1", "staff", _local(2026, 12, 2, 10, 0)),
    ]
    person, anna = emu.user(PERSON), emu.user(STAFF)
    t = bot.services.catalogs.texts("sv", easy=True)
    clock.now = _local(2026, 11, 26, 9, 59)
    assert await sender.sweep(bot.app.bot) == 0
    clock.now = _local(2026, 11, 26, 10, 0)
    assert await sender.sweep(bot.app.bot) == 2
    with session_scope(bot.services.engine) as s:
        request = s.get(SipRequest, rid)
        meeting = booking.current(s, rid, "meeting")
    assert request is not None and meeting is not None
    text = t(
        "person.reminder.meeting",
        date=t.datetime(meeting_at),
        reference=request.reference,
        where=where(meeting, t),
    )
    assert person.last.text == text  # type: ignore[union-attr]
    assert request.reference in (anna.last.text or "")  # type: ignore[union-attr]
    # Moved to a week later: the reminders still ahead are replaced; the sent ones stay sent.
    clock.now = _local(2026, 11, 27, 9, 0)
    new_at = _local(2026, 12, 10, 9, 0)
    booking.move_time(bot.services.engine, clock, staff, rid, "meeting", new_at, TZ, POLICY)
    by_status: dict[str, list[tuple[str, datetime]]] = {}
    for r in _reminders(bot):
        by_status.setdefault(r.status, []).append((r.kind, r.due_at))
    assert sorted(by_status["sent"]) == [("before_7", _local(2026, 11, 26, 10, 0))] * 2
    assert len(by_status["cancelled"]) == 3
    assert sorted(set(by_status["pending"])) == [
        ("before_1", _local(2026, 12, 9, 10, 0)),
        ("before_7", _local(2026, 12, 3, 10, 0)),
        ("prepare", _local(2026, 12, 7, 10, 0)),
    ]
    # Called off: nothing more is sent.
    booking.cancel_meeting(bot.services.engine, clock, staff, rid)
    assert {r.status for r in _reminders(bot)} == {"sent", "cancelled"}
    clock.now = _local(2026, 12, 9, 10, 0)
    sent_before = len(person.messages)
    assert await sender.sweep(bot.app.bot) == 0
    assert len(person.messages) == sent_before


async def test_a_blocked_person_is_marked_unreachable_and_staff_are_told(
    emu: BotApiEmulator, bot: RunningBot, clock: FakeClock
) -> None:
    staff, rid = _setup(bot, emu, clock)
    _book(bot, clock, staff, rid, _local(2026, 12, 3, 13, 30))
    emu.block(PERSON)
    clock.now = _local(2026, 11, 26, 10, 0)
    await ReminderSender(bot.services).sweep(bot.app.bot)
    statuses = {(r.audience, r.kind): r.status for r in _reminders(bot) if r.kind == "before_7"}
    assert statuses == {("person", "before_7"): "unreachable", ("staff", "before_7"): "sent"}
    st = bot.services.catalogs.texts("sv", easy=False)
    with session_scope(bot.services.engine) as s:
        reference = s.get(SipRequest, rid).reference  # type: ignore[union-attr]
    told = st("staff.reminder.unreachable", reference=reference)
    assert told in [m.text for m in emu.user(STAFF).messages]


@pytest.mark.parametrize(
    ("status", "wait"), [(429, timedelta(seconds=7)), (500, timedelta(seconds=30))]
)
async def test_429_and_500_are_retried_later(
    emu: BotApiEmulator, bot: RunningBot, clock: FakeClock, status: int, wait: timedelta
) -> None:
    staff, rid = _setup(bot, emu, clock)
    _book(bot, clock, staff, rid, _local(2026, 12, 3, 13, 30))
    sender = ReminderSender(bot.services)
    clock.now = _local(2026, 11, 26, 10, 0)
    emu.inject("sendMessage", status=status, times=1, chat_id=PERSON, retry_after=7)
    await sender.sweep(bot.app.bot)
    person_row = next(r for r in _reminders(bot) if r.audience == "person" and r.kind == "before_7")
    assert (person_row.status, person_row.attempts) == ("pending", 1)
    assert person_row.next_try_at == clock.now + wait
    clock.advance(seconds=wait.total_seconds() - 1)
    await sender.sweep(bot.app.bot)
    assert next(r for r in _reminders(bot) if r.id == person_row.id).status == "pending"
    clock.advance(seconds=1)
    await sender.sweep(bot.app.bot)
    assert next(r for r in _reminders(bot) if r.id == person_row.id).status == "sent"


async def test_after_downtime_due_reminders_go_oldest_first_and_past_events_are_not_sent(
    emu: BotApiEmulator, bot: RunningBot, clock: FakeClock
) -> None:
    staff, rid = _setup(bot, emu, clock)
    _book(bot, clock, staff, rid, _local(2026, 12, 3, 13, 30))
    # Down from before the first reminder until after the day-before one: all three person
    # reminders are due together; they go out in the order they were due.
    clock.now = _local(2026, 12, 3, 9, 0)
    await ReminderSender(bot.services).sweep(bot.app.bot)
    person = [r for r in _reminders(bot) if r.audience == "person"]
    assert [r.status for r in person] == ["sent", "sent", "sent"]
    texts = [m.text or "" for m in emu.user(PERSON).messages]
    t = bot.services.catalogs.texts("sv", easy=True)
    prepare_at = next(
        i for i, x in enumerate(texts) if x.startswith(t("person.reminder.prepare").split("{")[0])
    )
    assert prepare_at == 1  # between the two meeting reminders
    # A meeting already past: its reminder is marked missed, not sent.
    with session_scope(bot.services.engine) as s:
        for r in s.exec(select(Reminder)):
            r.status, r.next_try_at = "pending", r.due_at
            s.add(r)
    clock.now = _local(2026, 12, 3, 14, 0)
    before = len(emu.user(PERSON).messages)
    await ReminderSender(bot.services).sweep(bot.app.bot)
    assert {r.status for r in _reminders(bot)} == {"missed"}
    assert len(emu.user(PERSON).messages) == before


async def test_quiet_hours_hold_a_late_reminder_until_eight(
    emu: BotApiEmulator, bot: RunningBot, clock: FakeClock
) -> None:
    staff, rid = _setup(bot, emu, clock)
    _book(bot, clock, staff, rid, _local(2026, 12, 3, 13, 30))
    clock.now = _local(2026, 11, 26, 22, 15)  # the bot was down until late evening
    sender = ReminderSender(bot.services)
    await sender.sweep(bot.app.bot)
    row = next(r for r in _reminders(bot) if r.kind == "before_7" and r.audience == "person")
    assert (row.status, row.next_try_at) == ("pending", _local(2026, 11, 27, 8, 0))
    assert emu.user(PERSON).messages == []
    clock.now = _local(2026, 11, 27, 8, 0)
    await sender.sweep(bot.app.bot)
    assert next(r for r in _reminders(bot) if r.id == row.id).status == "sent"


async def test_the_sweep_runs_on_the_scheduler(bot: RunningBot) -> None:
    (job,) = bot.app.job_queue.get_jobs_by_name("reminders")  # type: ignore[union-attr]
    assert job.trigger.interval == SWEEP_EVERY  # type: ignore[attr-defined]


async def test_no_reminder_after_the_person_withdrew_or_deleted(
    emu: BotApiEmulator, bot: RunningBot, clock: FakeClock
) -> None:
    staff, rid = _setup(bot, emu, clock)
    _book(bot, clock, staff, rid, _local(2026, 12, 3, 13, 30))
    delete_person_requests(bot.services.engine, clock, PERSON)
    assert _reminders(bot) == []  # erased with the rest of the person's data
    clock.now = _local(2026, 12, 2, 10, 0)
    await ReminderSender(bot.services).sweep(bot.app.bot)
    assert emu.user(PERSON).messages == []


async def test_the_staff_reminder_goes_to_whoever_has_the_request_now(
    emu: BotApiEmulator, bot: RunningBot, clock: FakeClock
) -> None:
    staff, rid = _setup(bot, emu, clock)
    _book(bot, clock, staff, rid, _local(2026, 12, 3, 13, 30))
    colleague = emu.user(702)
    token = members.create_invite(bot.services.engine, clock, "ostersund")
    members.accept_invite(bot.services.engine, clock, token, 702, "Bo")
    work.assign(bot.services.engine, clock, staff, rid, 702)
    clock.now = _local(2026, 11, 26, 10, 0)
    await ReminderSender(bot.services).sweep(bot.app.bot)
    with session_scope(bot.services.engine) as s:
        reference = s.get(SipRequest, rid).reference  # type: ignore[union-attr]
    assert any(reference in (m.text or "") for m in colleague.messages)
    assert not any(reference in (m.text or "") for m in emu.user(STAFF).messages)


async def test_a_booked_meeting_is_left_only_through_booking_and_closing_ends_its_reminders(
    emu: BotApiEmulator, bot: RunningBot, clock: FakeClock
) -> None:
    staff, rid = _setup(bot, emu, clock)
    _book(bot, clock, staff, rid, _local(2026, 12, 3, 13, 30))
    # A forged "back to contacted" would leave the meeting and its reminders behind.
    with pytest.raises(work.Refused, match="not_allowed"):
        work.move(bot.services.engine, clock, staff, rid, "contacted")
    work.close(bot.services.engine, clock, staff, rid, "klart")
    assert {r.status for r in _reminders(bot)} == {"cancelled"}
    clock.now = _local(2026, 12, 2, 10, 0)
    assert await ReminderSender(bot.services).sweep(bot.app.bot) == 0
    assert emu.user(PERSON).messages == []


def test_a_meeting_booked_for_tomorrow_still_gets_a_reminder_and_staff_one_too() -> None:
    # Booked at 15:00 for 10:00 tomorrow: the 1-day reminder (10:00 today) has passed.
    times = reminder_times(_local(2026, 12, 3, 10, 0), _local(2026, 12, 2, 15, 0), TZ, POLICY)
    assert times == [("soon", _local(2026, 12, 3, 8, 0))]
    # 07:30 tomorrow: two hours before is in the quiet night, so the evening before instead.
    early = reminder_times(_local(2026, 12, 3, 7, 30), _local(2026, 12, 2, 15, 0), TZ, POLICY)
    assert early == [("soon", _local(2026, 12, 2, 19, 59))]
    # An hour's notice is inside the window: no reminder can come (staff are told).
    assert reminder_times(_local(2026, 12, 2, 16, 0), _local(2026, 12, 2, 15, 0), TZ, POLICY) == []


def test_quiet_hours_within_one_day_silence_only_that_while() -> None:
    minute = ReminderPolicy(
        quiet_from=datetime(2026, 1, 1, 4, 0).time(),
        quiet_until=datetime(2026, 1, 1, 4, 1).time(),
    )
    times = reminder_times(_local(2026, 12, 3, 13, 30), _utc(2026, 11, 1), TZ, minute)
    assert [due for _, due in times] == [
        _local(2026, 11, 26, 10, 0),
        _local(2026, 11, 30, 10, 0),
        _local(2026, 12, 2, 10, 0),
    ]
    assert not is_quiet(_local(2026, 12, 1, 12, 0), TZ, minute)
    assert is_quiet(_local(2026, 12, 1, 4, 0, 30), TZ, minute)
    assert out_of_quiet(_local(2026, 12, 1, 4, 0, 30), TZ, minute) == _local(2026, 12, 1, 4, 1)
