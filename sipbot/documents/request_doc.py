"""A submitted request as the documents staff export: a printable PDF and a JSON record.

The PDF is for the record system and for the person's own copy: the facts of the request
(unit, municipality, when it was sent, who filled it in, consent, status) and one section per
answered question of the flow, titled as in the flow, with chosen options shown by their labels
and the person's own words as they wrote them. Labels are in the staff language (Swedish unless
asked for English), always the plain register.

The JSON is for machines: ids rather than labels, times in ISO 8601 UTC, and the answers keyed
by step id exactly as stored.

A request whose contents are gone (the person deleted them, or they were purged some time after
the request ended) still gives a document: the facts and one line saying why there is nothing
more.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

from sipbot.db.models import SipRequest
from sipbot.documents.model import RequestDocument, Section
from sipbot.flows import engine
from sipbot.flows.model import Flow
from sipbot.i18n import Texts
from sipbot.labels import CONSENT, ROLE, status_text
from sipbot.plan.model import to_json
from sipbot.plan.store import Version, versions
from sipbot.render import answers as rendered
from sipbot.services import Services

__all__ = ["plan_pdf", "request_document", "request_json", "request_pdf"]

# Steps whose answer is already a fact in the header, so not repeated as a section.
FACT_STEPS = ("role", "municipality")


def request_document(services: Services, request: SipRequest, lang: str = "sv") -> RequestDocument:
    """The request as a document in the staff language ("sv" or "en"), ready to render."""
    t = services.catalogs.texts(lang, easy=False)
    today = services.clock().astimezone(t.tz).date().isoformat()
    return RequestDocument(
        title=t("doc.title"),
        reference=request.reference,
        facts=_facts(services, request, t),
        sections=_sections(services, request, t),
        footer=t("doc.footer", date=today),
        language=t.lang,
    )


def request_pdf(services: Services, request: SipRequest, lang: str = "sv") -> bytes:
    """The request as an A4 PDF (see sipbot.documents.pdf)."""
    from sipbot.documents.pdf import render_pdf  # fpdf only when a PDF is made

    return render_pdf(request_document(services, request, lang))


def plan_pdf(
    services: Services, request: SipRequest, version: Version, t: Texts, made_by: str = ""
) -> bytes:
    """A version of the request's plan as an A4 PDF, in ``t``'s language and register: the
    person's copy in theirs, the staff file in the staff language."""
    from sipbot.documents.plan_doc import plan_document, render_plan_pdf

    unit = next((u.name for u in services.deployment.units if u.id == request.unit), request.unit)
    today = services.clock().astimezone(t.tz).date().isoformat()
    doc = plan_document(request, version, t, unit_name=unit, made_by=made_by, today=today)
    return render_plan_pdf(doc)


def request_json(services: Services, request: SipRequest) -> dict[str, Any]:
    """The request for machines: ids, ISO 8601 UTC times, the answers exactly as stored.

    Every value is JSON-serializable; the answers are a copy, so changing them changes nothing.
    ``answers`` is None once the contents were deleted or purged.
    """
    return {
        "reference": request.reference,
        "unit": request.unit,
        "municipality": request.municipality,
        "role": request.role,
        "consent": request.consent,
        "status": request.status,
        "language": request.language,
        "easy": request.easy,
        "submitted_at": _iso(request.submitted_at),
        "claimed_at": _iso(request.claimed_at),
        "due_at": _iso(request.due_at),
        "meeting_at": _iso(request.meeting_at),
        "followup_at": _iso(request.followup_at),
        "closed_at": _iso(request.closed_at),
        "flow": {"id": request.flow_id, "version": request.flow_version},
        "answers": copy.deepcopy(request.answers),
        # The plan's versions, oldest first, each as stored (sipbot.plan.model.to_json).
        "plan": [
            {
                "version": v.number,
                "made_at": _iso(v.made_at),
                "made_by": v.made_by,
                "meeting_id": v.meeting_id,
                "content": to_json(v.content),
            }
            for v in versions(services.engine, request.id)  # type: ignore[arg-type]
        ],
    }


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(UTC).isoformat()


# -- the header ------------------------------------------------------------------------------


def _facts(services: Services, request: SipRequest, t: Texts) -> list[tuple[str, str]]:
    deployment = services.deployment
    unit = next((u.name for u in deployment.units if u.id == request.unit), request.unit)
    municipality = next(
        (m.name for m in deployment.municipalities if m.id == request.municipality),
        request.municipality,
    )
    named = [(t("doc.person"), request.person_name)] if request.person_name else []
    return [
        *named,
        (t("doc.unit"), unit),
        (t("doc.municipality"), municipality),
        (t("doc.sent"), t.datetime(request.submitted_at)),
        (t("doc.filled_by"), t(ROLE[request.role].doc) if request.role in ROLE else request.role),
        (
            t("doc.consent"),
            t(CONSENT[request.consent].person) if request.consent in CONSENT else request.consent,
        ),
        (t("doc.status"), _status(request, t)),
    ]


def _status(request: SipRequest, t: Texts) -> str:
    if request.status == "deleted":
        return t("doc.status.deleted")
    return status_text(request, t)


# -- the answers -----------------------------------------------------------------------------


def _sections(services: Services, request: SipRequest, t: Texts) -> list[Section]:
    answers = request.answers
    if answers is None:
        gone = t("doc.deleted") if request.status == "deleted" else t("doc.purged")
        return [Section(t("doc.answers"), [gone])]
    answers = _voice_noted(answers, t)
    flow = services.flows.get(request.flow_id)
    known: set[str] = set()
    sections: list[Section] = []
    if flow is not None:
        known = {step.id for step in flow.steps}
        sections += _flow_sections(services, flow, answers, t)
    # Answers to steps the current flow no longer has: kept, under their step id.
    for key, value in answers.items():
        if key not in known and value is not None:
            sections.append(Section(key, _raw_lines(value)))
    return sections


def _flow_sections(
    services: Services, flow: Flow, answers: dict[str, Any], t: Texts
) -> list[Section]:
    shown = rendered.show_answer
    return [
        Section(
            rendered.title(flow, step, answers, t),
            shown(services.deployment, flow, step, answers, t).split("\n"),
        )
        for step in flow.steps
        if step.title
        and step.id not in FACT_STEPS
        and step.id in answers
        and engine.visible(step, answers)
    ]


def _voice_noted(answers: dict[str, Any], t: Texts) -> dict[str, Any]:
    """The answers with each voice message replaced by a line saying it is in the bot."""

    def note(value: Any) -> Any:
        if isinstance(value, dict) and "voice" in value:
            voice = t("review.voice", seconds=value.get("duration", 0))
            return t("doc.voice", voice=voice)
        if isinstance(value, list):
            return [note(v) for v in value]
        if isinstance(value, dict):
            return {k: note(v) for k, v in value.items()}
        return value

    return {key: note(value) for key, value in answers.items()}


def _raw_lines(value: Any) -> list[str]:
    if isinstance(value, list):
        return [f"• {v}" for v in value if v is not None]
    if isinstance(value, dict):
        return [f"• {k}: {v}" for k, v in value.items() if v is not None]
    return str(value).split("\n")
