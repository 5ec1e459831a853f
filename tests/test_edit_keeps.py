"""An edit from the review keeps every answer that still applies, and shows it."""

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
    # Invite social services too: only their contact is asked, the others stay.
    await p.presses("button.edit", "sip.actors.ask", what=p.t("sip.actors.title"))
    p.user.press("▫️ " + actor("socialtjanst"))
    await p.user.until(lambda: "✅ " + actor("socialtjanst") in p.user.last.button_texts)  # type: ignore[union-attr]
    question = await p.presses("button.done", "sip.contacts.ask")
    assert question.text.startswith(  # type: ignore[union-attr]
        p.t("sip.contacts.ask", item=actor("socialtjanst"))
    )
    assert p.t("button.keep") not in question.button_texts  # nothing said about them yet
    p.user.send(added)
    review = await p.sees("sip.review.ask")
    for text in ("Anna Berg 070-111 22 33", "Lena, min syster", added):
        assert text in (review.text or "")
    # Edit the contacts themselves: each is asked again, its answer shown and kept on Keep.
    await p.user.until(lambda: p.t("button.send") in p.user.last.button_texts)  # type: ignore[union-attr]
    p.user.press(p.t("button.edit", what=p.t("sip.contacts.title")))
    for item in ("vardcentral", "psykiatri", "narstaende", "socialtjanst"):
        asked = p.t("sip.contacts.ask", item=actor(item))
        if item == "narstaende":
            asked = p.t("sip.contacts.relative.ask", item=actor(item))
        q = await p.user.wait_for(lambda m, a=asked: (m.text or "").startswith(a))  # type: ignore[misc]
        earlier = {**contacts, "socialtjanst": added}[item]
        if earlier is None:  # skipped before: nothing to show or keep
            assert p.t("button.keep") not in q.button_texts
            p.user.press(p.t("button.skip"), message_id=q.message_id)
        else:
            assert p.t("hint.current", answer=earlier) in (q.text or "")
            p.user.press(p.t("button.keep"), message_id=q.message_id)
    review = await p.sees("sip.review.ask")
    for text in ("Anna Berg 070-111 22 33", "Lena, min syster", added):
        assert text in (review.text or "")
    state = bot.app.user_data[721]["flow"]
    assert state["answers"]["contacts"] == {**contacts, "socialtjanst": added}


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
    await p.presses("button.edit", "sip.actors.ask", what=p.t("sip.actors.title"))
    p.user.press("✅ " + actor("psykiatri"))
    await p.user.until(lambda: "▫️ " + actor("psykiatri") in p.user.last.button_texts)  # type: ignore[union-attr]
    share = await p.presses("button.done", "sip.share_with.ask")
    assert "✅ " + actor("vardcentral") in share.button_texts  # still chosen, still ticked
    assert not any(actor("psykiatri") in b for b in share.button_texts)
    main = await p.presses("button.done", "sip.main_responsible.ask")
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
