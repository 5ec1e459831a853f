"""When reminders fall: the quiet hours at both ends of the night, and the planned times."""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest

from sipbot.deployment import ReminderPolicy
from sipbot.reminders.schedule import is_quiet, out_of_quiet, reminder_times

TZ = ZoneInfo("Europe/Stockholm")
POLICY = ReminderPolicy()  # quiet from 20:00 until 08:00, reminders at 10:00


def local(y: int, mo: int, d: int, h: int, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=TZ)


@pytest.mark.parametrize(
    ("hour", "minute", "quiet"),
    [
        (0, 0, True),
        (5, 30, True),  # the morning half of the night
        (7, 59, True),
        (8, 0, False),  # quiet ends at eight
        (12, 0, False),
        (19, 59, False),
        (20, 0, True),  # quiet starts at eight in the evening
        (23, 30, True),
    ],
)
def test_quiet_hours_cover_evening_and_morning(hour: int, minute: int, quiet: bool) -> None:
    assert is_quiet(local(2026, 11, 24, hour, minute), TZ, POLICY) is quiet


def test_an_early_morning_time_waits_until_eight_the_same_day() -> None:
    moved = out_of_quiet(local(2026, 11, 24, 5, 30), TZ, POLICY)
    assert moved == local(2026, 11, 24, 8, 0).astimezone(UTC)


def test_a_late_evening_time_waits_until_eight_the_next_day() -> None:
    moved = out_of_quiet(local(2026, 11, 24, 21, 15), TZ, POLICY)
    assert moved == local(2026, 11, 25, 8, 0).astimezone(UTC)


def test_a_daytime_moment_is_left_as_it_is() -> None:
    moment = local(2026, 11, 24, 8, 0)
    assert out_of_quiet(moment, TZ, POLICY) == moment


def test_the_quiet_hours_are_read_in_local_time() -> None:
    # 06:30 UTC is 07:30 in Stockholm in winter: still quiet there.
    assert is_quiet(datetime(2026, 11, 24, 6, 30, tzinfo=UTC), TZ, POLICY)
    assert not is_quiet(datetime(2026, 11, 24, 7, 0, tzinfo=UTC), TZ, POLICY)


def test_other_quiet_hours_are_kept() -> None:
    policy = ReminderPolicy(quiet_from=time(22, 0), quiet_until=time(6, 0))
    assert not is_quiet(local(2026, 11, 24, 21, 0), TZ, policy)
    assert is_quiet(local(2026, 11, 24, 5, 59), TZ, policy)
    assert out_of_quiet(local(2026, 11, 24, 3, 0), TZ, policy) == local(2026, 11, 24, 6, 0)


def test_reminders_fall_on_the_planned_days_in_order() -> None:
    starts = local(2026, 12, 10, 13, 0)
    now = local(2026, 11, 24, 9, 0)
    assert reminder_times(starts, now, TZ, POLICY) == [
        ("before_7", local(2026, 12, 3, 10, 0)),
        ("prepare", local(2026, 12, 7, 10, 0)),
        ("before_1", local(2026, 12, 9, 10, 0)),
    ]


def test_a_reminder_set_in_the_morning_quiet_moves_to_eight() -> None:
    policy = ReminderPolicy(before_days=[1], at=time(6, 0), prepare_days=None)
    starts = local(2026, 12, 10, 13, 0)
    assert reminder_times(starts, local(2026, 11, 24, 9, 0), TZ, policy) == [
        ("before_1", local(2026, 12, 9, 8, 0))
    ]


def test_reminders_already_past_or_not_before_the_meeting_are_left_out() -> None:
    starts = local(2026, 12, 10, 9, 0)  # the day-of reminder at 10:00 would be after it
    policy = ReminderPolicy(before_days=[0, 1, 20], prepare_days=None)
    now = local(2026, 12, 1, 9, 0)  # 20 days before has gone
    assert reminder_times(starts, now, TZ, policy) == [("before_1", local(2026, 12, 9, 10, 0))]


def test_a_reminder_due_exactly_now_is_left_out() -> None:
    # The day-before reminder falls exactly now: it is left out, and the meeting still gets
    # its short-notice reminder instead (issue 9: every meeting gets at least one).
    starts = local(2026, 12, 10, 13, 0)
    policy = ReminderPolicy(before_days=[1], prepare_days=None)
    now = local(2026, 12, 9, 10, 0)
    assert [kind for kind, _ in reminder_times(starts, now, TZ, policy)] == ["soon"]


def test_evening_quiet_starts_at_eight_exactly_and_waits_for_the_next_morning() -> None:
    moved = out_of_quiet(local(2026, 11, 24, 20, 0), TZ, POLICY)
    assert moved == local(2026, 11, 25, 8, 0).astimezone(UTC)
    moved = out_of_quiet(local(2026, 11, 24, 0, 0), TZ, POLICY)  # midnight: the same morning
    assert moved == local(2026, 11, 24, 8, 0).astimezone(UTC)


def test_quiet_hours_within_one_day_and_none_at_all() -> None:
    short = ReminderPolicy(quiet_from=time(4, 0), quiet_until=time(4, 1))
    assert [is_quiet(local(2026, 11, 24, 4, m), TZ, short) for m in (0, 1)] == [True, False]
    assert not is_quiet(local(2026, 11, 24, 3, 59), TZ, short)
    assert out_of_quiet(local(2026, 11, 24, 4, 0), TZ, short) == local(2026, 11, 24, 4, 1)
    none = ReminderPolicy(quiet_from=time(8, 0), quiet_until=time(8, 0))  # from = until: never
    assert not any(is_quiet(local(2026, 11, 24, h), TZ, none) for h in (0, 8, 12, 23))


def _soon(starts: datetime, now: datetime) -> list[tuple[str, datetime]]:
    policy = ReminderPolicy(before_days=[1], prepare_days=None)
    return reminder_times(starts, now, TZ, policy)


def test_a_short_notice_reminder_comes_two_hours_before() -> None:
    starts = local(2026, 12, 10, 13, 0)
    assert _soon(starts, local(2026, 12, 10, 9, 0)) == [("soon", local(2026, 12, 10, 11, 0))]
    # Booked exactly two hours before: that moment is now, so there is no reminder left.
    assert _soon(starts, local(2026, 12, 10, 11, 0)) == []


def test_a_short_notice_reminder_in_the_morning_quiet_comes_the_evening_before() -> None:
    # 09:00 meeting: two hours before is 07:00, quiet; it comes at 19:59 the evening before.
    starts = local(2026, 12, 10, 9, 0)
    evening = local(2026, 12, 9, 19, 59).astimezone(UTC)
    assert _soon(starts, local(2026, 12, 9, 15, 0)) == [("soon", evening)]
    # Booked in the night already: that evening has gone, so no reminder at all.
    assert _soon(starts, local(2026, 12, 10, 1, 0)) == []


def test_a_short_notice_reminder_in_the_evening_quiet_comes_before_eight() -> None:
    starts = local(2026, 12, 10, 22, 30)  # two hours before is 20:30, quiet
    evening = local(2026, 12, 10, 19, 59).astimezone(UTC)
    assert _soon(starts, local(2026, 12, 10, 15, 0)) == [("soon", evening)]


def test_a_day_reminder_falling_exactly_at_the_start_is_left_out() -> None:
    policy = ReminderPolicy(before_days=[0], at=time(13, 0), prepare_days=None)
    starts = local(2026, 12, 10, 13, 0)
    kinds = [kind for kind, _ in reminder_times(starts, local(2026, 12, 1, 9, 0), TZ, policy)]
    assert kinds == ["soon"]
