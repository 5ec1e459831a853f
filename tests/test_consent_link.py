"""A relative asks; the person confirms on their own phone through a one-time link."""

from __future__ import annotations

import re

import pytest

from sipbot import consent
from sipbot.db.engine import session_scope
from sipbot.db.models import SipRequest
from sipbot.people import save_preferences
from sipbot.playground.emulator import BotApiEmulator
from tests.conftest import FakeClock, RunningBot, staff_group
from tests.scripts import BRANCHES
from tests.story import Person
from tests.walker import request_through

LINK = re.compile(r"https://t\.me/sipbot_test_bot\?start=(c_[\w-]+)")


async def _link_from_relative(
    emu: BotApiEmulator, bot: RunningBot, user_id: int
) -> tuple[Person, SipRequest, str]:
    script, _ = BRANCHES["relative_with_link"]
    relative, request, _ = await request_through(emu, bot, user_id, "sv", False, script)
    offer = await relative.user.wait_for(lambda m: bool(LINK.search(m.text or "")))
    return relative, request, LINK.search(offer.text or "").group(1)  # type: ignore[union-attr]


def _consent(bot: RunningBot, request: SipRequest) -> str:
    with session_scope(bot.services.engine) as s:
        return s.get(SipRequest, request.id).consent  # type: ignore[union-attr]


async def test_the_person_says_yes_and_everyone_is_told(
    emu: BotApiEmulator, bot: RunningBot
) -> None:
    group = emu.group(staff_group(bot.services, "are"))
    relative, request, payload = await _link_from_relative(emu, bot, 500)
    assert _consent(bot, request) == "awaiting_person"
    # Karl has never used the bot; his Telegram is in English, but he reads Swedish best, and
    # easy Swedish: he chooses his own words before anything is asked of him.
    karl = Person(emu.user(501, language_code="en"), bot.services, "en")
    karl.user.send(f"/start {payload}")
    await karl.sees("language.ask")
    karl.user.press("Svenska")
    karl.lang = "sv"
    await karl.sees("register.ask")
    karl.user.press(karl.t("register.easy"))
    karl.easy = True
    # One question at a time: a SIP at all, then sharing information, each with its own No.
    ask = await karl.sees("consent_link.ask", reference=request.reference, unit=request_unit(bot))
    assert ask.button_texts == [karl.t("consent_link.yes"), karl.t("consent_link.no")]
    assert ask.text == karl.t(
        "consent_link.ask", reference=request.reference, unit=request_unit(bot)
    )  # the easy-to-read text he chose
    await karl.presses("consent_link.yes", "consent_link.ask_share")
    assert _consent(bot, request) == "awaiting_person"  # one yes is not both
    share = karl.user.last
    assert share is not None
    assert share.button_texts == [karl.t("consent_link.share_yes"), karl.t("consent_link.share_no")]
    await karl.presses("consent_link.share_yes", "consent_link.thanks_yes", unit=request_unit(bot))
    # He came only for the link: he is not pushed into asking for a SIP himself.
    assert _consent(bot, request) == "person_agreed"
    await relative.sees(
        "consent_link.requester_yes", name="Karl Öberg", reference=request.reference
    )
    staff_t = bot.services.catalogs.texts("sv", False)
    await group.wait_for(
        lambda m: m.text == staff_t("staff.notice.consent_agreed", reference=request.reference)
    )
    # A second press on the same question, now No: the answer stands, and he is told so.
    karl.user.press(karl.t("consent_link.no"), message_id=ask.message_id)
    await karl.sees("consent_link.used")
    assert _consent(bot, request) == "person_agreed"
    # The link works once.
    karl.user.send(f"/start {payload}")
    await karl.sees("consent_link.used")
    # He came only for the link: after his answer nothing but the refusals of the used link,
    # and never the welcome or the menu that would push him into asking for a SIP himself.
    said = [m.text or "" for m in karl.user.messages]
    thanks = said.index(karl.t("consent_link.thanks_yes", unit=request_unit(bot)))
    assert said[thanks + 1 :] == [karl.t("consent_link.used"), karl.t("consent_link.used")]
    assert not {karl.t("menu.text"), karl.t("start.welcome")} & set(said)
    no = relative.t("consent_link.requester_no", name="Karl Öberg", reference=request.reference)
    assert no not in [m.text for m in relative.user.messages]


async def test_the_person_says_no(emu: BotApiEmulator, bot: RunningBot) -> None:
    relative, request, payload = await _link_from_relative(emu, bot, 502)
    # Karl has used the bot before: after his answer he gets the menu, as anyone who knows it.
    karl = Person(emu.user(503, language_code="sv"), bot.services, "sv")
    save_preferences(bot.services.engine, 503, bot.services.clock, language="sv")  # known here
    karl.user.send(f"/start {payload}")
    ask = await karl.sees("consent_link.ask", reference=request.reference, unit=request_unit(bot))
    await karl.presses("consent_link.no", "consent_link.thanks_no", unit=request_unit(bot))
    await karl.sees("menu.text")
    assert _consent(bot, request) == "person_refused"
    await relative.sees("consent_link.requester_no", name="Karl Öberg", reference=request.reference)
    # Pressed again, Yes this time: nothing changes, and he is told the link was used.
    karl.user.press(karl.t("consent_link.yes"), message_id=ask.message_id)
    await karl.sees("consent_link.used")
    assert _consent(bot, request) == "person_refused"
    yes = relative.t("consent_link.requester_yes", name="Karl Öberg", reference=request.reference)
    assert yes not in [m.text for m in relative.user.messages]


async def test_yes_to_a_sip_but_no_to_sharing_is_a_no(emu: BotApiEmulator, bot: RunningBot) -> None:
    relative, request, payload = await _link_from_relative(emu, bot, 506)
    karl = Person(emu.user(507, language_code="sv"), bot.services, "sv")
    save_preferences(bot.services.engine, 507, bot.services.clock, language="sv")
    karl.user.send(f"/start {payload}")
    await karl.sees("consent_link.ask")
    await karl.presses("consent_link.yes", "consent_link.ask_share")
    await karl.presses("consent_link.share_no", "consent_link.thanks_no", unit=request_unit(bot))
    assert _consent(bot, request) == "person_refused"
    await relative.sees("consent_link.requester_no", name="Karl Öberg", reference=request.reference)


async def test_the_link_refuses_its_sender_an_old_link_and_a_made_up_one(
    emu: BotApiEmulator, bot: RunningBot, clock: FakeClock
) -> None:
    relative, request, payload = await _link_from_relative(emu, bot, 504)
    await relative.says(f"/start {payload}", then="consent_link.own")
    stranger = Person(emu.user(505, language_code="sv"), bot.services, "sv")
    save_preferences(bot.services.engine, 505, bot.services.clock, language="sv")
    await stranger.says("/start c_madeup0000000000000000000", then="consent_link.unknown")
    # Opened in time, but Yes pressed after the link ran out: refused, nothing recorded.
    await stranger.says(f"/start {payload}", then="consent_link.ask")
    clock.advance(days=14)  # fourteen days to the second: no longer valid
    await stranger.presses("consent_link.yes", "consent_link.expired")  # before the 2nd question
    await stranger.says(f"/start {payload}", then="consent_link.expired")
    assert _consent(bot, request) == "awaiting_person"


def request_unit(bot: RunningBot) -> str:
    return bot.services.deployment.unit("are").name


async def test_two_presses_at_once_count_once(
    emu: BotApiEmulator, bot: RunningBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two of Karl's phones (or two bot processes) press at once: both pass the first check,
    and only the first to write counts. The other is told the link was used."""
    _, request, payload = await _link_from_relative(emu, bot, 506)
    s = bot.services
    token = payload.removeprefix(consent.PAYLOAD_PREFIX)
    both_checked = consent.check_link(s.engine, s.clock, token, 507)
    assert both_checked.problem is None
    first = consent.answer_link(s.engine, s.clock, token, 507, agrees=True)
    assert first.problem is None and first.request is not None
    # The second press had passed its check before the first one wrote.
    monkeypatch.setattr(consent, "check_link", lambda *args: both_checked)
    second = consent.answer_link(s.engine, s.clock, token, 507, agrees=False)
    assert second.problem == "used" and second.request is None
    assert _consent(bot, request) == "person_agreed"
