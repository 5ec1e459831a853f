from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from sipbot.meetings.times import Problem, TimeProblem, parse_meeting_time, slots
from sipbot.workdays import is_working_day

STHLM = ZoneInfo("Europe/Stockholm")
# Friday 20 November 2026, 13:00 in Stockholm (CET, +01:00).
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
DEC_3_10 = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)  # 10:00 CET


def parse(text: str, now: datetime = NOW) -> datetime:
    return parse_meeting_time(text, now, STHLM)


def problem(text: str, now: datetime = NOW, **kwargs: time) -> Problem:
    with pytest.raises(TimeProblem) as info:
        parse_meeting_time(text, now, STHLM, **kwargs)
    return info.value.code


@pytest.mark.parametrize(
    "text",
    [
        "3/12 10:00",
        "3/12 10.00",
        "3/12 kl 10",
        "3/12 kl. 10",
        "3/12 kl 10.00",
        "3/12 klockan 10",
        "3/12/2026 10:00",
        "3/12 2026 10:00",
        "03/12 10:00",
        "2026-12-03 10:00",
        "2026-12-03 10.00",
        "2026-12-03T10:00",
        "2026-12-03t10:00",
        "2026-12-03T10:00:00",
        "2026-12-03 kl 10",
        "3 dec 10:00",
        "3 dec. 10:00",
        "3 december 10:00",
        "3 december 2026 10:00",
        "3 december 2026 kl 10",
        "3:e december kl 10",
        "3dec 10:00",
        "3 DECEMBER 10:00",
        "3/12 KL 10",
        "  3/12    10:00  ",
        "\t3 dec\n10:00",
        "Dec 3 10:00",
        "December 3 10:00",
        "Dec 3rd 2026 10:00",
        "Dec 3, 2026, 10:00",
        "Dec 3 at 10",
        "3 Dec 10:00",
        "tor 3/12 10:00",
        "tors 3/12 10:00",
        "torsdag 3/12 10:00",
        "Thursday, Dec 3 10:00",
        "thu 3 dec kl 10",
    ],
)
def test_accepted_forms(text: str) -> None:
    assert parse(text) == DEC_3_10


@pytest.mark.parametrize(
    ("text", "expected_utc"),
    [
        ("3/12 kl. 10.30", datetime(2026, 12, 3, 9, 30, tzinfo=UTC)),
        ("tis 8/12 13:15", datetime(2026, 12, 8, 12, 15, tzinfo=UTC)),
        ("Tis. 8/12 13.15", datetime(2026, 12, 8, 12, 15, tzinfo=UTC)),
        ("mån 7/12 kl 9", datetime(2026, 12, 7, 8, 0, tzinfo=UTC)),
        ("man 7/12 kl 9", datetime(2026, 12, 7, 8, 0, tzinfo=UTC)),
        ("lör 5/12 kl 9", datetime(2026, 12, 5, 8, 0, tzinfo=UTC)),
        ("9 okt 2027 8:05", datetime(2027, 10, 9, 6, 5, tzinfo=UTC)),
        ("maj 3 10:00", datetime(2027, 5, 3, 8, 0, tzinfo=UTC)),
        ("May 3 10:00", datetime(2027, 5, 3, 8, 0, tzinfo=UTC)),
        ("3 mars 10:00", datetime(2027, 3, 3, 9, 0, tzinfo=UTC)),
        ("1 jan 10:00", datetime(2027, 1, 1, 9, 0, tzinfo=UTC)),
    ],
)
def test_parsed_values(text: str, expected_utc: datetime) -> None:
    result = parse(text)
    assert result == expected_utc
    assert result.tzinfo is UTC


def test_weekday_that_does_not_match_the_date() -> None:
    assert problem("ons 8/12 13:15") is Problem.WEEKDAY_MISMATCH
    assert problem("Monday Dec 8 13:15") is Problem.WEEKDAY_MISMATCH


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "imorgon",
        "3/12",
        "10:00",
        "3/12 10",  # a bare hour needs "kl"
        "3 dec 10",
        "3/1210:00",
        "3/12 kl",
        "2026-12-03",
        "3 foo 10:00",
        "foo 3/12 10:00",
        "3/13 10:00",
        "32/12 10:00",
        "0/12 10:00",
        "31/4 10:00",
        "30/2 10:00",
        "2026-02-30 10:00",
        "3/12 24:00",
        "3/12 10:60",
        "3/12 10:0",
        "3/12 10:00 extra",
        "3/12 -10:00",
        "3/12/26 10:00",
    ],
)
def test_unreadable(text: str) -> None:
    assert problem(text) is Problem.UNREADABLE


def test_problem_is_a_string_code() -> None:
    with pytest.raises(TimeProblem) as info:
        parse("nonsense")
    assert info.value.code == "unreadable"
    assert isinstance(info.value, ValueError)


def test_date_without_year_is_the_next_one_not_in_the_past() -> None:
    # 19 November has gone this year, so it is next year's.
    assert parse("19/11 10:00") == datetime(2027, 11, 19, 9, 0, tzinfo=UTC)
    # Around New Year: January is next year.
    december = datetime(2026, 12, 28, 12, 0, tzinfo=UTC)
    assert parse("4/1 9:00", december) == datetime(2027, 1, 4, 8, 0, tzinfo=UTC)
    assert parse("30/12 9:00", december) == datetime(2026, 12, 30, 8, 0, tzinfo=UTC)


def test_today_without_year() -> None:
    # Now is 13:00 local on 20 November.
    assert parse("20/11 15:00") == datetime(2026, 11, 20, 14, 0, tzinfo=UTC)
    # An earlier time today is a typo, not next year.
    assert problem("20/11 10:00") is Problem.PAST
    assert problem("20/11 13:00") is Problem.PAST


def test_today_is_the_local_date_not_the_utc_date() -> None:
    # 23:30 UTC on 2 December is already 00:30 on 3 December in Stockholm.
    late = datetime(2026, 12, 2, 23, 30, tzinfo=UTC)
    assert parse("3/12 10:00", late) == DEC_3_10
    assert parse("2/12 10:00", late) == datetime(2027, 12, 2, 9, 0, tzinfo=UTC)


def test_leap_day_without_year_is_the_next_leap_year() -> None:
    assert problem("29/2 10:00") is Problem.TOO_FAR  # 2028, more than a year ahead
    in_2027 = datetime(2027, 6, 1, 12, 0, tzinfo=UTC)
    assert parse("29/2 10:00", in_2027) == datetime(2028, 2, 29, 9, 0, tzinfo=UTC)


def test_past_with_explicit_year() -> None:
    assert problem("3/12/2025 10:00") is Problem.PAST
    assert problem("2026-11-19 10:00") is Problem.PAST
    # Past wins over outside hours.
    assert problem("2026-01-01 03:00") is Problem.PAST


def test_too_far() -> None:
    assert problem("3/12/2027 10:00") is Problem.TOO_FAR
    assert problem("2030-01-10 10:00") is Problem.TOO_FAR
    # Exactly 365 days after now is allowed, a minute later is not.
    assert parse("2027-11-20 13:00") == NOW + timedelta(days=365)
    assert problem("2027-11-20 13:01") is Problem.TOO_FAR


@pytest.mark.parametrize(
    ("clock", "inside"),
    [
        ("00:00", False),
        ("06:59", False),
        ("07:00", True),
        ("12:00", True),
        ("19:00", True),
        ("19:01", False),
        ("19:45", False),
        ("20:00", False),
        ("23:59", False),
    ],
)
def test_hour_window(clock: str, inside: bool) -> None:
    text = f"3/12 {clock}"
    if inside:
        assert parse(text).astimezone(STHLM).strftime("%H:%M") == clock
    else:
        assert problem(text) is Problem.OUTSIDE_HOURS


def test_hour_window_can_be_changed() -> None:
    assert problem("3/12 08:00", earliest=time(8, 30)) is Problem.OUTSIDE_HOURS
    bounds = {"earliest": time(6), "latest": time(21)}
    assert parse_meeting_time("3/12 20:30", NOW, STHLM, **bounds) == datetime(
        2026, 12, 3, 19, 30, tzinfo=UTC
    )


@pytest.mark.parametrize(
    ("text", "expected_utc"),
    [
        # Spring 2026: clocks go forward on Sunday 29 March.
        ("2026-03-28 10:00", datetime(2026, 3, 28, 9, 0, tzinfo=UTC)),
        ("29/3 10:00", datetime(2026, 3, 29, 8, 0, tzinfo=UTC)),
        ("2026-03-29 07:00", datetime(2026, 3, 29, 5, 0, tzinfo=UTC)),
        # Autumn 2026: clocks go back on Sunday 25 October.
        ("2026-10-24 10:00", datetime(2026, 10, 24, 8, 0, tzinfo=UTC)),
        ("25 okt 10:00", datetime(2026, 10, 25, 9, 0, tzinfo=UTC)),
        ("2026-10-25 07:00", datetime(2026, 10, 25, 6, 0, tzinfo=UTC)),
    ],
)
def test_dst_changes(text: str, expected_utc: datetime) -> None:
    march = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    assert parse(text, march) == expected_utc


def test_naive_now_is_a_programming_error() -> None:
    with pytest.raises(ValueError) as info:
        parse_meeting_time("3/12 10:00", datetime(2026, 11, 20, 12), STHLM)
    assert not isinstance(info.value, TimeProblem)


def test_now_in_another_zone() -> None:
    now = NOW.astimezone(ZoneInfo("Asia/Tokyo"))
    assert parse("3/12 10:00", now) == DEC_3_10


def test_slots_skip_easter() -> None:
    skartorsdagen = datetime(2026, 4, 2, 8, 0, tzinfo=UTC)
    assert slots(skartorsdagen, STHLM, days=3) == [
        datetime(2026, 4, 7, 7, 0, tzinfo=UTC),
        datetime(2026, 4, 7, 11, 0, tzinfo=UTC),
        datetime(2026, 4, 8, 7, 0, tzinfo=UTC),
        datetime(2026, 4, 8, 11, 0, tzinfo=UTC),
        datetime(2026, 4, 9, 7, 0, tzinfo=UTC),
        datetime(2026, 4, 9, 11, 0, tzinfo=UTC),
    ]


def test_slots_default_two_weeks() -> None:
    result = slots(NOW, STHLM)
    assert len(result) == 28
    assert result == sorted(result)
    assert all(s.tzinfo is UTC for s in result)
    local = [s.astimezone(STHLM) for s in result]
    assert {(t.hour, t.minute) for t in local} == {(9, 0), (13, 0)}
    assert all(is_working_day(t.date()) for t in local)
    # Tomorrow is Saturday, so the first slot is Monday morning.
    assert local[0] == datetime(2026, 11, 23, 9, 0, tzinfo=STHLM)
    # 14 working days from Monday 23 November run to Thursday 10 December.
    assert local[-1] == datetime(2026, 12, 10, 13, 0, tzinfo=STHLM)


def test_slots_start_tomorrow_even_early_in_the_morning() -> None:
    early = datetime(2026, 11, 17, 5, 0, tzinfo=UTC)  # Tuesday 06:00 local
    assert slots(early, STHLM, days=1, hours=(9,)) == [datetime(2026, 11, 18, 8, 0, tzinfo=UTC)]


def test_slots_across_dst_changes() -> None:
    spring = datetime(2026, 3, 26, 12, 0, tzinfo=UTC)  # Thursday
    assert slots(spring, STHLM, days=2, hours=(9,)) == [
        datetime(2026, 3, 27, 8, 0, tzinfo=UTC),  # CET
        datetime(2026, 3, 30, 7, 0, tzinfo=UTC),  # CEST
    ]
    autumn = datetime(2026, 10, 22, 12, 0, tzinfo=UTC)
    assert slots(autumn, STHLM, days=2, hours=(9,)) == [
        datetime(2026, 10, 23, 7, 0, tzinfo=UTC),  # CEST
        datetime(2026, 10, 26, 8, 0, tzinfo=UTC),  # CET
    ]


def test_slots_hours_are_sorted_and_days_zero_is_empty() -> None:
    result = slots(NOW, STHLM, days=1, hours=(13, 9))
    assert [s.astimezone(STHLM).hour for s in result] == [9, 13]
    assert slots(NOW, STHLM, days=0) == []


def test_slots_reject_naive_now() -> None:
    with pytest.raises(ValueError):
        slots(datetime(2026, 11, 20, 12), STHLM)
