"""A typed year is taken as written: checked as a real date, never moved to another year."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from sipbot.meetings.times import Problem, TimeProblem, parse_meeting_time

STHLM = ZoneInfo("Europe/Stockholm")
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)  # Friday 20 November 2026, 13:00 local


def problem(text: str) -> Problem:
    with pytest.raises(TimeProblem) as info:
        parse_meeting_time(text, NOW, STHLM)
    return info.value.code


def test_a_date_that_does_not_exist_in_the_typed_year_is_unreadable() -> None:
    assert problem("29/2/2027 10:00") is Problem.UNREADABLE  # 2027 is no leap year
    assert problem("2026-12-32 10:00") is Problem.UNREADABLE


def test_a_typed_year_is_kept_even_when_the_date_has_gone() -> None:
    # Without a year, 19 November would be next year's; with one, it is the past.
    assert problem("19/11/2026 10:00") is Problem.PAST


def test_a_typed_year_this_year_is_that_day() -> None:
    assert parse_meeting_time("3/12/2026 10:00", NOW, STHLM) == datetime(
        2026, 12, 3, 9, 0, tzinfo=UTC
    )


@pytest.mark.parametrize(
    "text", ["3/12/2027 10:00", "3/12 2027 kl 10", "3 dec 2027 10:00", "December 3rd 2027 10:00"]
)
def test_a_typed_later_year_is_that_year_not_this_one(text: str) -> None:
    # Without its year, 3 December is two weeks away; with 2027 it is beyond the booking range.
    assert problem(text) is Problem.TOO_FAR


def test_a_typed_next_year_within_reach_is_taken_as_written() -> None:
    # 19 November has gone this year: written 2027 it is the same day a year ahead of it.
    assert parse_meeting_time("19/11/2027 10:00", NOW, STHLM) == datetime(
        2027, 11, 19, 9, 0, tzinfo=UTC
    )
    assert parse_meeting_time("2027-01-05 10:00", NOW, STHLM) == datetime(
        2027, 1, 5, 9, 0, tzinfo=UTC
    )
    # The weekday is checked against the typed year: 3 Dec 2026 is a Thursday, in 2027 a Friday.
    assert problem("fre 3/12/2026 10:00") is Problem.WEEKDAY_MISMATCH
    assert problem("tor 3/12/2027 10:00") is Problem.WEEKDAY_MISMATCH
