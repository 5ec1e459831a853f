"""What staff do reaches the right person, and only what they meant: the pending input is
for the card it names, button times are checked like typed ones, refusals are audited."""

from __future__ import annotations

import asyncio
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlmodel import select

from sipbot import cli
from sipbot.chat.reminders import ReminderSender
from sipbot.db.engine import session_scope
from sipbot.db.models import Meeting, Reminder, SipRequest
from sipbot.playground.emulator import BotApiEmulator
from sipbot.staff.audit import entries
from tests.conftest import FakeClock, RunningBot
from tests.staff_story import Staff
from tests.story import Person
from tests.test_consent_link import _link_from_relative
from tests.test_staff_actions import _claimed, _ics


@pytest.fixture
def run_cli(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    database_url: str,
    secret_key: str,
    deployment_file: Path,
    clock: FakeClock,
    emu: BotApiEmulator,
):  # type: ignore[no-untyped-def]
    """`sipbot ...` in this process, on the test's database and clock; returns stdout."""
    for name in list(os.environ):
        if name.startswith("SIPBOT_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SIPBOT_DATABASE_URL", database_url)
    monkeypatch.setenv("SIPBOT_SECRET_KEY", secret_key)
    monkeypatch.setenv("SIPBOT_DEPLOYMENT", str(deployment_file))
    monkeypatch.setenv("SIPBOT_TELEGRAM_TOKEN", "1000:test")
    monkeypatch.setenv("SIPBOT_TELEGRAM_API_URL", emu.url)
    monkeypatch.setattr(cli, "clock", clock)

    def run(*argv: str) -> str:
        capsys.readouterr()
        cli.main(list(argv))
        return capsys.readouterr().out

    return run


def _meetings(bot: RunningBot, rid: int) -> list[Meeting]:
    with session_scope(bot.services.engine) as s:
        return list(s.exec(select(Meeting).where(Meeting.request_id == rid)))


async def test_a_forged_or_old_slot_books_nothing(emu: BotApiEmulator, bot: RunningBot) -> None:
    anna, _person, request = await _claimed(emu, bot, "self", 1010)
    await anna.card_with("staff.button.book")
    asked = await anna.presses("staff.button.book", "staff.ask.time")
    night = int(datetime(2026, 11, 24, 2, 0, tzinfo=UTC).timestamp())  # 03:00 in Sweden
    anna.user.press_data(asked.message_id, f"S:b:{request.id}:slot:{night}")
    await anna.sees("staff.time.outside_hours")
    old = int(datetime(2026, 11, 20, 9, 0, tzinfo=UTC).timestamp())
    anna.user.press_data(asked.message_id, f"S:b:{request.id}:slot:{old}")
    await anna.sees("staff.time.past")
    # The question still stands: a suggested time goes on to the length.
    anna.user.press(1, message_id=asked.message_id)
    await anna.sees("staff.ask.length")
    assert _meetings(bot, request.id) == []


async def test_refused_attempts_are_in_the_audit_log(
    emu: BotApiEmulator,
    bot: RunningBot,
    run_cli,  # type: ignore[no-untyped-def]
) -> None:
    _anna, _person, request = await _claimed(emu, bot, "self", 1020)
    bo = Staff(emu, bot.services, 1029, "Bo")
    await bo.enrol("are")  # another unit
    bo.user.send("/queue")
    shown = await bo.sees("staff.queue.title")
    count = len(bo.user.callback_answers)
    bo.user.press_data(shown.message_id, f"S:o:{request.id}")
    assert await bo.answered(count) == bo.t("staff.not_available")
    carl = Staff(emu, bot.services, 1028, "Carl")
    await carl.enrol(request.unit)
    carl.user.send("/queue")
    shown = await carl.sees("staff.queue.title")
    count = len(carl.user.callback_answers)
    carl.user.press_data(shown.message_id, f"S:r:{request.id}")  # Anna has it
    assert await carl.answered(count) == carl.t("staff.refused.taken")
    carl.user.press_data(shown.message_id, "S:zz:99999999999999")  # forged
    await carl.answered(count + 1)
    found = {
        (e.staff_id, e.request_id, e.detail)
        for e in entries(bot.services.engine)
        if e.action == "refused"
    }
    assert (bo.id, request.id, "attempt=o code=not_found") in found
    assert (carl.id, request.id, "attempt=r code=taken") in found
    assert (carl.id, None, "attempt=zz code=not_found") in found
    # And `sipbot audit` shows them.
    out = run_cli("audit", "--staff", str(carl.id))
    assert "refused" in out and "code=taken" in out


async def test_opening_another_card_ends_the_message_to_the_first_person(
    emu: BotApiEmulator, bot: RunningBot
) -> None:
    anna, first, a = await _claimed(emu, bot, "self", 1030)
    _other, second, b = await _claimed(emu, bot, "self", 1032)  # a second Anna, same unit
    await anna.card_with("staff.button.message")
    await anna.presses("staff.button.message", "staff.input.for", reference=a.reference)
    # She opens the other family's card instead and types: nothing goes to the first person.
    anna.user.press_data(anna.user.last.message_id, f"S:o:{b.id}")  # type: ignore[union-attr]
    await anna.sees("staff.input.ended", reference=a.reference)
    await anna.sees("staff.card.history")
    anna.user.send("Hej, vi ses på tisdag")
    anna.user.send("/queue")
    await anna.sees("staff.queue.title")
    said = anna.t("staff.done.message", reference=a.reference)
    assert all(said not in (m.text or "") for m in anna.user.messages)
    for person in (first, second):
        assert all("vi ses på tisdag" not in (m.text or "") for m in person.user.messages)


async def test_a_command_ends_the_pending_input_and_still_works(
    emu: BotApiEmulator, bot: RunningBot
) -> None:
    anna, _person, a = await _claimed(emu, bot, "self", 1040)
    await anna.card_with("staff.button.note")
    await anna.presses("staff.button.note", "staff.input.for", reference=a.reference)
    await anna.types("/queue", "staff.input.ended", reference=a.reference)
    await anna.sees("staff.queue.title")
    await anna.card_with("staff.button.note")
    await anna.presses("staff.button.note", "staff.ask.note")
    await anna.types("/cancel", "staff.input_cancelled")
    anna.user.send("/queue")
    await anna.sees("staff.queue.title")


def _unit_chat(emu: BotApiEmulator, bot: RunningBot, unit: str, colleague: Staff):  # type: ignore[no-untyped-def]
    """Where the unit's notices arrive: its staff group, else each colleague privately."""
    group = bot.services.deployment.unit(unit).staff_group_chat_id
    return emu.group(group) if group is not None else colleague.user


async def test_a_removed_member_gets_nothing_more_and_the_unit_gets_their_requests(
    emu: BotApiEmulator,
    bot: RunningBot,
    clock: FakeClock,
    run_cli,  # type: ignore[no-untyped-def]
) -> None:
    anna, person, request = await _claimed(emu, bot, "self", 1050)
    bo = Staff(emu, bot.services, 1059, "Bo")
    await bo.enrol(request.unit)
    unit_chat = _unit_chat(emu, bot, request.unit, bo)
    await anna.card_with("staff.button.message")
    await anna.presses("staff.button.message", "staff.ask.message")
    await anna.types("Hej! Vi hörs.", "staff.done.message", reference=request.reference)
    await anna.card_with("staff.button.book")
    await anna.presses("staff.button.book", "staff.ask.time")
    await anna.books(request.reference, "7/12 13:30", 90, "office", "Storgatan 1")
    before = len(anna.user.messages)

    out = await asyncio.to_thread(run_cli, "staff", "remove", str(anna.id))
    assert "1 open request(s) they held are back in the unit's queue" in out
    await unit_chat.wait_for(
        lambda m: (
            m.text is not None
            and m.text.startswith(bo.t("staff.notice.returned"))
            and request.reference in m.text
        )
    )
    # Back in the unit's queue, held by nobody: a colleague can take it.
    with session_scope(bot.services.engine) as s:
        row = s.get(SipRequest, request.id)
        assert row is not None and row.assigned_to is None
    # The person's reply goes to the unit, the staff reminder too: Anna gets nothing.
    label = person.t("person.reply")
    asked = next(m for m in reversed(person.user.messages) if label in m.button_texts)
    person.user.press(label, message_id=asked.message_id)
    await person.sees("person.reply_ask")
    await person.says("Tack, det passar bra.", "person.reply_sent")
    await unit_chat.wait_for(
        lambda m: (
            request.reference in (m.text or "")
            and bo.t("staff.reply_unassigned").split("{")[0] in (m.text or "")
        )
    )
    clock.now = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)  # 10:00 in Sweden, 7 days before
    await ReminderSender(bot.services).sweep(bot.app.bot)
    await unit_chat.wait_for(
        lambda m: (
            request.reference in (m.text or "")
            and bo.t("staff.reminder.meeting").split("{")[0] in (m.text or "")
        )
    )
    assert len(anna.user.messages) == before
    bo.user.send("/queue")
    shown = await bo.sees("staff.queue.title")
    bo.user.press_data(shown.message_id, f"S:c:{request.id}")
    await bo.sees("staff.done.claim", reference=request.reference)


async def test_a_member_moved_to_another_unit_keeps_none_of_its_requests(
    emu: BotApiEmulator, bot: RunningBot
) -> None:
    anna, _person, request = await _claimed(emu, bot, "self", 1060)
    other = next(u.id for u in bot.services.deployment.units if u.id != request.unit)
    await anna.enrol(other)
    with session_scope(bot.services.engine) as s:
        row = s.get(SipRequest, request.id)
        assert row is not None and row.assigned_to is None
    anna.user.send("/queue")
    await anna.sees("staff.queue.title")
    count = len(anna.user.callback_answers)
    anna.press(anna.t("staff.tab.mine", n=0))
    assert await anna.answered(count) is None


async def test_an_admin_hands_all_of_a_members_requests_to_a_colleague(
    emu: BotApiEmulator, bot: RunningBot
) -> None:
    anna, _p1, a = await _claimed(emu, bot, "self", 1070)
    admin = Staff(emu, bot.services, 1079, "Eva")
    await admin.enrol(a.unit, "admin")
    bo = Staff(emu, bot.services, 1078, "Bo")
    await bo.enrol(a.unit)
    admin.user.send("/staff")
    await admin.sees("staff.team.title")
    admin.press(admin.t("staff.team.handover", name="Anna"))
    await admin.sees("staff.team.handover_ask", name="Anna")
    admin.press("Bo")
    await admin.sees("staff.team.handed", 1, count=1, name="Bo")
    await bo.sees("staff.team.handed_to_you", 1, count=1, references=a.reference)
    with session_scope(bot.services.engine) as s:
        row = s.get(SipRequest, a.id)
        assert row is not None and row.assigned_to == bo.id
    assert anna.id != bo.id


async def _booked(emu: BotApiEmulator, bot: RunningBot, uid: int):  # type: ignore[no-untyped-def]
    anna, person, request = await _claimed(emu, bot, "self", uid)
    await anna.card_with("staff.button.book")
    await anna.presses("staff.button.book", "staff.ask.time")
    await anna.books(request.reference, "7/12 13:30", 90, "office", "Storgatan 1")
    await person.user.wait_for(lambda m: m.document is not None)  # the invitation
    return anna, person, request


async def _cancelled_and_told(
    emu: BotApiEmulator, person: Person, since: int, msgid: str, **values: object
) -> None:
    """Since message ``since``: a CANCEL calendar file and the status text, in either order
    (both through the outbox)."""
    text = person.t(msgid, **values)

    def arrived() -> bool:
        new = person.user.messages[since:]
        return any(m.document for m in new) and any(m.text == text for m in new)

    await person.user.until(arrived)
    sent = next(m for m in person.user.messages[since:] if m.document is not None)
    assert str(_ics(emu, sent)["METHOD"]) == "CANCEL"


async def test_a_transfer_calls_the_old_units_meeting_off(
    emu: BotApiEmulator, bot: RunningBot, clock: FakeClock
) -> None:
    anna, person, request = await _booked(emu, bot, 1080)
    since = len(person.user.messages)
    await anna.card_with("staff.button.transfer")
    await anna.presses("staff.button.transfer", "staff.ask.transfer")
    anna.user.press(bot.services.deployment.unit("are").name)
    await anna.sees("staff.ask.transfer_reason", limit=2000)
    await anna.types("Flyttar till Åre", "staff.done.transfer", reference=request.reference)
    unit = bot.services.deployment.unit("are").name
    await _cancelled_and_told(
        emu, person, since, "person.status.transferred", reference=request.reference, unit=unit
    )
    with session_scope(bot.services.engine) as s:
        row = s.get(SipRequest, request.id)
        assert row is not None and (row.unit, row.status, row.meeting_at) == (
            "are",
            "contacted",
            None,
        )
        meeting = s.exec(select(Meeting).where(Meeting.request_id == request.id)).one()
        assert meeting.status == "cancelled"
        pending = s.exec(
            select(Reminder).where(Reminder.meeting_id == meeting.id, Reminder.status == "pending")
        ).all()
        assert pending == []
    before = len(anna.user.messages)
    clock.now = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    await ReminderSender(bot.services).sweep(bot.app.bot)
    assert len(anna.user.messages) == before


async def test_after_a_release_the_staff_reminder_goes_to_the_unit(
    emu: BotApiEmulator, bot: RunningBot, clock: FakeClock
) -> None:
    anna, _person, request = await _booked(emu, bot, 1090)
    bo = Staff(emu, bot.services, 1099, "Bo")
    await bo.enrol(request.unit)
    unit_chat = _unit_chat(emu, bot, request.unit, bo)
    await anna.card_with("staff.button.release")
    await anna.presses("staff.button.release", "staff.done.release", reference=request.reference)
    before = len(anna.user.messages)
    clock.now = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    await ReminderSender(bot.services).sweep(bot.app.bot)
    reminder = bo.t("staff.reminder.meeting").split("{")[0]
    await unit_chat.wait_for(
        lambda m: request.reference in (m.text or "") and reminder in (m.text or "")
    )
    assert len(anna.user.messages) == before


async def test_closing_asks_a_reason_and_a_yes_and_cancels_the_follow_up(
    emu: BotApiEmulator, bot: RunningBot
) -> None:
    anna, person, request = await _booked(emu, bot, 1100)
    await anna.card_with("staff.button.plan_made")
    await anna.presses("staff.button.plan_made", "staff.ask.responsible")
    await anna.types("Karin Ek", "staff.ask.time")
    await anna.books(request.reference, "2027-03-01 10.00", 60, "video", "https://meet.example/x")
    await person.user.wait_for(lambda m: m.document is not None)
    await anna.card_with("staff.button.status")
    await anna.presses("staff.button.status", "staff.ask.status")
    await anna.presses("staff.status.closed", "staff.ask.close_reason")
    confirm = await anna.types("Klart", "staff.ask.close_confirm", reference=request.reference)
    with session_scope(bot.services.engine) as s:  # nothing happens before the yes
        row = s.get(SipRequest, request.id)
        assert row is not None and row.status == "followup_booked"
    since = len(person.user.messages)
    anna.press(anna.t("staff.button.close_yes"))
    await anna.sees("staff.done.status", reference=request.reference)
    await _cancelled_and_told(
        emu, person, since, "person.status.closed", reference=request.reference
    )
    # The old confirmation does nothing more.
    count = len(anna.user.callback_answers)
    anna.user.press(anna.t("staff.button.close_yes"), message_id=confirm.message_id)
    assert await anna.answered(count) == anna.t("staff.refused.not_allowed")


async def test_a_request_closed_before_any_plan_is_not_told_the_plan_ended(
    emu: BotApiEmulator, bot: RunningBot
) -> None:
    anna, person, request = await _booked(emu, bot, 1110)
    await anna.card_with("staff.button.status")
    await anna.presses("staff.button.status", "staff.ask.status")
    await anna.presses("staff.status.closed", "staff.ask.close_reason")
    await anna.types("Personen flyttade", "staff.ask.close_confirm", reference=request.reference)
    since = len(person.user.messages)
    await anna.presses("staff.button.close_yes", "staff.done.status", reference=request.reference)
    await _cancelled_and_told(
        emu, person, since, "person.status.closed_early", reference=request.reference
    )
    ended = person.t("person.status.closed", reference=request.reference)
    assert all(ended not in (m.text or "") for m in person.user.messages)


async def test_cancelling_the_meeting_asks_first(emu: BotApiEmulator, bot: RunningBot) -> None:
    anna, _person, request = await _booked(emu, bot, 1120)
    await anna.card_with("staff.button.cancel_meeting")
    await anna.presses(
        "staff.button.cancel_meeting", "staff.ask.cancel_meeting", reference=request.reference
    )
    with session_scope(bot.services.engine) as s:
        assert s.exec(select(Meeting).where(Meeting.request_id == request.id)).one().status == (
            "booked"
        )
    await anna.presses(
        "staff.button.cancel_meeting_yes", "staff.done.booked", reference=request.reference
    )
    with session_scope(bot.services.engine) as s:
        assert s.exec(select(Meeting).where(Meeting.request_id == request.id)).one().status == (
            "cancelled"
        )


async def _relative_case(emu: BotApiEmulator, bot: RunningBot, uid: int):  # type: ignore[no-untyped-def]
    """A relative's request with a consent link, claimed by Anna; and Karl, the person."""
    relative, request, payload = await _link_from_relative(emu, bot, uid)
    anna = Staff(emu, bot.services, uid + 2, "Anna")
    await anna.enrol(request.unit)
    anna.user.send("/queue")
    await anna.sees("staff.queue.title")
    anna.user.press(request.reference)
    await anna.user.until(lambda: anna.t("staff.button.claim") in anna.user.last.button_texts)  # type: ignore[union-attr]
    await anna.presses("staff.button.claim", "staff.done.claim", reference=request.reference)
    karl = Person(emu.user(uid + 1, language_code="sv"), bot.services, "sv")
    return anna, relative, karl, request, payload


async def _karl_answers(karl: Person, payload: str, label: str, then: str) -> None:
    karl.user.send(f"/start {payload}")
    # New to the bot: his own language and register first, then the link's question.
    await karl.sees("language.ask")
    karl.user.press("Svenska")
    await karl.sees("register.ask")
    karl.user.press(karl.t("register.plain"))
    await karl.sees("consent_link.ask")
    karl.user.press(karl.t(label))
    await karl.sees(then)


async def test_the_persons_own_no_is_overridden_only_with_a_warning_and_a_reason(
    emu: BotApiEmulator, bot: RunningBot
) -> None:
    anna, relative, karl, request, payload = await _relative_case(emu, bot, 1130)
    await _karl_answers(karl, payload, "consent_link.no", "consent_link.thanks_no")
    await anna.card_with("staff.button.consent")
    await anna.presses(
        "staff.button.consent", "staff.consent.person_said_no", reference=request.reference
    )
    await anna.presses("staff.consent.spoken", "staff.ask.consent_override_reason")
    with session_scope(bot.services.engine) as s:  # one tap changed nothing
        row = s.get(SipRequest, request.id)
        assert row is not None and row.consent == "person_refused"
    await anna.types(
        "Karl ringde 24/11 och vill ha mötet ändå",
        "staff.done.consent",
        reference=request.reference,
    )
    await relative.sees("person.status.consent_override", reference=request.reference)
    consent = [
        e for e in entries(bot.services.engine, request_id=request.id) if e.action == "consent"
    ]
    assert consent and "over=person_refused" in (consent[-1].detail or "")
    with session_scope(bot.services.engine) as s:
        row = s.get(SipRequest, request.id)
        assert row is not None and row.consent == "confirmed"


async def test_a_no_through_the_link_after_booking_calls_the_meeting_off(
    emu: BotApiEmulator, bot: RunningBot
) -> None:
    anna, relative, karl, request, payload = await _relative_case(emu, bot, 1140)
    await anna.card_with("staff.button.consent")
    await anna.presses("staff.button.consent", "staff.ask.consent")
    await anna.presses("staff.consent.spoken", "staff.done.consent", reference=request.reference)
    await anna.card_with("staff.button.book")
    await anna.presses("staff.button.book", "staff.ask.time")
    await anna.books(request.reference, "7/12 13:30", 90, "office", "Storgatan 1")
    await relative.user.wait_for(lambda m: m.document is not None)
    await _karl_answers(karl, payload, "consent_link.no", "consent_link.thanks_no")
    sent = await relative.user.wait_for(lambda m: m.document is not None)
    assert str(_ics(emu, sent)["METHOD"]) == "CANCEL"
    unit_chat = _unit_chat(emu, bot, request.unit, anna)
    told = anna.t("staff.notice.consent_refused_meeting_off", reference=request.reference)
    await unit_chat.wait_for(lambda m: told in (m.text or ""))
    with session_scope(bot.services.engine) as s:
        row = s.get(SipRequest, request.id)
        assert row is not None and (row.status, row.consent) == ("contacted", "person_refused")
        meeting = s.exec(select(Meeting).where(Meeting.request_id == request.id)).one()
        assert meeting.status == "cancelled"
        assert (
            s.exec(
                select(Reminder).where(
                    Reminder.meeting_id == meeting.id, Reminder.status == "pending"
                )
            ).all()
            == []
        )
