"""2 000 reminders due, the bot killed (SIGKILL) while sending, then started again.

Every reminder arrives; the only duplicates are ones delivered but not yet recorded as sent
when the process died, at most one batch in flight.
"""

from __future__ import annotations

import asyncio
from datetime import time
from pathlib import Path

import yaml
from sqlmodel import col, func, select

from sipbot.config import Settings
from sipbot.db.engine import session_scope
from sipbot.db.models import Reminder
from sipbot.playground.emulator import BotApiEmulator
from sipbot.playground.seed import seed_due_reminders
from sipbot.reminders.sender import CONCURRENCY
from sipbot.services import Services
from tests.restart import bot_process, hard_kill
from tests.scripts import BRANCHES

N = 2000
FIRST_CHAT = 100_000


def _count(services: Services, status: str) -> int:
    with session_scope(services.engine) as s:
        query = select(func.count()).select_from(Reminder).where(col(Reminder.status) == status)
        return int(s.exec(query).one())


async def _until(condition, timeout: float) -> None:  # type: ignore[no-untyped-def]
    """Wait for the other process's output to satisfy `condition` (polled; no fixed sleep)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        assert loop.time() < deadline, "timed out waiting for the bot process"
        await asyncio.sleep(0.02)


async def test_kill_while_sending_loses_no_reminder(
    emu: BotApiEmulator, services: Services, settings: Settings, tmp_path: Path
) -> None:
    # Quiet hours off, so the test does not depend on the hour it runs at.
    data = yaml.safe_load(settings.deployment.read_text())
    data["reminders"] = {"quiet_from": time(23, 59, 59).isoformat(), "quiet_until": "00:00"}
    deployment = tmp_path / "deployment-awake.yaml"
    deployment.write_text(yaml.safe_dump(data, allow_unicode=True))
    users = [emu.user(FIRST_CHAT + i) for i in range(N)]
    seed_due_reminders(services, N, FIRST_CHAT, BRANCHES["self"][0])
    fast = {"SIPBOT_SEND_RATE": "400", "SIPBOT_DEPLOYMENT": str(deployment)}

    def delivered() -> int:
        return sum(len(u.messages) for u in users)

    async with bot_process(settings, tmp_path, **fast) as proc:
        await _until(lambda: delivered() >= N // 4, timeout=60)
        await hard_kill(proc)
    at_kill = delivered()
    recorded = _count(services, "sent")
    in_flight = at_kill - recorded  # delivered, but the kill came before it was recorded
    assert 0 < at_kill < N, "the kill should come mid-way"

    async with bot_process(settings, tmp_path, **fast):
        await _until(lambda: all(u.messages for u in users), timeout=120)
        await _until(lambda: _count(services, "sent") == N, timeout=30)
    duplicates = delivered() - N
    print(
        f"\nkill test: {at_kill} delivered at the kill, {recorded} recorded as sent, "
        f"{duplicates} duplicates after the restart"
    )
    assert duplicates <= in_flight <= CONCURRENCY
    assert all(1 <= len(u.messages) <= 2 for u in users)
