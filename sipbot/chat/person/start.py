"""The person's way in: /start, language and register, the menu, /help, /cancel, odd input."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from telegram import Update
from telegram.ext import ContextTypes

from sipbot.chat.keyboards import kb as _kb
from sipbot.chat.person.about import AboutPages
from sipbot.chat.person.consent_link import ConsentLinks
from sipbot.chat.person.flow import FLOW_KEY, FlowRunner, current
from sipbot.chat.person.languages import language_rows
from sipbot.chat.person.my_requests import MyRequests
from sipbot.chat.person.privacy import Privacy
from sipbot.consent import PAYLOAD_PREFIX
from sipbot.flows.matching import match_option
from sipbot.i18n import N_, Texts
from sipbot.people import is_known, save_preferences
from sipbot.services import Services

log = logging.getLogger(__name__)
Context = ContextTypes.DEFAULT_TYPE
REQUEST_FLOW = "sip_request"
CHOOSING_KEY = "choosing_register"  # language chosen, register not yet
WELCOME_KEY = "welcome"  # new here: welcomed once the register is chosen, in that register
LINK_KEY = "consent_link"  # came through a consent link: its questions once words are chosen
LINK_ONLY_KEY = "link_only"  # came new, only for the link: not pushed into asking for a SIP
# The menu's buttons (choice, label): also what a person may type instead of pressing one.
MENU_BUTTONS = (
    ("about", N_("menu.about")),
    ("ask", N_("menu.ask")),
    ("requests", N_("menu.requests")),
    ("privacy", N_("menu.privacy")),
    ("help", N_("menu.help")),
    ("language", N_("menu.language")),
)


class CitizenStart:
    def __init__(
        self,
        services: Services,
        runner: FlowRunner,
        about: AboutPages,
        my_requests: MyRequests,
        privacy: Privacy,
        links: ConsentLinks,
        payloads: dict[str, Callable[[Update, Context, str], Awaitable[None]]],
    ) -> None:
        self.s = services
        self.runner = runner
        self.about = about
        self.my_requests = my_requests
        self.privacy = privacy
        self.links = links
        self.payloads = payloads  # /start <prefix><token>: e.g. a staff invite
        runner.on_stop = self.menu  # left a flow where it ends (nothing sent): the menu

    async def _send(self, update: Update, context: Context, text: str, **kw: object) -> None:
        await context.bot.send_message(update.effective_chat.id, text, **kw)  # type: ignore[union-attr,arg-type]

    async def _resume(self, update: Update, context: Context) -> bool:
        """Re-ask the current flow question if a flow runs; True if it did."""
        if current(context) is None:
            return False
        await self.runner.ask(update, context)
        return True

    # -- /start and the menu ---------------------------------------------------------------

    async def start(self, update: Update, context: Context) -> None:
        user = update.effective_user
        assert user is not None
        t = self.s.texts_for(update)
        payload = context.args[0] if context.args else ""
        if payload.startswith(PAYLOAD_PREFIX):
            token = payload.removeprefix(PAYLOAD_PREFIX)
            if not is_known(self.s.engine, user.id):
                # The person a request is about, new here: their own language and register
                # first, then the link's questions in them.
                context.user_data[LINK_KEY] = token  # type: ignore[index]
                context.user_data[LINK_ONLY_KEY] = True  # type: ignore[index]
                await self.ask_language(update, context)
                return
            await self.links.open(update, context, token)
            return
        for prefix, handle in self.payloads.items():
            if payload.startswith(prefix):
                await handle(update, context, payload.removeprefix(prefix))
                return
        if not is_known(self.s.engine, user.id):
            # The welcome waits for the register, so an easy-to-read reader gets it easy.
            context.user_data[WELCOME_KEY] = True  # type: ignore[index]
            context.user_data.pop(LINK_KEY, None)  # type: ignore[union-attr]
            await self.ask_language(update, context)
            return
        if current(context) is not None:
            await self._send(
                update,
                context,
                t("draft.found"),
                reply_markup=_kb(
                    [(t("draft.continue"), "D:continue")], [(t("draft.restart"), "D:restart")]
                ),
            )
            return
        await self.menu(update, context)

    async def menu(self, update: Update, context: Context) -> None:
        t = self.s.texts_for(update)
        await self._send(
            update,
            context,
            t("menu.text"),
            reply_markup=_kb(
                [(t("menu.about"), "M:about")],
                [(t("menu.ask"), "M:ask")],
                [(t("menu.requests"), "M:requests")],
                [(t("menu.privacy"), "M:privacy")],
                [(t("menu.help"), "M:help"), (t("menu.language"), "M:language")],
            ),
        )

    async def on_menu(self, update: Update, context: Context) -> None:
        query = update.callback_query
        assert query is not None
        await query.answer()
        await self._menu_choice(update, context, (query.data or "").removeprefix("M:"))

    async def _menu_choice(self, update: Update, context: Context, choice: str) -> None:
        if choice == "ask":
            if current(context) is not None:
                await self.runner.ask(update, context)
            else:
                await self.runner.start(update, context, REQUEST_FLOW)
        elif choice == "about":
            await self.about.show(update, context)
        elif choice == "requests":
            await self.my_requests.show_list(update, context)
        elif choice == "privacy":
            await self.privacy.show(update, context)
        elif choice == "help":
            await self.help(update, context)
        elif choice == "language":
            await self.ask_language(update, context)
        else:
            await self.menu(update, context)

    async def on_draft(self, update: Update, context: Context) -> None:
        query = update.callback_query
        assert query is not None
        await query.answer()
        if query.data == "D:restart":
            context.user_data.pop(FLOW_KEY, None)  # type: ignore[union-attr]
            await self.runner.start(update, context, REQUEST_FLOW)
        elif not await self._resume(update, context):
            await self.menu(update, context)

    async def on_consent_answer(self, update: Update, context: Context) -> None:
        if not await self.links.on_answer(update, context):
            return
        # Someone new who came only for the link is not pushed into asking for a SIP.
        if not context.user_data.pop(LINK_ONLY_KEY, None):  # type: ignore[union-attr]
            await self.menu(update, context)

    # -- language and register -------------------------------------------------------------

    async def ask_language(self, update: Update, context: Context) -> None:
        t = self.s.texts_for(update)
        user = update.effective_user
        await self._send(
            update,
            context,
            t("language.ask"),
            reply_markup=_kb(*language_rows(self.s.catalogs, user and user.language_code)),
        )

    async def on_language(self, update: Update, context: Context) -> None:
        query = update.callback_query
        assert query is not None and update.effective_user is not None
        lang = (query.data or "").removeprefix("L:")
        if lang not in self.s.catalogs.offered:
            await query.answer()
            return
        save_preferences(self.s.engine, update.effective_user.id, self.s.clock, language=lang)
        self.s.preferences_changed(update.effective_user.id)
        await query.answer()
        context.user_data[CHOOSING_KEY] = True  # type: ignore[index]
        await self._ask_register(update, context)

    async def _ask_register(self, update: Update, context: Context) -> None:
        t = self.s.texts_for(update)
        await self._send(
            update,
            context,
            t("register.ask"),
            reply_markup=_kb([(t("register.plain"), "R:plain")], [(t("register.easy"), "R:easy")]),
        )

    async def on_register(self, update: Update, context: Context) -> None:
        query = update.callback_query
        assert query is not None and update.effective_user is not None
        register = (query.data or "").removeprefix("R:")
        await query.answer()
        if register not in ("plain", "easy"):
            return
        context.user_data.pop(CHOOSING_KEY, None)  # type: ignore[union-attr]
        save_preferences(
            self.s.engine, update.effective_user.id, self.s.clock, easy=register == "easy"
        )
        self.s.preferences_changed(update.effective_user.id)
        t = self.s.texts_for(update)
        token = context.user_data.pop(LINK_KEY, None)  # type: ignore[union-attr]
        if token is not None:
            await self.links.open(update, context, token)
            return
        if context.user_data.pop(WELCOME_KEY, None):  # type: ignore[union-attr]
            await self._send(update, context, t("start.welcome"))
        await self._send(update, context, t("register.saved"))
        if not await self._resume(update, context):
            await self.menu(update, context)

    # -- global commands -------------------------------------------------------------------

    async def help(self, update: Update, context: Context) -> None:
        t = self.s.texts_for(update)
        key = N_("help.text")
        if current(context) is not None:
            key = N_("help.in_flow")
        await self._send(update, context, t(key))
        if not await self._resume(update, context):
            await self.menu(update, context)

    async def cancel(self, update: Update, context: Context) -> None:
        t = self.s.texts_for(update)
        if current(context) is None:
            await self._send(update, context, t("cancel.nothing"))
            await self.menu(update, context)
            return
        await self._send(
            update,
            context,
            t("cancel.ask"),
            reply_markup=_kb([(t("cancel.yes"), "X:yes")], [(t("cancel.no"), "X:no")]),
        )

    async def on_cancel(self, update: Update, context: Context) -> None:
        query = update.callback_query
        assert query is not None
        await query.answer()
        t = self.s.texts_for(update)
        if query.data == "X:yes" and current(context) is not None:
            context.user_data.pop(FLOW_KEY, None)  # type: ignore[union-attr]
            log.info("flow.cancelled")
            await self._send(update, context, t("cancel.done"))
            await self.menu(update, context)
        elif not await self._resume(update, context):
            await self.menu(update, context)

    # -- anything else ---------------------------------------------------------------------

    async def on_other_message(self, update: Update, context: Context) -> None:
        """Outside a flow: say what we can do, then show the menu."""
        if current(context) is not None:
            await self.runner.on_message(update, context)
            return
        t = self.s.texts_for(update)
        msg = update.effective_message
        if (context.user_data or {}).get(CHOOSING_KEY):
            # Typed instead of choosing plain or easy: ask that again, not the menu.
            await self._send(update, context, t("input.use_buttons"))
            await self._ask_register(update, context)
            return
        unknown_command = bool(msg and msg.text and msg.text.startswith("/"))
        if msg and msg.text and not unknown_command:
            # Typed what a menu button says ("hjälp"): as if it was pressed.
            choice = match_option(msg.text, [(c, t(label)) for c, label in MENU_BUTTONS])
            if choice is not None:
                log.info("menu.typed choice=%s", choice)
                await self._menu_choice(update, context, choice)
                return
        key = N_("input.menu_only")
        if unknown_command:
            key = N_("input.unknown_command")
        await self._send(update, context, t(key))
        await self.menu(update, context)

    async def on_other_callback(self, update: Update, context: Context) -> None:
        query = update.callback_query
        assert query is not None
        t: Texts = self.s.texts_for(update)
        await query.answer(t("input.old_button"))
        if not await self._resume(update, context):
            await self.menu(update, context)
