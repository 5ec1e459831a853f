"""300 reminders due, the bot killed (SIGKILL) while sending, then started again.

Every reminder arrives; the only duplicates are ones delivered but not yet recorded as sent
when the process died, at most one batch in flight. The same property at 2 000 rows, with its
figures, is the benchmark's (benchmarks/reminder_bench.py).
"""

from __future__ import annotations

from datetime import time
from pathlib import Path

import yaml
from sqlmodel import col, func, select

from sipbot.chat.reminders import CONCURRENCY
from sipbot.config import Settings
from sipbot.db.engine import session_scope
from sipbot.db.models import Reminder
from sipbot.playground.emulator import BotApiEmulator
from sipbot.playground.seed import seed_due_reminders
from sipbot.services import Services
from tests.restart import bot_process, hard_kill, until_done
from tests.scripts import BRANCHES

N = 300
# Slow enough that the kill lands mid-way, however fast the machine: 300 take 5 s.
RATE = 60
FIRST_CHAT = 100_000


def _count(services: Services, status: str) -> int:
    with session_scope(services.engine) as s:
        query = select(func.count()).select_from(Reminder).where(col(Reminder.status) == status)
        return int(s.exec(query).one())


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
    env = {"SIPBOT_SEND_RATE": str(RATE), "SIPBOT_DEPLOYMENT": str(deployment)}

    def delivered() -> int:
        return sum(len(u.messages) for u in users)

    async with bot_process(settings, tmp_path, emu, **env) as proc:
        await until_done(lambda: delivered() >= N // 4, delivered, proc)
        await hard_kill(proc)
    at_kill = delivered()
    recorded = _count(services, "sent")
    in_flight = at_kill - recorded  # delivered, but the kill came before it was recorded
    assert 0 < at_kill < N, "the kill should come mid-way"

    async with bot_process(settings, tmp_path, emu, **env) as proc:
        await until_done(lambda: all(u.messages for u in users), delivered, proc)
        await until_done(
            lambda: _count(services, "sent") == N, lambda: _count(services, "sent"), proc
        )
    duplicates = delivered() - N
    print(
        f"\nkill test: {at_kill} delivered at the kill, {recorded} recorded as sent, "
        f"{duplicates} duplicates after the restart"
    )
    assert duplicates <= in_flight <= CONCURRENCY
    assert all(1 <= len(u.messages) <= 2 for u in users)
