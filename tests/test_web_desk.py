"""The staff desk: the unit's queue as a table, a request's page, Claim as a form."""

from __future__ import annotations

from sqlmodel import select

from sipbot.db.engine import session_scope
from sipbot.db.models import AuditEntry, SipRequest
from sipbot.playground.emulator import BotApiEmulator
from sipbot.requests import submit_request
from sipbot.services import Services
from sipbot.staff.search import DESK_PAGE
from sipbot.web.server import WebServer
from tests.conftest import FakeClock, RunningBot
from tests.scripts import BRANCHES
from tests.staff_story import Staff
from tests.walker import request_through
from tests.web_story import Visitor, pages_fixture, texts_in, visitor_fixture  # noqa: F401


def _submit(services: Services, municipality: str, telegram_id: int) -> SipRequest:
    answers = {**BRANCHES["self"][0], "municipality": municipality}
    return submit_request(
        services.engine,
        services.deployment,
        services.clock,
        telegram_id=telegram_id,
        flow_id="sip_request",
        flow_version=services.flows["sip_request"].version,
        answers=answers,
        language="sv",
        easy=False,
        tz=services.settings.tz,
    )


def _enrol(services: Services, clock: FakeClock, telegram_id: int, unit: str) -> None:
    from sipbot.staff.members import accept_invite, create_invite

    token = create_invite(services.engine, clock, unit)
    accept_invite(services.engine, clock, token, telegram_id, "Anna")


def _references(html: str) -> list[str]:
    import re

    return re.findall(r'href="/desk/requests/(SIP-[A-Z0-9]+(?:-[A-Z0-9]+)?)"', html)


async def test_the_desk_is_for_staff_only(visitor: Visitor, services: Services) -> None:
    status, _ = await visitor.get("/desk")
    assert status == 403  # no session
    await visitor.signs_in_as(501)  # a person, not staff
    status, html = await visitor.get("/desk")
    t = services.catalogs.texts("sv", easy=False)
    assert status == 403 and t("web.error.forbidden") in texts_in(html)


async def test_the_queue_shows_the_own_units_requests_only(
    visitor: Visitor, services: Services, clock: FakeClock
) -> None:
    _enrol(services, clock, 600, "ostersund")
    ours = _submit(services, "ostersund", 1)
    theirs = _submit(services, "are", 2)
    await visitor.signs_in_as(600)
    status, html = await visitor.get("/desk")
    assert status == 200
    assert _references(html) == [ours.reference]
    assert theirs.reference not in html
    # Another unit's request is the same 404 as one that does not exist: nothing revealed.
    other, _ = await visitor.get(f"/desk/requests/{theirs.reference}")
    other_page = visitor.last
    none, _ = await visitor.get("/desk/requests/SIP-ZZZZZZ")
    assert other == none == 404
    assert other_page == visitor.last
    # Searching for it finds nothing either.
    _, html = await visitor.get("/desk", q=theirs.reference, status="all")
    assert _references(html) == []


async def test_search_filter_sort_and_pages(
    visitor: Visitor, services: Services, clock: FakeClock
) -> None:
    _enrol(services, clock, 600, "ostersund")
    made = []
    for i in range(DESK_PAGE + 5):
        made.append(_submit(services, "ostersund", 100 + i))
        clock.advance(minutes=1)
    await visitor.signs_in_as(600)
    t = services.catalogs.texts("sv", easy=False)

    _, html = await visitor.get("/desk")  # oldest first: who waited longest comes first
    assert _references(html) == [r.reference for r in made[:DESK_PAGE]]
    assert t("staff.web.page_of", page=1, pages=2) in texts_in(html)
    _, html = await visitor.get("/desk", page="2")
    assert _references(html) == [r.reference for r in made[DESK_PAGE:]]

    _, html = await visitor.get("/desk", sort="submitted", dir="desc")
    assert _references(html)[0] == made[-1].reference
    assert 'aria-sort="descending"' in html
    _, html = await visitor.get("/desk", sort="reference")
    refs = _references(html)
    assert refs == sorted(r.reference for r in made)[:DESK_PAGE]

    wanted = made[7].reference
    _, html = await visitor.get("/desk", q=wanted.lower())
    assert _references(html) == [wanted]
    _, html = await visitor.get("/desk", q=wanted.removeprefix("SIP-"))
    assert _references(html) == [wanted]

    _, html = await visitor.get("/desk", status="closed")
    assert _references(html) == []
    _, html = await visitor.get("/desk", status="new")
    assert len(_references(html)) == DESK_PAGE
    # Anything unknown falls back to the defaults rather than failing.
    status, html = await visitor.get("/desk", status="x", sort="'; drop", page="zz")
    assert status == 200 and len(_references(html)) == DESK_PAGE


async def test_the_request_page_shows_its_history(
    visitor: Visitor, services: Services, clock: FakeClock
) -> None:
    _enrol(services, clock, 600, "ostersund")
    request = _submit(services, "ostersund", 1)
    await visitor.signs_in_as(600)
    status, html = await visitor.get(f"/desk/requests/{request.reference}")
    t = services.catalogs.texts("sv", easy=False)
    words = texts_in(html)
    assert status == 200
    assert t("staff.web.request.title", reference=request.reference) in words
    assert t("staff.card.history") in words and t("staff.status.new") in words
    with session_scope(services.engine) as s:
        viewed = s.exec(select(AuditEntry).where(AuditEntry.action == "view")).all()
    assert [(a.staff_id, a.request_id) for a in viewed] == [(600, request.id)]


async def test_claim_needs_the_forms_token(
    visitor: Visitor, services: Services, clock: FakeClock
) -> None:
    _enrol(services, clock, 600, "ostersund")
    request = _submit(services, "ostersund", 1)
    await visitor.signs_in_as(600)
    for form in ({}, {"csrf": "not-the-token"}):
        response = await visitor.post(f"/desk/requests/{request.reference}/claim", form)
        assert response.status == 403
    with session_scope(services.engine) as s:
        row = s.get(SipRequest, request.id)
        assert row is not None and row.assigned_to is None


async def test_claiming_another_units_request_reveals_nothing(
    visitor: Visitor, services: Services, clock: FakeClock
) -> None:
    _enrol(services, clock, 600, "ostersund")
    theirs = _submit(services, "are", 2)
    await visitor.signs_in_as(600)
    await visitor.get("/desk")
    response = await visitor.post(
        f"/desk/requests/{theirs.reference}/claim", {"csrf": visitor.csrf()}
    )
    assert response.status == 404
    with session_scope(services.engine) as s:
        row = s.get(SipRequest, theirs.id)
        assert row is not None and row.assigned_to is None


async def test_a_claim_on_the_desk_is_the_chats_claim(
    emu: BotApiEmulator, bot: RunningBot, pages: WebServer
) -> None:
    """Anna claims on the desk; the chat's queue and card show it as hers, the person hears
    what the chat's Claim tells them, and the audit has the same entry."""
    services = bot.services
    anna = Staff(emu, services, 700, "Anna")
    await anna.enrol("ostersund")
    person, request, _ = await request_through(emu, bot, 701, "sv", False, BRANCHES["self"][0])
    desk = Visitor(pages)
    try:
        await desk.signs_in_as(anna.id)
        _, html = await desk.get("/desk", q=request.reference)
        assert _references(html) == [request.reference]
        await desk.get(f"/desk/requests/{request.reference}")
        response = await desk.post(
            f"/desk/requests/{request.reference}/claim", {"csrf": desk.csrf()}
        )
        assert response.status == 200 and str(response.url).endswith("?done=claim")
        words = texts_in(desk.last)
        assert anna.t("staff.done.claim", reference=request.reference) in words
        assert anna.t("staff.web.holder.you") in words
        assert anna.t("staff.button.claim") not in words  # no second claim offered

        # Claiming again (an old tab): the chat's refusal, in the chat's words.
        again = await desk.post(f"/desk/requests/{request.reference}/claim", {"csrf": desk.csrf()})
        assert str(again.url).endswith("?refused=yours_already")
        assert anna.t("staff.refused.yours_already") in texts_in(desk.last)
    finally:
        await desk.close()

    unit = services.deployment.unit("ostersund").name
    await person.sees("person.status.claimed", reference=request.reference, unit=unit)
    anna.user.send("/queue")
    await anna.sees("staff.queue.title")
    anna.user.press(anna.t("staff.tab.mine", n=1))
    await anna.user.until(lambda: request.reference in anna.user.last.button_texts)  # type: ignore[union-attr]
    anna.user.press(request.reference)
    card = await anna.sees("staff.card.history")
    assert anna.t("staff.event.assigned", who="Anna") in (card.text or "")
    assert anna.t("staff.button.claim") not in card.button_texts
    with session_scope(services.engine) as s:
        claims = s.exec(select(AuditEntry).where(AuditEntry.action == "claim")).all()
    assert [(a.staff_id, a.request_id) for a in claims] == [(anna.id, request.id)]


async def test_the_queue_says_who_has_each_request(
    visitor: Visitor, services: Services, clock: FakeClock
) -> None:
    from sipbot.staff import work
    from sipbot.staff.members import accept_invite, create_invite, member

    _enrol(services, clock, 600, "ostersund")
    bo_invite = create_invite(services.engine, clock, "ostersund")
    accept_invite(services.engine, clock, bo_invite, 601, "Bo")
    mine, bos, nobodys = (_submit(services, "ostersund", i) for i in (1, 2, 3))
    work.claim(services.engine, clock, member(services.engine, 600), mine.id)  # type: ignore[arg-type]
    work.claim(services.engine, clock, member(services.engine, 601), bos.id)  # type: ignore[arg-type]
    await visitor.signs_in_as(600)
    _, html = await visitor.get("/desk")
    t = services.catalogs.texts("sv", easy=False)

    def holder(reference: str) -> str:
        import re

        row = next(r for r in re.findall(r"<tr>.*?</tr>", html, re.S) if reference in r)
        return texts_in(re.findall(r"<td>(.*?)</td>", row, re.S)[-1]).strip()

    assert holder(mine.reference) == t("staff.web.holder.you")
    assert holder(bos.reference) == "Bo"
    assert holder(nobodys.reference) == t("staff.web.holder.none")


async def test_names_on_the_pages_are_text_never_markup(
    visitor: Visitor, services: Services, clock: FakeClock
) -> None:
    from sipbot.staff import work
    from sipbot.staff.members import accept_invite, create_invite, member

    _enrol(services, clock, 600, "ostersund")
    invite = create_invite(services.engine, clock, "ostersund")
    accept_invite(services.engine, clock, invite, 601, '<img src=x onerror="alert(1)">')
    request = _submit(services, "ostersund", 1)
    work.claim(services.engine, clock, member(services.engine, 601), request.id)  # type: ignore[arg-type]
    await visitor.signs_in_as(600)
    for path in ("/desk", f"/desk/requests/{request.reference}"):
        _, html = await visitor.get(path)
        assert "<img" not in html
        assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in html
