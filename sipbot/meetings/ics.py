"""Calendar files (.ics, RFC 5545) for meeting notices.

One event per file. Times are written in the local zone with TZID and a VTIMEZONE, so a
calendar shows 10:00 as 10:00 even across a DST change; DTSTAMP is UTC.

Updates and cancellations (iTIP, RFC 5546): every notice about one meeting uses the same `uid`,
and the caller passes a `sequence` higher than any sent before for it (0 for the first notice).
The sequence is written as given rather than bumped here, because only the caller knows what it
sent. A CANCEL is METHOD:CANCEL with STATUS:CANCELLED.

ORGANIZER must be an address (a URI). With a name but no e-mail, the value is "invalid:nomail",
the convention Thunderbird uses for a participant without e-mail; the name goes in CN.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

__all__ = ["METHODS", "PRODID", "meeting_ics"]

PRODID = "-//sipbot//sipbot//SV"
# PUBLISH is for a plain "add to calendar" file with no attendees to answer.
METHODS = frozenset({"REQUEST", "PUBLISH", "CANCEL"})
NO_MAIL = "invalid:nomail"


def _require_aware(name: str, value: datetime) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")


def meeting_ics(
    *,
    uid: str,
    sequence: int,
    start: datetime,
    minutes: int,
    summary: str,
    location: str | None,
    description: str | None,
    organizer_name: str | None,
    method: str = "REQUEST",
    tz: ZoneInfo,
    now: datetime,
    organizer_email: str | None = None,
) -> bytes:
    """An iCalendar file with one VEVENT for the meeting at `start` lasting `minutes`."""
    # Here, not at the top: icalendar is a tenth of the bot's start-up, and only a booked
    # meeting needs it.
    from icalendar import Calendar, Event, Timezone, vCalAddress, vText

    _require_aware("start", start)
    _require_aware("now", now)
    method = method.upper()
    if method not in METHODS:
        raise ValueError(f"method must be one of {sorted(METHODS)}")
    if not uid:
        raise ValueError("uid must not be empty")
    if sequence < 0:
        raise ValueError("sequence must be >= 0")
    if minutes <= 0:
        raise ValueError("minutes must be > 0")

    local_start = start.astimezone(tz)
    # Elapsed time, not wall-clock time: a meeting over the DST change still lasts `minutes`.
    local_end = (start.astimezone(UTC) + timedelta(minutes=minutes)).astimezone(tz)

    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", method)
    # Only the years the event touches: the full 1970-2038 default bloats every file.
    vtimezone = Timezone.from_tzinfo(
        tz, first_date=date(local_start.year, 1, 1), last_date=date(local_end.year + 1, 1, 1)
    )
    # The library's English note about that range is of no use to anyone reading the file.
    vtimezone.pop("COMMENT", None)
    cal.add_component(vtimezone)

    event = Event()
    event.add("uid", uid)
    event.add("sequence", sequence)
    event.add("dtstamp", now.astimezone(UTC))
    event.add("dtstart", local_start)
    event.add("dtend", local_end)
    event.add("summary", summary)
    if location:
        event.add("location", location)
    if description:
        event.add("description", description)
    if organizer_name or organizer_email:
        organizer = vCalAddress(f"mailto:{organizer_email}" if organizer_email else NO_MAIL)
        if organizer_name:
            organizer.params["cn"] = vText(organizer_name)
        event.add("organizer", organizer)
    event.add("status", "CANCELLED" if method == "CANCEL" else "CONFIRMED")
    event.add("transp", "OPAQUE")
    cal.add_component(event)
    return cal.to_ical()
