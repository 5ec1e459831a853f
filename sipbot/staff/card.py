"""What staff read: the short group notice, queue lines and the full request card.

Staff texts are always the plain register, in the staff member's language (Swedish unless
they chose English); the person's own words are shown as written.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sipbot.db.models import RequestEvent, RequestNote, SipRequest
from sipbot.flows import engine
from sipbot.flows.model import ADULT
from sipbot.i18n import N_, Texts
from sipbot.labels import CONSENT, ROLE, STATUS, staff_word
from sipbot.render import answers as rendered
from sipbot.requests import person_name
from sipbot.services import Services
from sipbot.staff.work import Card

NOTE = {
    "note": N_("staff.note.note"),
    "to_person": N_("staff.note.to_person"),
    "from_person": N_("staff.note.from_person"),
    "transfer": N_("staff.note.transfer"),
    "decline": N_("staff.note.decline"),
    "close": N_("staff.note.close"),
    "consent_override": N_("staff.note.consent_override"),
}


def open_data(request_id: int | None) -> str:
    """The data of the button that opens a request's card in the staff chat (built here only)."""
    return f"S:o:{request_id}"


def open_row(t: Texts, request_id: int | None, label: str = N_("staff.button.card")) -> list[Any]:
    """A keyboard row with that button, named `label` (Open, the card)."""
    return [(t(label), open_data(request_id))]


def reader(request: SipRequest, t: Texts) -> str:
    """How the person reads: their language and register, so staff write to match."""
    language = t.language_name(request.language)
    register = t("staff.reader.easy") if request.easy else t("staff.reader.plain")
    return t("staff.card.reader", language=language, register=register)


AGE_GROUP = {
    "small": N_("staff.age.small"),
    "school": N_("staff.age.school"),
    "teen": N_("staff.age.teen"),
    "adult": N_("staff.age.adult"),
}


def age_group(services: Services, request: SipRequest, t: Texts) -> str:
    """The age group the request's answers give; a guardian's older request: a child."""
    flow = services.flows.get(request.flow_id)
    if flow is not None and request.answers:
        given = engine.age_group(flow, request.answers)
        if given != ADULT or request.role != "guardian":
            return t(AGE_GROUP.get(given, AGE_GROUP[ADULT]))
    if request.role == "guardian":
        return t("staff.age.child")
    return t("staff.age.adult")


def waited(request: SipRequest, now: datetime, t: Texts) -> str:
    hours = int((now - request.submitted_at).total_seconds() // 3600)
    if hours < 48:
        return t("staff.age_hours", hours=hours)
    return t.ngettext("staff.age_days", hours // 24, days=hours // 24)


def notice(services: Services, request: SipRequest, t: Texts) -> str:
    """The short card for the unit's group: no names, no answers."""
    return t(
        "staff.notice.facts",
        reference=request.reference,
        municipality=services.deployment.municipality(request.municipality).name,
        age=age_group(services, request, t),
        role=t(ROLE[request.role].staff),
        sent=t.datetime(request.submitted_at),
    )


def queue_line(request: SipRequest, now: datetime, t: Texts, names: dict[int, str]) -> str:
    who = names.get(request.assigned_to or 0)
    overdue = request.status == "new" and request.due_at is not None and request.due_at < now
    line = t(
        "staff.queue.line",
        reference=request.reference,
        waited=waited(request, now, t),
        status=t(STATUS[request.status].staff),
        who=who or t("staff.nobody"),
    )
    if request.person_name:  # the private chat only: the group notice names nobody
        line = f"{line} · {request.person_name}"
    return f"⚠️ {line}" if overdue and who is None else line


def card_text(
    services: Services,
    card: Card,
    t: Texts,
    now: datetime,
    names: dict[int, str],
) -> list[str]:
    """The request card as message blocks: facts, the person's answers, history, notes."""
    r = card.request
    unit = services.deployment.unit(r.unit).name
    head = [
        t("staff.card.head", reference=r.reference, unit=unit),
        t(
            "staff.card.facts",
            status=t(STATUS[r.status].staff),
            consent=t(CONSENT[r.consent].staff),
            who=names.get(r.assigned_to or 0) or t("staff.nobody"),
            sent=t.datetime(r.submitted_at),
            waited=waited(r, now, t),
            due=t.datetime(r.due_at) if r.due_at else "–",
            municipality=services.deployment.municipality(r.municipality).name,
            role=t(ROLE[r.role].staff),
        ),
    ]
    # Requests sent before the name had a column of its own still name the person.
    name = r.person_name or (person_name(r.answers) if r.answers else None)
    if name:
        head.insert(1, t("staff.card.person", name=name))
    head.append(reader(r, t))
    if r.meeting_at:
        head.append(t("staff.card.meeting", when=t.datetime(r.meeting_at)))
    if r.followup_at:
        head.append(t("staff.card.followup", when=t.datetime(r.followup_at)))
    blocks = ["\n".join(head)]
    flow = services.flows.get(r.flow_id)
    if r.answers is None:
        blocks.append(t("staff.card.deleted"))
    elif flow is not None:
        blocks += rendered.answer_blocks(services.deployment, flow, r.answers, t)
    blocks.append(history(card.events, t, names))
    if card.notes:
        blocks.append(notes(card.notes, t, names))
    return blocks


# The meeting's changes and the person's answers to its notice, in the history.
MEETING_EVENT = {
    "moved": N_("staff.event.meeting_moved"),
    "cancelled": N_("staff.event.meeting_cancelled"),
    "can_come": N_("staff.event.can_come"),
    "other_time": N_("staff.event.other_time"),
}


def history(events: list[RequestEvent], t: Texts, names: dict[int, str]) -> str:
    lines = [t("staff.card.history")]
    for e in events:
        when = t.datetime(e.at)
        who = names.get(e.staff_id or 0, "")
        if e.kind == "status":
            what = staff_word(STATUS, e.value, t)
        elif e.kind == "consent":
            what = t("staff.event.consent", consent=staff_word(CONSENT, e.value, t))
        elif e.kind == "assign":
            what = (
                t("staff.event.assigned", who=names.get(int(e.value), e.value))
                if e.value
                else (t("staff.event.released"))
            )
        elif e.kind == "meeting":
            what = t(MEETING_EVENT.get(e.value, "staff.event.meeting_moved"))
        else:
            what = t("staff.event.transfer", unit=e.value)
        lines.append(f"• {when}: {what}" + (f" ({who})" if who else ""))
    return "\n".join(lines)


def notes(items: list[RequestNote], t: Texts, names: dict[int, str]) -> str:
    lines = [t("staff.card.notes")]
    for n in items:
        body = n.body or {}
        text = body.get("text")
        if text is None and "voice" in body:
            text = t("review.voice", seconds=body.get("duration", 0))
        if n.kind == "decline" and body.get("suggestion"):
            text = f"{text} / {body['suggestion']}"
        who = names.get(n.staff_id or 0, "")
        label = t(NOTE[n.kind])
        lines.append(f"• {t.datetime(n.at)} {label}{f' ({who})' if who else ''}: {text}")
    return "\n".join(lines)
