"""Wiring: the PTB Application with sipbot's handlers, persistence and commands."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from contextlib import suppress

from sqlalchemy.exc import SQLAlchemyError
from telegram import BotCommand, BotCommandScopeDefault, Message, Update
from telegram.constants import ChatType
from telegram.error import TelegramError
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

from sipbot.chat import callbacks
from sipbot.chat.concurrency import PerChatProcessor
from sipbot.chat.outbox_sender import SWEEP_EVERY as OUTBOX_EVERY
from sipbot.chat.outbox_sender import OutboxSender
from sipbot.chat.persistence import DatabasePersistence, persist_now
from sipbot.chat.person.about import AboutPages
from sipbot.chat.person.consent_link import ConsentLinks
from sipbot.chat.person.drafts import SWEEP_EVERY, DraftKeeper
from sipbot.chat.person.flow import FlowRunner
from sipbot.chat.person.my_requests import MyRequests
from sipbot.chat.person.notice_answers import NoticeAnswers
from sipbot.chat.person.privacy import Privacy
from sipbot.chat.person.replies import PersonReplies
from sipbot.chat.person.start import REQUEST_FLOW, CitizenStart
from sipbot.chat.person.submit import RequestSubmit
from sipbot.chat.ratelimit import WindowRateLimiter
from sipbot.chat.reminders import SWEEP_EVERY as REMIND_EVERY
from sipbot.chat.reminders import ReminderSender
from sipbot.chat.staff.escalation import ESCALATE_EVERY, Escalator
from sipbot.chat.staff.handlers import StaffBot
from sipbot.chat.staff.team import Team
from sipbot.chat.updates import SipBot, seen
from sipbot.i18n import N_
from sipbot.mail_sender import SWEEP_EVERY as MAIL_EVERY
from sipbot.mail_sender import MailSender
from sipbot.services import Services
from sipbot.staff.members import INVITE_PREFIX

log = logging.getLogger(__name__)
Callback = Callable[[Update, ContextTypes.DEFAULT_TYPE], Awaitable[None]]
COMMANDS = {
    "start": N_("command.start"),
    "help": N_("command.help"),
    "language": N_("command.language"),
    "cancel": N_("command.cancel"),
}


def build_application(
    services: Services, *, rate_limit: bool = True, limiter: WindowRateLimiter | None = None
) -> Application:  # type: ignore[type-arg]
    """``limiter``: one of the caller's (a test's, on its own clock) in place of the default."""
    if limiter is None and rate_limit:
        limiter = WindowRateLimiter(services.settings.send_rate, max_retries=3)
    bot = SipBot(
        services.settings.telegram_token, services.settings.telegram_api_url, rate_limiter=limiter
    )
    outbox = OutboxSender(services)
    mail = MailSender(services)  # a missing SMTP password stops the start here, in one line
    app = (
        ApplicationBuilder()
        .bot(bot)
        .persistence(DatabasePersistence(services.engine, services.clock))
        .post_init(_register_commands(services, outbox, mail))
        .concurrent_updates(PerChatProcessor())
        .build()
    )

    runner = FlowRunner(services)
    links = ConsentLinks(services)
    submit = RequestSubmit(services, links)
    runner.on_submit[REQUEST_FLOW] = submit.submit
    runner.review_footer[REQUEST_FLOW] = submit.consent_sentence
    about = AboutPages(services)
    my_requests = MyRequests(services, runner)
    privacy = Privacy(services)
    staff = StaffBot(services)
    team = Team(services)
    replies = PersonReplies(services)
    start = CitizenStart(
        services, runner, about, my_requests, privacy, links, {INVITE_PREFIX: staff.enrol}
    )
    app.bot_data["mail"] = mail  # bot_data is not persisted; tests run its sweep by hand
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
    if services.deployment.mail is not None:  # the kallelse to organisations, by e-mail
        jobs.run_repeating(mail.job, interval=MAIL_EVERY, first=1, name="mail")
    notices = NoticeAnswers(services)

    async def typed_input(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Text a staff action or a reply to staff waits for comes before everything else."""
        if await staff.take_input(update, context) or await replies.take(update, context):
            await persist_now(update, context)
            raise ApplicationHandlerStop

    async def private_only(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """The person's buttons act only in their private chat; elsewhere they do nothing."""
        chat = update.effective_chat
        if chat is not None and chat.type == ChatType.PRIVATE:
            return
        log.info("callback.not_private")
        t = services.texts_for(update)
        await update.callback_query.answer(t("input.private_only"))  # type: ignore[union-attr]
        raise ApplicationHandlerStop

    private = filters.ChatType.PRIVATE
    app.add_handler(TypeHandler(Update, _skip_seen), group=-10)
    app.add_handler(CallbackQueryHandler(_stray_button(start.on_other_callback)), group=-9)
    # Outside a private chat only staff cards (S:) have buttons; anything else pressed there
    # is the person's, or an admin's, and does nothing but say so.
    app.add_handler(CallbackQueryHandler(private_only, pattern=r"^(?!S:)"), group=-6)
    app.add_handler(MessageHandler(private & ~filters.StatusUpdate.ALL, typed_input), group=-5)
    # Each button family by its whole grammar (sipbot/chat/callbacks.py); anything else, old or
    # forged, goes to the last handler.
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
            CallbackQueryHandler(team.on_button, pattern=callbacks.TEAM),
            CallbackQueryHandler(staff.cancel_input, pattern=callbacks.STAFF_CANCEL),
            # One handler per staff button; then any other S: data (forged, old), refused
            # and recorded as an attempt.
            *staff.callback_handlers(),
            CallbackQueryHandler(replies.on_reply_button, pattern=callbacks.REPLY),
            CallbackQueryHandler(notices.on_button, pattern=callbacks.NOTICE),
            CallbackQueryHandler(start.on_language, pattern=callbacks.LANGUAGE),
            CallbackQueryHandler(start.on_register, pattern=callbacks.REGISTER),
            CallbackQueryHandler(start.on_menu, pattern=callbacks.MENU),
            CallbackQueryHandler(start.on_draft, pattern=callbacks.DRAFT),
            CallbackQueryHandler(start.on_cancel, pattern=callbacks.CANCEL),
            CallbackQueryHandler(about.on_page, pattern=callbacks.ABOUT),
            # Any Q: data: the handler parses it and shows the list for anything else.
            CallbackQueryHandler(my_requests.on_button, pattern=r"^Q:"),
            CallbackQueryHandler(privacy.on_button, pattern=callbacks.PRIVACY),
            CallbackQueryHandler(start.on_consent_answer, pattern=callbacks.CONSENT),
            CallbackQueryHandler(runner.on_callback, pattern=callbacks.FLOW),
            MessageHandler(private & ~filters.StatusUpdate.ALL, start.on_other_message),
            CallbackQueryHandler(start.on_other_callback),
        ]
    )
    # Write conversation state and answers after every update, not on PTB's timed flush,
    # so a hard kill loses nothing the person already sent.
    app.add_handler(TypeHandler(Update, _flush), group=1)
    # Last, after errors too: no button keeps spinning.
    app.add_handler(CallbackQueryHandler(_answer_unanswered), group=2)
    app.add_error_handler(_on_error(services))
    return app


async def _skip_seen(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Drop an update this user already had processed.

    After a hard kill Telegram hands out again the updates the bot had not yet confirmed;
    the ones processed are stored with the answers, so they are not applied twice.
    """
    if seen(context.user_data, update):
        log.info("update.skipped_seen update_id=%s", update.update_id)
        raise ApplicationHandlerStop


def _stray_button(old_button: Callback) -> Callback:
    """A button no handler can act on: answered, and nothing more.

    Inline-mode buttons have no message nor chat; a message the bot can no longer read cannot
    be edited (in a private chat: an old button); in groups only staff cards have buttons.
    """

    async def gate(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query, chat = update.callback_query, update.effective_chat
        assert query is not None
        private = chat is not None and chat.type == ChatType.PRIVATE
        readable = isinstance(query.message, Message)
        if private and not readable:
            await old_button(update, context)
        elif not private and not readable:
            await query.answer()
        else:
            return
        log.info("callback.stray update_id=%s", update.update_id)
        raise ApplicationHandlerStop

    return gate


async def _answer_unanswered(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None
    if isinstance(context.bot, SipBot) and context.bot.answered(query.id):
        return
    log.info("callback.unanswered update_id=%s", update.update_id)
    try:
        await query.answer()
    except TelegramError as exc:  # too old by now: nothing more to do for it
        log.warning("callback.answer_failed kind=%s", type(exc).__name__)


async def _flush(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await persist_now(update, context)


def _on_error(services: Services):  # type: ignore[no-untyped-def]
    async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        # The exception only: update contents may carry the person's words.
        log.error("handler.error kind=%s", type(context.error).__name__, exc_info=context.error)
        if isinstance(context.error, SQLAlchemyError) and isinstance(update, Update):
            await _not_stored(services, update, context)
            # Nothing more for this update: the flush would write what was just put back.
            raise ApplicationHandlerStop

    return on_error


async def _not_stored(
    services: Services, update: Update, context: ContextTypes.DEFAULT_TYPE
) -> None:
    """The database failed mid-update: memory goes back to what is stored, the person is told.

    Then the person's next try is applied to the same question as this one.
    """
    persistence = context.application.persistence
    user = update.effective_user
    if user is not None and isinstance(persistence, DatabasePersistence):
        persistence.restore_user_data(user.id, context.application.user_data[user.id])
    t = services.texts_known(update)
    chat = update.effective_chat
    try:
        if update.callback_query is not None:
            # Often answered already, before the database was asked; then only the message.
            with suppress(TelegramError):
                await update.callback_query.answer(t("error.not_stored"), show_alert=True)
        if chat is not None and chat.type == "private":
            await context.bot.send_message(chat.id, t("error.not_stored"))
    except TelegramError as exc:
        log.warning("error.not_stored_unsent kind=%s", type(exc).__name__)


def _register_commands(services: Services, outbox: OutboxSender, mail: MailSender):  # type: ignore[no-untyped-def]
    async def post_init(app: Application) -> None:  # type: ignore[type-arg]
        outbox.attach(app.bot)
        mail.attach()
        for lang in dict.fromkeys(("sv", *services.catalogs.offered)):
            t = services.catalogs.texts(lang, easy=False)
            commands = [BotCommand(c, t(text)) for c, text in COMMANDS.items()]
            if lang == "sv":  # users whose Telegram is in no offered language
                await app.bot.set_my_commands(commands, BotCommandScopeDefault())
            if len(lang) == 2:  # Telegram takes ISO 639-1 codes only; others get the default
                await app.bot.set_my_commands(
                    commands, BotCommandScopeDefault(), language_code=lang
                )

    return post_init
