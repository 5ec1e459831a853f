"""Fewer walls: one short review, typed buttons, long answers kept, another municipality,
and the What-is-a-SIP pages turned in place."""

from __future__ import annotations

import pytest
from sqlmodel import select

from sipbot.db.engine import session_scope
from sipbot.db.models import SipRequest
from sipbot.deployment import ACTOR_LABELS
from sipbot.playground.emulator import BotApiEmulator
from tests.conftest import RunningBot
from tests.scripts import BRANCHES
from tests.story import Person
from tests.walker import Script, Walker, without_phone

ACTORS = ["vardcentral", "psykiatri", "hemtjanst", "socialtjanst", "lss", "narstaende", "annan"]


def _as_long(text: str, limit: int) -> str:
    """The text repeated to exactly `limit` characters (the most a question takes)."""
    return (text * (limit // len(text) + 1))[: limit - 1] + "."


def full_request() -> Script:
    """A relative's request with every question answered, each text as long as it may be."""
    script, _ = BRANCHES["relative_without_link"]
    return {
        **script,
        "person_agrees": "agrees",
        "problems": _as_long("Sover dåligt och orkar inte. ", 2000),
        "main_goal": _as_long("Bo kvar hemma och må bra. ", 1000),
        "subgoals": [_as_long(f"Delmål {i}: gå ut varje dag ", 300) for i in range(1, 11)],
        "can_do": _as_long("Laga mat. ", 1000),
        "strengths": _as_long("Har en hund och goda grannar. ", 1000),
        "actors": ACTORS,
        "contacts": {a: _as_long(f"Kontakt för {a}, telefon 070-111 22 33. ", 200) for a in ACTORS},
        "share_scope": "limited",
        "share_with": ACTORS[:4],
        "not_share": _as_long("Ekonomin. ", 1000),
        "meeting_help": ["interpreter", "easy_papers", "hearing", "accessible", "support_person"],
        "meeting_times": _as_long("Förmiddagar, inte måndagar. ", 300),
        "main_responsible": "socialtjanst",
        "other": _as_long("Övrigt som är viktigt. ", 2000),
        "contact_way": "phone",
        "phone": "070-123 45 67",
    }


@pytest.mark.parametrize(
    ("lang", "easy"), [("sv", False), ("sv", True), ("en", False), ("en", True)]
)
async def test_the_review_of_a_full_request_is_one_message_send_first_one_edit_per_part(
    emu: BotApiEmulator, bot: RunningBot, lang: str, easy: bool
) -> None:
    p = Person(emu.user(800, language_code=lang), bot.services, lang, easy)
    await p.onboard()
    review = await Walker(p).fill(full_request())
    assert review.text is not None and len(review.text) <= 4096
    # Everything is in that one message: the answers, the consent sentence, the buttons.
    assert review.text.endswith(
        p.t("review.consent.relative", unit="Bergs kommun – SIP-samordning")
    )
    assert p.user.last.message_id == review.message_id
    parts = ["you", "matters", "who", "meeting", "reach"]
    assert review.button_texts == [p.t("button.send")] + [
        p.t("button.edit", what=p.t(f"sip.part.{part}")) for part in parts
    ]
    assert len(review.button_texts) <= 8
    # Grouped: each part's title, then its answers (the start of a long one is shown).
    text = review.text
    at = [text.index(p.t(f"sip.part.{part}")) for part in parts]
    assert at == sorted(at)
    assert at[0] < text.index("Maj Öberg") < at[1] < text.index("Sover dåligt") < at[2]
    assert at[2] < text.index("Kontakt för vardcentral") < at[3] < text.index("Förmiddagar")
    assert at[4] < text.index("070-123 45 67")
    # Send is the first button and sends it.
    p.user.press(p.t("button.send"))
    await p.sees("receipt.text")


async def test_editing_a_part_walks_its_questions_and_returns_to_the_review(
    emu: BotApiEmulator, bot: RunningBot
) -> None:
    script, _ = BRANCHES["self"]
    p = Person(emu.user(801), bot.services)
    await p.onboard()
    await Walker(p).fill(without_phone(script))
    await p.user.until(lambda: p.t("button.send") in p.user.last.button_texts)  # type: ignore[union-attr]
    await p.presses("button.edit", "sip.contact_way.ask", what=p.t("sip.part.reach"))
    asked = p.user.last
    assert p.t("hint.current", answer=p.t("sip.contact_way.phone")) in (asked.text or "")
    await p.presses("button.keep", "sip.phone.ask")
    assert p.t("hint.current", answer="+46 70 123 45 67") in (p.user.last.text or "")
    review = await p.says("070-555 66 77", then="sip.review.ask")
    assert "070-555 66 77" in (review.text or "")
    assert bot.app.user_data[801]["flow"]["answers"]["phone"] == "070-555 66 77"


# -- typing what a button says ----------------------------------------------------------------


@pytest.mark.parametrize("typed", ["Östersund", "ostersund", "ÖSTERSUND", "Östersnd", "ostersnd"])
async def test_typing_a_municipality_takes_it_as_the_button(
    emu: BotApiEmulator, bot: RunningBot, typed: str
) -> None:
    p = Person(emu.user(802), bot.services)
    await p.onboard()
    await p.presses("sip.role.self", "sip.own_name.ask")
    await p.says("Klara Holm", then="sip.municipality.ask")
    await p.says(typed, then="sip.problems.ask")
    assert bot.app.user_data[802]["flow"]["answers"]["municipality"] == "ostersund"


async def test_a_far_or_unclear_typed_answer_gets_choose_a_button(
    emu: BotApiEmulator, bot: RunningBot
) -> None:
    p = Person(emu.user(803), bot.services)
    await p.onboard()
    await p.presses("sip.role.self", "sip.own_name.ask")
    await p.says("Klara Holm", then="sip.municipality.ask")
    for typed in ("Stockholm", "Östr", "ja"):
        await p.says(typed, then="input.use_buttons")
        await p.asked("sip.municipality.ask")
    assert "municipality" not in bot.app.user_data[803]["flow"]["answers"]


def test_two_options_as_close_are_not_guessed() -> None:
    from sipbot.flows.matching import match_option

    options = [("a", "Kalmar"), ("b", "Kalmer")]
    assert match_option("kalmor", options) is None
    assert match_option("kalmar", options) == "a"


async def test_typing_in_a_multi_step_ticks_the_options(
    emu: BotApiEmulator, bot: RunningBot
) -> None:
    p = Person(emu.user(804), bot.services)
    await p.onboard()
    p.user.press(p.t("sip.role.self"))
    await p.says("Klara Holm", then="sip.municipality.ask")
    p.user.press("Östersund")
    await p.says("x", then="sip.main_goal.ask")
    await p.says("y", then="sip.subgoals.ask")
    await p.presses("button.done", "sip.can_do.ask")
    await p.presses("button.skip", "sip.strengths.ask")
    await p.presses("button.skip", "sip.actors.ask")
    # Typed, misspelt and without å/ä: both are ticked, and the question is asked again.
    vc, psy = p.t(ACTOR_LABELS["vardcentral"]), p.t(ACTOR_LABELS["psykiatri"])
    p.user.send("vardcentrl, Psykiatri")
    note = await p.sees("input.typed_chosen", what=f"{vc}, {psy}")
    assert note.text == p.t("input.typed_chosen", what=f"{vc}, {psy}")
    again = await p.asked("sip.actors.ask")
    assert "✅ " + vc in again.button_texts and "✅ " + psy in again.button_texts
    await p.says("Stockholms stad", then="input.use_buttons")
    await p.asked("sip.actors.ask")
    await p.presses("button.done", "sip.contacts.ask")
    assert bot.app.user_data[804]["flow"]["answers"]["actors"] == ["vardcentral", "psykiatri"]


async def test_typing_hjalp_at_the_menu_is_the_help_button(
    emu: BotApiEmulator, bot: RunningBot
) -> None:
    p = Person(emu.user(805), bot.services)
    await p.onboard()
    await p.says("/cancel", then="cancel.ask")
    await p.presses("cancel.yes", "menu.text")
    await p.says("hjälp", then="help.text")
    await p.says("HJALP", then="help.text")


# -- another municipality ---------------------------------------------------------------------


async def test_another_municipality_says_where_to_turn_and_sends_nothing(
    emu: BotApiEmulator, bot: RunningBot
) -> None:
    p = Person(emu.user(806), bot.services, easy=True)
    await p.onboard()
    await p.presses("sip.role.self", "sip.own_name.ask")
    await p.says("Klara Holm", then="sip.municipality.ask")
    assert p.user.last.button_texts[-2] == p.t("sip.municipality.elsewhere")
    where = await p.presses("sip.municipality.elsewhere", "sip.elsewhere.ask")
    assert "1177" in (where.text or "")
    assert where.button_texts == [p.t("button.choose_again"), p.t("button.menu")]
    # Back to choose again, then away to the menu: no request, no draft.
    await p.presses("button.choose_again", "sip.municipality.ask")
    await p.presses("sip.municipality.elsewhere", "sip.elsewhere.ask")
    await p.presses("button.menu", "menu.text")
    assert "flow" not in bot.app.user_data[806]
    with session_scope(bot.services.engine) as s:
        assert s.exec(select(SipRequest)).all() == []


# -- a too-long answer ------------------------------------------------------------------------


async def test_a_too_long_answer_is_kept_and_can_be_kept_whole_or_shortened(
    emu: BotApiEmulator, bot: RunningBot
) -> None:
    p = Person(emu.user(807), bot.services)
    await p.onboard()
    await p.presses("sip.role.self", "sip.own_name.ask")
    await p.says("Klara Holm", then="sip.municipality.ask")
    p.user.press("Krokom")
    await p.asked("sip.problems.ask")
    long = "Jag sover dåligt och är rädd att gå ut. " * 60  # 2 400 characters
    await p.says(long, then="input.too_long_kept")
    asked = await p.sees("hint.kept", length=len(long.strip()), limit=2000)
    assert p.t("button.keep_long") in asked.button_texts
    # Kept in the draft that is stored, not only in memory.
    stored = await bot.app.persistence.stored_user_data()  # type: ignore[union-attr]
    assert stored[807]["flow"]["kept"] == {"step": "problems", "text": long.strip()}
    await p.presses("button.keep_long", "sip.main_goal.ask")
    assert bot.app.user_data[807]["flow"]["answers"]["problems"] == long.strip()
    # Or shortened: the shorter text is the answer, and nothing is kept any more.
    await p.says("Mål " * 300, then="input.too_long_kept")
    await p.says("Må bättre", then="sip.subgoals.ask")
    state = bot.app.user_data[807]["flow"]
    assert state["answers"]["main_goal"] == "Må bättre" and state["kept"] is None


# -- What is a SIP? ---------------------------------------------------------------------------


async def test_about_pages_turn_in_one_message_and_end_with_ask_now(
    emu: BotApiEmulator, bot: RunningBot
) -> None:
    p = Person(emu.user(808), bot.services)
    await p.onboard()
    await p.says("/cancel", then="cancel.ask")
    await p.presses("cancel.yes", "menu.text")
    first = await p.presses("menu.about", "about.what")
    old = first.message_id
    assert first.button_texts == [p.t("button.next"), p.t("button.menu")]
    # From the menu again: a second copy; the first is left behind.
    p.user.press(p.t("button.menu"), message_id=old)
    await p.user.wait_for(lambda m: m.message_id > old and p.t("menu.text") in (m.text or ""))
    p.user.press(p.t("menu.about"))
    page = await p.user.wait_for(
        lambda m: m.message_id > old and not m.edited and p.t("about.what") in (m.text or "")
    )
    sent = len(p.user.messages)
    for msgid in ("about.who", "about.why", "about.services", "about.meeting"):
        p.user.press(p.t("button.next"), message_id=page.message_id)
        page = await p.user.wait_for(lambda m, i=msgid: m.edited and p.t(i) in (m.text or ""))  # type: ignore[misc]
    p.user.press(p.t("button.back"), message_id=page.message_id)
    await p.user.wait_for(lambda m: m.edited and p.t("about.services") in (m.text or ""))
    for msgid in ("about.meeting", "about.responsible", "about.followup", "about.voluntary",
                  "about.part", "about.more"):  # fmt: skip
        p.user.press(p.t("button.next"), message_id=page.message_id)
        page = await p.user.wait_for(lambda m, i=msgid: m.edited and p.t(i) in (m.text or ""))  # type: ignore[misc]
    assert page.button_texts[0] == p.t("about.ask_now")
    assert len(p.user.messages) == sent  # no new messages
    # The old copy's Next still answers: it turns that message.
    p.user.press(p.t("button.next"), message_id=old)
    await p.user.wait_for(
        lambda m: m.edited and m.message_id == old and p.t("about.who") in (m.text or "")
    )
    assert p.user.callback_answers[-1].text in (None, "")
    p.user.press(p.t("about.ask_now"), message_id=page.message_id)
    await p.asked("sip.role.ask")
