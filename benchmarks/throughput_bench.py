"""sipbot against a bare python-telegram-bot echo bot, side by side in one run.

    .venv/bin/python benchmarks/throughput_bench.py [--db sqlite|postgres] [--people 50]
        [--past 0|100000] [--rounds 2]

Each round starts both bots, one after the other, as their own processes against a fresh
Bot API emulator in this process:

- **sipbot** as `sipbot run` starts it (settings, schema and key checks, getMe, the real
  Application with its rate limiter and persistence); 50 people at once then onboard and fill
  in a whole request (tests/walker.py, the "self" script) and send it. Every update they
  queue is recorded: that is the update mix.
- **echo**: one MessageHandler (replies with the text and one inline button) and one
  CallbackQueryHandler (answers the query and edits the message), PTB's defaults apart from
  concurrent updates (sipbot handles different chats concurrently too). Fresh people replay
  the recorded mix, each waiting for the bot's answer before their next update, as a person
  does.

Figures per bot (median over rounds), and sipbot/echo ratios:

- **start-up**: from starting the process to its first getUpdates call.
- **throughput**: updates answered per second, from the first update to the last answer.
- **p99 latency**: from queueing an update to the bot's last call for that person before
  their next update (sendMessage, editMessageText, answerCallbackQuery …): how long the
  person waits for the whole answer.
- **CPU per update**: the bot process's user + system CPU over the run, per update: what the
  bot costs, less bent by a busy machine than the times above.
- **loop lag**: how late a 10 ms timer in the bot's process fires (p50, p99, max): the time
  the event loop was blocked, e.g. by synchronous database work.

`--past N` first loads N past people: N finished requests (benchmarks/queue_bench.py's
load, with their history) and a user_data row each, as a bot that has run for years has.

Bars (issue 12): throughput ≥ 0.5× echo, p99 ≤ 3× echo, start-up ≤ 2× the bare bot.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# A person here waits as long as it takes: the benchmark reports a slow answer, a test fails.
os.environ.setdefault("SIPBOT_EMULATOR_WAIT", "600")
PG_URL = os.environ.get("SIPBOT_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
PG_DB = "bench_perf"
TOKEN = "1000:bench"
LAG_TICK = 0.01
# BENCH_PROFILE=FILE: the sipbot child runs under cProfile, its figures written to FILE as it
# goes (where the time per update goes).
PROFILE: Any = None


# -- the bots, each as its own process ----------------------------------------------------------


def _lag_monitor(out: Path) -> Any:
    """A task measuring how late a short timer fires; writes the figures when cancelled."""

    async def watch() -> None:
        lags: list[float] = []
        loop = asyncio.get_running_loop()
        while True:
            before = loop.time()
            await asyncio.sleep(LAG_TICK)
            lags.append(max(0.0, loop.time() - before - LAG_TICK))
            if len(lags) % 50 == 0:  # written as it goes: however the process ends
                out.write_text(json.dumps(lags))
                if PROFILE is not None:
                    PROFILE.disable()
                    PROFILE.dump_stats(os.environ["BENCH_PROFILE"])
                    PROFILE.enable()

    return watch


def child_sipbot(lag_out: Path) -> None:
    """What `sipbot run` does (cli.cmd_run), with a loop-lag watch beside it."""
    global PROFILE
    if os.environ.get("BENCH_PROFILE"):
        import cProfile

        PROFILE = cProfile.Profile()
        PROFILE.enable()
    from sipbot.chat.app import build_application
    from sipbot.cli import _logging, check_key, telegram_name
    from sipbot.config import load_settings
    from sipbot.services import Services

    settings = load_settings()
    _logging("WARNING")
    services = Services.build(settings)
    check_key(services.engine)
    telegram_name(settings, hint="")
    app = build_application(services)
    _run(app, lag_out)


def child_echo(lag_out: Path, api_url: str) -> None:
    from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
    from telegram.ext import ApplicationBuilder, CallbackQueryHandler, MessageHandler, filters

    async def echo(update: Update, _: Any) -> None:
        assert update.message is not None
        button = InlineKeyboardButton("ok", callback_data="ok")
        await update.message.reply_text(
            update.message.text or "?", reply_markup=InlineKeyboardMarkup([[button]])
        )

    async def pressed(update: Update, _: Any) -> None:
        query = update.callback_query
        assert query is not None
        await query.answer()
        await query.edit_message_text(f"pressed {query.data} ({query.id})")  # always new

    app = (
        ApplicationBuilder()
        .token(TOKEN)
        .base_url(f"{api_url}/bot")
        .concurrent_updates(True)
        .build()
    )
    app.add_handler(MessageHandler(filters.ALL, echo))
    app.add_handler(CallbackQueryHandler(pressed))
    _run(app, lag_out)


def _run(app: Any, lag_out: Path) -> None:
    watch = _lag_monitor(lag_out)
    inner = app.post_init
    task: list[asyncio.Task[None]] = []

    async def post_init(application: Any) -> None:
        task.append(asyncio.create_task(watch()))
        if inner is not None:
            await inner(application)

    async def post_stop(_: Any) -> None:
        for t in task:
            t.cancel()
        await asyncio.gather(*task, return_exceptions=True)

    app.post_init = post_init
    app.post_stop = post_stop
    app.run_polling(allowed_updates=["message", "callback_query"], drop_pending_updates=False)


# -- the emulator, timing what it sees ---------------------------------------------------------


def timed_emulator() -> Any:
    from sipbot.playground.emulator import BotApiEmulator

    class TimedEmulator(BotApiEmulator):
        def __init__(self) -> None:
            super().__init__()
            self.first_poll: float | None = None
            self.pending: dict[int, tuple[float, float | None, str]] = {}
            self.latencies: list[float] = []
            self.slow: list[tuple[float, str]] = []
            self.first_update: float | None = None
            self.last_answer = 0.0
            self.mix: dict[int, list[tuple[str, str]]] = defaultdict(list)
            self.answered: dict[int, asyncio.Event] = defaultdict(asyncio.Event)
            self.outputs: dict[int, int] = defaultdict(int)  # bot calls since the update
            # The echo bot's calls per update (1 for a text, 2 for a press): set by its replay.
            self.expect: dict[int, int] = defaultdict(lambda: 1)
            self.record = True

        def _queue_update(self, payload: dict[str, Any]) -> dict[str, Any]:
            now = time.perf_counter()
            self.first_update = self.first_update or now
            if "message" in payload:
                user = payload["message"]["from"]["id"]
                item = ("text", payload["message"].get("text") or "")
            else:
                user = payload["callback_query"]["from"]["id"]
                item = ("press", payload["callback_query"]["data"])
            if self.record:
                self.mix[user].append(item)
            self.finish(user)
            self.pending[user] = (now, None, item[0] + ":" + item[1][:12])
            self.outputs[user] = 0
            self.answered[user].clear()
            return super()._queue_update(payload)

        async def _dispatch(self, method: str, params: dict[str, Any], files: Any) -> Any:
            if method == "getupdates" and self.first_poll is None:
                self.first_poll = time.perf_counter()
            who: Any = params.get("chat_id")
            if method == "answercallbackquery":
                who = self._open_callbacks.get(str(params.get("callback_query_id")))
            try:
                return await super()._dispatch(method, params, files)
            finally:  # an error answer is an answer too
                self._answered_by_bot(who)

        def _answered_by_bot(self, who: Any) -> None:
            if isinstance(who, int) and who in self.pending:
                now = time.perf_counter()
                start, _, what = self.pending[who]
                self.pending[who] = (start, now, what)
                self.last_answer = now
                self.outputs[who] += 1
                if self.outputs[who] >= self.expect[who]:
                    self.answered[who].set()

        def finish(self, user: int) -> None:
            """The person's previous update is answered as far as it will be: count it."""
            if user in self.pending:
                start, last, what = self.pending.pop(user)
                if last is not None:
                    self.latencies.append(last - start)
                    self.slow.append((last - start, what))

        def finish_all(self) -> None:
            for user in list(self.pending):
                self.finish(user)

    return TimedEmulator()


# -- one bot's run --------------------------------------------------------------------------------


async def start_child(kind: str, emu: Any, env: dict[str, str], tmp: Path) -> tuple[Any, float]:
    lag_out = tmp / f"lag-{kind}.json"
    log = (tmp / f"{kind}.log").open("ab")
    started = time.perf_counter()
    proc = await asyncio.create_subprocess_exec(
        sys.executable, __file__, "--child", kind, "--lag-out", str(lag_out),
        "--api", emu.url, env=env, stdout=log, stderr=log, cwd=tmp,
    )  # fmt: skip
    while emu.first_poll is None:
        if proc.returncode is not None:
            raise SystemExit(f"{kind} ended: {(tmp / f'{kind}.log').read_text()[-3000:]}")
        await asyncio.sleep(0.01)
    return proc, emu.first_poll - started


async def stop_child(proc: Any, kind: str, tmp: Path) -> list[float]:
    proc.send_signal(signal.SIGINT)
    try:
        await asyncio.wait_for(proc.wait(), 60)
    except TimeoutError:
        proc.kill()
        await proc.wait()
    out = tmp / f"lag-{kind}.json"
    return json.loads(out.read_text()) if out.exists() else []


def cpu_seconds(pid: int) -> float:
    """User + system CPU the process has used (Linux): less bent by a busy machine than wall
    time."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def figures(emu: Any, startup: float, lags: list[float], cpu: float) -> dict[str, float]:
    emu.finish_all()
    if os.environ.get("BENCH_DEBUG"):
        print(sorted(emu.slow, reverse=True)[:15])
        print(emu.stats.requests.most_common())
    n = len(emu.latencies)
    span = emu.last_answer - (emu.first_update or emu.last_answer)
    return {
        "startup": startup,
        "updates": n,
        "throughput": n / span if span > 0 else float("nan"),
        "p50": _pct(emu.latencies, 0.5),
        "p99": _pct(emu.latencies, 0.99),
        "lag_p50": _pct(lags, 0.5) * 1000,
        "lag_p99": _pct(lags, 0.99) * 1000,
        "lag_max": max(lags, default=float("nan")) * 1000,
        "calls": sum(c for m, c in emu.stats.requests.items() if m != "getupdates") / max(n, 1),
        "cpu": cpu / max(n, 1) * 1000,
    }


async def run_sipbot(
    env: dict[str, str], tmp: Path, people: int, first_id: int, services: Any
) -> tuple[dict[str, float], dict[int, list[tuple[str, str]]]]:
    from tests.conftest import RunningBot
    from tests.scripts import BRANCHES
    from tests.walker import request_through

    script = BRANCHES["self"][0]
    async with timed_emulator() as emu:
        env = {**env, "SIPBOT_TELEGRAM_API_URL": emu.url}
        proc, startup = await start_child("sipbot", emu, env, tmp)
        print(f"sipbot start-up to first getUpdates: {startup:.2f} s", flush=True)
        try:
            bot = RunningBot(None, services)  # type: ignore[arg-type]  # the walker reads services
            cpu = cpu_seconds(proc.pid)
            await asyncio.gather(
                *(
                    request_through(emu, bot, first_id + i, "sv", False, script)
                    for i in range(people)
                )
            )
            cpu = cpu_seconds(proc.pid) - cpu
        finally:
            lags = await stop_child(proc, "sipbot", tmp)
        mix = {u - first_id: items for u, items in emu.mix.items()}
        return figures(emu, startup, lags, cpu), mix


async def run_echo(
    env: dict[str, str], tmp: Path, mix: dict[int, list[tuple[str, str]]], first_id: int
) -> dict[str, float]:
    async with timed_emulator() as emu:
        emu.record = False
        proc, startup = await start_child("echo", emu, env, tmp)

        async def person(offset: int, items: list[tuple[str, str]]) -> None:
            user = emu.user(first_id + offset, language_code="sv")
            for kind, value in items:
                if kind == "text":
                    emu.expect[user.user_id] = 1  # sendMessage
                    user.send(value)
                else:
                    emu.expect[user.user_id] = 2  # answerCallbackQuery, editMessageText
                    last = [m for m in user.messages if not m.edited]
                    user.press_data(last[-1].message_id if last else 1, value)
                await asyncio.wait_for(emu.answered[user.user_id].wait(), 120)

        try:
            cpu = cpu_seconds(proc.pid)
            await asyncio.gather(*(person(o, items) for o, items in mix.items()))
            cpu = cpu_seconds(proc.pid) - cpu
        finally:
            lags = await stop_child(proc, "echo", tmp)
        return figures(emu, startup, lags, cpu)


# -- the database -------------------------------------------------------------------------------


def make_database(kind: str, tmp: Path) -> tuple[str, Any]:
    from sqlalchemy import create_engine

    if kind == "sqlite":
        return f"sqlite:///{tmp}/bench.db", lambda: None
    admin = create_engine(PG_URL.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")
        conn.exec_driver_sql(f"CREATE DATABASE {PG_DB}")

    def drop() -> None:
        with admin.connect() as conn:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")
        admin.dispose()

    return PG_URL.rsplit("/", 1)[0] + f"/{PG_DB}", drop


def load_past(url: str, n: int) -> None:
    """n people who once sent a request that has ended, each with a stored user_data row."""
    from sqlalchemy import insert

    from benchmarks.queue_bench import NOW, load
    from sipbot.db.engine import make_engine
    from sipbot.db.models import UserData

    engine = make_engine(url)
    load(engine, n)
    rows = [
        {"user_id": 1_000_000 + rid, "data": {"last_update": [f"{rid}:1:{rid}"]}, "updated_at": NOW}
        for rid in range(1, n + 1)
    ]
    with engine.begin() as conn:
        for i in range(0, n, 5000):
            conn.execute(insert(UserData.__table__), rows[i : i + 5000])  # type: ignore[attr-defined]
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("VACUUM ANALYZE")
    engine.dispose()


# -- the whole run ------------------------------------------------------------------------------


ROWS = [
    ("startup", "start-up to first getUpdates, s", "{:.2f}"),
    ("throughput", "throughput, updates/s", "{:.1f}"),
    ("p50", "p50 reply latency, ms", "{:.0f}"),
    ("p99", "p99 reply latency, ms", "{:.0f}"),
    ("lag_p50", "loop lag p50, ms", "{:.1f}"),
    ("lag_p99", "loop lag p99, ms", "{:.1f}"),
    ("lag_max", "loop lag max, ms", "{:.0f}"),
    ("calls", "Bot API calls per update", "{:.2f}"),
    ("cpu", "bot process CPU per update, ms", "{:.1f}"),
]


def report(runs: dict[str, list[dict[str, float]]], label: str) -> None:
    med = {k: {f: statistics.median(r[f] for r in rs) for f in rs[0]} for k, rs in runs.items()}
    for kind in med:
        med[kind]["p50"] *= 1000
        med[kind]["p99"] *= 1000
    s, e = med["sipbot"], med["echo"]
    ratio = {
        "cpu": s["cpu"] / e["cpu"],
        "throughput": s["throughput"] / e["throughput"],
        "p99": s["p99"] / e["p99"],
        "startup": s["startup"] / e["startup"],
    }
    print(f"\n### {label}: {len(runs['sipbot'])} rounds, median; load {os.getloadavg()}")
    print(f"updates per run: sipbot {s['updates']:.0f}, echo {e['updates']:.0f}\n")
    print("| figure | sipbot | echo | sipbot / echo | bar |")
    print("|---|---|---|---|---|")
    bars = {"throughput": "≥ 0.5", "p99": "≤ 3", "startup": "≤ 2"}
    for key, name, fmt in ROWS:
        r = f"{ratio[key]:.2f}" if key in ratio else ""
        bar = bars.get(key, "")
        print(f"| {name} | {fmt.format(s[key])} | {fmt.format(e[key])} | {r} | {bar} |")
    per_round = [
        f"{a['throughput'] / b['throughput']:.2f}/{a['p99'] / b['p99']:.2f}/"
        f"{a['startup'] / b['startup']:.2f}"
        for a, b in zip(runs["sipbot"], runs["echo"], strict=True)
    ]
    print(f"\nper round, throughput/p99/start-up ratios: {', '.join(per_round)}")


async def main_run(args: argparse.Namespace) -> None:
    from sipbot.cli import new_key
    from sipbot.config import load_settings
    from sipbot.db.engine import make_engine
    from sipbot.db.migrate import upgrade
    from sipbot.services import Services
    from tests.conftest import EXAMPLE_DEPLOYMENT

    with tempfile.TemporaryDirectory(prefix="sipbot-thr-") as tmp_name:
        tmp = Path(tmp_name)
        url, drop = make_database(args.db, tmp)
        try:
            key = new_key()
            import yaml

            data = yaml.safe_load(EXAMPLE_DEPLOYMENT.read_text())
            for i, unit in enumerate(data["units"], 1):  # each unit's staff gets a group
                unit["staff_group_chat_id"] = -1000 - i
            deployment = tmp / "deployment.yaml"
            deployment.write_text(yaml.safe_dump(data, allow_unicode=True))
            settings = load_settings(
                telegram_token=TOKEN,
                telegram_api_url="http://127.0.0.1:1",
                data_dir=tmp,
                database_url=url,
                secret_key=key,
                deployment=deployment,
            )
            from sipbot.db.crypto import set_key

            set_key(settings.key_bytes)
            engine = make_engine(url)
            upgrade(engine)
            engine.dispose()
            if args.past:
                t0 = time.perf_counter()
                load_past(url, args.past)
                print(f"loaded {args.past} past people in {time.perf_counter() - t0:.0f} s")
            services = Services.build(settings)
            env = {
                **os.environ,
                # The sipbot child imports this checkout's sipbot, or --sipbot's (a baseline).
                "PYTHONPATH": os.pathsep.join([str(args.sipbot or ROOT), str(ROOT)]),
                "SIPBOT_TELEGRAM_TOKEN": TOKEN,
                "SIPBOT_DATABASE_URL": url,
                "SIPBOT_SECRET_KEY": key,
                "SIPBOT_DATA_DIR": str(tmp),
                "SIPBOT_DEPLOYMENT": str(deployment),
            }
            runs: dict[str, list[dict[str, float]]] = {"sipbot": [], "echo": []}
            for r in range(args.rounds):
                first = 500_000 + r * 1000
                s, mix = await run_sipbot(env, tmp, args.people, first, services)
                e = await run_echo(env, tmp, mix, 700_000 + r * 1000)
                runs["sipbot"].append(s)
                runs["echo"].append(e)
                print(
                    f"round {r + 1}: sipbot {s['throughput']:.1f}/s p99 {s['p99'] * 1000:.0f} ms "
                    f"start {s['startup']:.2f} s; echo {e['throughput']:.1f}/s "
                    f"p99 {e['p99'] * 1000:.0f} ms start {e['startup']:.2f} s",
                    flush=True,
                )
            services.engine.dispose()
            report(runs, f"{args.db}, {args.people} people at once, {args.past} past people")
        finally:
            drop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--people", type=int, default=50)
    parser.add_argument("--past", type=int, default=0)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--sipbot", type=Path, help="another checkout's sipbot, for a baseline")
    parser.add_argument("--child", choices=["sipbot", "echo"])
    parser.add_argument("--lag-out", type=Path)
    parser.add_argument("--api")
    args = parser.parse_args()
    if args.child == "sipbot":
        child_sipbot(args.lag_out)
    elif args.child == "echo":
        child_echo(args.lag_out, args.api)
    else:
        asyncio.run(main_run(args))


if __name__ == "__main__":
    main()
