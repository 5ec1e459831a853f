"""The flow engine's Telegram side: render the current step, take answers, re-ask on bad input."""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from sipbot.bidi import ascii_digits
from sipbot.blank import is_blank
from sipbot.chat import callbacks
from sipbot.chat.persistence import persist_now
from sipbot.flows import engine, matching
from sipbot.flows.engine import State
from sipbot.flows.model import Flow, Step
from sipbot.flows.review import review_message
from sipbot.i18n import N_, Texts
from sipbot.render import answers as rendered
from sipbot.services import Services

log = logging.getLogger(__name__)

Context = ContextTypes.DEFAULT_TYPE
# Called with the flow's final answers when the person presses Send on the review.
Submit = Callable[[Update, Context, Flow, State, Texts], Awaitable[None]]
# Called when the person leaves a flow at a step that ends it (nothing is sent).
Stop = Callable[[Update, Context], Awaitable[None]]

FLOW_KEY = "flow"
# Swedish or international numbers, with the usual spaces and dashes.
PHONE = re.compile(r"\+?[0-9][0-9 \-]{5,18}[0-9]")


def _seconds(duration: timedelta | int) -> float:
    return duration.total_seconds() if isinstance(duration, timedelta) else duration


def current(context: Context) -> State | None:
    return (context.user_data or {}).get(FLOW_KEY)


class FlowRunner:
    def __init__(self, services: Services) -> None:
        self.s = services
        self.on_submit: dict[str, Submit] = {}
        # Extra text under the review, e.g. the consent sentence worded for the requester's role.
        self.review_footer: dict[str, Callable[[State, Texts], str]] = {}
        self.on_stop: Stop | None = None

    # -- options -------------------------------------------------------------------------

    def options(self, flow: Flow, step: Step, state: State, t: Texts) -> list[tuple[str, str]]:
        """(id, shown text) for a choice or multi step, in button order."""
        return rendered.options(self.s.deployment, flow, step, state["answers"], t)

    @staticmethod
    def title(flow: Flow, step: Step, answers: dict[str, Any], t: Texts) -> str:
        return rendered.title(flow, step, answers, t)

    def show_answer(self, flow: Flow, step: Step, state: State, t: Texts) -> str:
        return rendered.show_answer(self.s.deployment, flow, step, state["answers"], t)

    @staticmethod
    def _earlier_item(flow: Flow, step: Step, state: State) -> Any:
        return engine.earlier_item(step, state, engine.each_item(flow, step, state))

    _item_label = staticmethod(rendered.item_label)
    _text = staticmethod(rendered.text)

    # -- asking --------------------------------------------------------------------------

    async def start(self, update: Update, context: Context, flow_id: str) -> None:
        flow = self.s.flows[flow_id]
        state = engine.new_state(flow)
        context.user_data[FLOW_KEY] = state  # type: ignore[index]
        log.info("flow.start flow=%s version=%s", flow.id, flow.version)
        await self.ask(update, context)

    async def ask(self, update: Update, context: Context, note: str | None = None) -> None:
        """Send the current step as a new message; older buttons become stale.

        The position is stored first, then sent (with the note before it, if any); "shown"
        moves only once the question is out, so an answer is filed only under a question
        the person has seen.
        """
        state = current(context)
        if state is None:
            return
        flow = self._flow(state)
        step = flow.step(state["step"])
        engine.enter(step, state)
        while step.kind == "each" and engine.each_item(flow, step, state) is None:
            # Nothing (left) to ask about, e.g. no actors chosen: the step is answered.
            nxt = engine.answer(flow, state, engine.each_answer(flow, step, state))
            if nxt is None:
                await self._finish(update, context, flow, state, self.s.texts_for(update))
                return
            step = nxt
            engine.enter(step, state)
        state["ask"] += 1
        state["touched"] = self.s.clock().isoformat()
        state.setdefault("draft", engine.new_draft_key())  # drafts begun before there were keys
        t = self.s.texts_for(update)
        messages = self._messages(flow, step, state, t)
        if note is not None:
            messages.insert(0, (note, None))
        # Telegram numbers a chat's messages in order: a message from the person numbered
        # above `expect` came after all of these, so they reached the person (see _seen).
        known = max(state.get("last_id", 0), getattr(update.effective_message, "message_id", 0))
        state["expect"] = known + len(messages)
        # Not marked as seen yet: redelivered after a kill before the send, it is re-asked.
        await persist_now(update, context, seen=False)
        chat_id = update.effective_chat.id  # type: ignore[union-attr]
        try:
            for text, markup in messages:
                sent = await context.bot.send_message(chat_id, text, reply_markup=markup)
                state["last_id"] = max(state.get("last_id", 0), sent.message_id)
        except TelegramError:
            state["expect"] = None  # known not to have arrived (the flush stores that)
            raise
        # Stored at once, and the update is then done with, so marked as seen too.
        state["shown"] = state["ask"]
        await persist_now(update, context)

    def _messages(
        self, flow: Flow, step: Step, state: State, t: Texts
    ) -> list[tuple[str, InlineKeyboardMarkup | None]]:
        """The question as messages to send: the review may take several."""
        if step.kind != "review":
            return [(self._question(flow, step, state, t), self._keyboard(flow, step, state, t))]
        return [(self._review_text(flow, state, t), self._review_keyboard(flow, state, t))]

    def _seen(self, state: State, msg: Message) -> bool:
        """Has the person seen the current question before writing this message?

        Known when it was sent; when a send failed, no; after a kill mid-send, yes if the
        message came after everything the bot was sending (its number is higher).
        """
        if engine.delivered(state):
            return True
        expect = state.get("expect")
        if expect is None or msg.message_id <= expect:
            return False
        state["shown"] = state["ask"]
        return True

    async def _ask_again(self, update: Update, context: Context, t: Texts) -> None:
        """The current question never reached the person: say so and send it (again)."""
        log.info("flow.not_delivered step=%s", current(context)["step"])  # type: ignore[index]
        await self.ask(update, context, note=t("input.not_delivered"))

    def _flow(self, state: State) -> Flow:
        """The flow of a state, first carrying a draft from an older flow version over."""
        flow = self.s.flows[state["flow"]]
        if engine.upgrade_state(flow, state):
            log.info("flow.upgraded flow=%s version=%s", flow.id, flow.version)
        return flow

    def _question(self, flow: Flow, step: Step, state: State, t: Texts) -> str:
        if step.kind == "each":
            item = engine.each_item(flow, step, state) or ""
            ask = step.ask_by_option.get(item, step.ask)
            lines = [t(ask, item=self._item_label(item, t))]
            earlier = engine.earlier_item(step, state, item)
            if earlier is not None:  # editing: show what they said, with Keep
                lines.append(t("hint.current", answer=self._text(earlier, t)))
            kept = self._kept(state)
            if kept is not None:
                lines.append(t("hint.kept", length=len(kept), limit=step.max_length))
            return "\n\n".join([*lines, t("hint.text", limit=step.max_length)])
        ask, named = engine.wording(flow, state["answers"], step.ask, step.ask_on_behalf)
        lines = [t(ask, **named)]
        given = state["answers"].get(step.id)
        stale = engine.stale(flow, step, state["answers"])
        if step.kind in ("text", "choice") and given is not None and not stale:
            # Back here from later on, or from the review: show what they said before.
            lines.append(t("hint.current", answer=self.show_answer(flow, step, state, t)))
        kept = self._kept(state)
        if kept is not None:
            lines.append(t("hint.kept", length=len(kept), limit=step.max_length))
        if step.kind == "text":
            hint = N_("hint.text")
            if step.voice:
                hint = N_("hint.text_voice")
            lines.append(t(hint, limit=step.max_length))
        elif step.kind == "list":
            items = state.get("pending") or []
            if items:
                lines.append(t("hint.list_so_far"))
                lines += [f"• {self._text(v, t)}" for v in items]
            lines.append(t("hint.list", limit=step.max_length))
        elif step.kind == "multi":
            lines.append(t("hint.multi"))
        return "\n\n".join(lines)

    def _button(
        self, state: State, text: str, op: str, arg: str | int = ""
    ) -> InlineKeyboardButton:
        return InlineKeyboardButton(text, callback_data=f"F:{state['ask']}:{op}:{arg}")

    def _keyboard(
        self, flow: Flow, step: Step, state: State, t: Texts
    ) -> InlineKeyboardMarkup | None:
        rows: list[list[InlineKeyboardButton]] = []
        if step.kind == "info" and step.ends:
            # Nothing is sent from here: back to choose again, or leave for the menu.
            rows.append([self._button(state, t("button.choose_again"), "b")])
            rows.append([self._button(state, t("button.menu"), "n")])
            return InlineKeyboardMarkup(rows)
        if step.kind == "info":
            rows.append([self._button(state, t("button.next"), "n")])
        elif step.kind == "choice":
            rows += [
                [self._button(state, label, "c", i)]
                for i, (_, label) in enumerate(self.options(flow, step, state, t))
            ]
        elif step.kind == "multi":
            chosen = set(state.get("pending") or [])
            for i, (oid, label) in enumerate(self.options(flow, step, state, t)):
                mark = "✅ " if oid in chosen else "▫️ "
                rows.append([self._button(state, mark + label, "t", i)])
            rows.append([self._button(state, t("button.done"), "d")])
        elif step.kind == "list":
            rows.append([self._button(state, t("button.done"), "d")])
        if self._kept(state) is not None:
            rows.append([self._button(state, t("button.keep_long"), "l")])
        if step.kind == "text" and state["answers"].get(step.id) is not None:
            rows.append([self._button(state, t("button.keep"), "k")])
        answers = state["answers"]
        if (
            step.kind == "choice"
            and state.get("part")
            and answers.get(step.id)
            and not engine.stale(flow, step, answers)  # naming someone no longer invited
        ):
            rows.append([self._button(state, t("button.keep"), "k")])
        if step.kind == "each" and self._earlier_item(flow, step, state) is not None:
            rows.append([self._button(state, t("button.keep"), "k")])
        if (step.optional and step.kind not in ("multi", "list", "info")) or step.kind == "each":
            rows.append([self._button(state, t("button.skip"), "s")])
        if not state.get("review") and flow.steps[0].id != step.id:
            rows.append([self._button(state, t("button.back"), "b")])
        return InlineKeyboardMarkup(rows) if rows else None

    def answer_blocks(self, flow: Flow, given: dict[str, Any], t: Texts) -> list[str]:
        """Each answered step as its title and the answer, in flow order."""
        return rendered.answer_blocks(self.s.deployment, flow, given, t)

    def _review_text(self, flow: Flow, state: State, t: Texts) -> str:
        """One message: the answers under their parts' titles, Send and Edit below."""
        answers = state["answers"]
        titles = {p.id: t(p.title) for p in flow.parts}
        parts = [
            (
                titles.get(pid, ""),
                [
                    (self.title(flow, s, answers, t), self.show_answer(flow, s, state, t))
                    for s in steps
                ],
            )
            for pid, steps in engine.review_parts(flow, answers)
        ]
        footer = self.review_footer.get(flow.id)
        return review_message(
            t(flow.step(state["step"]).ask), parts, footer(state, t) if footer else None
        )

    def _review_keyboard(self, flow: Flow, state: State, t: Texts) -> InlineKeyboardMarkup:
        """Send first; then one Edit per part (per question in a flow without parts)."""
        answers = state["answers"]
        rows = [[self._button(state, t("button.send"), "send")]]
        shown = {pid for pid, _ in engine.review_parts(flow, answers)}
        if flow.parts:
            rows += [
                [self._button(state, t("button.edit", what=t(p.title)), "e", i)]
                for i, p in enumerate(flow.parts)
                if p.id in shown
            ]
        else:
            rows += [
                [self._button(state, t("button.edit", what=title), "e", i)]
                for i, step in enumerate(flow.steps)
                if step.title
                and engine.visible(step, answers)
                and step.id in answers
                and (title := self.title(flow, step, answers, t))
            ]
        return InlineKeyboardMarkup(rows)

    @staticmethod
    def _kept(state: State) -> str | None:
        """A text too long for the current step, kept in the draft (see engine)."""
        kept = state.get("kept")
        if kept and kept.get("step") == state["step"]:
            return str(kept["text"])
        return None

    # -- answering -----------------------------------------------------------------------

    async def on_callback(self, update: Update, context: Context) -> None:
        query = update.callback_query
        assert query is not None
        state = current(context)
        t = self.s.texts_for(update)
        fields = callbacks.parse(callbacks.FLOW, query.data) or {}
        op, arg = fields.get("op", ""), fields.get("arg", "")
        ask = callbacks.number(fields.get("ask"))
        fresh = state is not None and ask is not None and ask == state["ask"]
        if not fresh or state is None:
            await query.answer(t("input.old_button"))
            if state is not None and not engine.delivered(state):
                await self._ask_again(update, context, t)
            elif state is not None:
                await self.ask(update, context)
            return
        await query.answer()
        state["shown"] = state["ask"]  # its button was pressed, so the question was seen
        flow = self._flow(state)
        step = flow.step(state["step"])
        await self._apply(update, context, flow, step, state, op, arg, t)

    async def _apply(
        self,
        update: Update,
        context: Context,
        flow: Flow,
        step: Step,
        state: State,
        op: str,
        arg: str,
        t: Texts,
    ) -> None:
        options = self.options(flow, step, state, t) if step.kind in ("choice", "multi") else []
        index = callbacks.number(arg)  # the option or step a button stands for
        if op == "c" and step.kind == "choice" and index is not None and index < len(options):
            await self._answered(update, context, flow, state, options[index][0])
        elif op == "t" and step.kind == "multi" and index is not None and index < len(options):
            chosen: list[str] = state["pending"]
            oid = options[index][0]
            chosen.remove(oid) if oid in chosen else chosen.append(oid)
            await persist_now(update, context, seen=False)  # stored before it shows as ticked
            await update.callback_query.edit_message_reply_markup(  # type: ignore[union-attr]
                self._keyboard(flow, step, state, t)
            )
            if step.many_note and len(chosen) == step.many_note + 1 and step.many_note_text:
                await context.bot.send_message(update.effective_chat.id, t(step.many_note_text))  # type: ignore[union-attr]
        elif op == "d" and step.kind in ("multi", "list"):
            if not state["pending"] and not step.optional:
                await context.bot.send_message(update.effective_chat.id, t("input.choose_one"))  # type: ignore[union-attr]
                await self.ask(update, context)
                return
            await self._answered(update, context, flow, state, list(state["pending"]))
        elif op == "s" and step.kind == "each":
            await self._item_answered(update, context, flow, step, state, None)
        elif op == "s" and step.optional:
            await self._answered(update, context, flow, state, None)
        elif op == "n" and step.kind == "info" and step.ends:
            # Leaving where the flow stops: the draft goes, no request is made.
            context.user_data.pop(FLOW_KEY, None)  # type: ignore[union-attr]
            log.info("flow.stopped flow=%s step=%s", flow.id, step.id)
            if self.on_stop is not None:
                await self.on_stop(update, context)
        elif op == "n" and step.kind == "info":
            await self._answered(update, context, flow, state, True)
        elif op == "k" and step.kind in ("text", "choice") and state["answers"].get(step.id):
            await self._answered(update, context, flow, state, state["answers"][step.id])
        elif op == "l" and self._kept(state) is not None:
            # The person keeps their long text whole: taken as typed (staff see it in parts).
            await self._take_text(update, context, flow, step, state, self._kept(state), t)
        elif op == "k" and step.kind == "each" and self._earlier_item(flow, step, state):
            earlier = self._earlier_item(flow, step, state)
            await self._item_answered(update, context, flow, step, state, earlier)
        elif op == "b" and (not state.get("review") or step.ends) and engine.back(flow, state):
            log.info("flow.back flow=%s step=%s", flow.id, state["step"])
            await self.ask(update, context)
        elif op == "e" and step.kind == "review" and index is not None and flow.parts:
            if index < len(flow.parts) and engine.edit_part(flow, state, flow.parts[index].id):
                log.info("flow.edit_part flow=%s part=%s", flow.id, flow.parts[index].id)
            else:
                engine.advance(flow, state)  # nothing to edit there: the review again
            await self.ask(update, context)
        elif op == "e" and step.kind == "review" and index is not None and index < len(flow.steps):
            engine.edit(flow, state, flow.steps[index].id)
            await self.ask(update, context)
        elif op == "send" and step.kind == "review":
            await self._finish(update, context, flow, state, t)
        else:
            # Well-formed but not valid for this step: treat like an old button.
            await self.ask(update, context)

    async def _answered(
        self, update: Update, context: Context, flow: Flow, state: State, value: Any
    ) -> None:
        log.info("flow.answer flow=%s step=%s", flow.id, state["step"])
        nxt = engine.answer(flow, state, value)
        if nxt is None:
            await self._finish(update, context, flow, state, self.s.texts_for(update))
        else:
            await self.ask(update, context)

    async def _item_answered(
        self, update: Update, context: Context, flow: Flow, step: Step, state: State, value: Any
    ) -> None:
        log.info("flow.answer flow=%s step=%s item", flow.id, step.id)
        if engine.answer_item(flow, step, state, value) is None:
            await self._finish(update, context, flow, state, self.s.texts_for(update))
        else:
            await self.ask(update, context)

    async def _finish(
        self, update: Update, context: Context, flow: Flow, state: State, t: Texts
    ) -> None:
        submit = self.on_submit.get(flow.id)
        if submit is not None:
            await submit(update, context, flow, state, t)
        context.user_data.pop(FLOW_KEY, None)  # type: ignore[union-attr]
        log.info("flow.done flow=%s version=%s", flow.id, flow.version)

    async def on_message(self, update: Update, context: Context) -> None:
        """Any message while a flow runs: an answer if it fits the step, else a short reason."""
        state = current(context)
        msg = update.effective_message
        assert state is not None and msg is not None
        flow = self._flow(state)
        step = flow.step(state["step"])
        t = self.s.texts_for(update)
        if not self._seen(state, msg):
            # Whatever this is (often the last answer typed again), it is not filed under
            # the question now current: the person never saw that one.
            await self._ask_again(update, context, t)
            return
        typed = msg.text is not None and not msg.text.startswith("/")
        choosy = typed and step.kind in ("choice", "multi")
        text = msg.text or ""
        if choosy and await self._typed_option(update, context, flow, step, state, text, t):
            return
        long_text = typed and len((msg.text or "").strip()) > step.max_length
        if long_text and step.kind in ("text", "list", "each") and step.format is None:
            await self._too_long(update, context, step, state, (msg.text or "").strip(), t)
            return
        problem = self._problem(step, msg, state)
        if problem:
            limits = {
                "limit": step.max_length,
                "length": len(msg.text or ""),
                "items": step.max_items,
            }
            await msg.reply_text(t(problem, **limits))
            await self.ask(update, context)
            return
        value: Any
        if msg.text is not None:
            value = msg.text.strip()
            if step.format == "phone":  # "٠٧٠١٢٣٤٥٦٧" is stored as staff dial it: 0701234567
                value = ascii_digits(value)
        else:  # a voice message, kept for staff to listen to
            voice = msg.voice
            assert voice is not None
            seconds = int(_seconds(voice.duration))
            value = {"voice": voice.file_id, "duration": seconds}
        await self._take_text(update, context, flow, step, state, value, t)

    async def _take_text(
        self,
        update: Update,
        context: Context,
        flow: Flow,
        step: Step,
        state: State,
        value: Any,
        t: Texts,
    ) -> None:
        """A typed (or spoken) answer to a text, list or each step."""
        state["kept"] = None
        if step.kind == "each":
            await self._item_answered(update, context, flow, step, state, value)
            return
        if step.kind == "list":
            state["pending"].append(value)
            await self.ask(update, context, note=t("input.added"))  # stored before "Saved"
            return
        await self._answered(update, context, flow, state, value)

    async def _typed_option(
        self,
        update: Update,
        context: Context,
        flow: Flow,
        step: Step,
        state: State,
        text: str,
        t: Texts,
    ) -> bool:
        """Typed what a button says: taken as that button. False if it names none clearly."""
        options = self.options(flow, step, state, t)
        if step.kind == "choice":
            oid = matching.match_option(text, options)
            if oid is None:
                return False
            log.info("flow.typed_option flow=%s step=%s", flow.id, step.id)
            await self._answered(update, context, flow, state, oid)
            return True
        found = matching.match_options(text, options)
        if found is None:
            return False
        chosen: list[str] = state["pending"]
        chosen += [oid for oid in found if oid not in chosen]
        log.info("flow.typed_option flow=%s step=%s", flow.id, step.id)
        names = dict(options)
        await self.ask(
            update, context, note=t("input.typed_chosen", what=", ".join(names[o] for o in found))
        )
        return True

    async def _too_long(
        self, update: Update, context: Context, step: Step, state: State, text: str, t: Texts
    ) -> None:
        """Not lost: kept in the draft, the person asked to shorten it or keep it whole."""
        state["kept"] = {"step": step.id, "text": text}
        log.info("flow.too_long_kept step=%s", step.id)
        await self.ask(
            update, context, note=t("input.too_long_kept", length=len(text), limit=step.max_length)
        )

    @staticmethod
    def _problem(step: Step, msg: Message, state: State) -> str | None:
        """The catalog id of what is wrong with this message for this step, or None."""
        takes_text = step.kind in ("text", "list", "each")
        if msg.text is not None:
            if msg.text.startswith("/"):
                return N_("input.unknown_command")
            if not takes_text:
                return N_("input.use_buttons")
            if is_blank(msg.text):
                return N_("input.empty")
            if len(msg.text.strip()) > step.max_length:
                return N_("input.too_long")
            if step.kind == "list" and len(state["pending"]) >= step.max_items:
                return N_("input.list_full")
            if step.format == "phone" and not PHONE.fullmatch(ascii_digits(msg.text.strip())):
                return N_("input.bad_phone")
            return None
        if msg.voice is not None and takes_text and step.voice:
            return None
        if not takes_text:
            return N_("input.use_buttons")
        if step.voice:
            return N_("input.text_only_voice")
        return N_("input.text_only")
