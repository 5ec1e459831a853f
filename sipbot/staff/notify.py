"""Telling a unit's staff that something happened to one of their requests."""

from __future__ import annotations

import logging

from telegram import Bot
from telegram.error import TelegramError

from sipbot.i18n import N_
from sipbot.services import Services

log = logging.getLogger(__name__)
STAFF_LANGUAGE = "sv"

# What the person did, as staff read it: the reference only, never the person's words.
WITHDRAWN = N_("staff.notice.withdrawn")
DELETED = N_("staff.notice.deleted")
CONSENT_AGREED = N_("staff.notice.consent_agreed")
CONSENT_REFUSED = N_("staff.notice.consent_refused")


async def tell_unit(
    bot: Bot, services: Services, unit_id: str, msgid: str, **values: object
) -> bool:
    """Post a short notice to the unit's staff group; False if it could not be posted."""
    unit = services.deployment.unit(unit_id)
    if unit.staff_group_chat_id is None:
        log.warning("staff.notice.no_group unit=%s", unit_id)
        return False
    t = services.catalogs.texts(STAFF_LANGUAGE, easy=False)
    try:
        await bot.send_message(unit.staff_group_chat_id, t(msgid, **values))
    except TelegramError as exc:
        log.warning("staff.notice.failed unit=%s kind=%s", unit_id, type(exc).__name__)
        return False
    return True
