from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar, Event

from sipbot.meetings.ics import meeting_ics

STHLM = ZoneInfo("Europe/Stockholm")
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
START = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)  # 10:00 CET
SUMMARY = "SIP-möte för Åsa Öberg: så här går vi vidare"


def make(**overrides: Any) -> bytes:
    kwargs: dict[str, Any] = {
        "uid": "SIP-7K3M-1@sipbot",
        "sequence": 0,
        "start": START,
        "minutes": 90,
        "summary": SUMMARY,
        "location": "Vårdcentralen Gärdet, rum 3",
        "description": "Rad ett\nRad två; med komma, och semikolon",
        "organizer_name": "Märta Ek",
        "tz": STHLM,
        "now": NOW,
    }
    kwargs.update(overrides)
    return meeting_ics(**kwargs)


def parse(data: bytes) -> tuple[Calendar, Event]:
    cal = Calendar.from_ical(data)
    events = cal.walk("VEVENT")
    assert len(events) == 1
    return cal, events[0]


def test_request_round_trips() -> None:
    cal, event = parse(make())
    assert str(cal["METHOD"]) == "REQUEST"
    assert str(cal["VERSION"]) == "2.0"
    assert str(event["UID"]) == "SIP-7K3M-1@sipbot"
    assert event.decoded("SEQUENCE") == 0
    assert event.decoded("DTSTART") == START
    assert event.decoded("DTEND") == START + timedelta(minutes=90)
    assert event.decoded("DTSTAMP") == NOW
    assert str(event["STATUS"]) == "CONFIRMED"
    assert str(event["SUMMARY"]) == SUMMARY
    assert str(event["LOCATION"]) == "Vårdcentralen Gärdet, rum 3"
    assert str(event["DESCRIPTION"]) == "Rad ett\nRad två; med komma, och semikolon"


def test_times_are_local_with_tzid() -> None:
    data = make()
    _, event = parse(data)
    assert event["DTSTART"].params["TZID"] == "Europe/Stockholm"
    assert event["DTEND"].params["TZID"] == "Europe/Stockholm"
    start = event.decoded("DTSTART")
    assert (start.hour, start.minute) == (10, 0)
    assert b"DTSTART;TZID=Europe/Stockholm:20261203T100000\r\n" in data
    assert b"DTEND;TZID=Europe/Stockholm:20261203T113000\r\n" in data
    assert b"DTSTAMP:20261120T120000Z\r\n" in data


def test_vtimezone_is_present_and_describes_the_zone() -> None:
    cal, _ = parse(make())
    timezones = cal.walk("VTIMEZONE")
    assert len(timezones) == 1
    vtz = timezones[0]
    assert str(vtz["TZID"]) == "Europe/Stockholm"
    assert {c.name for c in vtz.subcomponents} == {"STANDARD", "DAYLIGHT"}
    assert not cal.get_missing_tzids()
    # Build the zone from the VTIMEZONE text alone, as a client without tz data would.
    embedded = vtz.to_tz(lookup_tzid=False)
    assert datetime(2026, 12, 3, 10, tzinfo=embedded).utcoffset() == timedelta(hours=1)
    assert datetime(2026, 7, 1, 10, tzinfo=embedded).utcoffset() == timedelta(hours=2)


def test_vtimezone_comes_before_the_event_and_has_no_prose() -> None:
    data = make()
    assert data.index(b"BEGIN:VTIMEZONE") < data.index(b"BEGIN:VEVENT")
    assert b"COMMENT" not in data


def test_swedish_characters_are_utf8_and_lines_are_folded() -> None:
    long_summary = "Samordnad individuell plan – uppföljning med äldreomsorgen och öppenvården"
    data = make(summary=long_summary)
    text = data.decode("utf-8")
    assert "SIP-möte" not in text
    assert "äldreomsorgen" in text.replace("\r\n ", "")
    lines = data.split(b"\r\n")
    assert all(len(line) <= 75 for line in lines)
    assert lines[-1] == b""  # ends with CRLF
    _, event = parse(data)
    assert str(event["SUMMARY"]) == long_summary


def test_cancel() -> None:
    request_cal, request = parse(make(sequence=2))
    cancel_cal, cancel = parse(make(sequence=3, method="CANCEL"))
    assert str(request_cal["METHOD"]) == "REQUEST"
    assert str(cancel_cal["METHOD"]) == "CANCEL"
    assert str(request["STATUS"]) == "CONFIRMED"
    assert str(cancel["STATUS"]) == "CANCELLED"
    assert str(cancel["UID"]) == str(request["UID"])
    assert cancel.decoded("SEQUENCE") > request.decoded("SEQUENCE")
    assert cancel.decoded("DTSTART") == START


def test_method_is_case_insensitive_and_publish_is_allowed() -> None:
    cal, event = parse(make(method="cancel"))
    assert str(cal["METHOD"]) == "CANCEL"
    assert str(event["STATUS"]) == "CANCELLED"
    cal, event = parse(make(method="PUBLISH"))
    assert str(cal["METHOD"]) == "PUBLISH"
    assert str(event["STATUS"]) == "CONFIRMED"


@pytest.mark.parametrize(
    ("start", "offset_hours"),
    [
        # 10:00 local before and after the autumn change (25 October 2026).
        (datetime(2026, 10, 23, 8, 0, tzinfo=UTC), 2),
        (datetime(2026, 10, 26, 9, 0, tzinfo=UTC), 1),
        # And the spring change (29 March 2026).
        (datetime(2026, 3, 27, 9, 0, tzinfo=UTC), 1),
        (datetime(2026, 3, 30, 8, 0, tzinfo=UTC), 2),
    ],
)
def test_ten_oclock_local_on_both_sides_of_dst(start: datetime, offset_hours: int) -> None:
    # Written before the change, for a meeting after it: still 10:00 on the wall.
    now = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    data = make(start=start, now=now)
    cal, event = parse(data)
    local = start.astimezone(STHLM)
    assert local.hour == 10
    assert f"DTSTART;TZID=Europe/Stockholm:{local:%Y%m%d}T100000".encode() in data
    assert event.decoded("DTSTART") == start
    embedded = cal.walk("VTIMEZONE")[0].to_tz(lookup_tzid=False)
    wall = datetime(local.year, local.month, local.day, 10, tzinfo=embedded)
    assert wall.utcoffset() == timedelta(hours=offset_hours)
    assert wall == start


def test_duration_is_elapsed_time_over_the_dst_night() -> None:
    # 22:00 CEST on 24 October plus 6 hours is 03:00 CET: the clock fell back an hour between.
    start = datetime(2026, 10, 24, 20, 0, tzinfo=UTC)
    data = make(start=start, minutes=360)
    _, event = parse(data)
    assert b"DTEND;TZID=Europe/Stockholm:20261025T030000\r\n" in data
    elapsed = event.decoded("DTEND").astimezone(UTC) - event.decoded("DTSTART").astimezone(UTC)
    assert elapsed == timedelta(hours=6)


def test_vtimezone_covers_an_event_into_the_next_year() -> None:
    start = datetime(2026, 12, 31, 22, 0, tzinfo=UTC)  # 23:00 local, ends 2027
    cal, event = parse(make(start=start, minutes=120))
    assert event.decoded("DTEND") == start + timedelta(hours=2)
    embedded = cal.walk("VTIMEZONE")[0].to_tz(lookup_tzid=False)
    assert datetime(2027, 7, 1, 10, tzinfo=embedded).utcoffset() == timedelta(hours=2)


def test_start_in_another_zone_is_written_in_the_local_zone() -> None:
    start = START.astimezone(ZoneInfo("America/New_York"))
    data = make(start=start)
    assert b"DTSTART;TZID=Europe/Stockholm:20261203T100000\r\n" in data
    assert b"America" not in data


def test_organizer() -> None:
    _, event = parse(make(organizer_name="Märta Ek", organizer_email="marta.ek@example.se"))
    assert str(event["ORGANIZER"]) == "mailto:marta.ek@example.se"
    assert event["ORGANIZER"].params["CN"] == "Märta Ek"
    _, event = parse(make(organizer_name="Märta Ek"))
    assert str(event["ORGANIZER"]) == "invalid:nomail"
    assert event["ORGANIZER"].params["CN"] == "Märta Ek"
    _, event = parse(make(organizer_name=None))
    assert "ORGANIZER" not in event


def test_optional_fields_are_left_out() -> None:
    data = make(location=None, description=None, organizer_name=None)
    _, event = parse(data)
    assert "LOCATION" not in event
    assert "DESCRIPTION" not in event
    assert str(event["SUMMARY"]) == SUMMARY


@pytest.mark.parametrize(
    "overrides",
    [
        {"start": datetime(2026, 12, 3, 10, 0)},
        {"now": datetime(2026, 11, 20, 12, 0)},
        {"method": "REFRESH"},
        {"minutes": 0},
        {"sequence": -1},
        {"uid": ""},
    ],
)
def test_rejects_bad_arguments(overrides: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        make(**overrides)
