"""Every branch of the request, in every language and register, from /start to the stored row."""

from __future__ import annotations

import re
from typing import Any

import pytest

from sipbot.playground.emulator import BotApiEmulator
from tests.conftest import RunningBot
from tests.scripts import BRANCHES
from tests.story import Person
from tests.walker import Walker, request_through, stored, without_phone

REGISTERS = [("sv", False), ("sv", True), ("en", False), ("en", True)]


@pytest.mark.parametrize(("lang", "easy"), REGISTERS, ids=["sv", "sv-easy", "en", "en-easy"])
@pytest.mark.parametrize("branch", list(BRANCHES))
async def test_branch_is_stored_as_typed(
    emu: BotApiEmulator, bot: RunningBot, branch: str, lang: str, easy: bool
) -> None:
    script, consent = BRANCHES[branch]
    p, request, receipt = await request_through(emu, bot, 300, lang, easy, script)
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
    assert request.answers == stored(without_phone(script))
    if consent == "awaiting_person":
        link = re.compile(r"https://t\.me/sipbot_test_bot\?start=c_[\w-]{20,}")
        offer = await p.user.wait_for(lambda m: bool(link.search(m.text or "")))
        url = link.search(offer.text or "").group(0)  # type: ignore[union-attr]
        name = script["person_name"]
        assert offer.text == p.t(
            "consent_link.offer", name=name, link=url, days=p.t.ngettext("count.days", 14, n=14)
        )


async def test_every_question_turns_away_stickers_and_commands_and_keeps_answers(
    emu: BotApiEmulator, bot: RunningBot
) -> None:
    script, _ = BRANCHES["self"]
    p = Person(emu.user(301, language_code="sv"), bot.services, "sv", easy=True)
    await p.onboard()
    await Walker(p).fill(script, poke=True)
    answers: dict[str, Any] = bot.app.user_data[301]["flow"]["answers"]
    assert answers == stored(script)
