"""A guardian asks for a child: the child's age, the second guardian, actors for a child."""

from __future__ import annotations

from sipbot.deployment import ACTOR_LABELS
from sipbot.documents.request_doc import request_document
from sipbot.playground.emulator import BotApiEmulator
from tests.conftest import RunningBot, staff_group
from tests.scripts import BRANCHES
from tests.staff_story import Staff
from tests.story import Person
from tests.walker import request_through


async def test_a_guardian_is_asked_the_age_and_the_other_guardian_and_offered_child_actors(
    emu: BotApiEmulator, bot: RunningBot
) -> None:
    p = Person(emu.user(820), bot.services)
    await p.onboard()
    await p.presses("sip.role.guardian", "sip.person_name.ask")
    await p.says("Alva", then="sip.child_age.ask")
    assert p.user.last.button_texts[:3] == [
        p.t("sip.age.small"), p.t("sip.age.school"), p.t("sip.age.teen"),
    ]  # fmt: skip
    await p.presses("sip.age.school", "sip.second_guardian.ask")
    await p.presses("sip.second_guardian.will_ask", "sip.second_guardian_how.ask")
    await p.presses("sip.second_guardian_how.meeting", "sip.second_guardian_name.ask")
    await p.says("Jonas Ek 070-222 33 44", then="sip.child_view.ask")
    await p.presses("button.skip", "sip.for_person.ask")
    await p.presses("button.next", "sip.municipality.ask")
    p.user.press("Strömsund")
    await p.says("Hon har svårt i skolan.", then="sip.main_goal.ask")
    await p.says("Trivas i skolan", then="sip.subgoals.ask")
    await p.presses("button.done", "sip.can_do.ask")
    await p.presses("button.skip", "sip.strengths.ask")
    actors = await p.presses("button.skip", "sip.actors.ask")
    offered = actors.button_texts
    for child_actor in ("bup", "skola", "habilitering", "socialtjanst"):
        assert "▫️ " + p.t(ACTOR_LABELS[child_actor]) in offered
    for adult_actor in ("kriminalvard", "arbetsgivare", "arbetsformedlingen", "psykiatri"):
        assert "▫️ " + p.t(ACTOR_LABELS[adult_actor]) not in offered
    answers = bot.app.user_data[820]["flow"]["answers"]
    assert answers["child_age"] == "school"
    assert answers["second_guardian"] == "will_ask"
    assert answers["second_guardian_how"] == "meeting"
    assert answers["second_guardian_name"] == "Jonas Ek 070-222 33 44"


async def test_an_adult_is_offered_the_adult_actors(emu: BotApiEmulator, bot: RunningBot) -> None:
    p = Person(emu.user(821), bot.services)
    await p.onboard()
    await p.presses("sip.role.relative", "sip.person_name.ask")
    await p.says("Karl", then="sip.relation.ask")
    await p.says("son", then="sip.person_agrees.ask")
    await p.presses("sip.person_agrees.agrees", "sip.person_age.ask")
    await p.presses("sip.age.adult", "sip.for_person.ask")
    await p.presses("button.next", "sip.municipality.ask")
    p.user.press("Berg")
    await p.says("Han faller ofta.", then="sip.main_goal.ask")
    await p.says("Bo kvar hemma", then="sip.subgoals.ask")
    await p.presses("button.done", "sip.can_do.ask")
    await p.presses("button.skip", "sip.strengths.ask")
    offered = (await p.presses("button.skip", "sip.actors.ask")).button_texts
    assert "▫️ " + p.t(ACTOR_LABELS["arbetsformedlingen"]) in offered
    assert "▫️ " + p.t(ACTOR_LABELS["psykiatri"]) in offered
    assert "▫️ " + p.t(ACTOR_LABELS["bup"]) not in offered


async def test_staff_card_and_pdf_show_the_age_group_and_the_second_guardian(
    emu: BotApiEmulator, bot: RunningBot
) -> None:
    group = emu.group(staff_group(bot.services, "stromsund"))
    anna = Staff(emu, bot.services, 822, "Anna")
    await anna.enrol("stromsund")
    script, _ = BRANCHES["guardian"]
    _, request, _ = await request_through(emu, bot, 823, "sv", False, script)
    st = anna.t
    notice = await group.wait_for(lambda m: request.reference in (m.text or ""))
    assert st("staff.age.school") in (notice.text or "")
    group.press(anna.user, st("staff.button.open"), message_id=notice.message_id)
    card = await anna.user.wait_for(lambda m: "Jonas Ek 070-222 33 44" in (m.text or ""))
    for text in (
        f"{st('sip.child_age.title')}\n{st('sip.age.school')}",
        f"{st('sip.second_guardian.title')}\n{st('sip.second_guardian.will_ask')}",
        f"{st('sip.second_guardian_how.title')}\n{st('sip.second_guardian_how.call')}",
    ):
        assert text in (card.text or "")
    doc = request_document(bot.services, request)
    sections = {s.title: s.lines for s in doc.sections}
    assert sections[st("sip.child_age.title")] == [st("sip.age.school")]
    assert sections[st("sip.second_guardian.title")] == [st("sip.second_guardian.will_ask")]
    assert sections[st("sip.second_guardian_name.title")] == ["Jonas Ek 070-222 33 44"]
