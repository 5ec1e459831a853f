"""Wiring: the PTB Application with sipbot's handlers, persistence and commands."""

from __future__ import annotations

import logging

from telegram import BotCommand, BotCommandScopeDefault, Update
from telegram.ext import (
    Application,
    ApplicationBuilder,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)

from sipbot.citizen.about import AboutPages
from sipbot.citizen.consent_link import ConsentLinks
from sipbot.citizen.drafts import SWEEP_EVERY, DraftKeeper
from sipbot.citizen.meeting_notice import NoticeAnswers
from sipbot.citizen.my_requests import MyRequests
from sipbot.citizen.privacy import Privacy
from sipbot.citizen.replies import PersonReplies
from sipbot.citizen.start import REQUEST_FLOW, CitizenStart
from sipbot.citizen.submit import RequestSubmit
from sipbot.concurrency import PerChatProcessor
from sipbot.db.persistence import LAST_UPDATE_KEY, DatabasePersistence, persist_now
from sipbot.flows.handlers import FlowRunner
from sipbot.i18n import N_
from sipbot.outbox import SWEEP_EVERY as OUTBOX_EVERY
from sipbot.outbox import OutboxSender
from sipbot.ratelimit import WindowRateLimiter
from sipbot.reminders.sender import SWEEP_EVERY as REMIND_EVERY
from sipbot.reminders.sender import ReminderSender
from sipbot.services import Services
from sipbot.staff.escalation import ESCALATE_EVERY, Escalator
from sipbot.staff.handlers import StaffBot
from sipbot.staff.members import INVITE_PREFIX
from sipbot.staff.team import Team

log = logging.getLogger(__name__)
COMMANDS = {
    "start": N_("command.start"),
    "help": N_("command.help"),
    "language": N_("command.language"),
    "cancel": N_("command.cancel"),
}


def build_application(services: Services, *, rate_limit: bool = True) -> Application:  # type: ignore[type-arg]
    api = services.settings.telegram_api_url
    outbox = OutboxSender(services)
    builder = (
        ApplicationBuilder()
        .token(services.settings.telegram_token)
        .base_url(f"{api}/bot")
        .base_file_url(f"{api}/file/bot")
        .persistence(DatabasePersistence(services.engine, services.clock))
        .post_init(_register_commands(services, outbox))
        .concurrent_updates(PerChatProcessor())
    )
    if rate_limit:
        builder = builder.rate_limiter(
            WindowRateLimiter(services.settings.send_rate, max_retries=3)
        )
    app = builder.build()

    runner = FlowRunner(services)
    links = ConsentLinks(services)
    submit = RequestSubmit(services, links)
    runner.on_submit[REQUEST_FLOW] = submit.submit
    runner.review_footer[REQUEST_FLOW] = submit.consent_sentence
    about = AboutPages(services)
    my_requests = MyRequests(services, runner)
    privacy = Privacy(services)
    staff = StaffBot(services, runner)
    team = Team(services)
    replies = PersonReplies(services)
    start = CitizenStart(
        services, runner, about, my_requests, privacy, links, {INVITE_PREFIX: staff.enrol}
    )
    jobs = app.job_queue
    assert jobs is not None
    jobs.run_repeating(DraftKeeper(services).job, interval=SWEEP_EVERY, first=60, name="drafts")
    jobs.run_repeating(Escalator(services).job, interval=ESCALATE_EVERY, first=30, name="overdue")
    # Reminders are rows; this sweep sends what is due, first thing after a start too.
    jobs.run_repeating(
        ReminderSender(services).job, interval=REMIND_EVERY, first=1, name="reminders"
    )
    # Messages that must arrive are outbox rows: each commit that queues one wakes this
    # sweep; the timed run is the safety net.
    jobs.run_repeating(outbox.job, interval=OUTBOX_EVERY, first=1, name="outbox")
    notices = NoticeAnswers(services)

    async def typed_input(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Text a staff action or a reply to staff waits for comes before everything else."""
        if await staff.take_input(update, context) or await replies.take(update, context):
            await persist_now(update, context)
            raise ApplicationHandlerStop

    private = filters.ChatType.PRIVATE
    app.add_handler(TypeHandler(Update, _skip_seen), group=-10)
    app.add_handler(MessageHandler(private & ~filters.StatusUpdate.ALL, typed_input), group=-5)
    app.add_handlers(
        [
            CommandHandler("start", start.start, filters=private),
            # Swedish spellings too (Telegram commands take a-z only: hjalp, not hjälp).
            CommandHandler(["help", "hjalp"], start.help, filters=private),
            CommandHandler(["cancel", "avbryt"], start.cancel, filters=private),
            CommandHandler(["language", "sprak"], start.ask_language, filters=private),
            CommandHandler(["menu", "meny"], start.menu, filters=private),
            CommandHandler("queue", staff.queue_command, filters=private),
            CommandHandler("staff", team.command, filters=private),
            CommandHandler("stats", team.stats, filters=private),
            CallbackQueryHandler(team.on_button, pattern=r"^G:"),
            CallbackQueryHandler(staff.cancel_input, pattern=r"^S:x:"),
            CallbackQueryHandler(staff.on_callback, pattern=r"^S:"),
            CallbackQueryHandler(replies.on_reply_button, pattern=r"^Y:"),
            CallbackQueryHandler(notices.on_button, pattern=r"^N:"),
            CallbackQueryHandler(start.on_language, pattern=r"^L:"),
            CallbackQueryHandler(start.on_register, pattern=r"^R:"),
            CallbackQueryHandler(start.on_menu, pattern=r"^M:"),
            CallbackQueryHandler(start.on_draft, pattern=r"^D:"),
            CallbackQueryHandler(start.on_cancel, pattern=r"^X:"),
            CallbackQueryHandler(about.on_page, pattern=r"^A:"),
            CallbackQueryHandler(my_requests.on_button, pattern=r"^Q:"),
            CallbackQueryHandler(privacy.on_button, pattern=r"^P:"),
            CallbackQueryHandler(start.on_consent_answer, pattern=r"^K:"),
            CallbackQueryHandler(runner.on_callback, pattern=r"^F:"),
            MessageHandler(private & ~filters.StatusUpdate.ALL, start.on_other_message),
            CallbackQueryHandler(start.on_other_callback),
        ]
    )
    # Write conversation state and answers after every update, not on PTB's timed flush,
    # so a hard kill loses nothing the person already sent.
    app.add_handler(TypeHandler(Update, _flush), group=1)
    app.add_error_handler(_on_error)
    return app


async def _skip_seen(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Drop an update this user already had processed.

    After a hard kill Telegram hands out again the updates the bot had not yet confirmed;
    the last one processed is stored with the answers, so it is not applied twice.
    """
    seen = (context.user_data or {}).get(LAST_UPDATE_KEY)
    if seen is not None and update.update_id <= seen:
        log.info("update.skipped_seen update_id=%s", update.update_id)
        raise ApplicationHandlerStop


async def _flush(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await persist_now(update, context)


async def _on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    # The exception only: update contents may carry the person's words.
    log.error("handler.error kind=%s", type(context.error).__name__, exc_info=context.error)


def _register_commands(services: Services, outbox: OutboxSender):  # type: ignore[no-untyped-def]
    async def post_init(app: Application) -> None:  # type: ignore[type-arg]
        outbox.attach(app.bot)
        for lang in ("sv", "en"):
            t = services.catalogs.texts(lang, easy=False)
            commands = [BotCommand(c, t(text)) for c, text in COMMANDS.items()]
            await app.bot.set_my_commands(commands, BotCommandScopeDefault(), language_code=lang)
            if lang == "sv":  # users whose Telegram is in neither language
                await app.bot.set_my_commands(commands, BotCommandScopeDefault())

    return post_init
