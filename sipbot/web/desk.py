"""The staff desk: the unit's queue as a table, a request on one page, and its actions.

Actions are forms that call the same core functions as the chat's buttons (sipbot.staff.work),
so the checks, the history and the audit entries are the same. A request of another unit, or
one that does not exist, is the same 404: nothing is revealed.
"""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

from aiohttp import web

from sipbot.db.models import RequestEvent, RequestNote, SipRequest, StaffMember
from sipbot.i18n import N_, Texts
from sipbot.labels import CONSENT, STAFF_DONE, STAFF_REFUSED, STATUS, staff_word
from sipbot.requests import REFERENCE_PATTERN
from sipbot.staff import work
from sipbot.staff.card import MEETING_EVENT
from sipbot.staff.members import member, names
from sipbot.staff.search import DESK_PAGE, GROUPS, SORTS, Query, by_reference, find
from sipbot.status import OPEN
from sipbot.web import desk_actions
from sipbot.web.server import WEB, Web

log = logging.getLogger(__name__)
GROUP_LABELS = {
    "open": N_("staff.web.filter.open"),
    "ended": N_("staff.web.filter.ended"),
    "all": N_("staff.web.filter.all"),
}
SORT_LABELS = {
    "reference": N_("staff.web.column.reference"),
    "submitted": N_("staff.web.column.submitted"),
    "status": N_("staff.web.column.status"),
    "due": N_("staff.web.column.due"),
}


async def _staff(request: web.Request) -> tuple[Web, StaffMember]:
    """The signed-in active staff member, or 403 for everyone else."""
    w = request.app[WEB]
    session = w.session(request)
    staff = None
    if session is not None:
        staff = await asyncio.to_thread(member, w.services.engine, session.user_id)
    if staff is None:
        log.info("web.desk_refused reason=%s", "no_session" if session is None else "not_staff")
        raise web.HTTPForbidden()
    return w, staff


def _query(request: web.Request) -> Query:
    q = request.query
    try:
        page = int(q.get("page", "1")) - 1
    except ValueError:
        page = 0
    return Query(
        reference=q.get("q", ""),
        status=q.get("status", "open"),
        sort=q.get("sort", "submitted"),
        descending=q.get("dir") == "desc",
        page=page,
    ).valid()


async def queue(request: web.Request) -> web.StreamResponse:
    w, staff = await _staff(request)
    engine = w.services.engine
    # The database is asked in a worker thread: the bot shares this event loop.
    found = await asyncio.to_thread(find, engine, staff, _query(request))
    who = await asyncio.to_thread(names, engine, staff.unit)
    t = await w.texts(request, staff=True)
    now = w.services.clock()
    return await w.page(
        request,
        "desk/queue.html",
        staff=True,
        found=found,
        rows=[_row(r, t, staff, now, who) for r in found.rows],
        filters=[(k, t(v)) for k, v in GROUP_LABELS.items()]
        + [(s, t(STATUS[s].staff)) for s in GROUPS["all"]],
        sorts=[(k, t(v)) for k, v in SORT_LABELS.items() if k in SORTS],
        page_size=DESK_PAGE,
        href=_href(found.query),
        unit=w.services.deployment.unit(staff.unit).name,
        done=_done_elsewhere(request, t),
    )


def _done_elsewhere(request: web.Request, t: Texts) -> str:
    """The word after an action that took the request out of this unit's sight (transfer)."""
    ref = request.query.get("ref", "")
    if request.query.get("done") != "transfer" or not re.fullmatch(REFERENCE_PATTERN, ref):
        return ""
    return t(STAFF_DONE["transfer"], reference=ref)


def _href(q: Query):  # type: ignore[no-untyped-def]
    """The queue's address with some of its query changed (sort, direction, page)."""

    def href(page: int | None = None, sort: str | None = None, dir: str | None = None) -> str:
        values = {
            "q": q.reference,
            "status": q.status,
            "sort": sort or q.sort,
            "dir": dir or ("desc" if q.descending else "asc"),
            "page": (q.page if page is None else page) + 1,
        }
        return "/desk?" + urlencode(values)

    return href


@dataclass(frozen=True)
class Row:
    reference: str
    submitted: str
    status: str
    due: str
    overdue: bool
    holder: str


def _row(r: SipRequest, t: Texts, staff: StaffMember, now: datetime, who: dict[int, str]) -> Row:
    overdue = r.status in OPEN and r.due_at is not None and r.due_at < now
    if r.assigned_to is None:
        holder = t("staff.web.holder.none")
    elif r.assigned_to == staff.telegram_id:
        holder = t("staff.web.holder.you")
    else:
        holder = who.get(r.assigned_to) or t("staff.web.holder.colleague")
    return Row(
        r.reference,
        t.datetime(r.submitted_at),
        t(STATUS[r.status].staff),
        t.date(r.due_at) if r.due_at else "",
        overdue,
        holder,
    )


async def _found(w: Web, staff: StaffMember, reference: str) -> int:
    request_id = await asyncio.to_thread(by_reference, w.services.engine, staff, reference)
    if request_id is None:
        raise web.HTTPNotFound()
    return request_id


def _history(
    events: list[RequestEvent], t: Texts, who: dict[int, str]
) -> list[tuple[str, str, str]]:
    rows = []
    for e in events:
        if e.kind == "status":
            what = staff_word(STATUS, e.value, t)
        elif e.kind == "consent":
            what = t("staff.event.consent", consent=staff_word(CONSENT, e.value, t))
        elif e.kind == "assign":
            name = who.get(int(e.value), e.value) if e.value else ""
            what = t("staff.event.assigned", who=name) if e.value else t("staff.event.released")
        elif e.kind == "meeting":
            what = t(MEETING_EVENT.get(e.value, "staff.event.meeting_moved"))
        else:
            what = t("staff.event.transfer", unit=e.value)
        rows.append((t.datetime(e.at), what, who.get(e.staff_id or 0, "")))
    return rows


def _notes(notes: list[RequestNote], t: Texts, who: dict[int, str]) -> list[tuple[str, str, str]]:
    """Notes and messages, for staff of the unit: when, who wrote it, the text."""
    rows = []
    for n in notes:
        by = who.get(n.staff_id or 0, "") if n.kind != "from_person" else t("staff.web.note.person")
        rows.append((t.datetime(n.at), by, str((n.body or {}).get("text", ""))))
    return rows


async def request_page(request: web.Request) -> web.StreamResponse:
    w, staff = await _staff(request)
    request_id = await _found(w, staff, request.match_info["reference"])
    try:
        card = await asyncio.to_thread(
            work.view, w.services.engine, w.services.clock, staff, request_id
        )
    except work.Refused:  # moved to another unit between the two reads
        raise web.HTTPNotFound() from None
    t = await w.texts(request, staff=True)
    r = card.request
    who = await asyncio.to_thread(names, w.services.engine, staff.unit)
    done, refused = request.query.get("done"), request.query.get("refused")
    return await w.page(
        request,
        "desk/request.html",
        staff=True,
        r=r,
        status_text=t(STATUS[r.status].staff),
        consent=t(CONSENT[r.consent].staff),
        holder=_row(r, t, staff, w.services.clock(), who).holder,
        history=_history(card.events, t, who),
        can_claim=r.status in OPEN and r.assigned_to is None,
        forms=desk_actions.forms(w.services, staff, r, t),
        notes=_notes(card.notes, t, who),
        again=t("staff.input_text_only", limit=desk_actions.TEXT_LIMIT)
        if request.query.get("again") == "text"
        else "",
        done=t(STAFF_DONE[done], reference=r.reference) if done in STAFF_DONE else "",
        refused=t(STAFF_REFUSED[refused]) if refused in STAFF_REFUSED else "",
    )


async def action(request: web.Request) -> web.StreamResponse:
    """A form on the request page (the CSRF middleware has checked its token)."""
    w = request.app[WEB]
    name, reference = request.match_info["action"], request.match_info["reference"]
    session = w.session(request)
    staff = None
    if session is not None:
        staff = await asyncio.to_thread(member, w.services.engine, session.user_id)
    if staff is None:
        if session is not None:  # removed, or never staff: recorded as the chat records it
            await desk_actions.not_staff(w.services, session.user_id, name, reference)
        raise web.HTTPForbidden()
    form = await request.post()
    raise web.HTTPSeeOther(await desk_actions.act(w.services, staff, name, reference, form))


def add_routes(app: web.Application) -> None:
    app.router.add_get("/desk", queue)
    app.router.add_get("/desk/requests/{reference:" + REFERENCE_PATTERN + "}", request_page)
    names = "|".join(desk_actions.ACTIONS)
    app.router.add_post(
        "/desk/requests/{reference:" + REFERENCE_PATTERN + "}/{action:(" + names + ")}", action
    )
