"""Swedish working days, for response-time targets such as "utan dröjsmål" (e.g. 3 working days).

Holidays are computed here rather than taken from the `holidays` package: the rules are few and
fixed by law (Lag (1989:253) om allmänna helgdagar), we also need the de facto days off in the
public sector (midsommarafton, julafton, nyårsafton) that are not helgdagar, and the package
counts every Sunday as a Swedish holiday by default, which is easy to get subtly wrong.

Deadline rule (`add_working_days`): a deadline of N working days ends at the end of the Nth
working day after the local date the clock started on, whatever the time of day. A request sent
Friday 08:00 or Friday 23:00 with 3 working days is due at the end of Wednesday (local), as is
one sent on Saturday or Sunday. N = 0 means the end of the start date if it is a working day,
otherwise the end of the next working day.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from functools import lru_cache
from types import MappingProxyType
from zoneinfo import ZoneInfo

__all__ = [
    "DayOff",
    "add_working_days",
    "days_off",
    "easter_sunday",
    "is_overdue",
    "is_working_day",
    "next_working_day",
]


class DayOff(StrEnum):
    """Codes for the days off; the caller translates them if it ever shows one."""

    NYARSDAGEN = "nyarsdagen"
    TRETTONDEDAG_JUL = "trettondedag_jul"
    LANGFREDAGEN = "langfredagen"
    PASKDAGEN = "paskdagen"
    ANNANDAG_PASK = "annandag_pask"
    FORSTA_MAJ = "forsta_maj"
    KRISTI_HIMMELSFARDS_DAG = "kristi_himmelsfards_dag"
    PINGSTDAGEN = "pingstdagen"
    NATIONALDAGEN = "nationaldagen"
    MIDSOMMARAFTON = "midsommarafton"
    MIDSOMMARDAGEN = "midsommardagen"
    ALLA_HELGONS_DAG = "alla_helgons_dag"
    JULAFTON = "julafton"
    JULDAGEN = "juldagen"
    ANNANDAG_JUL = "annandag_jul"
    NYARSAFTON = "nyarsafton"


def easter_sunday(year: int) -> date:
    """Påskdagen, by the anonymous Gregorian algorithm (Meeus/Jones/Butcher)."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    ell = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * ell) // 451
    month, day = divmod(h + ell - 7 * m + 114, 31)
    return date(year, month, day + 1)


def _saturday_in(first: date) -> date:
    """The Saturday in the 7-day window starting at `first`."""
    return first + timedelta(days=(5 - first.weekday()) % 7)


@lru_cache(maxsize=64)
def days_off(year: int) -> Mapping[date, DayOff]:
    """Public holidays (helgdagar) on weekdays or weekends, plus the de facto days off."""
    easter = easter_sunday(year)
    midsommardagen = _saturday_in(date(year, 6, 20))
    days = {
        date(year, 1, 1): DayOff.NYARSDAGEN,
        date(year, 1, 6): DayOff.TRETTONDEDAG_JUL,
        easter - timedelta(days=2): DayOff.LANGFREDAGEN,
        easter: DayOff.PASKDAGEN,
        easter + timedelta(days=1): DayOff.ANNANDAG_PASK,
        date(year, 5, 1): DayOff.FORSTA_MAJ,
        easter + timedelta(days=39): DayOff.KRISTI_HIMMELSFARDS_DAG,
        easter + timedelta(days=49): DayOff.PINGSTDAGEN,
        date(year, 6, 6): DayOff.NATIONALDAGEN,
        midsommardagen - timedelta(days=1): DayOff.MIDSOMMARAFTON,
        midsommardagen: DayOff.MIDSOMMARDAGEN,
        _saturday_in(date(year, 10, 31)): DayOff.ALLA_HELGONS_DAG,
        date(year, 12, 24): DayOff.JULAFTON,
        date(year, 12, 25): DayOff.JULDAGEN,
        date(year, 12, 26): DayOff.ANNANDAG_JUL,
        date(year, 12, 31): DayOff.NYARSAFTON,
    }
    # Read-only, since the cached mapping is shared by every caller.
    return MappingProxyType(days)


def is_working_day(d: date) -> bool:
    """Monday to Friday and not a day off."""
    return d.weekday() < 5 and d not in days_off(d.year)


def next_working_day(d: date) -> date:
    """The first working day strictly after `d`."""
    d += timedelta(days=1)
    while not is_working_day(d):
        d += timedelta(days=1)
    return d


def _require_aware(name: str, value: datetime) -> None:
    # A naive time here is a programming error: it would be read in the server's zone.
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")


def add_working_days(start: datetime, days: int, tz: ZoneInfo) -> datetime:
    """The deadline, in UTC: the last instant of the `days`th working day after start's local date.

    See the module docstring for the rule. The result is one microsecond before the next local
    midnight, so `now > deadline` is the overdue test.
    """
    _require_aware("start", start)
    if days < 0:
        raise ValueError("days must be >= 0")
    d = start.astimezone(tz).date()
    if days == 0:
        if not is_working_day(d):
            d = next_working_day(d)
    else:
        for _ in range(days):
            d = next_working_day(d)
    # Via the next local midnight, so a DST change that day cannot shift the end of the day.
    midnight = datetime.combine(d + timedelta(days=1), time(0), tzinfo=tz)
    return midnight.astimezone(UTC) - timedelta(microseconds=1)


def is_overdue(submitted_at: datetime, now: datetime, days: int, tz: ZoneInfo) -> bool:
    """True once `now` is past the deadline of `days` working days from `submitted_at`."""
    _require_aware("now", now)
    return now > add_working_days(submitted_at, days, tz)
