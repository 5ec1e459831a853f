"""A person asks for a SIP through the real bot, long-polling the emulator over HTTP."""

from __future__ import annotations

import pytest
from sqlmodel import select

from sipbot.db.engine import session_scope
from sipbot.db.models import Person as PersonRow
from sipbot.db.models import SipRequest
from sipbot.playground.emulator import BotApiEmulator
from tests.conftest import RunningBot
from tests.story import Person


@pytest.mark.parametrize(
    ("lang", "easy"), [("sv", False), ("sv", True), ("en", False), ("en", True)]
)
async def test_new_person_chooses_language_and_register_then_gets_first_question(
    emu: BotApiEmulator, bot: RunningBot, lang: str, easy: bool
) -> None:
    person = Person(emu.user(100, language_code=lang), bot.services, lang, easy)
    await person.onboard()
    question = person.user.last
    assert question.text.startswith(person.t("sip.role.ask"))
    assert question.button_texts[0] == person.t("sip.role.self")
    with session_scope(bot.services.engine) as s:
        row = s.get(PersonRow, 100)
        assert row is not None and (row.language, row.easy) == (lang, easy)


async def test_commands_registered_in_each_language(emu: BotApiEmulator, bot: RunningBot) -> None:
    for lang in ("sv", "en"):
        commands = {c["command"]: c["description"] for c in emu.commands(language_code=lang)}
        texts = bot.services.catalogs.texts(lang, easy=False)
        assert commands == {
            c: texts(f"command.{c}") for c in ("start", "help", "language", "cancel")
        }


async def test_self_request_from_first_question_to_receipt(
    emu: BotApiEmulator, bot: RunningBot
) -> None:
    p = Person(emu.user(101), bot.services)
    await p.onboard()
    await p.presses("sip.role.self", "sip.own_name.ask")
    await p.says("Klara Holm", then="sip.municipality.ask")
    p.user.press("Östersund")
    await p.asked("sip.problems.ask")
    await p.says("Jag har ångest och klarar inte skolan.", then="sip.main_goal.ask")
    await p.says("Klara mina studier", then="sip.subgoals.ask")
    await p.says("Gå på föreläsningar", then="sip.subgoals.ask")
    await p.says("Sova bättre", then="sip.subgoals.ask")
    await p.presses("button.done", "sip.can_do.ask")
    await p.says("Jag kan ta mina mediciner", then="sip.strengths.ask")
    await p.presses("button.skip", "sip.actors.ask")
    p.user.press("▫️ " + p.t("actor.vardcentral"))
    await p.user.wait_for(lambda m: ("✅ " + p.t("actor.vardcentral")) in m.button_texts)
    p.user.press("▫️ " + p.t("actor.studenthalsa"))
    await p.user.wait_for(lambda m: ("✅ " + p.t("actor.studenthalsa")) in m.button_texts)
    await p.presses("button.done", "sip.contacts.ask")
    assert p.user.last.text.startswith(p.t("sip.contacts.ask", item=p.t("actor.vardcentral")))
    await p.says("Anna Berg 070-111 22 33", then="sip.contacts.ask")
    assert p.user.last.text.startswith(p.t("sip.contacts.ask", item=p.t("actor.studenthalsa")))
    await p.presses("button.skip", "sip.share_scope.ask")
    await p.presses("sip.share_scope.all", "sip.not_share.ask")
    await p.presses("button.skip", "sip.meeting_place.ask")
    await p.presses("sip.meeting_place.video", "sip.meeting_help.ask")
    p.user.press("▫️ " + p.t("sip.meeting_help.interpreter"))
    await p.user.wait_for(lambda m: m.edited)
    await p.presses("button.done", "sip.interpreter_language.ask")
    await p.says("arabiska", then="sip.meeting_times.ask")
    await p.says("Förmiddagar", then="sip.main_responsible.ask")
    # Only a huvudman (municipality or region) can be main responsible: not student health.
    assert p.user.last.button_texts == [
        p.t("actor.vardcentral"),
        p.t("sip.main_responsible.dont_know"),
        p.t("button.back"),
    ]
    await p.presses("actor.vardcentral", "sip.followup_how.ask")
    await p.says("Jag går på lektionerna", then="sip.followup_when.ask")
    await p.presses("sip.followup_when.3m", "sip.other.ask")
    await p.presses("button.skip", "sip.contact_way.ask")
    await p.presses("sip.contact_way.phone", "sip.phone.ask")
    await p.says("nej", then="input.bad_phone")
    await p.says("070-123 45 67", then="sip.review.ask")

    review = p.user.last
    assert "Klara mina studier" in review.text and "• Sova bättre" in review.text
    assert p.t("review.consent.self", unit="Östersunds kommun – SIP-samordning") in review.text
    # Change the main goal: its part is walked, each earlier answer shown and kept on Keep.
    await p.presses("button.edit", "sip.problems.ask", what=p.t("sip.part.matters"))
    await p.presses("button.keep", "sip.main_goal.ask")
    await p.says("Klara mina studier och må bättre", then="sip.subgoals.ask")
    await p.presses("button.done", "sip.can_do.ask")
    await p.presses("button.keep", "sip.strengths.ask")
    await p.presses("button.skip", "sip.other.ask")
    await p.presses("button.skip", "sip.review.ask")
    assert "Klara mina studier och må bättre" in p.user.last.text
    receipt = await p.presses("button.send", "receipt.text")
    assert "SIP-" in receipt.text

    with session_scope(bot.services.engine) as s:
        request = s.exec(select(SipRequest)).one()
    assert request.reference in receipt.text
    assert (request.role, request.municipality, request.unit) == ("self", "ostersund", "ostersund")
    assert (request.consent, request.status, request.flow_id) == ("given", "new", "sip_request")
    assert request.flow_version == bot.services.flows["sip_request"].version
    assert request.person_name == "Klara Holm"
    assert request.answers == {
        "role": "self",
        "own_name": "Klara Holm",
        "municipality": "ostersund",
        "problems": "Jag har ångest och klarar inte skolan.",
        "main_goal": "Klara mina studier och må bättre",
        "subgoals": ["Gå på föreläsningar", "Sova bättre"],
        "can_do": "Jag kan ta mina mediciner",
        "strengths": None,
        "actors": ["vardcentral", "studenthalsa"],
        "contacts": {"vardcentral": "Anna Berg 070-111 22 33", "studenthalsa": None},
        "share_scope": "all",
        "not_share": None,
        "meeting_place": "video",
        "meeting_help": ["interpreter"],
        "interpreter_language": "arabiska",
        "meeting_times": "Förmiddagar",
        "main_responsible": "vardcentral",
        "followup_how": "Jag går på lektionerna",
        "followup_when": "3m",
        "other": None,
        "contact_way": "phone",
        "phone": "070-123 45 67",
    }


async def test_relative_branch_asks_about_the_person_and_their_consent(
    emu: BotApiEmulator, bot: RunningBot
) -> None:
    p = Person(emu.user(102, language_code="en"), bot.services, "en", easy=True)
    await p.onboard()
    await p.presses("sip.role.relative", "sip.person_name.ask")
    await p.says("Karl", then="sip.relation.ask")
    await p.says("son", then="sip.person_agrees.ask")
    # From here on "you" means the person: the relative is told so once.
    await p.presses("sip.person_agrees.will_ask", "sip.person_age.ask")
    await p.presses("sip.age.adult", "sip.for_person.ask")
    await p.presses("button.next", "sip.municipality.ask")
    assert p.user.last.button_texts[0] == "Berg"


async def test_bad_input_gets_a_short_answer_and_keeps_what_was_given(
    emu: BotApiEmulator, bot: RunningBot
) -> None:
    p = Person(emu.user(103), bot.services)
    await p.onboard()
    role_message = p.user.last
    await p.presses("sip.role.self", "sip.own_name.ask")
    await p.says("Klara Holm", then="sip.municipality.ask")
    # A choice step wants a button (or its words typed): other text and stickers are turned away.
    await p.says("Stockholm", then="input.use_buttons")
    p.user.send_sticker()
    await p.sees("input.use_buttons")
    await p.asked("sip.municipality.ask")
    p.user.press("Åre")
    await p.asked("sip.problems.ask")
    # A text step: media, empty, too long, unknown command, an old button.
    for send in (p.user.send_photo, p.user.send_document, p.user.send_location):
        send()
        await p.sees("input.text_only_voice")
        await p.asked("sip.problems.ask")
    await p.says("   ", then="input.empty")
    p.user.send("x" * 2001)
    await p.sees("input.too_long_kept")
    await p.sees("hint.kept", length=2001, limit=2000)
    await p.says("/whatever", then="input.unknown_command")
    answered = len(p.user.callback_answers)
    p.user.press(1, message_id=role_message.message_id)
    await p.user.until(lambda: len(p.user.callback_answers) > answered)
    assert p.user.callback_answers[-1].text == p.t("input.old_button")
    await p.asked("sip.problems.ask")
    # A voice message is a valid answer to a text step.
    p.user.send_voice(duration=7)
    await p.asked("sip.main_goal.ask")
    state = bot.app.user_data[103]["flow"]
    assert state["answers"]["role"] == "self"
    assert state["answers"]["municipality"] == "are"
    assert state["answers"]["problems"]["duration"] == 7


async def test_help_language_and_cancel_work_mid_question(
    emu: BotApiEmulator, bot: RunningBot
) -> None:
    p = Person(emu.user(104), bot.services)
    await p.onboard()
    await p.presses("sip.role.self", "sip.own_name.ask")
    await p.says("Klara Holm", then="sip.municipality.ask")
    await p.says("/help", then="help.in_flow")
    await p.asked("sip.municipality.ask")
    # Switch to English easy: the same question comes back in the new words.
    await p.says("/language", then="language.ask")
    p.user.press("English")
    p.lang = "en"
    await p.sees("register.ask")
    p.user.press(p.t("register.easy"))
    p.easy = True
    await p.asked("sip.municipality.ask")
    assert bot.app.user_data[104]["flow"]["answers"] == {"role": "self", "own_name": "Klara Holm"}
    # /cancel asks first; "no" keeps everything.
    await p.says("/cancel", then="cancel.ask")
    await p.presses("cancel.no", "sip.municipality.ask")
    assert bot.app.user_data[104]["flow"]["answers"] == {"role": "self", "own_name": "Klara Holm"}
    await p.says("/cancel", then="cancel.ask")
    await p.presses("cancel.yes", "cancel.done")
    assert "flow" not in bot.app.user_data[104]


async def test_start_with_unfinished_request_offers_continue_or_start_over(
    emu: BotApiEmulator, bot: RunningBot
) -> None:
    p = Person(emu.user(105), bot.services)
    await p.onboard()
    await p.presses("sip.role.self", "sip.own_name.ask")
    await p.says("Klara Holm", then="sip.municipality.ask")
    await p.says("/start", then="draft.found")
    await p.presses("draft.continue", "sip.municipality.ask")
    await p.says("/start", then="draft.found")
    await p.presses("draft.restart", "sip.role.ask")
    assert bot.app.user_data[105]["flow"]["answers"] == {}


async def test_answers_are_written_to_the_database_as_they_are_given(
    emu: BotApiEmulator, bot: RunningBot
) -> None:
    p = Person(emu.user(106), bot.services)
    await p.onboard()
    await p.presses("sip.role.self", "sip.own_name.ask")
    await p.says("Klara Holm", then="sip.municipality.ask")
    # Updates are handled one at a time, so once /help is answered the answer before is stored.
    await p.says("/help", then="help.in_flow")
    stored = await bot.app.persistence.stored_user_data()  # type: ignore[union-attr]
    assert stored[106]["flow"]["answers"] == {"role": "self", "own_name": "Klara Holm"}
    assert stored[106]["flow"]["step"] == "municipality"


async def test_back_shows_the_earlier_answer_and_keeps_it(
    emu: BotApiEmulator, bot: RunningBot
) -> None:
    p = Person(emu.user(107), bot.services, easy=True)
    await p.onboard()
    assert p.t("button.back") not in p.user.last.button_texts  # nothing before the first
    await p.presses("sip.role.self", "sip.own_name.ask")
    await p.says("Klara Holm", then="sip.municipality.ask")
    p.user.press("Krokom")
    await p.asked("sip.problems.ask")
    await p.says("Jag sover dåligt", then="sip.main_goal.ask")
    back = await p.presses("button.back", "sip.problems.ask")
    assert p.t("hint.current", answer="Jag sover dåligt") in (back.text or "")
    await p.presses("button.keep", "sip.main_goal.ask")
    await p.presses("button.back", "sip.problems.ask")
    await p.presses("button.back", "sip.municipality.ask")
    assert p.t("hint.current", answer="Krokom") in (p.user.last.text or "")
    p.user.press("Berg")
    await p.asked("sip.problems.ask")
    await p.says("Jag sover dåligt och är trött", then="sip.main_goal.ask")
    answers = bot.app.user_data[107]["flow"]["answers"]
    assert answers == {
        "role": "self",
        "own_name": "Klara Holm",
        "municipality": "berg",
        "problems": "Jag sover dåligt och är trött",
    }


async def test_typing_instead_of_choosing_the_register_asks_it_again(
    emu: BotApiEmulator, bot: RunningBot
) -> None:
    p = Person(emu.user(108), bot.services)
    p.user.send("/start")
    await p.sees("language.ask")
    p.user.press("Svenska")
    await p.sees("register.ask")
    await p.says("lätt", then="input.use_buttons")
    await p.sees("register.ask")
    p.user.press(p.t("register.easy"))
    p.easy = True
    await p.sees("register.saved")
    await p.sees("menu.text")
    await p.says("/hjalp", then="help.text")
