"""The `sipbot` command: run, try, setup, db upgrade, key."""

from __future__ import annotations

import argparse
import asyncio
import base64
import logging
import os
import sys
import tempfile
from pathlib import Path

from sipbot.config import ConfigError, load_settings


def new_key() -> str:
    return base64.urlsafe_b64encode(os.urandom(32)).decode().rstrip("=")


def _logging(level: str, file: Path | None = None) -> None:
    logging.basicConfig(
        level=level,
        filename=file,
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
    )
    # httpx logs every request URL, and the URL holds the bot token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)


def cmd_run(_: argparse.Namespace) -> None:
    from sipbot.app import build_application
    from sipbot.services import Services

    settings = load_settings()
    _logging(settings.log_level)
    services = Services.build(settings)
    app = build_application(services)
    logging.getLogger("sipbot").info("bot.start api=%s", settings.telegram_api_url)
    app.run_polling(allowed_updates=["message", "callback_query"], drop_pending_updates=False)


def cmd_setup(_: argparse.Namespace) -> None:
    """First run on a machine: a secret key in .env (never overwritten), then the schema."""
    env = Path(".env")
    text = env.read_text() if env.exists() else ""
    if "SIPBOT_SECRET_KEY=" not in text and not os.environ.get("SIPBOT_SECRET_KEY"):
        with env.open("a") as fh:
            fh.write(
                ("" if text.endswith("\n") or not text else "\n")
                + f"SIPBOT_SECRET_KEY={new_key()}\n"
            )
        print("wrote a new SIPBOT_SECRET_KEY to .env; keep it safe, it unlocks the data")
    cmd_db_upgrade(_)


def cmd_db_upgrade(_: argparse.Namespace) -> None:
    from sipbot.db.engine import make_engine
    from sipbot.db.migrate import upgrade

    settings = load_settings(require_token=False)
    upgrade(make_engine(settings.db_url))
    print("database is up to date")


def cmd_key(_: argparse.Namespace) -> None:
    print(new_key())


def cmd_try(args: argparse.Namespace) -> None:
    asyncio.run(_try(args))


async def _try(args: argparse.Namespace) -> None:
    from sipbot.app import build_application
    from sipbot.db.migrate import upgrade
    from sipbot.playground.emulator import BotApiEmulator
    from sipbot.playground.terminal import run_terminal
    from sipbot.services import Services

    data_dir = Path(args.data_dir or tempfile.mkdtemp(prefix="sipbot-try-"))
    script = Path(args.script).read_text(encoding="utf-8").splitlines() if args.script else None
    async with BotApiEmulator() as emu:
        settings = load_settings(
            require_token=False,
            telegram_token="1000:playground",
            telegram_api_url=emu.url,
            data_dir=data_dir,
            database_url=f"sqlite:///{data_dir / 'sipbot.db'}",
            secret_key=os.environ.get("SIPBOT_SECRET_KEY") or new_key(),
        )
        _logging(settings.log_level, data_dir / "sipbot.log")
        services = Services.build(settings, check_schema=False)
        upgrade(services.engine)
        app = build_application(services, rate_limit=False)
        if script is None:
            print(
                f"sipbot playground; data in {data_dir}. Type :help for how to chat, :quit to end."
            )
        async with app:
            await app.post_init(app)  # type: ignore[misc]  # run_polling would call it
            await app.start()
            await app.updater.start_polling(poll_interval=0, timeout=10)  # type: ignore[union-attr]
            try:
                user = emu.user(args.user, first_name="Test", language_code=args.lang)
                await run_terminal(emu, user, script=script)
            finally:
                await app.updater.stop()  # type: ignore[union-attr]
                await app.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="sipbot", description="SIP requests on Telegram")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="run the bot (long polling)").set_defaults(fn=cmd_run)
    sub.add_parser("setup", help="make a secret key (.env) and the database").set_defaults(
        fn=cmd_setup
    )
    sub.add_parser("key", help="print a new secret key").set_defaults(fn=cmd_key)
    db = sub.add_parser("db", help="database").add_subparsers(dest="db_command", required=True)
    db.add_parser("upgrade", help="apply migrations").set_defaults(fn=cmd_db_upgrade)
    try_ = sub.add_parser("try", help="chat with the bot in the terminal, without Telegram")
    try_.add_argument("--script", help="a file of actions, one per line (non-interactive)")
    try_.add_argument("--data-dir", help="keep the playground's database here")
    try_.add_argument("--user", type=int, default=4242, help="the playground user's id")
    try_.add_argument("--lang", default="sv", help="the user's Telegram language code")
    try_.set_defaults(fn=cmd_try)
    args = parser.parse_args(argv)
    try:
        args.fn(args)
    except ConfigError as exc:
        print(f"sipbot: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    except KeyboardInterrupt:
        pass
