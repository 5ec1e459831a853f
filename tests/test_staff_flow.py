"""Two staff members and a person work a request from sent to closed, through buttons."""

from __future__ import annotations

from sqlmodel import select

from sipbot.db.engine import session_scope
from sipbot.db.models import AuditEntry, RequestNote, SipRequest
from sipbot.playground.emulator import BotApiEmulator
from tests.conftest import RunningBot, staff_group
from tests.scripts import BRANCHES
from tests.staff_story import Staff
from tests.walker import request_through


def _row(bot: RunningBot, request_id: int) -> SipRequest:
    with session_scope(bot.services.engine) as s:
        row = s.get(SipRequest, request_id)
        assert row is not None
        return row


async def test_from_sent_to_closed(emu: BotApiEmulator, bot: RunningBot) -> None:
    group = emu.group(staff_group(bot.services, "ostersund"))
    anna, bo = Staff(emu, bot.services, 900, "Anna"), Staff(emu, bot.services, 901, "Bo")
    await anna.enrol("ostersund")
    await bo.enrol("ostersund")
    script, _ = BRANCHES["self"]
    person, request, _ = await request_through(emu, bot, 902, "sv", True, script)
    st = anna.t

    # The group sees a short card: no names, no answers.
    card = await group.wait_for(lambda m: request.reference in (m.text or ""))
    assert (card.text or "").startswith(st("staff.notice.new"))
    assert script["main_goal"] not in (card.text or "")
    # Anna opens it from the group: the whole request comes to her private chat.
    answers = len(anna.user.callback_answers)
    group.press(anna.user, st("staff.button.open"), message_id=card.message_id)
    assert await anna.answered(answers) == st("staff.opened_privately")
    full = await anna.user.wait_for(lambda m: script["main_goal"] in (m.text or ""))
    assert "Anna Berg 070-111 22 33" in (full.text or "")
    assert st("staff.button.claim") in anna.user.last.button_texts
    await anna.presses("staff.button.claim", "staff.done.claim", reference=request.reference)
    await person.sees("person.status.claimed", reference=request.reference, unit=_unit(bot))
    # Bo cannot take it from her.
    bo.user.send("/queue")
    await bo.sees("staff.queue.title", tab=bo.t("staff.tab.new", n=0))
    bo.user.press_data(bo.user.last.message_id, f"S:c:{request.id}")
    assert await bo.answered(0) == bo.t("staff.refused.taken")

    # A message to the person, and the person's reply back to Anna.
    await anna.presses("staff.button.card", "staff.card.history")
    await anna.user.until(lambda: st("staff.button.message") in anna.user.last.button_texts)
    await anna.presses("staff.button.message", "staff.ask.message", limit=2000)
    await anna.types(
        "Hej! Kan vi ringas på tisdag?", "staff.done.message", reference=request.reference
    )
    note = await person.sees(
        "person.staff_message",
        reference=request.reference,
        unit=_unit(bot),
        text="Hej! Kan vi ringas på tisdag?",
    )
    assert note.button_texts == [person.t("person.reply")]
    await person.presses("person.reply", "person.reply_ask")
    await person.says("Ja, efter klockan 13", then="person.reply_sent")
    await anna.sees(
        "staff.reply_from_person", reference=request.reference, text="Ja, efter klockan 13"
    )
    # An internal note.
    await anna.presses("staff.button.card", "staff.card.history")
    await anna.user.until(lambda: st("staff.button.note") in anna.user.last.button_texts)
    await anna.presses("staff.button.note", "staff.ask.note", limit=2000)
    await anna.types("Ringer tisdag 13:15", "staff.done.note", reference=request.reference)

    # Along the process; the person is told of each step that concerns them.
    await anna.card_with("staff.button.status")
    await anna.presses("staff.button.status", "staff.ask.status")
    await anna.presses("staff.status.contacted", "staff.done.status", reference=request.reference)
    await person.sees("person.status.contacted", reference=request.reference)
    await anna.card_with("staff.button.book")
    await anna.presses("staff.button.book", "staff.ask.time")
    await anna.books(request.reference, "3/12 10:00", 60, "home", None)
    meeting = _row(bot, request.id).meeting_at
    assert meeting is not None and meeting.isoformat() == "2026-12-03T09:00:00+00:00"
    await person.sees("person.notice.meeting", reference=request.reference)
    await person.user.wait_for(lambda m: m.document is not None)
    # The meeting is held, the plan made: the follow-up is booked with the main responsible.
    await anna.card_with("staff.button.plan_made")
    await anna.presses("staff.button.plan_made", "staff.ask.responsible")
    await anna.types("Karin Ek, psykiatrin", "staff.ask.time")
    await anna.books(request.reference, "2027-03-01 10.00", 60, "video", "https://meet.example/x")
    followup = _row(bot, request.id).followup_at
    assert followup is not None and followup.isoformat() == "2027-03-01T09:00:00+00:00"
    await person.sees(
        "person.notice.followup",
        reference=request.reference,
        responsible="Karin Ek, psykiatrin",
        date=person.t.datetime(followup),
        minutes=60,
        where=person.t("meeting.place.video") + ": https://meet.example/x",
    )
    # At the follow-up: close; the person is told the plan no longer applies.
    await anna.card_with("staff.button.status")
    await anna.presses("staff.button.status", "staff.ask.status")
    await anna.presses("staff.status.closed", "staff.ask.close_reason")
    await anna.types("Planen är genomförd", "staff.ask.close_confirm", reference=request.reference)
    await anna.presses("staff.button.close_yes", "staff.done.status", reference=request.reference)
    await person.sees("person.status.closed", reference=request.reference)
    row = _row(bot, request.id)
    assert (row.status, row.assigned_to, row.closed_at is not None) == ("closed", 900, True)

    with session_scope(bot.services.engine) as s:
        actions = [
            a.action for a in s.exec(select(AuditEntry).where(AuditEntry.request_id == request.id))
        ]
        notes = s.exec(select(RequestNote).where(RequestNote.request_id == request.id)).all()
    assert {"view", "claim", "message", "note", "status", "meeting.book"} <= set(actions)
    assert {"followup.book"} <= set(actions) and actions.count("status") == 2
    assert [(n.kind, (n.body or {}).get("text")) for n in notes] == [
        ("to_person", "Hej! Kan vi ringas på tisdag?"),
        ("from_person", "Ja, efter klockan 13"),
        ("note", "Ringer tisdag 13:15"),
        ("close", "Planen är genomförd"),  # the reason for closing, kept internally
    ]


def _unit(bot: RunningBot) -> str:
    return bot.services.deployment.unit("ostersund").name
