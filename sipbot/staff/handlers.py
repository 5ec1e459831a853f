"""The staff side in Telegram: enrolment, the queue, the request card and its actions.

Every callback is checked again on the server: is the presser active staff, of the request's
unit, and may they do this now (sipbot.staff.work)? A button copied from another chat or
forged data gets the same short "not available" and reveals nothing.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from sqlmodel import Session
from telegram import BotCommand, BotCommandScopeChat, InputFile, Update
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from sipbot import callbacks
from sipbot.blank import is_blank
from sipbot.citizen.meeting_notice import send_notice
from sipbot.db.engine import session_scope
from sipbot.db.models import SipRequest, StaffMember
from sipbot.documents.request_doc import request_json, request_pdf
from sipbot.flows.handlers import FlowRunner, split_messages
from sipbot.i18n import N_, Texts
from sipbot.keyboards import kb
from sipbot.services import Services
from sipbot.staff import card as cards
from sipbot.staff import members, queue, work
from sipbot.staff.audit import audit, refused_attempt
from sipbot.staff.booking_ui import BOOKING_KEY, INPUT_KEY, INPUTS, StaffBooking, ask_typed
from sipbot.staff.notify import announce, queue_person, tell_person
from sipbot.status import OPEN, STAFF_MOVES, refusal

log = logging.getLogger(__name__)
Context = ContextTypes.DEFAULT_TYPE

# The command menu a staff member sees in their private chat with the bot.
STAFF_COMMANDS = {
    "queue": N_("command.queue"),
    "staff": N_("command.staff"),
    "stats": N_("command.stats"),
}
TAB_LABELS = {
    "new": N_("staff.tab.new"),
    "mine": N_("staff.tab.mine"),
    "overdue": N_("staff.tab.overdue"),
    "open": N_("staff.tab.open"),
    "closed": N_("staff.tab.closed"),
}
ASK = {
    "note": N_("staff.ask.note"),
    "message": N_("staff.ask.message"),
    "transfer": N_("staff.ask.transfer_reason"),
    "decline": N_("staff.ask.decline_reason"),
    "suggestion": N_("staff.ask.decline_suggestion"),
    "close": N_("staff.ask.close_reason"),
    "override": N_("staff.ask.consent_override_reason"),
}
DONE = {
    "claim": N_("staff.done.claim"),
    "release": N_("staff.done.release"),
    "assign": N_("staff.done.assign"),
    "transfer": N_("staff.done.transfer"),
    "consent": N_("staff.done.consent"),
    "note": N_("staff.done.note"),
    "message": N_("staff.done.message"),
    "status": N_("staff.done.status"),
    "decline": N_("staff.done.decline"),
}
REFUSED = {
    "not_found": N_("staff.not_available"),
    "ended": N_("staff.refused.ended"),
    "claim_first": N_("staff.refused.claim_first"),
    "taken": N_("staff.refused.taken"),
    "yours_already": N_("staff.refused.yours_already"),
    "no_colleague": N_("staff.refused.no_colleague"),
    "no_unit": N_("staff.refused.no_unit"),
    "not_allowed": N_("staff.refused.not_allowed"),
    "consent_first": N_("staff.refused.consent_first"),
    "unreachable": N_("staff.refused.unreachable"),
    "person_refused": N_("staff.refused.person_refused"),
    "time_past": N_("staff.time.past"),
    "time_too_far": N_("staff.time.too_far"),
    "time_outside_hours": N_("staff.time.outside_hours"),
}
CONSENT_HOW = {
    "bot": N_("staff.consent.bot"),
    "spoken": N_("staff.consent.spoken"),
    "written": N_("staff.consent.written"),
}
# What the person is told when staff move their request; None: nothing to tell.
PERSON_STATUS = {
    "contacted": N_("person.status.contacted"),
}
# Closed: "the plan has ended" only once there is a plan.
CLOSED_BEFORE_PLAN = ("new", "contacted", "meeting_booked")
CLOSE_KEY = "staff_close"  # in user_data: the request and reason waiting for "Ja, avsluta"
TEXT_LIMIT = 2000


class StaffBot:
    def __init__(self, services: Services, runner: FlowRunner) -> None:
        self.s = services
        self.runner = runner
        self.booking = StaffBooking(services)

    # -- who and in which words ------------------------------------------------------------

    def _staff(self, update: Update) -> StaffMember | None:
        user = update.effective_user
        return members.member(self.s.engine, user.id) if user else None

    def _t(self, update: Update) -> Texts:
        """Staff read the plain register, in the language they chose (Swedish by default)."""
        return self.s.catalogs.texts(self.s.texts_for(update).lang, easy=False)

    # -- enrolment -------------------------------------------------------------------------

    async def enrol(self, update: Update, context: Context, token: str) -> None:
        user = update.effective_user
        assert user is not None and update.effective_chat is not None
        t = self._t(update)
        result = members.accept_invite(
            self.s.engine, self.s.clock, token, user.id, (user.first_name or "")[:120]
        )
        if isinstance(result, str):
            log.info("staff.enrol_refused problem=%s", result)
            await context.bot.send_message(update.effective_chat.id, t("staff.invite.invalid"))
            return
        log.info("staff.enrolled unit=%s role=%s", result.unit, result.role)
        commands = ["queue", "staff", "stats"] if result.role == "admin" else ["queue"]
        await context.bot.set_my_commands(
            [BotCommand(c, t(STAFF_COMMANDS[c])) for c in commands],
            scope=BotCommandScopeChat(user.id),
        )
        unit = self.s.deployment.unit(result.unit)
        # Where new requests arrive: the unit's group if it has one, else this private chat.
        enrolled = N_("staff.enrolled")
        if unit.staff_group_chat_id is None:
            enrolled = N_("staff.enrolled_private")
        await context.bot.send_message(
            update.effective_chat.id,
            t(enrolled, unit=unit.name),
            reply_markup=kb([(t("staff.button.queue"), "S:q:new:0")]),
        )

    # -- the queue -------------------------------------------------------------------------

    async def queue_command(self, update: Update, context: Context) -> None:
        staff = self._staff(update)
        if staff is None:
            await self._not_available(update, context)
            return
        await self._queue(update, context, staff, "new", 0, edit=False)

    async def _queue(
        self,
        update: Update,
        context: Context,
        staff: StaffMember,
        tab: str,
        number: int,
        *,
        edit: bool,
    ) -> None:
        t = self._t(update)
        now = self.s.clock()
        rows, total = queue.page(self.s.engine, staff, tab, now, number)
        counts = queue.counts(self.s.engine, staff, now)
        names = members.names(self.s.engine, staff.unit)
        lines = [t("staff.queue.title", tab=t(TAB_LABELS[tab], n=total))]
        lines += [cards.queue_line(r, now, t, names) for r in rows] or [t("staff.queue.empty")]
        buttons: list[list[tuple[str, str]]] = [[(f"{r.reference}", f"S:o:{r.id}")] for r in rows]
        pager = []
        if number > 0:
            pager.append((t("staff.button.prev"), f"S:q:{tab}:{number - 1}"))
        if (number + 1) * queue.PAGE_SIZE < total:
            pager.append((t("staff.button.next"), f"S:q:{tab}:{number + 1}"))
        if pager:
            buttons.append(pager)
        tabs = [(t(TAB_LABELS[x], n=counts[x]), f"S:q:{x}:0") for x in queue.TABS]
        buttons += [tabs[:3], tabs[3:]]
        text = "\n".join(lines)
        query = update.callback_query
        if edit and query is not None and query.message is not None:
            try:
                await query.edit_message_text(text, reply_markup=kb(*buttons))
                return
            except TelegramError:
                pass  # an old message: send a new one instead
        await context.bot.send_message(update.effective_chat.id, text, reply_markup=kb(*buttons))  # type: ignore[union-attr]

    # -- callbacks -------------------------------------------------------------------------

    async def on_callback(self, update: Update, context: Context) -> None:
        query = update.callback_query
        assert query is not None and update.effective_user is not None
        staff = self._staff(update)
        t = self._t(update)
        parts = (query.data or "").split(":")
        op = parts[1][:8] if len(parts) > 1 else ""  # forged data may be anything: kept short
        rid = callbacks.number(parts[2]) if len(parts) > 2 else None
        arg = parts[3] if len(parts) > 3 else None
        if staff is None:
            refused_attempt(
                self.s.engine, self.s.clock(), update.effective_user.id, op, "not_staff", rid
            )
            await query.answer(t("staff.not_available"))
            return
        private = update.effective_chat is not None and update.effective_chat.type == "private"
        try:
            page = callbacks.number(parts[3]) if len(parts) == 4 else None
            if op == "q" and page is not None and parts[2] in queue.TABS:
                await query.answer()
                await self._queue(update, context, staff, parts[2], page, edit=True)
            elif op == "o" and rid is not None:
                await self._end_input(context, staff, t, keep=rid)  # typing was for that card
                await self._open(update, context, staff, rid, private)
            elif not private or rid is None:
                raise work.Refused("not_found")
            else:
                await self._action(update, context, staff, op, rid, arg, t)
        except work.Refused as refused:
            log.info("staff.refused op=%s code=%s", op, refused.code)
            refused_attempt(self.s.engine, self.s.clock(), staff.telegram_id, op, refused.code, rid)
            await query.answer(
                t(REFUSED.get(refused.code, REFUSED["not_allowed"])), show_alert=True
            )

    async def _open(
        self, update: Update, context: Context, staff: StaffMember, rid: int, private: bool
    ) -> None:
        query = update.callback_query
        assert query is not None
        card = work.view(self.s.engine, self.s.clock, staff, rid)  # refuses other units
        t = self._t(update)
        if private:  # answered first, so the button stops spinning before the card arrives
            await query.answer()
            await self._show_card(context, staff.telegram_id, staff, card, t)
            return
        try:
            await self._show_card(context, staff.telegram_id, staff, card, t)
        except TelegramError:  # they never opened a private chat with the bot
            await query.answer(t("staff.open_private_first"), show_alert=True)
            return
        await query.answer(t("staff.opened_privately"))

    async def _show_card(
        self, context: Context, chat_id: int, staff: StaffMember, card: work.Card, t: Texts
    ) -> None:
        names = members.names(self.s.engine, staff.unit)
        blocks = cards.card_text(self.s, self.runner, card, t, self.s.clock(), names)
        parts = split_messages(blocks)
        for part in parts[:-1]:
            await context.bot.send_message(chat_id, part)
        await context.bot.send_message(
            chat_id, parts[-1], reply_markup=self._card_keyboard(card, staff, t)
        )

    def _card_keyboard(self, card: work.Card, staff: StaffMember, t: Texts) -> Any:
        r = card.request
        rows: list[list[tuple[str, str]]] = []
        if r.status in OPEN:
            if r.assigned_to is None:
                rows.append([(t("staff.button.claim"), f"S:c:{r.id}")])
            else:
                rows.append([(t("staff.button.release"), f"S:r:{r.id}")])
            rows.append(
                [
                    (t("staff.button.assign"), f"S:A:{r.id}"),
                    (t("staff.button.transfer"), f"S:T:{r.id}"),
                ]
            )
            if r.consent not in ("given", "confirmed", "person_agreed"):
                rows.append([(t("staff.button.consent"), f"S:k:{r.id}")])
            rows.append(
                [
                    (t("staff.button.message"), f"S:m:{r.id}"),
                    (t("staff.button.note"), f"S:n:{r.id}"),
                ]
            )
            rows += self._booking_rows(r, t)
            rows.append(
                [
                    (t("staff.button.status"), f"S:s:{r.id}"),
                    (t("staff.button.decline"), f"S:d:{r.id}"),
                ]
            )
        else:
            rows.append([(t("staff.button.note"), f"S:n:{r.id}")])
        voices = self._voices(card)
        for i, (label, _) in enumerate(voices):
            rows.append([(t("staff.button.voice", what=t(label)), f"S:v:{r.id}:{i}")])
        if r.answers is not None:
            rows.append(
                [(t("staff.button.pdf"), f"S:p:{r.id}"), (t("staff.button.json"), f"S:j:{r.id}")]
            )
        rows.append([(t("staff.button.queue"), "S:q:mine:0")])
        return kb(*rows)

    @staticmethod
    def _booking_rows(r: SipRequest, t: Texts) -> list[list[tuple[str, str]]]:
        if r.status in ("new", "contacted"):
            return [[(t("staff.button.book"), f"S:b:{r.id}:meeting")]]
        if r.status == "meeting_booked":
            return [
                [(t("staff.button.move_meeting"), f"S:b:{r.id}:move_meeting")],
                [(t("staff.button.cancel_meeting"), f"S:b:{r.id}:cancel")],
                [(t("staff.button.plan_made"), f"S:b:{r.id}:followup")],
            ]
        if r.status == "followup_booked":
            return [
                [(t("staff.button.move_followup"), f"S:b:{r.id}:move_followup")],
                [(t("staff.button.new_followup"), f"S:b:{r.id}:followup")],
            ]
        return []

    def _voices(self, card: work.Card) -> list[tuple[str, str]]:
        """(what it answers, file id) of every voice message on the request, in order."""
        out: list[tuple[str, str]] = []
        flow = self.s.flows.get(card.request.flow_id)
        for key, value in (card.request.answers or {}).items():
            values = value if isinstance(value, list) else [value]
            for v in values:
                if isinstance(v, dict) and "voice" in v:
                    known = flow is not None and any(step.id == key for step in flow.steps)
                    title = flow.step(key).title if known else None  # type: ignore[union-attr]
                    out.append((title or N_("staff.note.from_person"), v["voice"]))
        for note in card.notes:
            if note.body and "voice" in note.body:
                out.append((N_("staff.note.from_person"), note.body["voice"]))
        return out

    async def _action(
        self,
        update: Update,
        context: Context,
        staff: StaffMember,
        op: str,
        rid: int,
        arg: str | None,
        t: Texts,
    ) -> None:
        query = update.callback_query
        assert query is not None
        engine, clock = self.s.engine, self.s.clock
        chat_id = staff.telegram_id
        if op == "c":
            request = work.claim(engine, clock, staff, rid, then=self._tell_claimed)
            await query.answer()
            await self._done(context, staff, request, "claim", t)
        elif op == "r":
            request = work.release(engine, clock, staff, rid)
            await query.answer()
            await self._done(context, staff, request, "release", t)
        elif op == "A" and arg is None:
            work.view(engine, clock, staff, rid)  # checks the unit before listing colleagues
            await query.answer()
            colleagues = [m for m in members.members(engine, staff.unit)]
            rows = [
                [(m.name or str(m.telegram_id), f"S:A:{rid}:{m.telegram_id}")] for m in colleagues
            ]
            await context.bot.send_message(chat_id, t("staff.ask.assign"), reply_markup=kb(*rows))
        elif op == "A" and (colleague := callbacks.number(arg)) is not None:
            request = work.assign(engine, clock, staff, rid, colleague)
            await query.answer()
            await self._done(context, staff, request, "assign", t)
            if colleague != staff.telegram_id:
                await self._tell_staff(context, colleague, N_("staff.assigned_to_you"), request, t)
        elif op == "T" and arg is None:
            work.check_acting(engine, staff, rid)
            await query.answer()
            rows = [
                [(u.name, f"S:T:{rid}:{u.id}")]
                for u in self.s.deployment.units
                if u.id != staff.unit
            ]
            await context.bot.send_message(chat_id, t("staff.ask.transfer"), reply_markup=kb(*rows))
        elif op == "T" and arg is not None:
            work.check_acting(engine, staff, rid)
            if arg not in {u.id for u in self.s.deployment.units} or arg == staff.unit:
                raise work.Refused("no_unit")
            await query.answer()
            await self._ask_input(context, staff, "transfer", rid, t, unit=arg)
        elif op == "k" and arg is None:
            request = work.check_acting(engine, staff, rid)
            await query.answer()
            rows = [[(t(label), f"S:k:{rid}:{how}")] for how, label in CONSENT_HOW.items()]
            ask = t("staff.ask.consent")
            if request.consent == "person_refused":  # the person's own answer comes first
                ask = t("staff.consent.person_said_no", reference=request.reference) + "\n\n" + ask
            await context.bot.send_message(chat_id, ask, reply_markup=kb(*rows))
        elif op == "k" and arg in CONSENT_HOW and work.check_acting(
            engine, staff, rid
        ).consent == "person_refused":
            await query.answer()
            await self._ask_input(context, staff, "override", rid, t, how=arg)
        elif op == "k" and arg is not None:
            today = clock().astimezone(self.s.settings.tz).date()
            request = work.confirm_consent(engine, clock, staff, rid, arg, today)
            await query.answer()
            await self._done(context, staff, request, "consent", t)
        elif op in ("m", "n", "d"):
            if op == "n":
                work.view(engine, clock, staff, rid)  # a note: any staff of the unit
            else:
                work.check_acting(engine, staff, rid)
            await query.answer()
            action = {"m": "message", "n": "note", "d": "decline"}[op]
            await self._ask_input(context, staff, action, rid, t)
        elif op == "s" and arg is None:
            work.check_acting(engine, staff, rid)
            card = work.view(engine, clock, staff, rid)
            await query.answer()
            # Meetings, plans and follow-ups are booked with their times (the booking buttons);
            # a booked meeting is called off with its own button, which tells the person.
            booked_elsewhere = {"meeting_booked", "followup_booked", "plan_made", "declined"}
            if card.request.status == "meeting_booked":
                booked_elsewhere.add("contacted")
            moves = [
                m for m in STAFF_MOVES.get(card.request.status, ()) if m not in booked_elsewhere
            ]
            rows = [[(t(cards.STATUS[m]), f"S:s:{rid}:{m}")] for m in moves]
            await context.bot.send_message(chat_id, t("staff.ask.status"), reply_markup=kb(*rows))
        elif op == "s" and arg == "closed":
            request = work.check_acting(engine, staff, rid)
            if (code := refusal(request.status, request.consent, "closed")) is not None:
                raise work.Refused(code)
            await query.answer()
            await self._ask_input(context, staff, "close", rid, t)
        elif op == "Z" and arg is None:
            pending = context.application.user_data[staff.telegram_id].pop(CLOSE_KEY, None)
            if not pending or pending.get("request") != rid:
                raise work.Refused("not_allowed")  # an old or another card's confirmation
            closed = work.close(engine, clock, staff, rid, pending["reason"])
            await query.answer()
            await self._closed(context, staff, closed, t)
        elif op == "s" and arg is not None:
            if arg in ("meeting_booked", "followup_booked", "plan_made"):
                what = "meeting" if arg == "meeting_booked" else "followup"
                await self.booking.start(context, staff, rid, what, t)  # may refuse
                await query.answer()
                return
            request = work.move(engine, clock, staff, rid, arg)
            await query.answer()
            await self._moved(context, staff, request, t)
        elif op == "b" and arg is not None:
            parts = (query.data or "").split(":")
            value = parts[4] if len(parts) > 4 else ""
            await self.booking.on_button(context, staff, rid, arg, value, t)  # may refuse
            await query.answer()
        elif op == "v" and (index := callbacks.number(arg)) is not None:
            card = work.view(engine, clock, staff, rid)
            voices = self._voices(card)
            if index >= len(voices):
                raise work.Refused("not_found")
            await query.answer()
            await context.bot.send_voice(chat_id, voices[index][1])
        elif op in ("p", "j"):
            await self._export(update, context, staff, rid, op, t)
        else:
            raise work.Refused("not_found")

    async def _export(
        self, update: Update, context: Context, staff: StaffMember, rid: int, op: str, t: Texts
    ) -> None:
        query = update.callback_query
        assert query is not None
        card = work.view(self.s.engine, self.s.clock, staff, rid)
        if card.request.answers is None:
            raise work.Refused("not_found")
        with session_scope(self.s.engine) as s:
            audit(
                s,
                self.s.clock(),
                staff.telegram_id,
                f"export.{'pdf' if op == 'p' else 'json'}",
                rid,
            )
        await query.answer()
        ref = card.request.reference
        if op == "p":
            data = await asyncio.to_thread(request_pdf, self.s, card.request, t.lang)
            name = f"{ref}.pdf"
        else:
            payload = request_json(self.s, card.request)
            data = json.dumps(payload, ensure_ascii=False, indent=2).encode()
            name = f"{ref}.json"
        await context.bot.send_document(staff.telegram_id, InputFile(data, filename=name))

    # -- typed input for an action ---------------------------------------------------------

    async def _ask_input(
        self, context: Context, staff: StaffMember, action: str, rid: int, t: Texts, **extra: str
    ) -> None:
        user_data = context.application.user_data[staff.telegram_id]
        prompt = ask_typed(self.s, user_data, rid, action, t(ASK[action], limit=TEXT_LIMIT), t)
        user_data[INPUT_KEY].update(extra)
        await context.bot.send_message(
            staff.telegram_id, prompt, reply_markup=kb([(t("staff.button.cancel"), "S:x:0")])
        )

    async def _end_input(
        self, context: Context, staff: StaffMember, t: Texts, keep: int | None = None
    ) -> bool:
        """Stop waiting for typed text (another card opened, a command), saying so; True if
        something was waiting. `keep`: a request whose pending input may stay."""
        user_data = context.application.user_data[staff.telegram_id]
        pending = user_data.get(INPUT_KEY)
        booking = user_data.get(BOOKING_KEY)
        waiting_on = (pending or {}).get("request", (booking or {}).get("request"))
        if waiting_on is None or waiting_on == keep:
            return False
        user_data.pop(INPUT_KEY, None)
        user_data.pop(BOOKING_KEY, None)
        reference = (pending or {}).get("reference", "")
        await context.bot.send_message(
            staff.telegram_id, t("staff.input.ended", reference=reference)
        )
        return True

    async def cancel_input(self, update: Update, context: Context) -> None:
        query = update.callback_query
        assert query is not None
        context.user_data.pop(INPUT_KEY, None)  # type: ignore[union-attr]
        context.user_data.pop(BOOKING_KEY, None)  # type: ignore[union-attr]
        context.user_data.pop(CLOSE_KEY, None)  # type: ignore[union-attr]
        t = self._t(update)
        await query.answer(t("staff.input_cancelled"))

    async def take_input(self, update: Update, context: Context) -> bool:
        """A staff member's message while an action waits for text; True if it was taken."""
        pending = (context.user_data or {}).get(INPUT_KEY)
        msg = update.effective_message
        if pending is None or msg is None:
            return False
        staff = self._staff(update)
        if staff is None:
            context.user_data.pop(INPUT_KEY, None)  # type: ignore[union-attr]
            return False
        t = self._t(update)
        text = (msg.text or "").strip()
        if text.startswith("/"):
            # Any command ends the waiting, with a word; /cancel and /queue then do their part.
            command = text.split()[0].split("@")[0].lower()
            if command in ("/cancel", "/avbryt"):
                context.user_data.pop(INPUT_KEY, None)  # type: ignore[union-attr]
                context.user_data.pop(BOOKING_KEY, None)  # type: ignore[union-attr]
                await msg.reply_text(t("staff.input_cancelled"))
                return True
            await self._end_input(context, staff, t)
            return False
        if is_blank(text) or len(text) > TEXT_LIMIT:
            await msg.reply_text(t("staff.input_text_only", limit=TEXT_LIMIT))
            return True
        context.user_data.pop(INPUT_KEY, None)  # type: ignore[union-attr]
        try:
            await self._apply_input(update, context, staff, pending, text, t)
        except work.Refused as refused:
            rid = int(pending["request"])
            refused_attempt(
                self.s.engine,
                self.s.clock(),
                staff.telegram_id,
                pending["action"],
                refused.code,
                rid,
            )
            await msg.reply_text(t(REFUSED.get(refused.code, REFUSED["not_allowed"])))
        return True

    async def _apply_input(
        self,
        update: Update,
        context: Context,
        staff: StaffMember,
        pending: dict[str, Any],
        text: str,
        t: Texts,
    ) -> None:
        engine, clock = self.s.engine, self.s.clock
        rid, action = int(pending["request"]), pending["action"]
        if action == "note":
            work.add_note(engine, clock, staff, rid, text)
            request = work.view(engine, clock, staff, rid).request
            await self._done(context, staff, request, "note", t)
        elif action == "message":
            request = work.message_person(engine, clock, staff, rid, text)
            delivered = await tell_person(
                context.bot, self.s, request, N_("person.staff_message"), text=text, reply=True
            )
            await self._done(context, staff, request, "message" if delivered else "unreachable", t)
        elif action == "transfer":
            unit_ids = [u.id for u in self.s.deployment.units]
            request, cancelled = work.transfer(
                engine, clock, staff, rid, pending["unit"], unit_ids, text
            )
            await self._done(context, staff, request, "transfer", t)
            for meeting in cancelled:  # the old unit's meeting: the person's calendar drops it
                await send_notice(context.bot, self.s, request, meeting, "cancelled")
            await self._tell_unit_transfer(context, request, staff)
            await tell_person(
                context.bot,
                self.s,
                request,
                N_("person.status.transferred"),
                unit=self.s.deployment.unit(request.unit).name,
            )
        elif action == "decline":
            await self._ask_input(context, staff, "suggestion", rid, t, reason=text)
        elif action == "suggestion":
            request = work.decline(engine, clock, staff, rid, pending["reason"], text)
            await self._done(context, staff, request, "decline", t)
            await tell_person(
                context.bot,
                self.s,
                request,
                N_("person.status.declined"),
                reason=pending["reason"],
                suggestion=text,
            )
        elif action == "override":
            today = clock().astimezone(self.s.settings.tz).date()
            request = work.confirm_consent(
                engine, clock, staff, rid, pending["how"], today, override_reason=text
            )
            await self._done(context, staff, request, "consent", t)
            await tell_person(context.bot, self.s, request, N_("person.status.consent_override"))
        elif action == "close":
            request = work.check_acting(engine, staff, rid)
            context.user_data[CLOSE_KEY] = {"request": rid, "reason": text}  # type: ignore[index]
            await context.bot.send_message(
                staff.telegram_id,
                t("staff.ask.close_confirm", reference=request.reference),
                reply_markup=kb(
                    [(t("staff.button.close_yes"), f"S:Z:{rid}")],
                    [(t("staff.button.cancel"), "S:x:0")],
                ),
            )
        elif action in INPUTS:
            await self.booking.take(context, staff, pending, text, t)

    # -- after an action -------------------------------------------------------------------

    async def _done(
        self, context: Context, staff: StaffMember, request: SipRequest, what: str, t: Texts
    ) -> None:
        key = DONE.get(what, N_("staff.refused.unreachable"))
        await context.bot.send_message(
            staff.telegram_id,
            t(key, reference=request.reference),
            reply_markup=kb(
                [(t("staff.button.card"), f"S:o:{request.id}")],
                [(t("staff.button.queue"), "S:q:mine:0")],
            ),
        )

    async def _moved(
        self, context: Context, staff: StaffMember, request: SipRequest, t: Texts
    ) -> None:
        await self._done(context, staff, request, "status", t)
        msgid = PERSON_STATUS.get(request.status)
        if msgid is not None:
            await tell_person(context.bot, self.s, request, msgid)

    def _tell_claimed(self, s: Session, request: SipRequest) -> None:
        queue_person(
            s, self.s, request, N_("person.status.claimed"), staff_id=request.assigned_to
        )

    async def _closed(
        self, context: Context, staff: StaffMember, closed: work.Closed, t: Texts
    ) -> None:
        request = closed.request
        await self._done(context, staff, request, "status", t)
        for meeting in closed.cancelled:  # a follow-up still ahead leaves the calendar too
            await send_notice(context.bot, self.s, request, meeting, "cancelled")
        msgid = N_("person.status.closed")
        if closed.was in CLOSED_BEFORE_PLAN:
            msgid = N_("person.status.closed_early")
        await tell_person(context.bot, self.s, request, msgid)

    async def _tell_staff(
        self, context: Context, staff_id: int, msgid: str, request: SipRequest, t: Texts
    ) -> None:
        try:
            await context.bot.send_message(
                staff_id,
                t(msgid, reference=request.reference),
                reply_markup=kb([(t("staff.button.card"), f"S:o:{request.id}")]),
            )
        except TelegramError as exc:
            log.warning("staff.tell_failed kind=%s", type(exc).__name__)

    async def _tell_unit_transfer(
        self, context: Context, request: SipRequest, staff: StaffMember
    ) -> None:
        await announce(
            context.bot,
            self.s,
            request,
            N_("staff.notice.transferred"),
            from_unit=self.s.deployment.unit(staff.unit).name,
        )

    async def _not_available(self, update: Update, context: Context) -> None:
        await context.bot.send_message(
            update.effective_chat.id,
            self._t(update)("staff.not_available"),  # type: ignore[union-attr]
        )
