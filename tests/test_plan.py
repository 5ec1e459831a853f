"""The plan's core: the draft from the person's answers, the rules, versions that never
change, what changed, the person's copy as text, the PDF and the JSON export."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime

import pypdf
import pytest
from sqlmodel import select

from sipbot.db.engine import session_scope
from sipbot.db.models import Plan, PlanVersion, SipRequest, StaffMember
from sipbot.documents.request_doc import plan_pdf, request_json
from sipbot.plan.draft import draft_from_request
from sipbot.plan.model import Action, Goal, MainResponsible, Party, PlanContent, from_json, to_json
from sipbot.plan.rules import changes, problems
from sipbot.plan.store import current, next_draft, versions
from sipbot.render import plan as render
from sipbot.requests import delete_person_requests
from sipbot.services import Services
from sipbot.staff.plan_work import PlanInvalid, make_version, save_draft
from sipbot.staff.work import Refused
from tests.test_request_doc import ANSWERS, CONTACT, GOAL, PROBLEMS, SUBGOALS, change, pdf_text
from tests.test_request_doc import submit as submit_request

STAFF = 900
MEETING = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
FOLLOWUP = datetime(2027, 1, 14, 9, 0, tzinfo=UTC)
NAMED = {**ANSWERS, "own_name": "Anna Lind", "strengths": "Jag har en bra syster"}


@pytest.fixture
def staff(services: Services) -> StaffMember:
    member = StaffMember(
        telegram_id=STAFF, unit="ostersund", role="staff", name="Karin", created_at=MEETING
    )
    with session_scope(services.engine) as s:
        s.add(member)
    return member


@pytest.fixture
def request_at_meeting(services: Services, staff: StaffMember) -> SipRequest:
    request = submit_request(services, NAMED)
    return change(
        services, request.id, status="meeting_booked", assigned_to=STAFF, meeting_at=MEETING
    )


def agreed(draft: PlanContent) -> PlanContent:
    """What the meeting agreed on top of the draft: actions for both goals, a main
    responsible named, a follow-up booked."""
    first, second = draft.goals
    return dataclasses.replace(
        draft,
        why="Anna behöver hjälp från både psykiatrin och vårdcentralen.",
        goals=(
            dataclasses.replace(
                first,
                actions=(
                    Action(
                        "a1",
                        "Samtal om skolan",
                        "1 gång/vecka",
                        (Party("actor", "psykiatri", "Karin Ek"),),
                        start=date(2026, 12, 7),
                        ongoing=True,
                    ),
                    Action(
                        "a2",
                        "Följa med till skolan",
                        responsible=(Party("relative", name="Lena"),),
                        start=date(2026, 12, 7),
                        end=date(2027, 1, 31),
                    ),
                ),
            ),
            dataclasses.replace(
                second,
                actions=(
                    Action(
                        "a3",
                        "Sömndagbok",
                        "Varje kväll",
                        (Party("person"),),
                        ongoing=True,
                        person_view="Bra, men svårt att minnas",
                    ),
                    Action(
                        "a4",
                        "Läkemedelsgenomgång",
                        responsible=(Party("actor", "vardcentral"),),
                        end=date(2026, 12, 18),
                    ),
                ),
            ),
        ),
        person_view="Insatserna är bra.",
        main=MainResponsible("psykiatri", "Karin Ek", "Kurator", "063-14 20 00"),
        followup=dataclasses.replace(draft.followup, at=FOLLOWUP, convener="psykiatri"),
    )


def test_the_draft_comes_from_the_persons_answers(services: Services) -> None:
    request = submit_request(services, NAMED)
    request = change(services, request.id, meeting_at=MEETING)
    draft = draft_from_request(request)
    assert draft.long_goal == GOAL
    assert [g.text for g in draft.goals] == SUBGOALS
    assert [g.key for g in draft.goals] == ["g1", "g2"]
    assert draft.situation == PROBLEMS
    assert draft.strengths == "Jag har en bra syster\nLaga mat och ta mina mediciner"
    assert draft.main == MainResponsible("psykiatri")  # the person's wish, a huvudman
    assert [(p.actor, p.contact, p.invited) for p in draft.participants] == [
        ("person", "", True),
        ("vardcentral", CONTACT, True),
        ("psykiatri", "", True),
        ("narstaende", "Lena, min syster", True),
    ]
    assert draft.participants[0].name == "Anna Lind"
    assert draft.followup.covers == "Jag går i skolan"
    assert draft.followup.at == datetime(2027, 1, 2, 9, 0, tzinfo=UTC)  # "1m" after meeting
    # The voice answer ("other") is not copied; staff listen and write what was agreed.
    assert "AwACAgQAAxkBAAIB" not in repr(draft)


def test_a_wish_for_someone_not_a_huvudman_is_not_prefilled(services: Services) -> None:
    request = submit_request(services, {**ANSWERS, "main_responsible": "dont_know"})
    assert draft_from_request(request).main is None


def test_what_a_plan_must_hold(services: Services) -> None:
    actors = services.deployment.actors
    assert [p.code for p in problems(PlanContent(), actors)] == ["no_goal", "no_main"]
    plan = PlanContent(
        goals=(
            Goal(
                "g1",
                "Sova bättre",
                (
                    Action("a1", "", responsible=(Party("person"),)),
                    Action("a2", "Samtal", start=date(2027, 1, 2), end=date(2027, 1, 1)),
                    Action(
                        "a3",
                        "Träning",
                        responsible=(Party("actor", "gym"), Party("staff")),
                        ongoing=True,
                        end=date(2027, 1, 1),
                    ),
                ),
            ),
        ),
        main=MainResponsible("forsakringskassan"),  # invitable, but not a huvudman
    )
    assert [(p.code, p.key) for p in problems(plan, actors)] == [
        ("main_not_huvudman", None),
        ("no_what", "a1"),
        ("no_responsible", "a2"),
        ("end_before_start", "a2"),
        ("unknown_actor", "a3"),
        ("no_responsible", "a3"),  # a named professional needs a name
        ("ongoing_with_end", "a3"),
    ]
    fixed = dataclasses.replace(
        plan, goals=(Goal("g1", "Sova bättre"),), main=MainResponsible("lss")
    )
    assert problems(fixed, actors) == []
    # A one-day action ends the day it starts.
    one_day = Action("a1", "Hembesök", responsible=(Party("person"),), start=date(2027, 1, 2))
    one_day = dataclasses.replace(one_day, end=one_day.start)
    assert (
        problems(dataclasses.replace(fixed, goals=(Goal("g1", "Sova", (one_day,)),)), actors) == []
    )
    # A huvudman the deployment does not offer cannot be main responsible either.
    assert [p.code for p in problems(fixed, ["vardcentral"])] == ["main_not_huvudman"]


def test_versions_are_made_once_and_the_next_copies_the_last(
    services: Services, staff: StaffMember, request_at_meeting: SipRequest
) -> None:
    rid = request_at_meeting.id
    assert rid is not None
    actors = services.deployment.actors
    with pytest.raises(PlanInvalid) as invalid:
        make_version(services.engine, services.clock, staff, rid, PlanContent(), actors)
    assert {p.code for p in invalid.value.problems} == {"no_goal", "no_main"}
    assert current(services.engine, rid) is None

    first = agreed(next_draft(services.engine, request_at_meeting))
    v1 = make_version(services.engine, services.clock, staff, rid, first, actors)
    assert (v1.number, v1.made_by, v1.content) == (1, STAFF, first)
    # The follow-up starts from a copy of version 1 and changes it.
    copy = next_draft(services.engine, request_at_meeting)
    assert copy == first
    goal1, goal2 = copy.goals
    revised = dataclasses.replace(
        copy,
        goals=(
            dataclasses.replace(
                goal1,
                actions=(
                    dataclasses.replace(goal1.actions[0], how_often="2 gånger/vecka"),
                    goal1.actions[1],
                ),
            ),
            dataclasses.replace(goal2, actions=goal2.actions[:1]),
            Goal("g3", "Träffa kompisar", (Action("a5", "Fika", responsible=(Party("person"),)),)),
        ),
        followup=dataclasses.replace(copy.followup, at=datetime(2027, 3, 1, 9, tzinfo=UTC)),
    )
    v2 = make_version(services.engine, services.clock, staff, rid, revised, actors)
    assert [v.number for v in versions(services.engine, rid)] == [1, 2]
    assert versions(services.engine, rid)[0].content == first  # version 1 as it was made
    found = changes(v1.content, v2.content)
    assert [(c.kind, c.key, c.field) for c in found] == [
        ("action_changed", "a1", "how_often"),
        ("goal_added", "g3", ""),
        ("action_added", "a5", ""),
        ("action_removed", "a4", ""),
        ("followup", None, ""),
    ]
    # A made version is never written over, even by code that tries.
    with pytest.raises(RuntimeError), session_scope(services.engine) as s:
        row = s.exec(select(PlanVersion).where(PlanVersion.number == 1)).one()
        row.content = to_json(revised)
        s.flush()


def test_staff_of_another_unit_or_before_the_meeting_cannot_make_a_plan(
    services: Services, staff: StaffMember
) -> None:
    request = submit_request(services, NAMED)
    content = agreed(draft_from_request(request))
    actors = services.deployment.actors
    change(services, request.id, assigned_to=STAFF)
    with pytest.raises(Refused) as refused:
        make_version(services.engine, services.clock, staff, request.id, content, actors)  # type: ignore[arg-type]
    assert refused.value.code == "not_allowed"  # still new: no meeting yet
    change(services, request.id, status="meeting_booked", unit="are")
    with pytest.raises(Refused) as refused:
        make_version(services.engine, services.clock, staff, request.id, content, actors)  # type: ignore[arg-type]
    assert refused.value.code == "not_found"


def test_the_json_round_trip_keeps_everything(services: Services) -> None:
    content = agreed(
        draft_from_request(change(services, submit_request(services, NAMED).id, meeting_at=MEETING))
    )
    assert from_json(to_json(content)) == content


def _made(services: Services, staff: StaffMember, request: SipRequest) -> render.Version:
    content = agreed(next_draft(services.engine, request))
    return make_version(
        services.engine,
        services.clock,
        staff,
        request.id,
        content,
        services.deployment.actors,  # type: ignore[arg-type]
    )


def test_the_persons_summary_in_their_language_and_register(
    services: Services, staff: StaffMember, request_at_meeting: SipRequest
) -> None:
    version = _made(services, staff, request_at_meeting)
    unit = services.deployment.unit("ostersund").name
    easy = services.catalogs.texts("sv", easy=True)
    blocks = render.summary(version, easy, unit)
    text = "\n\n".join(blocks)
    assert blocks[0].startswith(easy("plan.title")) and easy("plan.title") == "Din plan (SIP)"
    assert easy("plan.summary.goals") in text and GOAL in text
    assert all(f"• {g}" in text for g in SUBGOALS)
    assert "• Samtal om skolan: Karin Ek (Psykiatri)" in text or "Karin Ek (" in text
    assert "Sömndagbok: Du (Pågår)" in text  # the person is "Du" in their own copy
    assert "Läkemedelsgenomgång: " in text and "Senast 18 december 2026" in text
    assert (
        easy(
            "plan.summary.followup_at",
            date=easy.datetime(FOLLOWUP),
            convener=easy("actor.psykiatri"),
        )
        in text
    )
    english = render.summary(version, services.catalogs.texts("en", easy=False), unit)
    assert "My goals" in english[1] and "By 18 December 2026" in english[2]
    assert "Samtal om skolan" in english[2]  # what staff wrote, as written


def test_the_whole_plan_has_every_part(
    services: Services, staff: StaffMember, request_at_meeting: SipRequest
) -> None:
    version = _made(services, staff, request_at_meeting)
    t = services.catalogs.texts("sv", easy=False)
    text = "\n".join(render.full(version, t, "Östersunds kommun"))
    for heading in (
        "Varför görs denna SIP?",
        "Långsiktigt mål",
        "Aktuell situation/behovsbedömning",
        "Vad fungerar bra (styrkor)",
        "Planering",
        "Personens egna uppfattning om insatserna",
        "Huvudansvarig för planen",
        "Namn, befattning och kontaktuppgifter på medverkande",
        "Uppföljning",
    ):
        assert heading in text, heading
    assert "Kortsiktigt mål: Gå i skolan tre dagar i veckan" in text
    assert "Hur ofta: 1 gång/vecka" in text
    assert "Tidsplan: 7 december 2026 – 31 januari 2027" in text
    assert "Tidsplan: Från 7 december 2026, pågår" in text
    assert "Karin Ek, Kurator, Psykiatri, 063-14 20 00" in text
    assert "Sammankallande: Psykiatri" in text
    assert "Uppföljningen ska handla om:\nJag går i skolan" in text
    lines = render.change_lines(2, changes(PlanContent(), version.content), t)
    assert lines[0] == "Det här är nytt i version 2 av planen:"
    assert "• Nytt mål: Gå i skolan tre dagar i veckan" in lines
    assert lines.count("• Ny insats: Samtal om skolan") == 1


def test_the_plan_pdf_has_the_county_forms_fields(
    services: Services, staff: StaffMember, request_at_meeting: SipRequest
) -> None:
    version = _made(services, staff, request_at_meeting)
    t = services.catalogs.texts("sv", easy=False)
    data = plan_pdf(services, request_at_meeting, version, t, made_by="Karin")
    reader = pypdf.PdfReader(__import__("io").BytesIO(data))
    text = pdf_text(data)
    for heading in (
        "Samordnad individuell plan, ",
        "Skapad av",
        "Gäller from",
        "Fastställd av",
        "Reviderad den",
        "Namn",
        "Personnummer",
        "Adress",
        "God man/förvaltare",
        "Telefon",
        "Datum för individuell planering",
        "Plats",
        "Sammankallande",
        "Huvudansvarig för planen",
        "Samtycke till att SIP ska upprättas",
        "Kallade/närvarande/fått exemplar av plan",
        "Kallad",
        "Närvarande vid mötet",
        "Fått ett ex av planen",
        "Den enskildes mål",
        "Kommunens mål",
        "Landstingets mål",
        "Gemensamma mål",
        "Varför görs denna SIP?",
        "Långsiktigt mål",
        "Aktuell situation/behovsbedömning",
        "Vad fungerar bra (styrkor)",
        "Planering",
        "Kortsiktiga mål",
        "Insatser/aktiviteter",
        "Ansvar",
        "Tidsplan start/sluttid",
        "Personens egna uppfattning om insatserna",
        "Uppföljning",
        "Samtycke till individuell plan",
        "Ort och datum",
        "Namnteckning",
    ):
        assert heading in text, heading
    for value in (
        "Anna Lind",
        request_at_meeting.reference,
        "Karin Ek, Kurator, Psykiatri, 063-14 20 00",
        GOAL,
        *SUBGOALS,
        "Samtal om skolan",
        "1 gång/vecka",
        "Följa med till skolan",
        "Lena",
        "Sömndagbok",
        "Läkemedelsgenomgång",
        "Senast 18 december 2026",
        "Insatserna är bra.",
        "Anna behöver hjälp från både psykiatrin och vårdcentralen.",
        CONTACT,
        "Karin",
    ):
        assert value in text, value
    # Layout sanity: A4 portrait, the county form on page 1, the plan after it.
    assert all(
        (round(float(p.mediabox.width)), round(float(p.mediabox.height))) == (595, 842)
        for p in reader.pages
    )
    assert 2 <= len(reader.pages) <= 4
    first = reader.pages[0].extract_text()
    assert "Kallade/närvarande/fått exemplar av plan" in first and "Personnummer" in first
    assert "Namnteckning" in reader.pages[-1].extract_text()
    assert GOAL not in str(reader.metadata)  # never the person's words in the metadata
    # The person's copy: their language and register.
    easy = plan_pdf(services, request_at_meeting, version, services.catalogs.texts("en", True))
    assert "Your plan (SIP)" in pdf_text(easy) and "Samtal om skolan" in pdf_text(easy)


def test_the_json_export_holds_the_plan_versions_and_deletion_removes_them(
    services: Services, staff: StaffMember, request_at_meeting: SipRequest
) -> None:
    assert request_json(services, request_at_meeting)["plan"] == []
    version = _made(services, staff, request_at_meeting)
    exported = request_json(services, request_at_meeting)["plan"]
    assert [v["version"] for v in exported] == [1]
    assert exported[0]["made_by"] == STAFF
    assert exported[0]["content"]["goals"][0]["actions"][0]["responsible"] == [
        {"kind": "actor", "actor": "psykiatri", "name": "Karin Ek"}
    ]
    assert from_json(exported[0]["content"]) == version.content
    __import__("json").dumps(exported)  # JSON-serializable
    delete_person_requests(services.engine, services.clock, request_at_meeting.telegram_id)  # type: ignore[arg-type]
    with session_scope(services.engine) as s:
        assert s.exec(select(Plan)).all() == [] and s.exec(select(PlanVersion)).all() == []


def test_changes_name_each_changed_part_once(services: Services) -> None:
    t = services.catalogs.texts("sv", easy=True)
    old = PlanContent(
        situation="Sover dåligt",
        goals=(Goal("g1", "Sova", (Action("a1", "Dagbok", "Varje dag"),)),),
        main=MainResponsible("psykiatri", "Karin"),
    )
    new = dataclasses.replace(
        old,
        situation="Sover bättre",
        goals=(
            Goal("g1", "Sova hela natten", (Action("a1", "Dagbok", "Varannan dag", ongoing=True),)),
        ),
        main=MainResponsible("vardcentral", "Per"),
    )
    found = changes(old, new)
    assert [(c.kind, c.field) for c in found] == [
        ("text", "situation"),
        ("goal_changed", ""),
        ("action_changed", "how_often"),
        ("action_changed", "ongoing"),
        ("main", ""),
    ]
    assert changes(new, new) == []
    assert render.change_lines(2, found, t) == [
        "Det här är nytt i version 2:",
        "• Nytt: Hur det är nu",
        "• Nytt om målet: Sova hela natten",
        "• Ändrad hjälp: Dagbok",
        "• Nytt: Den som håller ihop planen",
    ]


def test_the_plan_pdf_pages_as_images(
    services: Services, staff: StaffMember, request_at_meeting: SipRequest
) -> None:
    """Rendered, each page is A4 with ink on it; page 1 is the county form down to the goals,
    the signature lines come last."""
    pdfium = pytest.importorskip("pypdfium2")
    version = _made(services, staff, request_at_meeting)
    data = plan_pdf(services, request_at_meeting, version, services.catalogs.texts("sv", False))
    document = pdfium.PdfDocument(data)
    images = [document[i].render(scale=1).to_pil().convert("L") for i in range(len(document))]
    assert len(images) == len(pypdf.PdfReader(__import__("io").BytesIO(data)).pages) >= 2
    for image in images:
        width, height = image.size
        assert abs(height / width - 297 / 210) < 0.01
        inked = sum(image.histogram()[:128])  # dark pixels
        assert inked > 500  # not a blank page
    # The form's boxes begin near the top of page 1 (the title and the admin row).
    first = images[0]
    band = first.crop((0, 0, first.size[0], first.size[1] // 5))
    assert sum(band.histogram()[:128]) > 500
    document.close()


def test_a_draft_is_kept_until_the_version_is_made(
    services: Services, staff: StaffMember, request_at_meeting: SipRequest
) -> None:
    rid = request_at_meeting.id
    assert rid is not None
    started = dataclasses.replace(next_draft(services.engine, request_at_meeting), why="Halvvägs")
    save_draft(services.engine, services.clock, staff, rid, started)
    assert next_draft(services.engine, request_at_meeting) == started  # the desk goes on here
    assert current(services.engine, rid) is None
    made = make_version(
        services.engine,
        services.clock,
        staff,
        rid,
        dataclasses.replace(agreed(started), why=started.why),
        services.deployment.actors,
    )
    assert made.content.why == "Halvvägs"
    assert next_draft(services.engine, request_at_meeting) == made.content  # draft emptied
