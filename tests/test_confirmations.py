"""A destructive question is answered once: a later press of its old buttons does nothing."""

from __future__ import annotations

from sipbot.db.engine import session_scope
from sipbot.db.models import SipRequest
from sipbot.playground.emulator import BotApiEmulator
from tests.conftest import RunningBot
from tests.scripts import BRANCHES
from tests.story import Person
from tests.walker import request_through


async def _old_press_does_nothing(p: Person, label_id: str, message_id: int) -> None:
    """Press an old button: the bot says it is old, sends nothing, and the menu still works."""
    answered = len(p.user.callback_answers)
    before = len(p.user.messages)
    p.user.press(p.t(label_id), message_id=message_id)
    await p.user.until(lambda: len(p.user.callback_answers) > answered)
    assert p.user.callback_answers[-1].text == p.t("input.old_button")
    await p.says("/menu", then="menu.text")
    assert [m.text for m in p.user.messages[before:]] == [p.t("menu.text")]


async def test_delete_everything_after_keep_is_old(emu: BotApiEmulator, bot: RunningBot) -> None:
    script, _ = BRANCHES["self"]
    p, request, _ = await request_through(emu, bot, 701, "sv", False, script)
    await p.says("/menu", then="menu.text")
    await p.presses("menu.privacy", "privacy.text")
    ask = await p.presses("privacy.delete", "privacy.delete_ask")
    await p.presses("privacy.delete_no", "privacy.text")
    # Keep was the answer: the Yes under the same question, pressed later, deletes nothing.
    await _old_press_does_nothing(p, "privacy.delete_yes", ask.message_id)
    await _old_press_does_nothing(p, "privacy.delete_no", ask.message_id)
    with session_scope(bot.services.engine) as s:
        row = s.get(SipRequest, request.id)
        assert row is not None and row.answers is not None and row.status == "new"
    # A new question is answered once too: Yes deletes, and that Yes again is old.
    await p.presses("menu.privacy", "privacy.text")
    ask = await p.presses("privacy.delete", "privacy.delete_ask")
    await p.presses("privacy.delete_yes", "privacy.deleted")
    await _old_press_does_nothing(p, "privacy.delete_yes", ask.message_id)


async def test_withdraw_after_no_is_old(emu: BotApiEmulator, bot: RunningBot) -> None:
    script, _ = BRANCHES["self"]
    p, request, _ = await request_through(emu, bot, 702, "sv", False, script)
    await p.says("/menu", then="menu.text")
    await p.presses("menu.requests", "requests.list")
    await p.presses("requests.show", "requests.answers", reference=request.reference)
    ask = await p.presses("requests.withdraw", "withdraw.ask", reference=request.reference)
    await p.presses("withdraw.no", "requests.answers")
    await _old_press_does_nothing(p, "withdraw.yes", ask.message_id)
    with session_scope(bot.services.engine) as s:
        row = s.get(SipRequest, request.id)
        assert row is not None and (row.status, row.consent) == ("new", "given")
