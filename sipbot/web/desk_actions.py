"""The request page's forms beyond Claim: release, give, transfer, consent, status, close,
decline, note and message.

Each POST calls the same core function (sipbot.staff.work) with the same notifier hook as the
chat's button, so the core checks the unit and the holder and writes the same history and
audit entries. What is offered (moves, consent ways, colleagues, units) comes from the core
too. A refusal is recorded as the chat records it: with the chat's name for the action.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from sqlmodel import select

from sipbot import notify
from sipbot.blank import is_blank
from sipbot.db.engine import session_scope
from sipbot.db.models import SipRequest, StaffMember
from sipbot.i18n import N_, Texts
from sipbot.labels import CONSENT_HOW, STATUS
from sipbot.services import Services
from sipbot.staff import members, work
from sipbot.staff.audit import refused_attempt
from sipbot.status import BY_BOOKING, OPEN, offered_moves

log = logging.getLogger(__name__)
# The chat's limit on a typed text (sipbot.chat.staff.base.TEXT_LIMIT; a test keeps them equal).
TEXT_LIMIT = 2000
# The chat's name of each action in the record of refused attempts (its button's letter), so
# an access-log review reads a refusal on the desk as the same attempt as one in the chat.
ATTEMPT = {
    "claim": "c",
    "release": "r",
    "assign": "A",
    "transfer": "T",
    "consent": "k",
    "status": "s",
    "close": "s",
    "decline": "d",
    "note": "n",
    "message": "m",
}


class _BadText(Exception):
    """A text field left blank or too long: asked again, nothing done (as in the chat)."""


@dataclass(frozen=True)
class Forms:
    """What the request page offers, each list from the core."""

    colleagues: list[tuple[int, str]]
    units: list[tuple[str, str]]
    consent_ways: list[tuple[str, str]]
    moves: list[tuple[str, str]]
    can_close: bool
    open: bool
    limit: int = TEXT_LIMIT


def forms(services: Services, staff: StaffMember, r: SipRequest, t: Texts) -> Forms:
    moves = offered_moves(r.status) if r.status in OPEN else ()
    return Forms(
        colleagues=[
            (m.telegram_id, m.name or str(m.telegram_id))
            for m in members.members(services.engine, staff.unit)
        ],
        units=[(u.id, u.name) for u in services.deployment.units if u.id != staff.unit],
        consent_ways=[(h, t(CONSENT_HOW[h].staff)) for h in work.CONSENT_HOW],
        moves=[(m, t(STATUS[m].staff)) for m in moves if m != "closed" and m not in BY_BOOKING],
        can_close="closed" in moves,
        open=r.status in OPEN,
    )


def _text(form: Any, name: str) -> str:
    text = str(form.get(name, "")).strip()
    if is_blank(text) or len(text) > TEXT_LIMIT:
        raise _BadText()
    return text


Do = Callable[[Services, StaffMember, int, Any], object]


def _claim(s: Services, staff: StaffMember, rid: int, form: Any) -> object:
    return work.claim(s.engine, s.clock, staff, rid, then=notify.claimed(s))


def _release(s: Services, staff: StaffMember, rid: int, form: Any) -> object:
    return work.release(s.engine, s.clock, staff, rid)


def _assign(s: Services, staff: StaffMember, rid: int, form: Any) -> object:
    try:
        to = int(form.get("colleague", ""))
    except ValueError:
        raise work.Refused("no_colleague") from None
    return work.assign(s.engine, s.clock, staff, rid, to, then=notify.assigned(s, staff))


def _transfer(s: Services, staff: StaffMember, rid: int, form: Any) -> object:
    unit = str(form.get("unit", ""))
    work.check_acting(s.engine, staff, rid)  # as the chat: refused before the reason counts
    units = [u.id for u in s.deployment.units]
    if unit not in units or unit == staff.unit:
        raise work.Refused("no_unit")
    reason = _text(form, "reason")
    tell = notify.transferred(s, staff)
    return work.transfer(s.engine, s.clock, staff, rid, unit, units, reason, then=tell)


def _consent(s: Services, staff: StaffMember, rid: int, form: Any) -> object:
    how = str(form.get("how", ""))
    today = s.clock().astimezone(s.settings.tz).date()
    over = str(form.get("override_reason", "")).strip()
    if over:  # over the person's own "no": the reason is kept, and the person is told
        if len(over) > TEXT_LIMIT:
            raise _BadText()
        tell = notify.person_status(s, N_("person.status.consent_override"))
        return work.confirm_consent(
            s.engine, s.clock, staff, rid, how, today, override_reason=over, then=tell
        )
    return work.confirm_consent(s.engine, s.clock, staff, rid, how, today)


def _status(s: Services, staff: StaffMember, rid: int, form: Any) -> object:
    to = str(form.get("status", ""))
    return work.move(s.engine, s.clock, staff, rid, to, then=notify.moved(s))


def _close(s: Services, staff: StaffMember, rid: int, form: Any) -> object:
    work.check_acting(s.engine, staff, rid)
    reason = _text(form, "reason")
    return work.close(s.engine, s.clock, staff, rid, reason, then=notify.closed(s))


def _decline(s: Services, staff: StaffMember, rid: int, form: Any) -> object:
    work.check_acting(s.engine, staff, rid)
    reason, suggestion = _text(form, "reason"), _text(form, "suggestion")
    tell = notify.person_status(
        s, N_("person.status.declined"), reason=reason, suggestion=suggestion
    )
    return work.decline(s.engine, s.clock, staff, rid, reason, suggestion, then=tell)


def _note(s: Services, staff: StaffMember, rid: int, form: Any) -> object:
    work.view(s.engine, s.clock, staff, rid)  # any staff of the unit; the chat opens it too
    return work.add_note(s.engine, s.clock, staff, rid, _text(form, "text"))


def _message(s: Services, staff: StaffMember, rid: int, form: Any) -> object:
    work.check_acting(s.engine, staff, rid)
    text = _text(form, "text")
    tell = notify.staff_message(s, text)
    return work.message_person(s.engine, s.clock, staff, rid, text, then=tell)


ACTIONS: dict[str, tuple[Do, str]] = {
    # form: (what it does, the STAFF_DONE key it answers with)
    "claim": (_claim, "claim"),
    "release": (_release, "release"),
    "assign": (_assign, "assign"),
    "transfer": (_transfer, "transfer"),
    "consent": (_consent, "consent"),
    "status": (_status, "status"),
    "close": (_close, "status"),
    "decline": (_decline, "decline"),
    "note": (_note, "note"),
    "message": (_message, "message"),
}


def request_id_of(services: Services, reference: str) -> int | None:
    """The request's id whatever its unit: for the record of a refused attempt only."""
    with session_scope(services.engine) as s:
        found = select(SipRequest.id).where(SipRequest.reference == reference.upper())
        return s.exec(found).first()


async def not_staff(services: Services, user_id: int, action: str, reference: str) -> None:
    """A signed-in user who is not (or no longer) staff posted a form: recorded as the chat's
    gate records a press of a staff button."""
    rid = await asyncio.to_thread(request_id_of, services, reference)
    await asyncio.to_thread(
        refused_attempt,
        services.engine,
        services.clock(),
        user_id,
        ATTEMPT.get(action, action[:8]),
        "not_staff",
        rid,
    )


async def act(
    services: Services, staff: StaffMember, action: str, reference: str, form: Any
) -> str:
    """Run the form's action; the page's address to go to (done, refused or asked again).

    Raises 404 for another unit's request or one that does not exist (recorded as refused)."""
    do, done = ACTIONS[action]
    rid = await asyncio.to_thread(request_id_of, services, reference)
    page = f"/desk/requests/{reference}"
    try:
        if rid is None:
            raise work.Refused("not_found")
        await asyncio.to_thread(do, services, staff, rid, form)
    except _BadText:
        return f"{page}?again=text#{action}"
    except work.Refused as exc:
        log.info("web.refused op=%s code=%s", action, exc.code)
        await asyncio.to_thread(
            refused_attempt,
            services.engine,
            services.clock(),
            staff.telegram_id,
            ATTEMPT[action],
            exc.code,
            rid,
        )
        if exc.code == "not_found":
            raise web.HTTPNotFound() from None
        return f"{page}?refused={exc.code}"
    log.info("web.%s request=%s staff=%s", action, rid, staff.telegram_id)
    if action == "transfer":  # the request is the other unit's now: back to the queue
        return f"/desk?done={done}&ref={reference}"
    return f"{page}?done={done}"
