"""Telling a unit's staff that something happened to one of their requests, and the person
what staff did: the words, whom they go to, queued in the caller's transaction (sipbot.outbox).

The direct sends through the Bot API are the chat's (sipbot.chat.notify)."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlmodel import Session

from sipbot import outbox
from sipbot.db.models import SipRequest
from sipbot.i18n import N_, Texts
from sipbot.services import Services
from sipbot.staff.card import notice, open_row
from sipbot.staff.members import members

log = logging.getLogger(__name__)
STAFF_LANGUAGE = "sv"

# What the person did, as staff read it: the reference only, never the person's words.
WITHDRAWN = N_("staff.notice.withdrawn")
DELETED = N_("staff.notice.deleted")
CONSENT_AGREED = N_("staff.notice.consent_agreed")
CONSENT_REFUSED = N_("staff.notice.consent_refused")
UNREACHABLE = N_("staff.notice.unreachable")  # a queued message could not be delivered
CONSENT_REFUSED_MEETING_OFF = N_("staff.notice.consent_refused_meeting_off")


def person_text(
    services: Services,
    request: SipRequest,
    t: Texts,
    msgid: str,
    when: datetime | None,
    values: dict[str, object],
) -> str:
    """A message about a request, in the reader's words: its reference, a date, the unit."""
    return t(
        msgid,
        reference=request.reference,
        date=t.datetime(when) if when else "",
        unit=values.pop("unit", services.deployment.unit(request.unit).name),
        **values,
    )


# Queued in the caller's transaction (sipbot.outbox): they arrive even if the process dies
# right after the commit.


def unit_chats(services: Services, unit_id: str) -> list[int]:
    """The unit's group when it has one, else each of its staff privately."""
    unit = services.deployment.unit(unit_id)
    if unit.staff_group_chat_id is not None:
        return [unit.staff_group_chat_id]
    return [m.telegram_id for m in members(services.engine, unit_id)]


def queue_to_unit(
    s: Session,
    services: Services,
    request: SipRequest,
    text: str,
    buttons: outbox.Buttons | None,
    *,
    kind: str,
) -> int:
    targets = unit_chats(services, request.unit)
    if not targets:
        log.warning("staff.notice.nobody unit=%s", request.unit)
    for chat_id in targets:
        outbox.put(
            s,
            services.clock(),
            chat_id,
            [outbox.text(text, buttons)],
            kind=kind,
            request_id=request.id,
        )
    return len(targets)


def queue_tell_unit(
    s: Session, services: Services, request: SipRequest, msgid: str, **values: object
) -> int:
    t = services.catalogs.texts(STAFF_LANGUAGE, easy=False)
    return queue_to_unit(s, services, request, t(msgid, **values), None, kind=msgid[:32])


def queue_announce(
    s: Session, services: Services, request: SipRequest, msgid: str, **values: object
) -> int:
    t = services.catalogs.texts(STAFF_LANGUAGE, easy=False)
    text = t(msgid, **values) + "\n\n" + notice(services, request, t)
    buttons = [open_row(t, request.id, N_("staff.button.open"))]
    return queue_to_unit(s, services, request, text, buttons, kind=msgid[:32])


def queue_to_staff(
    s: Session,
    services: Services,
    staff_id: int,
    request: SipRequest,
    parts: list[outbox.Part],
    *,
    kind: str,
) -> None:
    outbox.put(s, services.clock(), staff_id, parts, kind=kind, request_id=request.id)


def queue_person(
    s: Session,
    services: Services,
    request: SipRequest,
    msgid: str,
    *,
    staff_id: int | None = None,
    when: datetime | None = None,
    reply: bool = False,
    **values: object,
) -> bool:
    """Queue a message to the person in their words; `staff_id` hears if it cannot arrive.

    False if they cannot be reached at all (they deleted their data)."""
    if request.telegram_id is None:
        return False
    t = services.texts_for_user(request.telegram_id)
    text = person_text(services, request, t, msgid, when, values)
    buttons = [[(t("person.reply"), f"Y:{request.id}")]] if reply else None
    fallback = None
    if staff_id is not None:
        st = services.catalogs.texts(STAFF_LANGUAGE, easy=False)
        card = open_row(st, request.id)
        gone = st(UNREACHABLE, reference=request.reference)
        fallback = (staff_id, [outbox.text(gone, [card])])
    outbox.put(
        s,
        services.clock(),
        request.telegram_id,
        [outbox.text(text, buttons)],
        kind=msgid[:32],
        request_id=request.id,
        fallback=fallback,
    )
    return True
