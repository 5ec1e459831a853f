"""The scheduled jobs themselves, run as the scheduler runs them, with the fake clock moved.

The bot fixture registers every job and pauses it (no sweep runs on the wall clock). Here each
job's own callback is called with the context PTB builds for a job, so what is tested is what
the scheduler would run: the callback, its wiring to the services, and its effects.
"""

from __future__ import annotations

from telegram.ext import CallbackContext

from sipbot.chat.person.drafts import DRAFT_DAYS
from sipbot.chat.reminders import where
from sipbot.db.engine import session_scope
from sipbot.db.models import SipRequest
from sipbot.meetings import booking
from sipbot.playground.emulator import BotApiEmulator
from tests.conftest import FakeClock, RunningBot, staff_group
from tests.scripts import BRANCHES
from tests.staff_story import Staff
from tests.story import Person
from tests.test_reminders import PERSON, STAFF, _book, _local, _setup
from tests.walker import request_through


async def run_job(bot: RunningBot, name: str) -> None:
    """Run the named job's callback once, now, as the job queue would (errors propagate)."""
    (job,) = bot.app.job_queue.get_jobs_by_name(name)  # type: ignore[union-attr]
    context = CallbackContext.from_job(job, bot.app)
    await job.callback(context)  # type: ignore[arg-type]


async def test_the_drafts_job_tells_the_person_and_deletes_an_old_draft(
    emu: BotApiEmulator, bot: RunningBot, clock: FakeClock
) -> None:
    p = Person(emu.user(1200, language_code="sv"), bot.services, "sv")
    await p.onboard()
    await p.presses("sip.role.self", "sip.own_name.ask")
    clock.advance(days=DRAFT_DAYS - 1)
    await run_job(bot, "drafts")
    await p.sees("draft.warning")
    assert "flow" in bot.app.user_data[1200]
    clock.advance(days=1)
    await run_job(bot, "drafts")
    await p.sees("draft.expired", days=p.t.ngettext("count.days", DRAFT_DAYS, n=DRAFT_DAYS))
    assert "flow" not in bot.app.user_data[1200]
    stored = await bot.app.persistence.stored_user_data()  # type: ignore[union-attr]
    assert "flow" not in stored[1200]


async def test_the_reminders_job_sends_what_is_due(
    emu: BotApiEmulator, bot: RunningBot, clock: FakeClock
) -> None:
    staff, rid = _setup(bot, emu, clock)
    meeting_at = _local(2026, 12, 3, 13, 30)
    _book(bot, clock, staff, rid, meeting_at)
    person, anna = emu.user(PERSON), emu.user(STAFF)
    clock.now = _local(2026, 11, 26, 9, 59)  # a minute early: nothing
    await run_job(bot, "reminders")
    assert person.messages == []
    clock.now = _local(2026, 11, 26, 10, 0)
    await run_job(bot, "reminders")
    t = bot.services.catalogs.texts("sv", easy=True)
    with session_scope(bot.services.engine) as s:
        request = s.get(SipRequest, rid)
        meeting = booking.current(s, rid, "meeting")
    assert request is not None and meeting is not None
    await person.wait_for(
        lambda m: (
            m.text
            == t(
                "person.reminder.meeting",
                date=t.datetime(meeting_at),
                reference=request.reference,
                where=where(meeting, t),
            )
        )
    )
    await anna.wait_for(lambda m: request.reference in (m.text or ""))
    await run_job(bot, "reminders")  # sent once
    assert len(person.messages) == 1


async def test_an_unclaimed_request_past_its_target_reaches_the_unit_from_the_job(
    emu: BotApiEmulator, bot: RunningBot, clock: FakeClock
) -> None:
    """The story: Klara asks on Monday; nobody takes it; on Friday morning the unit's group
    is told, once that day; a member opens the overdue list from the message and claims it."""
    group = emu.group(staff_group(bot.services, "ostersund"))
    script, _ = BRANCHES["self"]
    _, request, _ = await request_through(emu, bot, 1210, "sv", False, script)
    await group.wait_for(lambda m: request.reference in (m.text or ""))
    st = bot.services.catalogs.texts("sv", False)
    overdue = st("staff.overdue", count=1, references=request.reference)
    # Sent Monday 23 Nov 10:00 Stockholm; three working days: due at the end of Thursday.
    clock.advance(days=3, hours=13, minutes=30)  # Thursday 23:30 Stockholm: not yet
    await run_job(bot, "overdue")
    clock.advance(hours=8, minutes=29)  # Friday 07:59: overdue, but before the working day
    await run_job(bot, "overdue")
    assert overdue not in [m.text for m in group.messages]
    clock.advance(minutes=1)  # Friday 08:00
    await run_job(bot, "overdue")
    told = await group.wait_for(lambda m: m.text == overdue)
    assert told.button_texts == [st("staff.button.overdue")]
    clock.advance(hours=4)
    await run_job(bot, "overdue")  # once a day
    assert [m.text for m in group.messages].count(overdue) == 1
    anna = Staff(emu, bot.services, 1211, "Anna")
    await anna.enrol("ostersund")
    group.press(anna.user, st("staff.button.overdue"), message_id=told.message_id)
    queue = await group.wait_for(lambda m: m.edited and m.message_id == told.message_id)
    assert (queue.text or "").startswith(st("staff.queue.title", tab=""))
    assert request.reference in (queue.text or "")
    anna.user.send("/queue")
    await anna.sees("staff.queue.title")
    anna.user.press(request.reference)
    await anna.user.until(lambda: anna.t("staff.button.claim") in anna.user.last.button_texts)  # type: ignore[union-attr]
    await anna.presses("staff.button.claim", "staff.done.claim", reference=request.reference)
    clock.advance(days=3)  # Monday: claimed, so no longer overdue
    await run_job(bot, "overdue")
    # (The overdue message itself now shows the queue: count what was sent, not edited.)
    assert [m.text for m in group.events if not m.edited].count(overdue) == 1


async def test_the_reminders_job_keeps_the_morning_quiet_until_eight(
    emu: BotApiEmulator, bot: RunningBot, clock: FakeClock
) -> None:
    """The bot was down from the evening; it comes back at 06:30, in the morning half of the
    quiet hours: the due reminder waits until 08:00 that same morning, not the next day."""
    staff, rid = _setup(bot, emu, clock)
    _book(bot, clock, staff, rid, _local(2026, 12, 3, 13, 30))
    person = emu.user(PERSON)
    clock.now = _local(2026, 11, 27, 6, 30)  # the day-7 reminder was due yesterday at 10:00
    await run_job(bot, "reminders")
    clock.now = _local(2026, 11, 27, 7, 59)
    await run_job(bot, "reminders")
    assert person.messages == []
    clock.now = _local(2026, 11, 27, 8, 0)
    await run_job(bot, "reminders")
    reminder = await person.wait_for(lambda m: "SIP-" in (m.text or ""))
    assert reminder.text is not None
