"""Meeting times typed by staff, in Swedish or ISO forms, and suggested times for buttons.

Accepted (case and extra whitespace do not matter, commas are ignored):

- dates: "3/12", "3/12/2026", "3/12 2026", "2026-12-03", "3 dec", "3 december 2026", "3:e dec",
  "Dec 3", "December 3rd 2026", with Swedish or English month names, full or short;
- times: "10:00", "10.00", "kl 10", "kl. 10.30", "klockan 10", "at 10"; ISO "2026-12-03T10:00";
  a bare hour ("3/12 10") is not a time, it is too easily a typo;
- an optional weekday first ("tis 8/12 13:15", "Tuesday 8/12 13:15").

Rules:

- A date without a year is the next such date that is not before today (local). If that is today
  and the time has gone, the answer is PAST, not next year: that is almost always a typo.
- A weekday that does not match the date gives WEEKDAY_MISMATCH, so the caller can ask which one
  was meant instead of guessing.
- A meeting must start between 07:00 and 19:00 local, both included, so that it ends by about
  20:00; the bounds are keyword arguments.
- Later than 365 days after `now` is TOO_FAR.
- Checks run in this order: UNREADABLE, WEEKDAY_MISMATCH, PAST, TOO_FAR, OUTSIDE_HOURS.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from sipbot.bidi import ascii_digits
from sipbot.workdays import is_working_day

__all__ = [
    "EARLIEST",
    "LATEST",
    "MAX_AHEAD",
    "Problem",
    "TimeProblem",
    "check_meeting_time",
    "parse_meeting_time",
    "slots",
]

EARLIEST = time(7, 0)
LATEST = time(19, 0)
MAX_AHEAD = timedelta(days=365)


class Problem(StrEnum):
    UNREADABLE = "unreadable"
    WEEKDAY_MISMATCH = "weekday_mismatch"
    PAST = "past"
    TOO_FAR = "too_far"
    OUTSIDE_HOURS = "outside_hours"


class TimeProblem(ValueError):
    """The text is not a usable meeting time; `code` says why, the caller words it."""

    def __init__(self, code: Problem) -> None:
        super().__init__(code.value)
        self.code = code


_MONTHS: dict[str, int] = {}
for _number, _names in enumerate(
    [
        ("jan", "januari", "january"),
        ("feb", "februari", "february"),
        ("mar", "mars", "march"),
        ("apr", "april"),
        ("maj", "may"),
        ("jun", "juni", "june"),
        ("jul", "juli", "july"),
        ("aug", "augusti", "august"),
        ("sep", "sept", "september"),
        ("okt", "oct", "oktober", "october"),
        ("nov", "november"),
        ("dec", "december"),
    ],
    start=1,
):
    for _name in _names:
        _MONTHS[_name] = _number

_WEEKDAYS: dict[str, int] = {}
for _number, _names in enumerate(
    [
        # Without å/ö too: people type on keyboards without them.
        ("mån", "man", "måndag", "mandag", "mon", "monday"),
        ("tis", "tisdag", "tue", "tues", "tuesday"),
        ("ons", "onsdag", "wed", "wednesday"),
        ("tor", "tors", "torsdag", "thu", "thur", "thurs", "thursday"),
        ("fre", "fredag", "fri", "friday"),
        ("lör", "lor", "lördag", "lordag", "sat", "saturday"),
        ("sön", "son", "söndag", "sondag", "sun", "sunday"),
    ]
):
    for _name in _names:
        _WEEKDAYS[_name] = _number

_WORD = r"[a-zåäö]+"
_YEAR = r"(?P<y>\d{4})"
_DAY = r"(?P<d>\d{1,2})"
# A bare hour needs "kl": "3/12 10" is too easily a typo.
_TIME = (
    r"(?P<kl>(?:kl\.?|klockan|at)\s*)?"
    r"(?P<h>\d{1,2})(?:[:.](?P<mi>\d{2})(?::(?P<s>\d{2}))?)?"
)
_DATES = [
    rf"{_DAY}/(?P<m>\d{{1,2}})(?:(?:/|\s)(?P<y>\d{{4}}))?",
    rf"{_DAY}(?::[ea]|st|nd|rd|th)?\.?\s*(?P<mon>{_WORD})\.?(?:\s+{_YEAR})?",
    rf"(?P<mon>{_WORD})\.?\s+{_DAY}(?:st|nd|rd|th)?(?:\s+{_YEAR})?",
]
# Whitespace between date and time, or ISO's "T": "3/1210:00" is a typo, not a time.
_PATTERNS = [
    re.compile(rf"{_YEAR}-(?P<m>\d{{1,2}})-{_DAY}(?:t|\s+){_TIME}"),
    *(re.compile(rf"{d}\s+{_TIME}") for d in _DATES),
]
_WEEKDAY_PREFIX = re.compile(rf"(?P<wd>{_WORD})\.?\s+")


def _require_aware(name: str, value: datetime) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")


def _normalise(text: str) -> str:
    # Digits as typed on an Arabic or Persian keyboard read as 0-9.
    return " ".join(ascii_digits(text).replace(",", " ").lower().split())


def _match(text: str) -> tuple[re.Match[str], int | None] | None:
    """The first pattern that matches the whole text, and the weekday prefix if there was one."""
    candidates: list[tuple[str, int | None]] = [(text, None)]
    prefix = _WEEKDAY_PREFIX.match(text)
    if prefix and prefix["wd"] in _WEEKDAYS:
        candidates.insert(0, (text[prefix.end() :], _WEEKDAYS[prefix["wd"]]))
    for rest, weekday in candidates:
        for pattern in _PATTERNS:
            m = pattern.fullmatch(rest)
            if m is None:
                continue
            groups = m.groupdict()
            if groups.get("mon") is not None and groups["mon"] not in _MONTHS:
                continue
            if groups["kl"] is None and groups["mi"] is None:
                continue
            return m, weekday
    return None


def _resolve_date(day: int, month: int, year: int | None, today: date) -> date:
    if year is not None:
        try:
            return date(year, month, day)
        except ValueError:
            raise TimeProblem(Problem.UNREADABLE) from None
    # Eight years reach the next 29 February from any year.
    for y in range(today.year, today.year + 9):
        try:
            candidate = date(y, month, day)
        except ValueError:
            continue
        if candidate >= today:
            return candidate
    raise TimeProblem(Problem.UNREADABLE)


def parse_meeting_time(
    text: str,
    now: datetime,
    tz: ZoneInfo,
    *,
    earliest: time = EARLIEST,
    latest: time = LATEST,
) -> datetime:
    """The meeting start in `text` as an aware UTC datetime, or TimeProblem (see module doc)."""
    _require_aware("now", now)
    found = _match(_normalise(text))
    if found is None:
        raise TimeProblem(Problem.UNREADABLE)
    m, weekday = found
    g = m.groupdict()
    month = _MONTHS[g["mon"]] if g.get("mon") else int(g["m"])
    hour, minute, second = int(g["h"]), int(g["mi"] or 0), int(g["s"] or 0)
    if not (1 <= month <= 12 and hour <= 23 and minute <= 59 and second <= 59):
        raise TimeProblem(Problem.UNREADABLE)

    local_now = now.astimezone(tz)
    day = _resolve_date(int(g["d"]), month, int(g["y"]) if g["y"] else None, local_now.date())
    if weekday is not None and day.weekday() != weekday:
        raise TimeProblem(Problem.WEEKDAY_MISMATCH)

    wall = time(hour, minute, second)
    start = datetime.combine(day, wall, tzinfo=tz).astimezone(UTC)
    return check_meeting_time(start, now, tz, earliest=earliest, latest=latest, wall=wall)


def check_meeting_time(
    start: datetime,
    now: datetime,
    tz: ZoneInfo,
    *,
    earliest: time = EARLIEST,
    latest: time = LATEST,
    wall: time | None = None,
) -> datetime:
    """The rules every meeting start meets, typed or taken from a button (which may be old
    or forged): not past, not too far, within the hours. Returns it in UTC, or TimeProblem.

    `wall` is the local time as typed (the DST gap, 02:00-03:00, is outside any sane window);
    without it the start's own local time is checked.
    """
    _require_aware("now", now)
    _require_aware("start", start)
    if start <= now:
        raise TimeProblem(Problem.PAST)
    if start - now > MAX_AHEAD:
        raise TimeProblem(Problem.TOO_FAR)
    local = wall if wall is not None else start.astimezone(tz).time()
    if not earliest <= local <= latest:
        raise TimeProblem(Problem.OUTSIDE_HOURS)
    return start.astimezone(UTC)


def slots(
    now: datetime, tz: ZoneInfo, days: int = 14, hours: Sequence[int] = (9, 13)
) -> list[datetime]:
    """Suggested starts, in UTC: `hours` local on each of the next `days` working days.

    The days start tomorrow (local): a meeting needs a written invitation first, so a same-day
    button is never a good suggestion.
    """
    _require_aware("now", now)
    result: list[datetime] = []
    d = now.astimezone(tz).date()
    found = 0
    while found < days:
        d += timedelta(days=1)
        if not is_working_day(d):
            continue
        found += 1
        result.extend(
            datetime.combine(d, time(h), tzinfo=tz).astimezone(UTC) for h in sorted(hours)
        )
    return result
