"""The documents staff export for a request: the PDF in the staff language, and the JSON record."""

from __future__ import annotations

import io
import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pypdf
import pytest
from sqlalchemy import update

from sipbot.db.engine import session_scope
from sipbot.db.models import SipRequest
from sipbot.documents.request_doc import request_document, request_json, request_pdf
from sipbot.requests import delete_person_requests, purge_ended, submit_request
from sipbot.services import Services
from tests.conftest import FakeClock

PERSON = 4242
GOAL = "Klara gymnasiet och orka träffa mina kompisar igen"
SUBGOALS = ["Gå i skolan tre dagar i veckan", "Sova åtta timmar varje natt"]
PROBLEMS = "Jag orkar inte gå till skolan och sover dåligt. Ingen vet vad de andra gör."
CONTACT = "Anna Berg 070-111 22 33"

# The self branch of tests/scripts.py, as final_answers() stores it, with a voice message.
ANSWERS: dict[str, Any] = {
    "role": "self",
    "municipality": "ostersund",
    "problems": PROBLEMS,
    "main_goal": GOAL,
    "subgoals": SUBGOALS,
    "can_do": "Laga mat och ta mina mediciner",
    "strengths": None,
    "actors": ["vardcentral", "psykiatri", "narstaende"],
    "contacts": {"vardcentral": CONTACT, "psykiatri": None, "narstaende": "Lena, min syster"},
    "share_scope": "limited",
    "share_with": ["vardcentral", "psykiatri"],
    "not_share": "Min ekonomi",
    "meeting_place": "home",
    "meeting_help": ["interpreter", "easy_papers"],
    "interpreter_language": "arabiska",
    "meeting_times": None,
    "main_responsible": "psykiatri",
    "followup_how": "Jag går i skolan",
    "followup_when": "1m",
    "other": {"voice": "AwACAgQAAxkBAAIB", "duration": 42},
    "contact_way": "phone",
    "phone": "+46 70 123 45 67",
}
RELATIVE: dict[str, Any] = {
    **ANSWERS,
    "role": "relative",
    "person_name": "Karl Öberg",
    "relation": "son",
    "person_agrees": "agrees",
    "municipality": "are",
    "other": "Pappa hör dåligt, prata tydligt.",
}


def submit(services: Services, answers: dict[str, Any], telegram_id: int = PERSON) -> SipRequest:
    flow = services.flows["sip_request"]
    return submit_request(
        services.engine,
        services.deployment,
        services.clock,
        telegram_id=telegram_id,
        flow_id=flow.id,
        flow_version=flow.version,
        answers=answers,
        language="sv",
        easy=False,
        tz=services.settings.tz,
    )


def reload(services: Services, request_id: int | None) -> SipRequest:
    with session_scope(services.engine) as s:
        request = s.get(SipRequest, request_id)
        assert request is not None
        return request


def change(services: Services, request_id: int | None, **values: Any) -> SipRequest:
    with session_scope(services.engine) as s:
        s.execute(update(SipRequest).where(SipRequest.id == request_id).values(**values))  # type: ignore[arg-type]
    return reload(services, request_id)


def pdf_text(pdf: bytes) -> str:
    pages = [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages]
    return re.sub(r"\s+", " ", " ".join(pages))


@pytest.fixture
def request_self(services: Services) -> SipRequest:
    return reload(services, submit(services, ANSWERS).id)


def sv(services: Services):  # type: ignore[no-untyped-def]
    return services.catalogs.texts("sv", easy=False)


def en(services: Services):  # type: ignore[no-untyped-def]
    return services.catalogs.texts("en", easy=False)


# -- JSON ------------------------------------------------------------------------------------


def test_json_round_trips_and_keeps_the_answers_as_stored(
    services: Services, request_self: SipRequest
) -> None:
    data = request_json(services, request_self)
    assert json.loads(json.dumps(data, ensure_ascii=False)) == data
    assert data["answers"] == ANSWERS == request_self.answers
    flow = services.flows["sip_request"]
    assert data["flow"] == {"id": "sip_request", "version": flow.version}
    assert data["reference"] == request_self.reference
    assert (data["unit"], data["municipality"]) == ("ostersund", "ostersund")
    assert (data["role"], data["consent"], data["status"]) == ("self", "given", "new")
    assert data["submitted_at"] == "2026-11-23T09:00:00+00:00"
    assert data["claimed_at"] is None and data["meeting_at"] is None
    assert data["followup_at"] is None


def test_json_answers_are_a_copy(services: Services, request_self: SipRequest) -> None:
    data = request_json(services, request_self)
    data["answers"]["subgoals"].append("Något annat")
    assert request_self.answers is not None
    assert request_self.answers["subgoals"] == SUBGOALS


def test_json_times_are_utc(services: Services, request_self: SipRequest) -> None:
    stockholm = services.settings.tz
    meeting = datetime(2026, 12, 3, 10, 0, tzinfo=stockholm)  # 09:00 UTC in winter
    request = change(
        services,
        request_self.id,
        status="meeting_booked",
        assigned_to=77,
        claimed_at=datetime(2026, 11, 23, 12, 30, tzinfo=UTC),
        meeting_at=meeting,
        followup_at=datetime(2027, 1, 14, 8, 0, tzinfo=UTC),
    )
    data = request_json(services, request)
    assert data["claimed_at"] == "2026-11-23T12:30:00+00:00"
    assert data["meeting_at"] == "2026-12-03T09:00:00+00:00"
    assert data["followup_at"] == "2027-01-14T08:00:00+00:00"
    assert datetime.fromisoformat(data["meeting_at"]) == meeting
    assert data["status"] == "meeting_booked"


# -- the document ----------------------------------------------------------------------------


def test_facts_in_swedish(services: Services, request_self: SipRequest) -> None:
    t = sv(services)
    doc = request_document(services, request_self)
    assert doc.title == "Förfrågan om samordnad individuell plan (SIP)"
    assert doc.reference == request_self.reference
    assert doc.language == "sv"
    facts = dict(doc.facts)
    assert facts == {
        "Mottagande enhet": "Östersunds kommun – SIP-samordning",
        "Kommun": "Östersund",
        "Skickad": "måndag 23 november 2026 10:00",  # 09:00 UTC, Swedish time
        "Ifylld av": "Personen själv",
        "Samtycke": t("consent.given"),
        "Status": t("status.new"),
    }
    assert doc.footer == "Skapad av sipbot 2026-11-23"


def test_sections_follow_the_flow_with_labels_and_own_words(
    services: Services, request_self: SipRequest
) -> None:
    t = sv(services)
    flow = services.flows["sip_request"]
    doc = request_document(services, request_self)
    titles = [section.title for section in doc.sections]
    # Every answered step but the two already among the facts, in flow order.
    expected = [
        t(step.title)
        for step in flow.steps
        if step.title and step.id in ANSWERS and step.id not in ("role", "municipality")
    ]
    assert titles == expected
    body = {section.title: section.lines for section in doc.sections}
    assert body[t("sip.problems.title")] == [PROBLEMS]
    assert body[t("sip.main_goal.title")] == [GOAL]
    assert body[t("sip.subgoals.title")] == [f"• {s}" for s in SUBGOALS]
    assert body[t("sip.contacts.title")] == [
        f"• {t('actor.vardcentral')}: {CONTACT}",
        f"• {t('actor.narstaende')}: Lena, min syster",
    ]
    assert body[t("sip.meeting_place.title")] == [t("sip.meeting_place.home")]
    assert body[t("sip.meeting_help.title")] == [
        f"{t('sip.meeting_help.interpreter')}, {t('sip.meeting_help.easy_papers')}"
    ]
    assert body[t("sip.strengths.title")] == [t("review.skipped")]
    voice = t("review.voice", seconds=42)
    assert body[t("sip.other.title")] == [t("doc.voice", voice=voice)]
    assert "AwACAgQAAxkBAAIB" not in str(doc)  # the Telegram file id is not printed


def test_swedish_pdf(services: Services, request_self: SipRequest) -> None:
    t = sv(services)
    pdf = request_pdf(services, request_self)
    assert pdf.startswith(b"%PDF-")
    text = pdf_text(pdf)
    assert text.startswith("Förfrågan om samordnad individuell plan (SIP)")
    for fragment in [
        request_self.reference,
        GOAL,
        *(f"• {s}" for s in SUBGOALS),
        "Anna Berg 070-111 22 33",
        "Östersunds kommun – SIP-samordning",
        "måndag 23 november 2026 10:00",
        "Personen själv",
        "Röstmeddelande, 42 sekunder. Lyssna på det i boten.",
        t("sip.problems.title"),
        t("sip.main_goal.title"),
        t("sip.subgoals.title"),
        t("sip.contacts.title"),
        t("sip.followup_when.title"),
        t("sip.followup_when.1m"),
        "Skapad av sipbot 2026-11-23",
    ]:
        assert fragment in text, fragment
    positions = [text.find(t(f"sip.{s}.title")) for s in ("problems", "main_goal", "subgoals")]
    assert positions == sorted(positions)
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    assert reader.metadata is not None
    assert reader.metadata.title == "Förfrågan om samordnad individuell plan (SIP)"


def test_english_document(services: Services, request_self: SipRequest) -> None:
    t = en(services)
    doc = request_document(services, request_self, lang="en")
    assert doc.language == "en"
    assert doc.title == "Request for a coordinated individual plan (SIP)"
    facts = dict(doc.facts)
    assert facts["Receiving unit"] == "Östersunds kommun – SIP-samordning"
    assert facts["Municipality"] == "Östersund"
    assert facts["Sent"] == "Monday 23 November 2026 10:00"
    assert facts["Filled in by"] == "The person"
    assert facts["Consent"] == t("consent.given")
    assert facts["Status"] == t("status.new")
    text = pdf_text(request_pdf(services, request_self, lang="en"))
    for fragment in [
        "Request for a coordinated individual plan (SIP)",
        t("sip.main_goal.title"),
        t("sip.subgoals.title"),
        t("sip.meeting_place.home"),
        f"{t('actor.vardcentral')}: {CONTACT}",
        GOAL,  # the person's own words stay as written
        "Voice message, 42 seconds. Listen to it in the bot.",
        "Created by sipbot 2026-11-23",
    ]:
        assert fragment in text, fragment
    assert sv(services)("sip.main_goal.title") not in text


def test_someone_else_filled_it_in(services: Services) -> None:
    t = sv(services)
    request = reload(services, submit(services, RELATIVE).id)
    doc = request_document(services, request)
    facts = dict(doc.facts)
    assert facts["Ifylld av"] == "En anhörig eller närstående"
    assert facts["Kommun"] == "Åre"
    assert facts["Samtycke"] == t("consent.awaiting_person")
    body = {section.title: section.lines for section in doc.sections}
    assert body[t("sip.person_name.title")] == ["Karl Öberg"]
    assert body[t("sip.relation.title")] == ["son"]
    assert body[t("sip.person_agrees.title")] == [t("sip.person_agrees.agrees")]
    assert body[t("sip.other.title")] == ["Pappa hör dåligt, prata tydligt."]


def test_status_with_its_date(services: Services, request_self: SipRequest) -> None:
    t = sv(services)
    meeting = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
    request = change(services, request_self.id, status="meeting_booked", meeting_at=meeting)
    facts = dict(request_document(services, request).facts)
    assert facts["Status"] == t("status.meeting_booked", date="torsdag 3 december 2026 10:00")
    request = change(services, request_self.id, status="new", assigned_to=77)
    assert dict(request_document(services, request).facts)["Status"] == t("status.claimed")


def test_answers_to_steps_no_longer_in_the_flow_are_kept(
    services: Services, request_self: SipRequest
) -> None:
    answers = {**ANSWERS, "old_question": "Ett svar på en fråga som inte finns kvar"}
    request = change(services, request_self.id, answers=answers)
    sections = request_document(services, request).sections
    assert sections[-1].title == "old_question"
    assert sections[-1].lines == ["Ett svar på en fråga som inte finns kvar"]


def test_deleted_request(services: Services, clock: FakeClock) -> None:
    t = sv(services)
    request = submit(services, ANSWERS, telegram_id=999)
    clock.advance(days=2)
    delete_person_requests(services.engine, clock, 999)
    request = reload(services, request.id)
    assert request.answers is None
    doc = request_document(services, request)
    facts = dict(doc.facts)
    assert facts["Status"] == "Raderad av personen."
    assert facts["Mottagande enhet"] == "Östersunds kommun – SIP-samordning"
    assert facts["Skickad"] == "måndag 23 november 2026 10:00"
    assert [(s.title, s.lines) for s in doc.sections] == [
        (t("doc.answers"), ["Personen har raderat innehållet."])
    ]
    text = pdf_text(request_pdf(services, request))
    assert request.reference in text
    assert "Personen har raderat innehållet." in text
    for words in (GOAL, SUBGOALS[0], "Anna Berg", t("sip.main_goal.title")):
        assert words not in text
    data = request_json(services, request)
    assert data["answers"] is None and data["status"] == "deleted"
    assert json.loads(json.dumps(data)) == data
    english = request_document(services, request, lang="en")
    assert english.sections[0].lines == ["The person has deleted the contents."]


def test_purged_request(services: Services, clock: FakeClock) -> None:
    request = submit(services, ANSWERS)
    change(services, request.id, status="closed", closed_at=clock() + timedelta(days=1))
    clock.advance(days=100)
    assert purge_ended(services.engine, clock, keep_days=90) == 1
    request = reload(services, request.id)
    doc = request_document(services, request)
    assert [s.lines for s in doc.sections] == [
        ["Svaren är borttagna eftersom ärendet är avslutat."]
    ]
    assert dict(doc.facts)["Status"] == sv(services)("status.closed")
