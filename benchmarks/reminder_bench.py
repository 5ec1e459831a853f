"""Reminder sweep against Telegram's limits: how close to 30 messages/s, and how many 429s.

    .venv/bin/python benchmarks/reminder_bench.py [--n 3000] [--db sqlite|postgres]
        [--send-rate 30]

Builds a fresh database (SQLite in a temporary directory; for PostgreSQL a fresh schema in
postgresql+psycopg://postgres@127.0.0.1:5432/test, or --pg-url, dropped afterwards), runs the
migrations and seeds one booked meeting with N reminders due now, each to its own chat. It
starts the Bot API emulator with Telegram's limits enforced (30 messages in any second, one
per second per private chat), builds the real Application with its rate limiter and runs one
ReminderSender.sweep on the real clock, without polling. Quiet hours are set to one second
(23:59:59 to midnight), so the hour of the run does not matter.

Reported: the time from the sweep's start to the last message the emulator accepted; the
rate over that time and after the first second (warm-up), in messages/s and as a share of
30/s; the 429s the emulator answered; the database time (connections checked out of the
pool, which blocks the event loop); messages per whole second, the longest gap between two
accepted messages and the stalls of 1 s or more; and the reminders' final statuses.
--send-rate sets the bot's SIPBOT_SEND_RATE (the limiter's rate) for trying other rates.

Not a test: the figures go in BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import logging
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import Engine, create_engine, event
from sqlmodel import col, func, select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sipbot.chat import reminders as sender  # noqa: E402
from sipbot.chat.app import build_application  # noqa: E402
from sipbot.cli import new_key  # noqa: E402
from sipbot.config import load_settings  # noqa: E402
from sipbot.db.engine import session_scope  # noqa: E402
from sipbot.db.migrate import upgrade  # noqa: E402
from sipbot.db.models import Reminder  # noqa: E402
from sipbot.playground.emulator import GLOBAL_LIMIT, ApiError, BotApiEmulator  # noqa: E402
from sipbot.playground.seed import seed_due_reminders  # noqa: E402
from sipbot.services import Services  # noqa: E402

PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
EXAMPLE = ROOT / "examples/jamtland-harjedalen.yaml"
FIRST_CHAT = 100_000
GOAL = 0.95  # share of Telegram's 30 messages/s, with no 429


class CountingEmulator(BotApiEmulator):
    """The emulator, noting when it accepted or refused (429) each message."""

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self.accepted: list[float] = []
        self.refused: list[float] = []

    def _check_limits(self, chat_id: Any) -> None:
        try:
            super()._check_limits(chat_id)
        except ApiError:
            self.refused.append(self.clock())
            raise
        self.accepted.append(self.clock())


class PoolTimer:
    """Time connections spend checked out: each transaction, run on the event loop's thread."""

    def __init__(self, engine: Engine) -> None:
        self.spans: list[float] = []
        self._out: dict[int, float] = {}
        event.listen(engine, "checkout", self._checkout)
        event.listen(engine, "checkin", self._checkin)

    def _checkout(self, dbapi_conn: Any, _record: Any, _proxy: Any) -> None:
        self._out[id(dbapi_conn)] = time.perf_counter()

    def _checkin(self, dbapi_conn: Any, _record: Any) -> None:
        start = self._out.pop(id(dbapi_conn), None)
        if start is not None:
            self.spans.append(time.perf_counter() - start)


def fresh_database(kind: str, pg_url: str, tmp: Path) -> tuple[str, Callable[[], None]]:
    """The URL of an empty database and a function that removes it."""
    if kind == "sqlite":
        return f"sqlite:///{tmp / 'bench.db'}", lambda: None
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(pg_url)
    with admin.begin() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")

    def drop_pg() -> None:
        with admin.begin() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
        admin.dispose()

    sep = "&" if "?" in pg_url else "?"
    return f"{pg_url}{sep}options=-csearch_path%3D{schema}", drop_pg


def awake_deployment(tmp: Path) -> Path:
    """The example deployment with quiet hours of one second (23:59:59 to midnight)."""
    data = yaml.safe_load(EXAMPLE.read_text())
    data["reminders"] = {**data["reminders"], "quiet_from": "23:59:59", "quiet_until": "00:00"}
    path = tmp / "deployment.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    return path


def seed(services: Services, n: int) -> None:
    seed_due_reminders(services, n, FIRST_CHAT, {"role": "self", "municipality": "ostersund"})


def statuses(services: Services) -> Counter[str]:
    with session_scope(services.engine) as s:
        query = select(Reminder.status, Reminder.last_error, func.count()).group_by(
            col(Reminder.status), col(Reminder.last_error)
        )
        rows = s.exec(query)
        return Counter({status + (f" ({error})" if error else ""): k for status, error, k in rows})


async def run(services: Services, emu: CountingEmulator, n: int) -> dict[str, Any]:
    for i in range(n):
        emu.user(FIRST_CHAT + i)
    seed(services, n)
    timer = PoolTimer(services.engine)
    app = build_application(services, rate_limit=True)
    async with app:  # initialize only (getMe): no polling, no jobs
        timer.spans.clear()
        start = time.monotonic()
        handled = await sender.ReminderSender(services).sweep(app.bot)
        sweep_s = time.monotonic() - start
    return {"start": start, "handled": handled, "sweep_s": sweep_s, "db": timer.spans}


def report(result: dict[str, Any], emu: CountingEmulator, final: Counter[str], rate: int) -> None:
    start, accepted = result["start"], emu.accepted
    n = len(accepted)
    if not n:
        print("no message accepted")
        return
    wall = accepted[-1] - start
    overall = n / wall
    after = sum(t > start + 1.0 for t in accepted)
    sustained = after / (wall - 1.0) if wall > 1.0 else float("nan")
    per_second = Counter(int(t - start) for t in accepted)
    full = [per_second.get(s, 0) for s in range(1, int(wall))]  # whole seconds after warm-up
    gaps = [b - a for a, b in itertools.pairwise(accepted)]
    stalls = [g for g in gaps if g >= 1.0]
    db = result["db"]
    ok = sustained >= GOAL * GLOBAL_LIMIT and not emu.stats.rate_limited
    print(f"sweep: {result['handled']} handled in {result['sweep_s']:.1f} s")
    print(f"accepted: {n} messages, last at {wall:.1f} s after the sweep's start")
    print(f"rate overall: {overall:.2f}/s = {100 * overall / GLOBAL_LIMIT:.1f} % of 30/s")
    print(
        f"rate after 1 s warm-up: {sustained:.2f}/s = {100 * sustained / GLOBAL_LIMIT:.1f} %"
        f" of 30/s   -> {'GOAL MET' if ok else 'GOAL MISSED'} (send_rate {rate})"
    )
    print(f"429s from the emulator: {emu.stats.rate_limited}")
    if emu.refused:
        print(f"  first at {emu.refused[0] - start:.2f} s, last at {emu.refused[-1] - start:.2f} s")
    if full:
        print(
            f"messages per whole second after warm-up: min {min(full)}, median"
            f" {statistics.median(full):g}, max {max(full)}; longest gap {1000 * max(gaps):.0f} ms"
        )
        print(f"stalls (1 s or more without a message): {len(stalls)}, {sum(stalls):.1f} s in all")
    if db:
        ms = sorted(1000 * d for d in db)
        print(
            f"db: {len(db)} transactions, {sum(db):.1f} s in all ({100 * sum(db) / wall:.1f} %"
            f" of the wall time), {1000 * sum(db) / n:.2f} ms per message;"
            f" median {statistics.median(ms):.2f} ms, max {ms[-1]:.1f} ms"
        )
    print("final statuses: " + ", ".join(f"{k} {v}" for k, v in sorted(final.items())))


async def main_async(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="sipbot-bench-") as tmp_name:
        tmp = Path(tmp_name)
        url, drop = fresh_database(args.db, args.pg_url, tmp)
        try:
            async with CountingEmulator(enforce_limits=True) as emu:
                settings = load_settings(
                    telegram_token="1000:bench",
                    telegram_api_url=emu.url,
                    data_dir=tmp,
                    database_url=url,
                    secret_key=new_key(),
                    deployment=awake_deployment(tmp),
                    send_rate=args.send_rate,
                )
                services = Services.build(settings, check_schema=False)
                try:
                    upgrade(services.engine)
                    result = await run(services, emu, args.n)
                    final = statuses(services)
                finally:
                    services.engine.dispose()
                print(f"\n{args.db}, {args.n} reminders, {os.cpu_count()} CPUs")
                report(result, emu, final, args.send_rate)
        finally:
            drop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--n", type=int, default=3000, help="reminders, one chat each")
    parser.add_argument("--pg-url", default=os.environ.get("SIPBOT_BENCH_PG_URL", PG_URL))
    parser.add_argument("--send-rate", type=int, default=30, help="the bot's SIPBOT_SEND_RATE")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s %(message)s")
    # A 429 left after the limiter's retries is logged with its traceback; the final statuses
    # count those reminders ("pending (429)"), so the tracebacks are left out.
    logging.getLogger("telegram.ext.AIORateLimiter").setLevel(logging.CRITICAL)
    asyncio.run(main_async(args))


if __name__ == "__main__":
    main()
