"""Messages to a unit's staff and to the person, sent at once through the Bot API.

What they say and whom they go to is the core's (sipbot.staff.notify); the queued sends that
must survive a crash go through sipbot.outbox instead.
"""

from __future__ import annotations

import logging
from datetime import datetime

from telegram import Bot, InlineKeyboardMarkup
from telegram.error import TelegramError

from sipbot.chat.keyboards import kb
from sipbot.db.models import SipRequest
from sipbot.i18n import N_
from sipbot.services import Services
from sipbot.staff.card import notice, open_row
from sipbot.staff.notify import STAFF_LANGUAGE, person_text, unit_chats

log = logging.getLogger(__name__)


async def tell_unit(
    bot: Bot, services: Services, unit_id: str, msgid: str, **values: object
) -> bool:
    """A short notice to the unit's staff (the reference only, never the person's words)."""
    t = services.catalogs.texts(STAFF_LANGUAGE, easy=False)
    return await send_to_unit(bot, services, unit_id, t(msgid, **values), None) > 0


async def announce(
    bot: Bot, services: Services, request: SipRequest, msgid: str, **values: object
) -> int:
    """A short card about the request for its unit, with an Open button."""
    t = services.catalogs.texts(STAFF_LANGUAGE, easy=False)
    text = t(msgid, **values) + "\n\n" + notice(services, request, t)
    markup = kb(open_row(t, request.id, N_("staff.button.open")))
    return await send_to_unit(bot, services, request.unit, text, markup)


async def send_to_unit(
    bot: Bot, services: Services, unit_id: str, text: str, markup: InlineKeyboardMarkup | None
) -> int:
    """To the unit's group when it has one, else to each of its staff privately.

    Returns how many chats got it.
    """
    targets = unit_chats(services, unit_id)
    if not targets:
        log.warning("staff.notice.nobody unit=%s", unit_id)
    sent = 0
    for chat_id in targets:
        try:
            await bot.send_message(chat_id, text, reply_markup=markup)
            sent += 1
        except TelegramError as exc:
            log.warning("staff.notice.failed unit=%s kind=%s", unit_id, type(exc).__name__)
    return sent


async def tell_person(
    bot: Bot,
    services: Services,
    request: SipRequest,
    msgid: str,
    *,
    when: datetime | None = None,
    reply: bool = False,
    **values: object,
) -> bool:
    """Tell the person (or whoever asked for them) about their request, in their words.

    False if they cannot be reached: they deleted their data, or blocked the bot.
    """
    if request.telegram_id is None:
        return False
    t = services.texts_for_user(request.telegram_id)
    text = person_text(services, request, t, msgid, when, values)
    markup = kb([(t("person.reply"), f"Y:{request.id}")]) if reply else None
    try:
        await bot.send_message(request.telegram_id, text, reply_markup=markup)
    except TelegramError as exc:
        log.warning("person.unreachable id=%s kind=%s", request.id, type(exc).__name__)
        return False
    return True
