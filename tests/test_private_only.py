"""The person's buttons work only in their private chat; pressed in a group they do nothing."""

from __future__ import annotations

from sipbot.db.engine import session_scope
from sipbot.db.models import Person as PersonRow
from sipbot.db.models import SipRequest
from sipbot.playground.emulator import BotApiEmulator
from tests.conftest import RunningBot, staff_group
from tests.scripts import BRANCHES
from tests.walker import request_through

# One of each person-side button: menu, flow, My requests, privacy and its confirmation,
# language, register, draft, cancel, pages, consent answer, meeting-notice answer, reply.
PERSON_BUTTONS = (
    "M:menu",
    "M:ask",
    "M:requests",
    "F:1:n:",
    "Q:show:{id}",
    "Q:withdraw:{id}",
    "P:delete",
    "L:en",
    "R:easy",
    "D:restart",
    "X:yes",
    "A:1",
    "K:yes:{id}",
    "N:can_come:{id}",
    "Y:{id}",
    "Z:unknown",
)


async def test_person_buttons_in_a_group_do_nothing(emu: BotApiEmulator, bot: RunningBot) -> None:
    script, _ = BRANCHES["self"]
    group = emu.group(staff_group(bot.services, "ostersund"))
    p, request, _ = await request_through(emu, bot, 711, "sv", False, script)
    card = await group.wait_for(lambda m: request.reference in (m.text or ""))
    in_group, in_private = len(group.messages), len(p.user.messages)
    for data in PERSON_BUTTONS:
        answered = len(p.user.callback_answers)
        group.press_data(p.user, card.message_id, data.format(id=request.id))
        await p.user.until(lambda a=answered: len(p.user.callback_answers) > a)  # type: ignore[misc]
        assert p.user.callback_answers[-1].text == p.t("input.private_only"), data
    await p.says("/menu", then="menu.text")
    assert len(group.messages) == in_group  # nothing was said in the group
    assert [m.text for m in p.user.messages[in_private:]] == [p.t("menu.text")]
    with session_scope(bot.services.engine) as s:
        person = s.get(PersonRow, 711)
        assert person is not None and (person.language, person.easy) == ("sv", False)
        row = s.get(SipRequest, request.id)
        assert row is not None and row.status == "new"
    # The same buttons still work in the private chat.
    p.user.press_data(p.user.last.message_id, "M:requests")  # type: ignore[union-attr]
    await p.sees("requests.list")
