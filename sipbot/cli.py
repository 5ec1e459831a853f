"""The `sipbot` command: run, try, setup, db upgrade, key, staff, audit, stats, flow."""

from __future__ import annotations

import argparse
import asyncio
import base64
import logging
import os
import socket
import sys
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sipbot.clock import Clock, utcnow
from sipbot.config import ConfigError, Settings, load_settings

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from sipbot.deployment import Deployment
    from sipbot.i18n import Texts
    from sipbot.stats import MonthStats

# The admin commands read the time here, so tests can set it.
clock: Clock = utcnow


class UsageError(Exception):
    """The command cannot do what was asked (unknown unit, request, member); one line."""


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
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)


def cmd_run(_: argparse.Namespace) -> None:
    from sipbot.chat.app import build_application
    from sipbot.services import Services

    settings = load_settings()
    _logging(settings.log_level)
    services = Services.build(settings)
    check_key(services.engine)
    telegram_name(settings, hint="")  # a refused token or an unreachable API: one line, now
    if settings.web_port is not None:
        _check_port(settings.web_host, settings.web_port)  # one line now, not mid-start
    app = build_application(services)
    if settings.web_port is not None:
        _pages_beside(app, services)
    logging.getLogger("sipbot").info("bot.start api=%s", settings.telegram_api_url)
    app.run_polling(allowed_updates=["message", "callback_query"], drop_pending_updates=False)


def _pages_beside(app: Any, services: Any) -> None:
    """The web pages start and stop with the bot, in its event loop (sipbot.web)."""
    from sipbot.web.server import WebServer

    server = WebServer(services)
    bot_init, bot_shutdown = app.post_init, app.post_shutdown

    async def post_init(application: Any) -> None:
        if bot_init is not None:
            await bot_init(application)
        await server.start()

    async def post_shutdown(application: Any) -> None:
        await server.stop()
        if bot_shutdown is not None:
            await bot_shutdown(application)

    app.post_init, app.post_shutdown = post_init, post_shutdown


def _check_port(host: str, port: int) -> None:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as aiohttp binds
        try:
            sock.bind((host, port))
        except OSError as exc:
            raise ConfigError(
                f"SIPBOT_WEB_PORT: cannot listen on {host}:{port} ({exc.strerror})"
            ) from None


def _free_port(host: str) -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


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


def _enrol_in_playground(services: Any, user: Any, unit: str, role: str) -> None:
    """`try --staff UNIT`: the user opens a fresh invite link, as a new colleague would."""
    from sipbot.staff.members import INVITE_PREFIX, create_invite

    _check_unit(services.deployment, services.settings, unit)
    token = create_invite(services.engine, services.clock, unit, role)
    user.send(f"/start {INVITE_PREFIX}{token}")


def _playground_key(data_dir: Path) -> str:
    """The playground's key lives with its data, made once (mode 0600), so --data-dir reopens."""
    path = data_dir / "secret.key"
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as fh:
        fh.write(new_key())
    return path.read_text().strip()


async def _try(args: argparse.Namespace) -> None:
    from sipbot.chat.app import build_application
    from sipbot.db.migrate import upgrade
    from sipbot.playground.emulator import BotApiEmulator
    from sipbot.playground.terminal import run_terminal
    from sipbot.services import Services
    from sipbot.web.server import WebServer, try_link

    data_dir = Path(args.data_dir or tempfile.mkdtemp(prefix="sipbot-try-"))
    data_dir.mkdir(parents=True, exist_ok=True)
    script = Path(args.script).read_text(encoding="utf-8").splitlines() if args.script else None
    port = args.web_port or _free_port("127.0.0.1")
    async with BotApiEmulator() as emu:
        settings = load_settings(
            require_token=False,
            telegram_token="1000:playground",
            telegram_api_url=emu.url,
            data_dir=data_dir,
            database_url=f"sqlite:///{data_dir / 'sipbot.db'}",
            secret_key=_playground_key(data_dir),
            web_port=port,
            web_host="127.0.0.1",
            public_url=f"http://127.0.0.1:{port}",
            web_initdata_max_age=86_400,  # the printed link works for a day
        )
        _logging(settings.log_level, data_dir / "sipbot.log")
        services = Services.build(settings, check_schema=False)
        upgrade(services.engine)
        check_key(services.engine)
        app = build_application(services, rate_limit=False)
        if script is None:
            print(
                f"sipbot playground; data in {data_dir}. Type :help for how to chat, :quit to end."
            )
        async with app:
            await app.post_init(app)  # type: ignore[misc]  # run_polling would call it
            await app.start()
            await app.updater.start_polling(poll_interval=0, timeout=10)  # type: ignore[union-attr]
            pages = WebServer(services)
            await pages.start()
            try:
                user = emu.user(args.user, first_name="Test", language_code=args.lang)
                if args.staff:
                    _enrol_in_playground(services, user, args.staff, args.role)
                print(f"web pages: {pages.local_url}/")
                print(f"signed in as the playground user: {try_link(pages, args.user)}")
                await run_terminal(emu, user, script=script)
            finally:
                await pages.stop()
                await app.updater.stop()  # type: ignore[union-attr]
                await app.stop()


# -- admin commands: staff, audit, stats ----------------------------------------------------------


@contextmanager
def _database(*, require_token: bool = False) -> Iterator[tuple[Settings, Engine, Deployment]]:
    """Settings, the deployment and an engine on a database at this code's schema."""
    from sipbot.db.engine import make_engine
    from sipbot.db.migrate import check_current
    from sipbot.deployment import load_deployment

    settings = load_settings(require_token=require_token)
    deployment = load_deployment(settings.deployment)
    engine = make_engine(settings.db_url)
    try:
        check_current(engine)
        yield settings, engine, deployment
    finally:
        engine.dispose()


def _check_unit(deployment: Deployment, settings: Settings, unit: str) -> None:
    known = [u.id for u in deployment.units]
    if unit not in known:
        raise UsageError(f"no unit {unit!r} in {settings.deployment}; units: {', '.join(known)}")


def _local(at: datetime, settings: Settings, seconds: bool = False) -> str:
    return at.astimezone(settings.tz).strftime("%Y-%m-%d %H:%M" + (":%S" if seconds else ""))


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Left-aligned columns two spaces apart, no trailing spaces."""
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    return "\n".join(
        "  ".join(str(cell).ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in [header, *rows]
    )


def _one_line(text: str) -> str:
    """A name as one line of plain characters, so it cannot break a table."""
    return " ".join("".join(c if c.isprintable() else " " for c in text).split())


def bot_username(settings: Settings) -> str:
    """The bot's username, asked of Telegram (getMe) with the configured token and API."""
    return telegram_name(settings, hint="; pass --bot-username")


def telegram_name(settings: Settings, *, hint: str) -> str:
    """getMe with the configured token and API; a refusal or no answer is one ConfigError."""
    from sipbot.chat.bot_api import telegram_name

    return telegram_name(settings, hint=hint)


def check_key(engine: Any) -> None:
    """Open one stored value of each encrypted column: a wrong SIPBOT_SECRET_KEY stops the start
    with one line instead of failing on the first person's message."""
    from cryptography.exceptions import InvalidTag
    from sqlalchemy import select as sa_select
    from sqlmodel import SQLModel

    from sipbot.db.crypto import EncryptedJSON, EncryptedText

    with engine.connect() as conn:
        for table in SQLModel.metadata.sorted_tables:
            for column in table.columns:
                if not isinstance(column.type, EncryptedJSON | EncryptedText):
                    continue
                query = sa_select(column).where(column.is_not(None)).limit(1)
                try:
                    conn.execute(query).first()
                except InvalidTag:
                    raise ConfigError(
                        f"SIPBOT_SECRET_KEY: does not open the stored data ({table.name}); "
                        "use the key this database was made with"
                    ) from None


def cmd_staff_invite(args: argparse.Namespace) -> None:
    from sipbot.staff.members import INVITE_PREFIX, INVITE_VALID, create_invite

    name = (args.bot_username or "").removeprefix("@")
    with _database(require_token=not name) as (settings, engine, deployment):
        _check_unit(deployment, settings, args.unit)
        name = name or bot_username(settings)  # before the invite, so a failure leaves none
        now = clock()
        token = create_invite(engine, lambda: now, args.unit, args.role)
        unit_name = deployment.unit(args.unit).name
        print(f"https://t.me/{name}?start={INVITE_PREFIX}{token}")
        print(
            f"{args.role} invite for {args.unit} ({unit_name}): works once, "
            f"expires {_local(now + INVITE_VALID, settings)} ({settings.timezone})"
        )


def cmd_staff_list(args: argparse.Namespace) -> None:
    from sipbot.staff.members import members

    with _database() as (settings, engine, deployment):
        if args.unit is not None:
            _check_unit(deployment, settings, args.unit)
        found = members(engine, args.unit)
    if not found:
        print("no staff" + (f" in {args.unit}" if args.unit else ""))
        return
    rows = [
        [str(m.telegram_id), m.unit, m.role, _one_line(m.name), _local(m.created_at, settings)]
        for m in found
    ]
    print(_table(["telegram_id", "unit", "role", "name", f"since ({settings.timezone})"], rows))


def cmd_staff_identity(args: argparse.Namespace) -> None:
    from sipbot.staff.members import member
    from sipbot.web.oidc import link

    with _database() as (settings, engine, _deployment):
        if not settings.oidc_issuer:
            raise UsageError("SIPBOT_OIDC_ISSUER: missing; the identity is the issuer's")
        if member(engine, args.telegram_id) is None:
            raise UsageError(f"no active staff member with telegram id {args.telegram_id}")
        link(engine, settings, args.telegram_id, args.value)
        # Not the value: it names a person.
        print(f"{args.telegram_id} signs in with {settings.oidc_staff_claim} at the issuer")


def cmd_staff_remove(args: argparse.Namespace) -> None:
    from sipbot.notify import returned as tell_returned
    from sipbot.services import Services
    from sipbot.staff.members import member, remove

    with _database() as (settings, engine, _deployment):
        found = member(engine, args.telegram_id)
        # The unit hears through the outbox, queued with the removal; the running bot sends
        # it. Without a token there is no bot to send it.
        services = (
            Services.build(settings, clock=clock, check_schema=False)
            if settings.telegram_token
            else None
        )
        try:
            then = tell_returned(services) if services is not None else None
            returned = (
                remove(engine, clock, args.telegram_id, then=then) if found is not None else None
            )
        finally:
            if services is not None:
                services.engine.dispose()
        if found is None or returned is None:
            raise UsageError(f"no active staff member with telegram id {args.telegram_id}")
        print(f"removed {args.telegram_id} ({_one_line(found.name)}, {found.unit} {found.role})")
        if returned:
            print(f"{len(returned)} open request(s) they held are back in the unit's queue")
            if services is None:
                print(
                    "note: no SIPBOT_TELEGRAM_TOKEN, so the unit was not told; tell them yourself"
                )


def cmd_audit(args: argparse.Namespace) -> None:
    from sqlmodel import col, select

    from sipbot.db.engine import session_scope
    from sipbot.db.models import SipRequest, StaffMember
    from sipbot.staff.audit import entries

    with _database() as (settings, engine, _deployment):
        if args.request is not None:
            reference = args.request.strip().upper()
            with session_scope(engine) as s:
                request_id = s.exec(
                    select(SipRequest.id).where(SipRequest.reference == reference)
                ).first()
            if request_id is None:
                raise UsageError(f"no request {reference}")
            found = entries(engine, request_id=request_id)
        else:
            found = entries(engine, staff_id=args.staff)
        request_ids = {e.request_id for e in found if e.request_id is not None}
        staff_ids = {e.staff_id for e in found if e.staff_id is not None}
        with session_scope(engine) as s:
            references = dict(
                s.exec(
                    select(SipRequest.id, SipRequest.reference).where(
                        col(SipRequest.id).in_(request_ids)
                    )
                ).all()
            )
            names = dict(
                s.exec(
                    select(StaffMember.telegram_id, StaffMember.name).where(
                        col(StaffMember.telegram_id).in_(staff_ids)
                    )
                ).all()
            )
    if not found:
        print("no audit entries")
        return
    rows = []
    for e in found:
        if e.staff_id is None:
            who = "cli/system"
        else:
            who = f"{e.staff_id} {_one_line(names.get(e.staff_id, ''))}".rstrip()
        ref = "" if e.request_id is None else references.get(e.request_id, f"#{e.request_id}")
        rows.append([_local(e.at, settings, seconds=True), who, e.action, ref, e.detail or ""])
    print(_table([f"time ({settings.timezone})", "staff", "action", "request", "detail"], rows))


def format_month(m: MonthStats, t: Texts) -> str:
    """One unit and month as a short block of text (the CSV holds the same figures).

    In the staff's language: Swedish names the statuses and roles as the staff's cards do and
    writes a decimal comma; English keeps the CSV's ids.
    """
    from babel.numbers import format_decimal, format_percent

    from sipbot.i18n import N_
    from sipbot.stats import ROLES, STATUSES

    def named(prefix: str, key: str) -> str:
        msgid = f"{prefix}.{key}"
        return t(msgid) if t.lang != "en" and t.has(msgid) else key

    def counts(found: dict[str, int], order: Sequence[str], prefix: str) -> str:
        keys = [k for k in order if found.get(k)] + sorted(set(found) - set(order))
        return ", ".join(f"{named(prefix, k)} {found[k]}" for k in keys)

    def figure(value: float | None, unit: str) -> str:
        if value is None:
            return "-"
        return f"{format_decimal(value, '0.0', locale=t.lang)} {t(unit)}"

    hours, days = N_("staff.cli.stats.hours"), N_("staff.cli.stats.days")
    share = "-"
    if m.overdue_share is not None:
        share = format_percent(m.overdue_share, locale=t.lang)
    return "\n".join(
        [
            t("staff.cli.stats.head", unit=m.unit, month=m.month, total=m.total),
            t("staff.cli.stats.status", counts=counts(m.by_status, STATUSES, "staff.status")),
            t("staff.cli.stats.role", counts=counts(m.by_role, ROLES, "staff.role")),
            t(
                "staff.cli.stats.claimed",
                median=figure(m.claim_median_hours, hours),
                p90=figure(m.claim_p90_hours, hours),
                claimed=m.claimed,
            ),
            t(
                "staff.cli.stats.meeting",
                median=figure(m.meeting_median_days, days),
                p90=figure(m.meeting_p90_days, days),
                with_meeting=m.with_meeting,
            ),
            t("staff.cli.stats.overdue", overdue=m.overdue, total=m.total, share=share),
        ]
    )


def cmd_stats(args: argparse.Namespace) -> None:
    from sipbot.i18n import Catalogs
    from sipbot.stats import monthly, write_csv

    with _database() as (settings, engine, deployment):
        if args.unit is not None:
            _check_unit(deployment, settings, args.unit)
        rows = monthly(engine, clock(), settings.tz, unit=args.unit)
    if args.csv == "-":
        write_csv(rows, sys.stdout)
        return
    if args.csv:
        with open(args.csv, "w", encoding="utf-8", newline="") as fh:
            write_csv(rows, fh)
        print(f"wrote {len(rows)} row(s) to {args.csv}")
        return
    t = Catalogs(settings.locales_dir, settings.tz).texts(args.lang, easy=False)
    if not rows:
        if args.unit:
            print(t("staff.cli.stats.none_in", unit=args.unit))
        else:
            print(t("staff.cli.stats.none"))
        return
    print("\n\n".join(format_month(m, t) for m in rows))


def cmd_languages(args: argparse.Namespace) -> None:
    from sipbot.config import Settings
    from sipbot.coverage import coverage, format_coverage
    from sipbot.deployment import load_deployment
    from sipbot.i18n import Catalogs

    settings = Settings()
    deployment = load_deployment(settings.deployment)
    catalogs = Catalogs(
        settings.locales_dir,
        settings.tz,
        languages=deployment.languages,
        fallback_locale=deployment.fallback_locale,
    )
    print(format_coverage(coverage(settings.locales_dir, catalogs.offered)))


def cmd_flow_diagram(args: argparse.Namespace) -> None:
    from pydantic import ValidationError

    from sipbot.deployment import load_deployment
    from sipbot.flows.diagram import mermaid
    from sipbot.flows.model import load_flows
    from sipbot.i18n import Catalogs

    try:  # no token or key needed: only the flow files, the deployment and the catalogs
        settings = Settings()
    except ValidationError:
        settings = load_settings(require_token=False)  # raises the one-line ConfigError
    has_text = Catalogs(settings.locales_dir, settings.tz).texts("sv", easy=False).has
    flows = load_flows(settings.conversations_dir, load_deployment(settings.deployment), has_text)
    if args.flow is not None and args.flow not in flows:
        raise UsageError(f"no flow {args.flow!r}; there are: {', '.join(sorted(flows))}")
    print("\n\n".join(mermaid(flows[f]) for f in ([args.flow] if args.flow else sorted(flows))))


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
    try_.add_argument(
        "--staff", metavar="UNIT", help="enrol the playground user as staff of this unit first"
    )
    try_.add_argument("--role", choices=("staff", "admin"), default="staff", help="with --staff")
    try_.add_argument(
        "--web-port", type=int, default=0, help="serve the web pages here (default: a free port)"
    )
    try_.set_defaults(fn=cmd_try)

    staff = sub.add_parser("staff", help="invite, list and remove staff").add_subparsers(
        dest="staff_command", required=True
    )
    invite = staff.add_parser("invite", help="print a one-time link that makes someone staff")
    invite.add_argument("--unit", required=True, help="the unit's id in the deployment file")
    invite.add_argument("--role", choices=("staff", "admin"), default="staff")
    invite.add_argument(
        "--bot-username", help="the bot's @username (otherwise asked of Telegram with the token)"
    )
    invite.set_defaults(fn=cmd_staff_invite)
    list_ = staff.add_parser("list", help="active staff: telegram id, unit, role, name, since")
    list_.add_argument("--unit", help="only this unit")
    list_.set_defaults(fn=cmd_staff_list)
    ident = staff.add_parser(
        "identity", help="link a staff member to their identity at the OpenID Connect provider"
    )
    ident.add_argument("telegram_id", type=int)
    ident.add_argument("value", help="their SIPBOT_OIDC_STAFF_CLAIM value (e.g. the HSA-id)")
    ident.set_defaults(fn=cmd_staff_identity)
    remove = staff.add_parser("remove", help="take away someone's staff access")
    remove.add_argument("telegram_id", type=int)
    remove.set_defaults(fn=cmd_staff_remove)

    audit = sub.add_parser("audit", help="the audit log of a request or of a staff member")
    which = audit.add_mutually_exclusive_group(required=True)
    which.add_argument("--request", metavar="SIP-XXXX-XXX", help="a request's reference")
    which.add_argument("--staff", metavar="TELEGRAM_ID", type=int, help="what one member did")
    audit.set_defaults(fn=cmd_audit)

    stats = sub.add_parser("stats", help="requests per unit and month, times, overdue share")
    stats.add_argument("--unit", help="only this unit")
    stats.add_argument("--csv", metavar="FILE", help="write CSV here instead (- for stdout)")
    stats.add_argument(
        "--lang", choices=("en", "sv"), default="en", help="the text's language (staff: sv)"
    )
    stats.set_defaults(fn=cmd_stats)

    sub.add_parser(
        "languages", help="each catalog and register: coverage, whether offered, review status"
    ).set_defaults(fn=cmd_languages)
    flow = sub.add_parser("flow", help="the conversations").add_subparsers(
        dest="flow_command", required=True
    )
    diagram = flow.add_parser("diagram", help="print a Mermaid diagram of a flow's steps")
    diagram.add_argument("flow", nargs="?", help="a flow id (default: every flow)")
    diagram.set_defaults(fn=cmd_flow_diagram)

    args = parser.parse_args(argv)
    try:
        args.fn(args)
    except (ConfigError, UsageError) as exc:
        print(f"sipbot: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    except KeyboardInterrupt:
        pass
