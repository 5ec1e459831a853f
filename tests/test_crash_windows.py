"""A real SIGKILL of the bot process while a send is held open in the emulator (issue 9)."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import select

from sipbot.chat.persistence import DatabasePersistence
from sipbot.config import Settings
from sipbot.db.engine import session_scope
from sipbot.db.models import SipRequest
from sipbot.playground.emulator import BotApiEmulator
from sipbot.services import Services
from tests.restart import bot_process, hard_kill
from tests.scripts import BRANCHES
from tests.story import Person
from tests.walker import Walker, without_phone


def requests_of(services: Services, user_id: int) -> list[SipRequest]:
    with session_scope(services.engine) as s:
        return list(s.exec(select(SipRequest).where(SipRequest.telegram_id == user_id)))


async def test_killed_while_the_next_question_is_sent_the_retyped_answer_is_not_misfiled(
    emu: BotApiEmulator, services: Services, settings: Settings, tmp_path: Path
) -> None:
    p = Person(emu.user(310), services)
    async with bot_process(settings, tmp_path, emu) as proc:
        await p.onboard()
        await p.presses("sip.role.self", "sip.own_name.ask")
        await p.says("Eva Berg", then="sip.municipality.ask")
        p.user.press("Krokom")
        await p.asked("sip.problems.ask")
        held = emu.inject("sendMessage", status="hold", chat_id=310)
        p.user.send("Svårt att få hjälp")
        await held.hit.wait()  # the answer is stored, the next question on its way
        await hard_kill(proc)

    async with bot_process(settings, tmp_path, emu):
        # The person never saw the next question and sends their answer again.
        await p.says("Svårt att få hjälp", then="input.not_delivered")
        await p.asked("sip.main_goal.ask")
        await p.says("Ett eget boende", then="sip.subgoals.ask")

    data = await DatabasePersistence(services.engine).stored_user_data()
    answers = data[310]["flow"]["answers"]
    assert answers["problems"] == "Svårt att få hjälp"
    assert answers["main_goal"] == "Ett eget boende"


async def test_killed_before_the_receipt_send_again_shows_the_same_request(
    emu: BotApiEmulator, services: Services, settings: Settings, tmp_path: Path
) -> None:
    p = Person(emu.user(311), services)
    async with bot_process(settings, tmp_path, emu) as proc:
        await p.onboard()
        await Walker(p).fill(without_phone(BRANCHES["self"][0]))
        await p.user.until(lambda: p.t("button.send") in p.user.last.button_texts)  # type: ignore[union-attr]
        held = emu.inject("sendMessage", status="hold", chat_id=311)
        p.user.press(p.t("button.send"))
        await held.hit.wait()  # the request is stored, the receipt on its way
        await hard_kill(proc)
    [stored] = requests_of(services, 311)

    async with bot_process(settings, tmp_path, emu):
        # The person saw no receipt, and the Send button is still there: they press it again.
        p.user.press(p.t("button.send"))
        receipt = await p.sees("receipt.text")
    assert stored.reference in (receipt.text or "")
    assert [r.id for r in requests_of(services, 311)] == [stored.id]
