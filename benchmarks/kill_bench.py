"""The reminder kill test at benchmark size: 2 000 reminders due, SIGKILL mid-send, restart.

    .venv/bin/python benchmarks/kill_bench.py [--n 2000] [--db sqlite|postgres] [--rate 400]

The suite's tests/test_reminder_kill.py proves the property at 300 rows; this runs the same
story at the size of a region's busy morning and prints the figures for BENCHMARKS.md: how
many were delivered and recorded at the kill, the duplicates after the restart (bounded by
what was in flight) and the time to deliver everything after the restart.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlmodel import col, func, select  # noqa: E402

from benchmarks.reminder_bench import (  # noqa: E402
    FIRST_CHAT,
    PG_URL,
    awake_deployment,
    fresh_database,
    seed,
)
from sipbot.chat.reminders import CONCURRENCY  # noqa: E402
from sipbot.cli import new_key  # noqa: E402
from sipbot.config import load_settings  # noqa: E402
from sipbot.db.engine import session_scope  # noqa: E402
from sipbot.db.migrate import upgrade  # noqa: E402
from sipbot.db.models import Reminder  # noqa: E402
from sipbot.playground.emulator import BotApiEmulator  # noqa: E402
from sipbot.services import Services  # noqa: E402
from tests.restart import bot_process, hard_kill, until_done  # noqa: E402


def sent(services: Services) -> int:
    with session_scope(services.engine) as s:
        q = select(func.count()).select_from(Reminder).where(col(Reminder.status) == "sent")
        return int(s.exec(q).one())


async def run(n: int, db: str, rate: int) -> None:
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        url, drop = fresh_database(db, PG_URL, tmp)
        try:
            async with BotApiEmulator() as emu:
                settings = load_settings(
                    telegram_token="1000:bench",
                    telegram_api_url=emu.url,
                    data_dir=tmp,
                    database_url=url,
                    secret_key=new_key(),
                    deployment=awake_deployment(tmp),
                )
                services = Services.build(settings, check_schema=False)
                upgrade(services.engine)
                seed(services, n)
                users = [emu.user(FIRST_CHAT + i) for i in range(n)]

                def delivered() -> int:
                    return sum(len(u.messages) for u in users)

                env = {"SIPBOT_SEND_RATE": str(rate)}
                async with bot_process(settings, tmp, emu, **env) as proc:
                    await until_done(lambda: delivered() >= n // 4, delivered, proc)
                    await hard_kill(proc)
                at_kill, recorded = delivered(), sent(services)
                start = time.perf_counter()
                async with bot_process(settings, tmp, emu, **env) as proc:
                    await until_done(lambda: all(u.messages for u in users), delivered, proc)
                    await until_done(lambda: sent(services) == n, lambda: sent(services), proc)
                took = time.perf_counter() - start
                services.engine.dispose()
                print(
                    f"{db}: {n} reminders; at the kill {at_kill} delivered, {recorded} recorded "
                    f"(in flight {at_kill - recorded}, at most {CONCURRENCY}); after the restart "
                    f"{delivered() - n} duplicates, all {n} sent in {took:.1f} s "
                    f"(start-up included)"
                )
        finally:
            drop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--rate", type=int, default=400)
    args = parser.parse_args()
    asyncio.run(run(args.n, args.db, args.rate))


if __name__ == "__main__":
    main()
