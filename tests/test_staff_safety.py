"""What staff do reaches the right person, and only what they meant: the pending input is
for the card it names, button times are checked like typed ones, refusals are audited."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlmodel import select

from sipbot import cli
from sipbot.db.engine import session_scope
from sipbot.db.models import Meeting
from sipbot.playground.emulator import BotApiEmulator
from sipbot.staff.audit import entries
from tests.conftest import FakeClock, RunningBot
from tests.staff_story import Staff
from tests.test_staff_actions import _claimed


@pytest.fixture
def run_cli(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    database_url: str,
    secret_key: str,
    deployment_file: Path,
    clock: FakeClock,
):  # type: ignore[no-untyped-def]
    """`sipbot ...` in this process, on the test's database and clock; returns stdout."""
    for name in list(os.environ):
        if name.startswith("SIPBOT_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SIPBOT_DATABASE_URL", database_url)
    monkeypatch.setenv("SIPBOT_SECRET_KEY", secret_key)
    monkeypatch.setenv("SIPBOT_DEPLOYMENT", str(deployment_file))
    monkeypatch.setattr(cli, "clock", clock)

    def run(*argv: str) -> str:
        capsys.readouterr()
        cli.main(list(argv))
        return capsys.readouterr().out

    return run


def _meetings(bot: RunningBot, rid: int) -> list[Meeting]:
    with session_scope(bot.services.engine) as s:
        return list(s.exec(select(Meeting).where(Meeting.request_id == rid)))


async def test_a_forged_or_old_slot_books_nothing(emu: BotApiEmulator, bot: RunningBot) -> None:
    anna, _person, request = await _claimed(emu, bot, "self", 1010)
    await anna.card_with("staff.button.book")
    asked = await anna.presses("staff.button.book", "staff.ask.time")
    night = int(datetime(2026, 11, 24, 2, 0, tzinfo=UTC).timestamp())  # 03:00 in Sweden
    anna.user.press_data(asked.message_id, f"S:b:{request.id}:slot:{night}")
    await anna.sees("staff.time.outside_hours")
    old = int(datetime(2026, 11, 20, 9, 0, tzinfo=UTC).timestamp())
    anna.user.press_data(asked.message_id, f"S:b:{request.id}:slot:{old}")
    await anna.sees("staff.time.past")
    # The question still stands: a suggested time goes on to the length.
    anna.user.press(1, message_id=asked.message_id)
    await anna.sees("staff.ask.length")
    assert _meetings(bot, request.id) == []


async def test_refused_attempts_are_in_the_audit_log(
    emu: BotApiEmulator,
    bot: RunningBot,
    run_cli,  # type: ignore[no-untyped-def]
) -> None:
    _anna, _person, request = await _claimed(emu, bot, "self", 1020)
    bo = Staff(emu, bot.services, 1029, "Bo")
    await bo.enrol("are")  # another unit
    bo.user.send("/queue")
    shown = await bo.sees("staff.queue.title")
    count = len(bo.user.callback_answers)
    bo.user.press_data(shown.message_id, f"S:o:{request.id}")
    assert await bo.answered(count) == bo.t("staff.not_available")
    carl = Staff(emu, bot.services, 1028, "Carl")
    await carl.enrol(request.unit)
    carl.user.send("/queue")
    shown = await carl.sees("staff.queue.title")
    count = len(carl.user.callback_answers)
    carl.user.press_data(shown.message_id, f"S:r:{request.id}")  # Anna has it
    assert await carl.answered(count) == carl.t("staff.refused.taken")
    carl.user.press_data(shown.message_id, "S:zz:99999999999999")  # forged
    await carl.answered(count + 1)
    found = {
        (e.staff_id, e.request_id, e.detail)
        for e in entries(bot.services.engine)
        if e.action == "refused"
    }
    assert (bo.id, request.id, "attempt=o code=not_found") in found
    assert (carl.id, request.id, "attempt=r code=taken") in found
    assert (carl.id, None, "attempt=zz code=not_found") in found
    # And `sipbot audit` shows them.
    out = run_cli("audit", "--staff", str(carl.id))
    assert "refused" in out and "code=taken" in out


async def test_opening_another_card_ends_the_message_to_the_first_person(
    emu: BotApiEmulator, bot: RunningBot
) -> None:
    anna, first, a = await _claimed(emu, bot, "self", 1030)
    _other, second, b = await _claimed(emu, bot, "self", 1032)  # a second Anna, same unit
    await anna.card_with("staff.button.message")
    await anna.presses("staff.button.message", "staff.input.for", reference=a.reference)
    # She opens the other family's card instead and types: nothing goes to the first person.
    anna.user.press_data(anna.user.last.message_id, f"S:o:{b.id}")  # type: ignore[union-attr]
    await anna.sees("staff.input.ended", reference=a.reference)
    await anna.sees("staff.card.history")
    anna.user.send("Hej, vi ses på tisdag")
    anna.user.send("/queue")
    await anna.sees("staff.queue.title")
    said = anna.t("staff.done.message", reference=a.reference)
    assert all(said not in (m.text or "") for m in anna.user.messages)
    for person in (first, second):
        assert all("vi ses på tisdag" not in (m.text or "") for m in person.user.messages)


async def test_a_command_ends_the_pending_input_and_still_works(
    emu: BotApiEmulator, bot: RunningBot
) -> None:
    anna, _person, a = await _claimed(emu, bot, "self", 1040)
    await anna.card_with("staff.button.note")
    await anna.presses("staff.button.note", "staff.input.for", reference=a.reference)
    await anna.types("/queue", "staff.input.ended", reference=a.reference)
    await anna.sees("staff.queue.title")
    await anna.card_with("staff.button.note")
    await anna.presses("staff.button.note", "staff.ask.note")
    await anna.types("/cancel", "staff.input_cancelled")
    anna.user.send("/queue")
    await anna.sees("staff.queue.title")
