"""Transfer, decline, consent, overdue escalation and what a deleted request leaves staff."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import icalendar
from sqlmodel import select

from sipbot.chat.staff.escalation import Escalator
from sipbot.db.engine import session_scope
from sipbot.db.models import SipRequest
from sipbot.playground.emulator import BotApiEmulator
from sipbot.requests import delete_person_requests, submit_request
from tests.conftest import FakeClock, RunningBot, staff_group
from tests.scripts import BRANCHES
from tests.staff_story import Staff
from tests.story import Person
from tests.walker import Walker, request_through


def _row(bot: RunningBot, request_id: int) -> SipRequest:
    with session_scope(bot.services.engine) as s:
        row = s.get(SipRequest, request_id)
        assert row is not None
        return row


async def _claimed(emu: BotApiEmulator, bot: RunningBot, branch: str, uid: int) -> tuple:  # type: ignore[type-arg]
    anna = Staff(emu, bot.services, uid, "Anna")
    script, _ = BRANCHES[branch]
    unit = bot.services.deployment.municipality(script["municipality"]).intake_unit
    await anna.enrol(unit)
    person, request, _ = await request_through(emu, bot, uid + 1, "sv", False, script)
    anna.user.send("/queue")
    await anna.sees("staff.queue.title")
    anna.user.press(request.reference)
    await anna.user.until(lambda: anna.t("staff.button.claim") in anna.user.last.button_texts)
    await anna.presses("staff.button.claim", "staff.done.claim", reference=request.reference)
    return anna, person, request


async def _card_button(anna: Staff, label_id: str) -> None:
    await anna.presses("staff.button.card", "staff.card.history")
    await anna.user.until(lambda: anna.t(label_id) in anna.user.last.button_texts)


async def test_transfer_moves_it_to_the_other_units_queue(
    emu: BotApiEmulator, bot: RunningBot
) -> None:
    are_group = emu.group(staff_group(bot.services, "are"))
    anna, person, request = await _claimed(emu, bot, "self", 910)
    await _card_button(anna, "staff.button.transfer")
    await anna.presses("staff.button.transfer", "staff.ask.transfer")
    anna.user.press(bot.services.deployment.unit("are").name)
    await anna.sees("staff.ask.transfer_reason", limit=2000)
    await anna.types("Bor i Åre sedan oktober", "staff.done.transfer", reference=request.reference)
    moved = await are_group.wait_for(lambda m: request.reference in (m.text or ""))
    assert (moved.text or "").startswith(
        anna.t("staff.notice.transferred", from_unit=bot.services.deployment.unit("ostersund").name)
    )
    await person.sees(
        "person.status.transferred",
        reference=request.reference,
        unit=bot.services.deployment.unit("are").name,
    )
    row = _row(bot, request.id)
    assert (row.unit, row.assigned_to) == ("are", None)
    # Anna's unit no longer has it: her old buttons reveal nothing.
    count = len(anna.user.callback_answers)
    anna.user.press_data(anna.user.last.message_id, f"S:o:{request.id}")
    assert await anna.answered(count) == anna.t("staff.not_available")


async def test_decline_tells_the_person_why_and_where_to_turn(
    emu: BotApiEmulator, bot: RunningBot
) -> None:
    anna, person, request = await _claimed(emu, bot, "self", 920)
    await _card_button(anna, "staff.button.decline")
    await anna.presses("staff.button.decline", "staff.ask.decline_reason", limit=2000)
    await anna.types("Behovet gäller bara vården.", "staff.ask.decline_suggestion", limit=2000)
    await anna.types("Din vårdcentral", "staff.done.decline", reference=request.reference)
    await person.sees(
        "person.status.declined",
        reference=request.reference,
        unit=bot.services.deployment.unit("ostersund").name,
        reason="Behovet gäller bara vården.",
        suggestion="Din vårdcentral",
    )
    assert _row(bot, request.id).status == "declined"


async def test_no_meeting_before_consent_is_confirmed(emu: BotApiEmulator, bot: RunningBot) -> None:
    anna, person, request = await _claimed(emu, bot, "relative_without_link", 930)
    await anna.card_with("staff.button.book")
    count = len(anna.user.callback_answers)
    anna.press(anna.t("staff.button.book"))
    assert await anna.answered(count) == anna.t("staff.refused.consent_first")
    await anna.card_with("staff.button.consent")
    await anna.presses("staff.button.consent", "staff.ask.consent")
    await anna.presses("staff.consent.spoken", "staff.done.consent", reference=request.reference)
    assert _row(bot, request.id).consent == "confirmed"
    await anna.card_with("staff.button.book")
    await anna.presses("staff.button.book", "staff.ask.time")
    await anna.types("igår 10:00", "staff.time.unreadable")
    await anna.types("2026-11-20 10:00", "staff.time.past")
    await anna.types("7/12 21:00", "staff.time.outside_hours")
    employer, fk = anna.t("actor.arbetsgivare"), anna.t("actor.forsakringskassan")
    await anna.books(
        request.reference,
        "7/12 13:30",
        90,
        "office",
        "Storgatan 1, Berg",
        leave_out=(employer,),
        convener=fk,
    )
    row = _row(bot, request.id)
    assert row.status == "meeting_booked"
    assert row.meeting_at is not None and row.meeting_at.isoformat() == "2026-12-07T12:30:00+00:00"
    # Filled in by Maj's son: he reads the notice about her, by name.
    notice = await person.sees(
        "person.notice.meeting_about",
        name="Maj Öberg",
        reference=request.reference,
        date=person.t.datetime(row.meeting_at),
        minutes=90,
        where=person.t("meeting.place.office") + ": Storgatan 1, Berg",
        # The employer was left out; Försäkringskassan calls the meeting.
        who=person.t("meeting.convener", name=person.t("actor.forsakringskassan")),
        goal=BRANCHES["relative_without_link"][0]["main_goal"],
        problems=BRANCHES["relative_without_link"][0]["problems"],
        responsible="–",
    )
    assert notice.button_texts == [
        person.t("person.notice.can_come"),
        person.t("person.notice.other_time"),
        person.t("person.notice.questions"),
    ]


async def test_overdue_requests_are_escalated_once_a_working_day_until_claimed(
    emu: BotApiEmulator, bot: RunningBot, clock: FakeClock
) -> None:
    group = emu.group(staff_group(bot.services, "ostersund"))
    script, _ = BRANCHES["self"]
    _, request, _ = await request_through(emu, bot, 940, "sv", False, script)
    await group.wait_for(lambda m: request.reference in (m.text or ""))
    escalator = Escalator(bot.services)
    # Sent Monday 23 Nov 10:00; 3 working days: due end of Thursday 26 Nov.
    clock.advance(days=3, hours=1)  # Thursday 11:00: not yet overdue
    assert await escalator.run(bot.app.bot) == 0
    clock.advance(days=1)  # Friday 11:00
    assert await escalator.run(bot.app.bot) == 1
    overdue = bot.services.catalogs.texts("sv", False).ngettext(
        "staff.overdue", 1, count=1, references=request.reference
    )
    await group.wait_for(lambda m: m.text == overdue)
    clock.advance(hours=3)
    assert await escalator.run(bot.app.bot) == 0  # once a day
    clock.advance(days=1)  # Saturday: not a working day
    assert await escalator.run(bot.app.bot) == 0
    clock.advance(days=2, hours=-6)  # Monday 08:00
    assert await escalator.run(bot.app.bot) == 1
    # Queued with its mark; the outbox sends it.
    await group.until(lambda: [m.text for m in emu.sent(group.chat_id)].count(overdue) >= 2)
    assert [m.text for m in emu.sent(group.chat_id)].count(overdue) == 2
    anna = Staff(emu, bot.services, 941, "Anna")
    await anna.enrol("ostersund")
    anna.user.send("/queue")
    await anna.sees("staff.queue.title")
    anna.user.press(request.reference)
    await anna.user.until(lambda: anna.t("staff.button.claim") in anna.user.last.button_texts)
    await anna.presses("staff.button.claim", "staff.done.claim", reference=request.reference)
    clock.advance(days=1)
    assert await escalator.run(bot.app.bot) == 0


async def test_a_deleted_request_shows_staff_only_that_it_was_deleted(
    emu: BotApiEmulator, bot: RunningBot, clock: FakeClock
) -> None:
    anna, person, request = await _claimed(emu, bot, "self", 950)
    delete_person_requests(bot.services.engine, clock, person.user.user_id)
    anna.user.press_data(anna.user.last.message_id, f"S:o:{request.id}")
    shown = await anna.sees("staff.card.deleted")
    script, _ = BRANCHES["self"]
    assert all(script["main_goal"] not in (m.text or "") for m in [shown])
    assert anna.t("staff.status.deleted") in (shown.text or "")


async def test_without_a_group_each_staff_member_is_told_privately(
    emu: BotApiEmulator, bot: RunningBot
) -> None:
    d = bot.services.deployment
    units = [
        u.model_copy(update={"staff_group_chat_id": None}) if u.id == "ostersund" else u
        for u in d.units
    ]
    bot.services.deployment = d.model_copy(update={"units": units})
    anna, bo = Staff(emu, bot.services, 960, "Anna"), Staff(emu, bot.services, 961, "Bo")
    await anna.enrol("ostersund")
    await bo.enrol("ostersund")
    script, _ = BRANCHES["self"]
    _, request, _ = await request_through(emu, bot, 962, "sv", False, script)
    for staff in (anna, bo):
        card = await staff.user.wait_for(lambda m: request.reference in (m.text or ""))
        assert (card.text or "").startswith(staff.t("staff.notice.new"))
        assert card.button_texts == [staff.t("staff.button.open")]


async def test_voice_answers_are_played_on_demand(emu: BotApiEmulator, bot: RunningBot) -> None:
    anna = Staff(emu, bot.services, 963, "Anna")
    await anna.enrol("ostersund")
    script, _ = BRANCHES["self"]
    p = Person(emu.user(964, language_code="sv"), bot.services)
    await p.onboard()
    await p.presses("sip.role.self", "sip.own_name.ask")
    await p.says("Klara Holm", then="sip.municipality.ask")
    p.user.press("Östersund")
    await p.asked("sip.problems.ask")
    p.user.send_voice(duration=12, data=b"OggS-the-persons-voice")
    await p.asked("sip.main_goal.ask")
    await Walker(p).fill({**script, "problems": None})
    p.user.press(p.t("button.send"))
    await p.sees("receipt.text")
    anna.user.send("/queue")
    await anna.sees("staff.queue.title")
    with session_scope(bot.services.engine) as s:
        request = s.exec(select(SipRequest).where(SipRequest.telegram_id == 964)).one()
    anna.user.press(request.reference)
    listen = anna.t("staff.button.voice", what=anna.t("sip.problems.title"))
    await anna.user.until(lambda: listen in anna.user.last.button_texts)
    anna.press(listen)
    voice = await anna.user.wait_for(lambda m: m.voice is not None)
    assert emu.file_bytes(voice.voice.file_id) == b"OggS-the-persons-voice"  # type: ignore[union-attr]


def _ics(emu: BotApiEmulator, msg: object) -> icalendar.Calendar:
    return icalendar.Calendar.from_ical(emu.file_bytes(msg.document.file_id))  # type: ignore[attr-defined]


async def test_notice_calendar_file_follows_the_meeting_when_moved_and_cancelled(
    emu: BotApiEmulator, bot: RunningBot
) -> None:
    anna, person, request = await _claimed(emu, bot, "self", 990)
    await anna.card_with("staff.button.book")
    await anna.presses("staff.button.book", "staff.ask.time")
    await anna.books(request.reference, "8/12 9:15", 60, "phone", "Anna ringer 063-14 00 00")
    first = _ics(emu, await person.user.wait_for(lambda m: m.document is not None))
    (event,) = first.walk("VEVENT")
    assert first["METHOD"] == "REQUEST" and int(event["SEQUENCE"]) == 0
    assert event.decoded("DTSTART") == datetime(
        2026, 12, 8, 9, 15, tzinfo=ZoneInfo("Europe/Stockholm")
    )
    assert any(c.name == "VTIMEZONE" for c in first.walk())
    # The person can come, and says so; Anna hears it.
    person.user.press(person.t("person.notice.can_come"))
    await person.sees("person.notice.thanks")
    await anna.sees("staff.notice.can_come", reference=request.reference)
    # Moved: same UID, higher SEQUENCE.
    await anna.card_with("staff.button.move_meeting")
    await anna.presses("staff.button.move_meeting", "staff.ask.time")
    await anna.types("9/12 14:00", "staff.done.booked", reference=request.reference)
    await person.sees("person.notice.moved", reference=request.reference)
    moved = _ics(emu, await person.user.wait_for(lambda m: m.document is not None))
    (moved_event,) = moved.walk("VEVENT")
    assert str(moved_event["UID"]) == str(event["UID"]) and int(moved_event["SEQUENCE"]) == 1
    assert moved_event.decoded("DTSTART").hour == 14
    # The person needs another time: their reason reaches Anna through the relay.
    person.user.press(person.t("person.notice.other_time"))
    await person.sees("person.notice.other_time_ask")
    await person.says("Jag jobbar då. Efter 15 går bra.", then="person.reply_sent")
    await anna.sees("staff.notice.other_time", reference=request.reference)
    await anna.sees("staff.reply_from_person", text="Jag jobbar då. Efter 15 går bra.")
    # Cancelled: METHOD:CANCEL for the same UID; the request is back to contacted.
    await anna.card_with("staff.button.cancel_meeting")
    await anna.presses(
        "staff.button.cancel_meeting", "staff.ask.cancel_meeting", reference=request.reference
    )
    await anna.presses(
        "staff.button.cancel_meeting_yes", "staff.done.booked", reference=request.reference
    )
    await person.sees("person.notice.cancelled", reference=request.reference)
    cancelled = _ics(emu, await person.user.wait_for(lambda m: m.document is not None))
    (cancelled_event,) = cancelled.walk("VEVENT")
    assert cancelled["METHOD"] == "CANCEL" and str(cancelled_event["UID"]) == str(event["UID"])
    assert int(cancelled_event["SEQUENCE"]) == 2
    assert _row(bot, request.id).status == "contacted"


async def test_the_queue_pages_eight_at_a_time_longest_waiting_first(
    emu: BotApiEmulator, bot: RunningBot, clock: FakeClock
) -> None:
    script, _ = BRANCHES["self"]
    references = []
    for i in range(10):
        request = submit_request(
            bot.services.engine,
            bot.services.deployment,
            clock,
            telegram_id=2000 + i,
            flow_id="sip_request",
            flow_version=bot.services.flows["sip_request"].version,
            answers=script,
            language="sv",
            easy=False,
            tz=bot.services.settings.tz,
        )
        references.append(request.reference)
        clock.advance(minutes=5)
    anna = Staff(emu, bot.services, 995, "Anna")
    await anna.enrol("ostersund")
    first = await anna.types("/queue", "staff.queue.title", tab=anna.t("staff.tab.new", n=10))
    assert [b for b in first.button_texts if b.startswith("SIP-")] == references[:8]
    anna.press(anna.t("staff.button.next"))
    second = await anna.user.wait_for(lambda m: m.edited and references[8] in (m.text or ""))
    assert [b for b in second.button_texts if b.startswith("SIP-")] == references[8:]
    assert anna.t("staff.button.prev") in second.button_texts
    assert anna.t("staff.button.next") not in second.button_texts
