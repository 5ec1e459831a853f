"""My requests: each request's status in plain words, the answers as sent, and Withdraw."""

from __future__ import annotations

import asyncio
import logging

from telegram import InputFile, Update
from telegram.ext import ContextTypes

from sipbot.chat import callbacks
from sipbot.chat.keyboards import kb
from sipbot.chat.person import confirm, my_plan
from sipbot.chat.person.flow import FlowRunner
from sipbot.chat.text import split_messages
from sipbot.db.models import SipRequest
from sipbot.documents.request_doc import request_pdf
from sipbot.labels import CONSENT, status_text
from sipbot.notify import WITHDRAWN, queue_tell_unit
from sipbot.requests import request_of, requests_of, withdraw
from sipbot.services import Services
from sipbot.status import OPEN

log = logging.getLogger(__name__)
Context = ContextTypes.DEFAULT_TYPE


class MyRequests:
    def __init__(self, services: Services, runner: FlowRunner) -> None:
        self.s = services
        self.runner = runner

    async def _send(self, update: Update, context: Context, text: str, **kw: object) -> None:
        await context.bot.send_message(update.effective_chat.id, text, **kw)  # type: ignore[union-attr,arg-type]

    async def show_list(self, update: Update, context: Context) -> None:
        t = self.s.texts_for(update)
        requests = requests_of(self.s.engine, update.effective_user.id)  # type: ignore[union-attr]
        if not requests:
            await self._send(
                update,
                context,
                t("requests.none"),
                reply_markup=kb([(t("menu.ask"), "M:ask")], [(t("button.menu"), "M:menu")]),
            )
            return
        lines = [t("requests.list")]
        lines += [
            t(
                "requests.line",
                reference=r.reference,
                date=t.date(r.submitted_at),
                status=status_text(r, t),
            )
            for r in requests
        ]
        rows = [[(t("requests.show", reference=r.reference), f"Q:show:{r.id}")] for r in requests]
        rows.append([(t("button.menu"), "M:menu")])
        await self._send(update, context, "\n\n".join(lines), reply_markup=kb(*rows))

    async def on_button(self, update: Update, context: Context) -> None:
        query = update.callback_query
        assert query is not None and update.effective_user is not None
        fields = callbacks.parse(callbacks.REQUESTS, query.data) or {}
        action = fields.get("action") or fields.get("confirm")
        arg = fields.get("request") or fields.get("confirm_request")
        nonce = fields.get("nonce", "")
        if action in ("withdraw_yes", "withdraw_no") and not confirm.take(
            context.user_data, f"withdraw:{arg}", nonce  # type: ignore[arg-type]
        ):
            # Already answered (or forged): an old confirmation does nothing.
            await query.answer(self.s.texts_for(update)("input.old_button"))
            return
        await query.answer()
        rid = callbacks.number(arg)
        request = None if rid is None else request_of(self.s.engine, update.effective_user.id, rid)
        if request is None:  # someone else's, deleted, or a forged button: show the list
            await self.show_list(update, context)
        elif action in ("show", "withdraw_no"):
            await self.show_request(update, context, request)
        elif action == "withdraw":
            await self._ask_withdraw(update, context, request)
        elif action == "withdraw_yes":
            await self._withdraw(update, context, request)
        elif action in my_plan.ACTIONS:
            await my_plan.show(self.s, update, context, request, action)
        elif action == "pdf" and request.answers is not None:
            t = self.s.texts_for(update)
            data = await asyncio.to_thread(request_pdf, self.s, request, t.lang)
            log.info("request.pdf id=%s", request.id)
            await context.bot.send_document(
                update.effective_chat.id,  # type: ignore[union-attr]
                InputFile(data, filename=f"{request.reference}.pdf"),
            )
        else:
            await self.show_list(update, context)

    async def show_request(self, update: Update, context: Context, request: SipRequest) -> None:
        t = self.s.texts_for(update)
        head = t(
            "requests.head",
            reference=request.reference,
            date=t.datetime(request.submitted_at),
            unit=self.s.deployment.unit(request.unit).name,
            status=status_text(request, t),
            consent=t(CONSENT[request.consent].person),
        )
        blocks = [head]
        flow = self.s.flows.get(request.flow_id)
        if flow is not None and request.answers:
            blocks += [t("requests.answers"), *self.runner.answer_blocks(flow, request.answers, t)]
        rows = []
        if my_plan.has_plan(self.s, request):
            rows.append([(t("requests.plan"), f"Q:plan:{request.id}")])
        if request.answers is not None:
            rows.append([(t("requests.pdf"), f"Q:pdf:{request.id}")])
        if request.status in OPEN:
            rows.append([(t("requests.withdraw"), f"Q:withdraw:{request.id}")])
        rows.append([(t("requests.back"), "Q:list:")])
        parts = split_messages(blocks)
        for part in parts[:-1]:
            await self._send(update, context, part)
        await self._send(update, context, parts[-1], reply_markup=kb(*rows))

    async def _ask_withdraw(self, update: Update, context: Context, request: SipRequest) -> None:
        t = self.s.texts_for(update)
        if request.status not in OPEN:
            await self.show_request(update, context, request)
            return
        nonce = confirm.ask(context.user_data, f"withdraw:{request.id}")  # type: ignore[arg-type]
        await self._send(
            update,
            context,
            t("withdraw.ask", reference=request.reference),
            reply_markup=kb(
                [(t("withdraw.yes"), f"Q:withdraw_yes:{request.id}:{nonce}")],
                [(t("withdraw.no"), f"Q:withdraw_no:{request.id}:{nonce}")],
            ),
        )

    async def _withdraw(self, update: Update, context: Context, request: SipRequest) -> None:
        t = self.s.texts_for(update)
        done = withdraw(
            self.s.engine,
            self.s.clock,
            update.effective_user.id,  # type: ignore[union-attr]
            request.id,  # type: ignore[arg-type]
            then=lambda s, r: queue_tell_unit(s, self.s, r, WITHDRAWN, reference=r.reference),
        )
        if done is None:  # already ended, e.g. a second press on the same button
            await self.show_request(update, context, request)
            return
        log.info("request.withdrawn id=%s unit=%s", done.id, done.unit)
        await self._send(
            update,
            context,
            t("withdraw.done", reference=done.reference),
            reply_markup=kb([(t("button.menu"), "M:menu")]),
        )
