"""An edit from the review walks one part, each earlier answer shown and kept on Keep."""

from __future__ import annotations

from sipbot.deployment import ACTOR_LABELS
from sipbot.playground.emulator import BotApiEmulator
from tests.conftest import RunningBot
from tests.scripts import BRANCHES
from tests.story import Person
from tests.walker import Walker, without_phone


async def test_changing_who_is_invited_keeps_the_contacts(
    emu: BotApiEmulator, bot: RunningBot
) -> None:
    script, _ = BRANCHES["self"]
    added = "Sara Nord 070-999 00 11"
    contacts = script["contacts"]
    p = Person(emu.user(721, language_code="sv"), bot.services)
    await p.onboard()
    await Walker(p).fill(without_phone(script))
    await p.user.until(lambda: p.t("button.send") in p.user.last.button_texts)  # type: ignore[union-attr]
    actor = lambda a: p.t(ACTOR_LABELS[a])  # noqa: E731
    # Edit "who takes part": invite social services too, then walk the rest of the part.
    await p.presses("button.edit", "sip.actors.ask", what=p.t("sip.part.who"))
    p.user.press("▫️ " + actor("socialtjanst"))
    await p.user.until(lambda: "✅ " + actor("socialtjanst") in p.user.last.button_texts)  # type: ignore[union-attr]
    p.user.press(p.t("button.done"))
    # Each contact is asked again: the earlier one shown and kept on Keep, the new one typed.
    for item in ("vardcentral", "psykiatri", "narstaende", "socialtjanst"):
        asked = p.t("sip.contacts.ask", item=actor(item))
        if item == "narstaende":
            asked = p.t("sip.contacts.relative.ask", item=actor(item))
        q = await p.user.wait_for(lambda m, a=asked: (m.text or "").startswith(a))  # type: ignore[misc]
        earlier = contacts.get(item)
        if item == "socialtjanst":  # nothing said about them yet
            assert p.t("button.keep") not in q.button_texts
            p.user.send(added)
        elif earlier is None:  # skipped before: nothing to show or keep
            assert p.t("button.keep") not in q.button_texts
            p.user.press(p.t("button.skip"), message_id=q.message_id)
        else:
            assert p.t("hint.current", answer=earlier) in (q.text or "")
            p.user.press(p.t("button.keep"), message_id=q.message_id)
    share = await p.sees("sip.share_scope.ask")
    assert p.t("hint.current", answer=p.t("sip.share_scope.limited")) in (share.text or "")
    await p.presses("button.keep", "sip.share_with.ask")
    await p.presses("button.done", "sip.not_share.ask")
    await p.presses("button.keep", "sip.main_responsible.ask")
    review = await p.presses("button.keep", "sip.review.ask")
    for text in ("Anna Berg 070-111 22 33", "Lena, min syster", added, "Min ekonomi"):
        assert text in (review.text or "")
    state = bot.app.user_data[721]["flow"]
    assert state["answers"]["contacts"] == {**contacts, "socialtjanst": added}
    assert state["answers"]["main_responsible"] == "psykiatri"
    assert state["answers"]["share_with"] == ["vardcentral", "psykiatri"]


async def test_no_longer_inviting_someone_asks_again_what_named_them(
    emu: BotApiEmulator, bot: RunningBot
) -> None:
    """Psychiatry was to share and to be main responsible; uninvited, those two are asked
    again (only the actors still invited are offered), and its contact is dropped unasked."""
    script, _ = BRANCHES["self"]
    p = Person(emu.user(722, language_code="sv"), bot.services)
    await p.onboard()
    await Walker(p).fill(without_phone(script))
    await p.user.until(lambda: p.t("button.send") in p.user.last.button_texts)  # type: ignore[union-attr]
    actor = lambda a: p.t(ACTOR_LABELS[a])  # noqa: E731
    await p.presses("button.edit", "sip.actors.ask", what=p.t("sip.part.who"))
    p.user.press("✅ " + actor("psykiatri"))
    await p.user.until(lambda: "▫️ " + actor("psykiatri") in p.user.last.button_texts)  # type: ignore[union-attr]
    p.user.press(p.t("button.done"))
    # The part is walked: the contacts of those still invited are kept on Keep, and the
    # uninvited one's is not asked at all.
    for item in ("vardcentral", "narstaende"):
        asked = p.t("sip.contacts.ask", item=actor(item))
        if item == "narstaende":
            asked = p.t("sip.contacts.relative.ask", item=actor(item))
        q = await p.user.wait_for(lambda m, a=asked: (m.text or "").startswith(a))  # type: ignore[misc]
        p.user.press(p.t("button.keep"), message_id=q.message_id)
    await p.sees("sip.share_scope.ask")
    share = await p.presses("button.keep", "sip.share_with.ask")
    assert "✅ " + actor("vardcentral") in share.button_texts  # still chosen, still ticked
    assert not any(actor("psykiatri") in b for b in share.button_texts)
    await p.presses("button.done", "sip.not_share.ask")
    main = await p.presses("button.keep", "sip.main_responsible.ask")
    # Psychiatry was the main responsible: asked again, without Keep, from those invited.
    assert main.button_texts[:2] == [actor("vardcentral"), p.t("sip.main_responsible.dont_know")]
    review = await p.presses("sip.main_responsible.dont_know", "sip.review.ask")
    assert "Anna Berg 070-111 22 33" in (review.text or "")
    answers = bot.app.user_data[722]["flow"]["answers"]
    assert answers["contacts"] == {
        "vardcentral": "Anna Berg 070-111 22 33",
        "narstaende": "Lena, min syster",
    }
    assert (answers["share_with"], answers["main_responsible"]) == (["vardcentral"], "dont_know")
    # Back on the review, the person can send at once: nothing else was asked again.
    assert p.t("button.send") in p.user.last.button_texts  # type: ignore[union-attr]
