"""My plan: the person's copy of their SIP plan in the chat, from My requests.

The short summary first (my goals, who does what, when we follow up), then on request the
whole plan and the PDF, all in the person's language and register (sipbot.render.plan).
The caller has checked that the request is the person's own.
"""

from __future__ import annotations

import asyncio
import logging

from telegram import InputFile, Update
from telegram.ext import ContextTypes

from sipbot.chat.keyboards import kb
from sipbot.chat.text import split_messages
from sipbot.db.models import SipRequest
from sipbot.documents.request_doc import plan_pdf
from sipbot.plan.store import current
from sipbot.render import plan as rendered
from sipbot.services import Services

log = logging.getLogger(__name__)
Context = ContextTypes.DEFAULT_TYPE
ACTIONS = ("plan", "planfull", "planpdf")


def has_plan(services: Services, request: SipRequest) -> bool:
    return request.answers is not None and current(services.engine, request.id) is not None  # type: ignore[arg-type]


async def show(
    services: Services, update: Update, context: Context, request: SipRequest, what: str
) -> None:
    """The summary ("plan"), the whole plan ("planfull") or the PDF ("planpdf")."""
    t = services.texts_for(update)
    chat = update.effective_chat.id  # type: ignore[union-attr]
    version = current(services.engine, request.id) if request.answers is not None else None  # type: ignore[arg-type]
    back = [(t("requests.back"), f"Q:show:{request.id}")]
    if version is None:
        await context.bot.send_message(chat, t("requests.plan_none"), reply_markup=kb(back))
        return
    unit = services.deployment.unit(request.unit).name
    if what == "planpdf":
        data = await asyncio.to_thread(plan_pdf, services, request, version, t)
        log.info("plan.pdf id=%s version=%s", request.id, version.number)
        await context.bot.send_document(
            chat, InputFile(data, filename=f"{request.reference}-{version.number}.pdf")
        )
        return
    full = what == "planfull"
    blocks = rendered.full(version, t, unit) if full else rendered.summary(version, t, unit)
    rows = [] if full else [[(t("requests.plan_full"), f"Q:planfull:{request.id}")]]
    rows += [[(t("requests.plan_pdf"), f"Q:planpdf:{request.id}")], back]
    parts = split_messages(blocks)
    for part in parts[:-1]:
        await context.bot.send_message(chat, part)
    await context.bot.send_message(chat, parts[-1], reply_markup=kb(*rows))
