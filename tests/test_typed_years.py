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
