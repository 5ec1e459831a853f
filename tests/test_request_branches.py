"""Every branch of the request, in every language and register, from /start to the stored row."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlmodel import select

from sipbot.db.engine import session_scope
from sipbot.db.models import SipRequest
from sipbot.playground.emulator import BotApiEmulator
from tests.conftest import RunningBot
from tests.story import Person
from tests.walker import Script, Walker, stored

COMMON: Script = {
    "problems": "Jag orkar inte gå till skolan och sover dåligt.",
    "main_goal": "Klara gymnasiet",
    "subgoals": ["Gå i skolan tre dagar i veckan", "Sova åtta timmar"],
    "can_do": "Laga mat och ta mina mediciner",
    "strengths": None,
    "not_share": "Min ekonomi",
    "meeting_place": "home",
    "meeting_help": ["interpreter", "easy_papers"],
    "interpreter_language": "arabiska",
    "meeting_times": None,
    "followup_how": "Jag går i skolan",
    "followup_when": "1m",
    "other": None,
    "contact_way": "phone",
    "phone": "+46 70 123 45 67",
}

BRANCHES: dict[str, tuple[Script, str]] = {
    "self": (
        {
            "role": "self",
            "municipality": "ostersund",
            **COMMON,
            "actors": ["vardcentral", "psykiatri", "narstaende"],
            "contacts": {
                "vardcentral": "Anna Berg 070-111 22 33",
                "psykiatri": None,
                "narstaende": "Lena, min syster",
            },
            "share_scope": "limited",
            "share_with": ["vardcentral", "psykiatri"],
            "main_responsible": "psykiatri",
        },
        "given",
    ),
    "relative_with_link": (
        {
            "role": "relative",
            "person_name": "Karl Öberg",
            "relation": "son",
            "person_agrees": "agrees",
            "for_person": True,
            "municipality": "are",
            **COMMON,
            "actors": ["hemtjanst", "vardcentral"],
            "contacts": {"hemtjanst": None, "vardcentral": None},
            "share_scope": "all",
            "main_responsible": "dont_know",
            "contact_way": "chat",
            "phone": None,
        },
        "awaiting_person",
    ),
    "relative_without_link": (
        {
            "role": "relative",
            "person_name": "Maj Öberg",
            "relation": "mamma",
            "person_agrees": "will_ask",
            "for_person": True,
            "municipality": "berg",
            **COMMON,
            # No huvudman chosen: the main-responsible question is not asked.
            "actors": ["forsakringskassan", "arbetsgivare"],
            "contacts": {"forsakringskassan": None, "arbetsgivare": "Per Ek, chef"},
            "share_scope": "all",
        },
        "to_confirm",
    ),
    "representative": (
        {
            "role": "representative",
            "person_name": "Sven Lind",
            "representative_kind": "forvaltare",
            "person_agrees": "cannot_say",
            "for_person": True,
            "municipality": "krokom",
            **COMMON,
            "actors": ["lss", "habilitering", "god_man"],
            "contacts": {"lss": None, "habilitering": "Eva", "god_man": "Jag själv"},
            "share_scope": "all",
            "main_responsible": "lss",
        },
        "to_confirm",
    ),
    "guardian": (
        {
            "role": "guardian",
            "person_name": "Alva",
            "child_view": "Hon vill ha kompisar i skolan.",
            "for_person": True,
            "municipality": "stromsund",
            **COMMON,
            "actors": ["skola", "habilitering"],
            "contacts": {"skola": "Mentor Lisa", "habilitering": None},
            "share_scope": "all",
            "main_responsible": "habilitering",
        },
        "to_confirm",
    ),
}
REGISTERS = [("sv", False), ("sv", True), ("en", False), ("en", True)]


def _without_phone(script: Script) -> Script:
    return {k: v for k, v in script.items() if not (k == "phone" and v is None)}


async def _request_through(
    emu: BotApiEmulator, bot: RunningBot, user_id: int, lang: str, easy: bool, script: Script
) -> tuple[Person, SipRequest, str]:
    p = Person(emu.user(user_id, language_code=lang), bot.services, lang, easy)
    await p.onboard()
    walker = Walker(p)
    review = await walker.fill(_without_phone(script))
    assert p.t(f"review.consent.{script['role']}").split("{")[0] in review.text
    p.user.press(p.t("button.send"))
    receipt = await p.sees("receipt.text")
    with session_scope(bot.services.engine) as s:
        request = s.exec(select(SipRequest).where(SipRequest.telegram_id == user_id)).one()
    return p, request, receipt.text or ""


@pytest.mark.parametrize(("lang", "easy"), REGISTERS, ids=["sv", "sv-easy", "en", "en-easy"])
@pytest.mark.parametrize("branch", list(BRANCHES))
async def test_branch_is_stored_as_typed(
    emu: BotApiEmulator, bot: RunningBot, branch: str, lang: str, easy: bool
) -> None:
    script, consent = BRANCHES[branch]
    p, request, receipt = await _request_through(emu, bot, 300, lang, easy, script)
    assert request.reference in receipt
    municipality = bot.services.deployment.municipality(script["municipality"])
    assert (request.role, request.municipality, request.unit) == (
        script["role"],
        municipality.id,
        municipality.intake_unit,
    )
    assert (request.consent, request.status) == (consent, "new")
    assert (request.language, request.easy) == (lang, easy)
    assert request.flow_version == bot.services.flows["sip_request"].version
    assert request.answers == stored(_without_phone(script))
    if consent == "awaiting_person":
        link = re.compile(r"https://t\.me/sipbot_test_bot\?start=c_[\w-]{20,}")
        offer = await p.user.wait_for(lambda m: bool(link.search(m.text or "")))
        url = link.search(offer.text or "").group(0)  # type: ignore[union-attr]
        name = script["person_name"]
        assert offer.text == p.t("consent_link.offer", name=name, link=url, days=14)


async def test_every_question_turns_away_stickers_and_commands_and_keeps_answers(
    emu: BotApiEmulator, bot: RunningBot
) -> None:
    script, _ = BRANCHES["self"]
    p = Person(emu.user(301, language_code="sv"), bot.services, "sv", easy=True)
    await p.onboard()
    await Walker(p).fill(script, poke=True)
    answers: dict[str, Any] = bot.app.user_data[301]["flow"]["answers"]
    assert answers == stored(script)
