from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from sipbot.workdays import (
    DayOff,
    add_working_days,
    days_off,
    easter_sunday,
    is_overdue,
    is_working_day,
    next_working_day,
)

STHLM = ZoneInfo("Europe/Stockholm")
END = (23, 59, 59, 999999)


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=STHLM)


def end_of_local_day(y: int, m: int, d: int) -> datetime:
    return local(y, m, d, *END).astimezone(UTC)


@pytest.mark.parametrize(
    ("year", "expected"),
    [
        (1818, date(1818, 3, 22)),  # earliest possible
        (1943, date(1943, 4, 25)),  # latest possible
        (2000, date(2000, 4, 23)),
        (2019, date(2019, 4, 21)),
        (2024, date(2024, 3, 31)),
        (2025, date(2025, 4, 20)),
        (2026, date(2026, 4, 5)),
        (2027, date(2027, 3, 28)),
        (2038, date(2038, 4, 25)),
        (2285, date(2285, 3, 22)),
    ],
)
def test_easter_sunday(year: int, expected: date) -> None:
    assert easter_sunday(year) == expected


# Weekday days off, checked against the Swedish calendar for each year.
KNOWN_DAYS_OFF = {
    2025: {
        date(2025, 1, 1): DayOff.NYARSDAGEN,
        date(2025, 1, 6): DayOff.TRETTONDEDAG_JUL,
        date(2025, 4, 18): DayOff.LANGFREDAGEN,
        date(2025, 4, 21): DayOff.ANNANDAG_PASK,
        date(2025, 5, 1): DayOff.FORSTA_MAJ,
        date(2025, 5, 29): DayOff.KRISTI_HIMMELSFARDS_DAG,
        date(2025, 6, 6): DayOff.NATIONALDAGEN,
        date(2025, 6, 20): DayOff.MIDSOMMARAFTON,
        date(2025, 12, 24): DayOff.JULAFTON,
        date(2025, 12, 25): DayOff.JULDAGEN,
        date(2025, 12, 26): DayOff.ANNANDAG_JUL,
        date(2025, 12, 31): DayOff.NYARSAFTON,
    },
    2026: {
        date(2026, 1, 1): DayOff.NYARSDAGEN,
        date(2026, 1, 6): DayOff.TRETTONDEDAG_JUL,
        date(2026, 4, 3): DayOff.LANGFREDAGEN,
        date(2026, 4, 6): DayOff.ANNANDAG_PASK,
        date(2026, 5, 1): DayOff.FORSTA_MAJ,
        date(2026, 5, 14): DayOff.KRISTI_HIMMELSFARDS_DAG,
        date(2026, 6, 19): DayOff.MIDSOMMARAFTON,
        date(2026, 12, 24): DayOff.JULAFTON,
        date(2026, 12, 25): DayOff.JULDAGEN,
        date(2026, 12, 31): DayOff.NYARSAFTON,
    },
    2027: {
        date(2027, 1, 1): DayOff.NYARSDAGEN,
        date(2027, 1, 6): DayOff.TRETTONDEDAG_JUL,
        date(2027, 3, 26): DayOff.LANGFREDAGEN,
        date(2027, 3, 29): DayOff.ANNANDAG_PASK,
        date(2027, 5, 6): DayOff.KRISTI_HIMMELSFARDS_DAG,
        date(2027, 6, 25): DayOff.MIDSOMMARAFTON,
        date(2027, 12, 24): DayOff.JULAFTON,
        date(2027, 12, 31): DayOff.NYARSAFTON,
    },
}


@pytest.mark.parametrize("year", sorted(KNOWN_DAYS_OFF))
def test_weekday_days_off_match_the_calendar(year: int) -> None:
    weekday_off = {d: code for d, code in days_off(year).items() if d.weekday() < 5}
    assert weekday_off == KNOWN_DAYS_OFF[year]


@pytest.mark.parametrize(
    ("day", "code"),
    [
        (date(2025, 6, 21), DayOff.MIDSOMMARDAGEN),
        (date(2026, 6, 20), DayOff.MIDSOMMARDAGEN),
        (date(2027, 6, 26), DayOff.MIDSOMMARDAGEN),
        (date(2025, 11, 1), DayOff.ALLA_HELGONS_DAG),
        (date(2026, 10, 31), DayOff.ALLA_HELGONS_DAG),
        (date(2027, 11, 6), DayOff.ALLA_HELGONS_DAG),
        (date(2026, 4, 5), DayOff.PASKDAGEN),
        (date(2026, 5, 24), DayOff.PINGSTDAGEN),
        (date(2027, 5, 16), DayOff.PINGSTDAGEN),
        (date(2026, 6, 6), DayOff.NATIONALDAGEN),
        (date(2027, 6, 6), DayOff.NATIONALDAGEN),
        (date(2027, 12, 25), DayOff.JULDAGEN),
        (date(2027, 5, 1), DayOff.FORSTA_MAJ),
    ],
)
def test_weekend_holidays_are_known(day: date, code: DayOff) -> None:
    assert day.weekday() >= 5
    assert days_off(day.year)[day] is code


def test_days_off_is_read_only() -> None:
    with pytest.raises(TypeError):
        days_off(2026)[date(2026, 3, 3)] = DayOff.JULAFTON  # type: ignore[index]
    assert is_working_day(date(2026, 3, 3))


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2026, 4, 2), True),  # skärtorsdagen is a working day
        (date(2026, 4, 3), False),  # långfredagen
        (date(2026, 4, 4), False),  # påskafton, a Saturday
        (date(2026, 4, 6), False),  # annandag påsk
        (date(2026, 4, 7), True),
        (date(2026, 4, 30), True),  # valborgsmässoafton is a working day
        (date(2026, 6, 18), True),
        (date(2026, 6, 19), False),  # midsommarafton
        (date(2026, 6, 22), True),
        (date(2026, 12, 23), True),
        (date(2026, 12, 28), True),
        (date(2027, 1, 5), True),  # trettondagsafton is a working day
        (date(2026, 3, 7), False),  # plain Saturday
        (date(2026, 3, 8), False),  # plain Sunday
        (date(2026, 3, 9), True),  # plain Monday
    ],
)
def test_is_working_day(day: date, working: bool) -> None:
    assert is_working_day(day) is working


def test_working_days_in_2026() -> None:
    # 261 weekdays (2026 starts on a Thursday) less ten weekday days off.
    d, count = date(2026, 1, 1), 0
    while d.year == 2026:
        count += is_working_day(d)
        d += timedelta(days=1)
    assert count == 251


def test_next_working_day_over_christmas_and_new_year() -> None:
    assert next_working_day(date(2026, 12, 23)) == date(2026, 12, 28)
    assert next_working_day(date(2026, 12, 30)) == date(2027, 1, 4)
    assert next_working_day(date(2027, 1, 4)) == date(2027, 1, 5)


@pytest.mark.parametrize(
    ("start", "days", "due_local_date"),
    [
        # Friday morning and Friday evening are both due at the end of Wednesday.
        (local(2026, 3, 6, 8, 0), 3, (2026, 3, 11)),
        (local(2026, 3, 6, 22, 30), 3, (2026, 3, 11)),
        # A weekend start counts from Monday.
        (local(2026, 3, 7, 12, 0), 3, (2026, 3, 11)),
        (local(2026, 3, 8, 23, 59), 1, (2026, 3, 9)),
        (local(2026, 3, 9, 0, 0), 1, (2026, 3, 10)),
        (local(2026, 3, 9, 9, 0), 5, (2026, 3, 16)),
        # Easter 2026: långfredag 3 Apr and annandag påsk 6 Apr are skipped.
        (local(2026, 4, 2, 15, 0), 1, (2026, 4, 7)),
        (local(2026, 4, 1, 15, 0), 3, (2026, 4, 8)),
        (local(2026, 4, 3, 10, 0), 1, (2026, 4, 7)),
        # Christmas and New Year.
        (local(2026, 12, 22, 10, 0), 3, (2026, 12, 29)),
        (local(2026, 12, 29, 10, 0), 3, (2027, 1, 5)),  # 30 Dec, 4 Jan, 5 Jan
        (local(2027, 1, 4, 10, 0), 2, (2027, 1, 7)),  # trettondedag jul on Wednesday
        (local(2025, 12, 23, 10, 0), 1, (2025, 12, 29)),
        # Midsummer 2026: midsommarafton is Friday 19 June.
        (local(2026, 6, 18, 10, 0), 1, (2026, 6, 22)),
        # Kristi himmelsfärd 2026 is Thursday 14 May.
        (local(2026, 5, 13, 10, 0), 1, (2026, 5, 15)),
        # Zero days: the start date itself when it is a working day, else the next one.
        (local(2026, 3, 9, 10, 0), 0, (2026, 3, 9)),
        (local(2026, 3, 7, 10, 0), 0, (2026, 3, 9)),
    ],
)
def test_add_working_days(start: datetime, days: int, due_local_date: tuple[int, int, int]) -> None:
    due = add_working_days(start, days, STHLM)
    assert due == end_of_local_day(*due_local_date)
    assert due.tzinfo is UTC


def test_start_date_is_taken_in_local_time() -> None:
    # 23:30 UTC on Friday is already 00:30 Saturday in Stockholm: counted from Monday, not Friday.
    start = datetime(2026, 3, 6, 23, 30, tzinfo=UTC)
    assert add_working_days(start, 1, STHLM) == end_of_local_day(2026, 3, 9)
    # 22:30 UTC is still Friday 23:30 local.
    start = datetime(2026, 3, 6, 22, 30, tzinfo=UTC)
    assert add_working_days(start, 1, STHLM) == end_of_local_day(2026, 3, 9)
    start = datetime(2026, 3, 5, 22, 30, tzinfo=UTC)  # Thursday 23:30 local
    assert add_working_days(start, 1, STHLM) == end_of_local_day(2026, 3, 6)


def test_deadline_utc_offset_follows_dst() -> None:
    # Before the spring change (CET, +01:00) and after it (CEST, +02:00).
    assert add_working_days(local(2026, 3, 26, 9), 1, STHLM) == datetime(
        2026, 3, 27, 22, 59, 59, 999999, tzinfo=UTC
    )
    assert add_working_days(local(2026, 3, 27, 9), 1, STHLM) == datetime(
        2026, 3, 30, 21, 59, 59, 999999, tzinfo=UTC
    )
    # Autumn change on 25 October 2026: Friday CEST, Monday CET.
    assert add_working_days(local(2026, 10, 22, 9), 1, STHLM) == datetime(
        2026, 10, 23, 21, 59, 59, 999999, tzinfo=UTC
    )
    assert add_working_days(local(2026, 10, 23, 9), 1, STHLM) == datetime(
        2026, 10, 26, 22, 59, 59, 999999, tzinfo=UTC
    )


def test_start_in_another_zone_is_converted_first() -> None:
    # 09:00 in New York on Friday is 15:00 Friday in Stockholm.
    start = datetime(2026, 3, 6, 9, 0, tzinfo=ZoneInfo("America/New_York"))
    assert add_working_days(start, 3, STHLM) == end_of_local_day(2026, 3, 11)


def test_rejects_naive_times_and_negative_days() -> None:
    with pytest.raises(ValueError):
        add_working_days(datetime(2026, 3, 6, 9), 3, STHLM)
    with pytest.raises(ValueError):
        add_working_days(local(2026, 3, 6, 9), -1, STHLM)
    with pytest.raises(ValueError):
        is_overdue(local(2026, 3, 6, 9), datetime(2026, 3, 20), 3, STHLM)


def test_is_overdue_flips_at_local_midnight() -> None:
    sent = local(2026, 3, 6, 18, 0)  # Friday; 3 working days -> end of Wednesday 11 March
    assert not is_overdue(sent, local(2026, 3, 11, 23, 59, 59), 3, STHLM)
    assert not is_overdue(sent, local(2026, 3, 11, 23, 59, 59, 999999), 3, STHLM)
    assert is_overdue(sent, local(2026, 3, 12, 0, 0), 3, STHLM)
    assert is_overdue(sent, datetime(2026, 3, 11, 23, 0, tzinfo=UTC), 3, STHLM)
    assert not is_overdue(sent, datetime(2026, 3, 11, 22, 59, tzinfo=UTC), 3, STHLM)


def test_is_overdue_across_easter() -> None:
    sent = local(2026, 4, 2, 16, 0)  # skärtorsdagen afternoon
    assert not is_overdue(sent, local(2026, 4, 7, 12, 0), 1, STHLM)
    assert is_overdue(sent, local(2026, 4, 8, 0, 1), 1, STHLM)
