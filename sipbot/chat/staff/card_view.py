"""The request card in the staff chat: opening it, its buttons, voice answers, PDF and JSON."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from telegram import InputFile, Update
from telegram.error import TelegramError

from sipbot.chat.keyboards import kb
from sipbot.chat.staff.base import Context, Fields, StaffBase
from sipbot.chat.text import split_messages
from sipbot.db.engine import session_scope
from sipbot.db.models import SipRequest, StaffMember
from sipbot.documents.request_doc import request_json, request_pdf
from sipbot.i18n import N_, Texts
from sipbot.staff import card as cards
from sipbot.staff import members, work
from sipbot.staff.audit import audit
from sipbot.status import OPEN, bookings, consent_ok

# The booking buttons, for what the core offers from the request's status (status.bookings).
BOOKING_BUTTONS = {
    "meeting": N_("staff.button.book"),
    "move_meeting": N_("staff.button.move_meeting"),
    "cancel": N_("staff.button.cancel_meeting"),
    "followup": N_("staff.button.plan_made"),
    "move_followup": N_("staff.button.move_followup"),
}


class CardView(StaffBase):
    async def on_open(
        self, update: Update, context: Context, staff: StaffMember, f: Fields, t: Texts
    ) -> None:
        rid = int(f["request"])
        await self._end_input(context, staff, t, keep=rid)  # typing was for that card
        await self._open(update, context, staff, rid, self._private(update))

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
        blocks = cards.card_text(self.s, card, t, self.s.clock(), names)
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
            if not consent_ok(r.consent):
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
        label = dict(BOOKING_BUTTONS)
        if r.status == "followup_booked":  # after a follow-up: another one
            label["followup"] = N_("staff.button.new_followup")
        return [[(t(label[what]), f"S:b:{r.id}:{what}")] for what in bookings(r.status)]

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

    async def on_voice(
        self, update: Update, context: Context, staff: StaffMember, f: Fields, t: Texts
    ) -> None:
        assert update.callback_query is not None
        card = work.view(self.s.engine, self.s.clock, staff, int(f["request"]))
        voices = self._voices(card)
        index = int(f["index"])
        if index >= len(voices):
            raise work.Refused("not_found")
        await update.callback_query.answer()
        await context.bot.send_voice(staff.telegram_id, voices[index][1])

    async def on_pdf(
        self, update: Update, context: Context, staff: StaffMember, f: Fields, t: Texts
    ) -> None:
        await self._export(update, context, staff, int(f["request"]), "p", t)

    async def on_json(
        self, update: Update, context: Context, staff: StaffMember, f: Fields, t: Texts
    ) -> None:
        await self._export(update, context, staff, int(f["request"]), "j", t)

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
