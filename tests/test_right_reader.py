"""Who "you" is: each message worded for the one who reads it.

A daughter asks for a SIP for her father. The meeting notice and the reminders she gets are
about him, by name; he, having said yes through the consent link on his own phone, gets his
own notice and reminders. Staff read where the meeting is as staff ("at the person's home").
"""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import select

from sipbot.chat.reminders import ReminderSender
from sipbot.db.engine import session_scope
from sipbot.db.models import Reminder, SipRequest, StaffMember
from sipbot.deployment import ReminderPolicy
from sipbot.meetings import booking
from sipbot.notify import queue_notice
from sipbot.people import readers
from sipbot.playground.emulator import BotApiEmulator
from sipbot.requests import delete_person_requests
from sipbot.staff import members, work
from tests.conftest import FakeClock, RunningBot
from tests.scripts import BRANCHES
from tests.story import Person
from tests.walker import Walker, request_through, without_phone

LINK = re.compile(r"https://t\.me/sipbot_test_bot\?start=(c_[\w-]+)")
TZ = ZoneInfo("Europe/Stockholm")
DAUGHTER, FATHER, STAFF = 3100, 3101, 3102
MEETING = datetime(2026, 12, 3, 13, 30, tzinfo=TZ)


def _staff(bot: RunningBot, clock: FakeClock) -> StaffMember:
    token = members.create_invite(bot.services.engine, clock, "are")
    staff = members.accept_invite(bot.services.engine, clock, token, STAFF, "Anna")
    assert isinstance(staff, StaffMember)
    return staff


async def test_the_daughter_reads_about_her_father_and_he_reads_his_own(
    emu: BotApiEmulator, bot: RunningBot, clock: FakeClock
) -> None:
    services = bot.services
    script = {**BRANCHES["relative_with_link"][0], "relation": "dotter"}
    daughter, request, _ = await request_through(emu, bot, DAUGHTER, "sv", False, script)
    offer = await daughter.user.wait_for(lambda m: bool(LINK.search(m.text or "")))
    payload = LINK.search(offer.text or "").group(1)  # type: ignore[union-attr]
    # Karl opens the link on his own phone and says yes to both questions.
    karl = Person(emu.user(FATHER, language_code="sv"), services, "sv")
    karl.user.send(f"/start {payload}")
    await karl.sees("language.ask")
    karl.user.press("Svenska")
    await karl.sees("register.ask")
    karl.user.press(karl.t("register.plain"))
    await karl.sees("consent_link.ask")
    await karl.presses("consent_link.yes", "consent_link.ask_share")
    await karl.presses("consent_link.share_yes", "consent_link.thanks_yes")

    staff = _staff(bot, clock)
    work.claim(services.engine, clock, staff, request.id)  # type: ignore[arg-type]
    work.move(services.engine, clock, staff, request.id, "contacted")  # type: ignore[arg-type]
    booking.book(
        services.engine,
        clock,
        staff,
        request.id,  # type: ignore[arg-type]
        kind="meeting",
        starts_at=MEETING,
        minutes=60,
        place="home",
        detail=None,
        tz=TZ,
        policy=ReminderPolicy(),
        then=lambda s, r, m: queue_notice(s, services, r, m, "new", STAFF),
    )

    # The daughter: about her father, by name, at his home; the answer buttons are hers.
    t = daughter.t
    lead = await daughter.sees("person.about.relative", name="Karl Öberg")
    text = lead.text or ""
    assert t("person.notice.meeting_about").split("{")[0] in text
    assert t("meeting.place.home_about", name="Karl Öberg") in text
    assert "Karl Öberg" in text.split("\n")[0]
    # Not the person's own wording ("Your goal: ..."), which is the father's, not hers.
    own_goal = next(line for line in t("person.notice.meeting").split("\n") if "{goal}" in line)
    assert own_goal.split("{")[0] not in text
    assert t("person.notice.can_come") in lead.button_texts
    # Karl: his own notice, "at your home", without the daughter's wording.
    own = await karl.sees("person.notice.meeting")
    assert t("meeting.place.home") in (own.text or "")
    assert t("person.about.relative", name="Karl Öberg") not in (own.text or "")

    # A week before, both are reminded, each in their own words; staff as staff.
    clock.now = datetime(2026, 11, 26, 10, 0, tzinfo=TZ)
    await ReminderSender(services).sweep(bot.app.bot)
    date = t.datetime(MEETING)
    reminder = await daughter.sees("person.reminder.meeting_about", name="Karl Öberg", date=date)
    assert t("person.about.relative", name="Karl Öberg") in (reminder.text or "")
    assert t("meeting.place.home_about", name="Karl Öberg") in (reminder.text or "")
    mine = await karl.sees("person.reminder.meeting", date=date)
    assert t("meeting.place.home") in (mine.text or "")
    anna = emu.user(STAFF)
    st = services.catalogs.texts("sv", easy=False)
    await anna.wait_for(lambda m: request.reference in (m.text or "") and "Var:" in (m.text or ""))
    staff_reminder = next(m.text for m in anna.messages if "Var:" in (m.text or ""))
    assert st("staff.place.home") in (staff_reminder or "")
    assert t("meeting.place.home") not in (staff_reminder or "")

    # Karl deletes his data: he is no longer told, and nothing waits to be sent to him.
    delete_person_requests(services.engine, clock, FATHER)
    with session_scope(services.engine) as s:
        row = s.get(SipRequest, request.id)
        assert row is not None and readers(s, row) == [(DAUGHTER, True)]
        assert not s.exec(select(Reminder).where(Reminder.chat_id == FATHER)).all()


async def test_the_easy_welcome_comes_after_the_register_is_chosen(
    emu: BotApiEmulator, bot: RunningBot
) -> None:
    p = Person(emu.user(3110, language_code="sv"), bot.services, "sv")
    p.user.send("/start")
    await p.sees("language.ask")
    p.user.press("Svenska")
    await p.sees("register.ask")
    p.user.press(p.t("register.easy"))
    p.easy = True
    welcome = await p.sees("start.welcome")
    easy = bot.services.catalogs.texts("sv", easy=True)
    plain = bot.services.catalogs.texts("sv", easy=False)
    assert welcome.text == easy("start.welcome") != plain("start.welcome")
    assert not any(m.text == plain("start.welcome") for m in p.user.messages)


async def test_a_relative_is_told_whose_answers_are_whose(
    emu: BotApiEmulator, bot: RunningBot
) -> None:
    """The questions about Karl say "you" for Karl (the flow says so once); where the answers
    become the daughter's own (how staff reach her) or the review names his, it says whose."""
    script = {**BRANCHES["relative_with_link"][0], "relation": "dotter"}
    daughter = Person(emu.user(3120, language_code="sv"), bot.services, "sv")
    await daughter.onboard()
    review = await Walker(daughter).fill(without_phone(script))
    t, name = daughter.t, "Karl Öberg"
    asked = [m.text or "" for m in daughter.user.messages]
    assert any(t("sip.contact_way.on_behalf.ask", name=name) in text for text in asked)
    shown = "\n".join(m.text or "" for m in daughter.user.messages[-3:])
    assert review.text and review.text in shown
    titles = _review_titles(shown)
    assert t("sip.can_do.title_on_behalf", name=name) in titles
    assert t("sip.can_do.title") not in titles  # "what I can do myself" would be hers
    assert t("sip.contact_way.title_on_behalf") in titles
    home = t("sip.meeting_place.home_on_behalf", name=name)
    assert any(home in line for line in shown.split("\n"))


async def test_one_asking_for_themself_reads_their_own_words(
    emu: BotApiEmulator, bot: RunningBot
) -> None:
    klara = Person(emu.user(3121, language_code="sv"), bot.services, "sv")
    await klara.onboard()
    await Walker(klara).fill(without_phone(BRANCHES["self"][0]))
    titles = _review_titles("\n".join(m.text or "" for m in klara.user.messages[-3:]))
    assert klara.t("sip.can_do.title") in titles
    assert klara.t("sip.contact_way.title") in titles
    assert any(klara.t("sip.contact_way.ask") in (m.text or "") for m in klara.user.messages)


def _review_titles(text: str) -> set[str]:
    """The question titles of a review ("• title: answer" lines, grouped by part)."""
    return {line[2:].split(":")[0] for line in text.split("\n") if line.startswith("• ")}
