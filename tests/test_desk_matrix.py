"""The desk passes the chat's authorization matrix: each staff action, done by the holder, a
colleague who does not hold the request, a member of another unit and a removed member, once
through the chat's buttons and once through the desk's forms, on two requests made alike.

Both must end the same way (done, or refused with the same code) and leave the same audit
entries: the desk calls the core as the chat does, and records refusals as the chat does.
"""

from __future__ import annotations

import pytest
from sqlmodel import select

from sipbot.db.engine import session_scope
from sipbot.db.models import OutboxMessage, SipRequest
from sipbot.labels import STAFF_DONE, STAFF_REFUSED
from sipbot.playground.emulator import BotApiEmulator
from sipbot.requests import submit_request
from sipbot.services import Services
from sipbot.staff import members, work
from sipbot.staff.audit import entries
from sipbot.web.server import WebServer
from tests.conftest import RunningBot
from tests.scripts import BRANCHES
from tests.staff_story import Staff
from tests.web_story import Visitor, pages_fixture, texts_in  # noqa: F401

HOLDER, COLLEAGUE, OTHER, REMOVED = 800, 801, 802, 803
ACTORS = {"holder": HOLDER, "colleague": COLLEAGUE, "other_unit": OTHER, "removed": REMOVED}
REASON, SUGGESTION, WORDS = "Fel enhet", "Ring vårdcentralen", "Hej, vi hörs"
# action: (the chat's button data, the texts it then asks for, the desk's form)
ACTIONS: dict[str, tuple[str, tuple[str, ...], dict[str, str]]] = {
    "release": ("S:r:{r}", (), {}),
    "assign": ("S:A:{r}:" + str(COLLEAGUE), (), {"colleague": str(COLLEAGUE)}),
    "transfer": ("S:T:{r}:are", (REASON,), {"unit": "are", "reason": REASON}),
    "consent": ("S:k:{r}:spoken", (), {"how": "spoken"}),
    "status": ("S:s:{r}:contacted", (), {"status": "contacted"}),
    "decline": (
        "S:d:{r}",
        (REASON, SUGGESTION),
        {"reason": REASON, "suggestion": SUGGESTION},
    ),
    "note": ("S:n:{r}", (WORDS,), {"text": WORDS}),
    "message": ("S:m:{r}", (WORDS,), {"text": WORDS}),
}


def expected(actor: str, action: str) -> str:
    """done, or the refusal code both surfaces must give."""
    if actor == "removed":
        return "not_staff"
    if actor == "other_unit":
        return "not_found"
    if actor == "colleague" and action != "note":
        return "taken"
    return "done"


def _held_request(services: Services) -> SipRequest:
    script, _ = BRANCHES["relative_without_link"]  # consent still to confirm
    request = submit_request(
        services.engine,
        services.deployment,
        services.clock,
        telegram_id=1,
        flow_id="sip_request",
        flow_version=services.flows["sip_request"].version,
        answers={**script, "municipality": "ostersund"},
        language="sv",
        easy=False,
        tz=services.settings.tz,
    )
    holder = members.member(services.engine, HOLDER)
    assert holder is not None and request.id is not None
    work.claim(services.engine, services.clock, holder, request.id)
    return request


def _audit(services: Services, request: SipRequest) -> list[tuple[object, ...]]:
    """The request's audit entries as the action left them (views are the surface's own)."""
    return [
        (a.staff_id, a.action, a.detail)
        for a in entries(services.engine, request_id=request.id)
        if a.action != "view"
    ]


def _told(services: Services, request: SipRequest) -> list[tuple[str, int]]:
    """Whom the action's notifier hook told, and of what (the outbox rows it queued)."""
    with session_scope(services.engine) as s:
        rows = s.exec(select(OutboxMessage).where(OutboxMessage.request_id == request.id))
        return sorted((m.kind, m.chat_id) for m in rows)


async def _by_chat(me: Staff, request: SipRequest, action: str) -> str:
    data, typed, _ = ACTIONS[action]
    answers = len(me.user.callback_answers)
    before = len(me.user.messages)
    me.user.press_data(me.user.last.message_id, data.format(r=request.id))  # type: ignore[union-attr]
    answer = await me.answered(answers)
    if answer:  # a refusal is the button's answer, in the words of its code
        return answer
    for text in typed:
        await me.user.until(lambda n=before: len(me.user.messages) > n)
        before = len(me.user.messages)
        me.user.send(text)
    done = STAFF_DONE[action]
    await me.sees(done, reference=request.reference)
    return "done"


async def _by_desk(desk: Visitor, request: SipRequest, action: str) -> str:
    await desk.get("/")
    form = {"csrf": desk.csrf(), **ACTIONS[action][2]}
    response = await desk.post(f"/desk/requests/{request.reference}/{action}", form)
    if response.status in (403, 404):
        return {403: "not_staff", 404: "not_found"}[response.status]
    assert response.status == 200
    query = response.url.query
    t = desk.server.services.catalogs.texts("sv", easy=False)
    if "done" in query:
        said = t(STAFF_DONE[query["done"]], reference=request.reference)
        assert said in texts_in(desk.last)
        return "done"
    code = query["refused"]
    assert t(STAFF_REFUSED[code]) in texts_in(desk.last)
    return code


@pytest.mark.parametrize("actor", list(ACTORS))
async def test_the_desk_answers_as_the_chat(
    emu: BotApiEmulator, bot: RunningBot, pages: WebServer, actor: str
) -> None:
    services = bot.services
    staff = {who: Staff(emu, services, tid, who.capitalize()) for who, tid in ACTORS.items()}
    for who, unit in (("holder", "ostersund"), ("colleague", "ostersund"), ("other_unit", "are")):
        await staff[who].enrol(unit)
    await staff["removed"].enrol("ostersund")
    members.remove(services.engine, services.clock, REMOVED)
    me = staff[actor]
    desk = Visitor(pages)
    try:
        await desk.signs_in_as(me.id)
        for action in ACTIONS:
            by_chat, by_desk = _held_request(services), _held_request(services)
            chat_said = await _by_chat(me, by_chat, action)
            desk_said = await _by_desk(desk, by_desk, action)
            want = expected(actor, action)
            # The chat says "not available" to anyone not staff as to another unit's staff.
            refusal = STAFF_REFUSED.get(want, "staff.not_available")
            words = "done" if want == "done" else me.t(refusal)
            assert (action, chat_said) == (action, words)
            assert (action, desk_said) == (action, want)
            audit = _audit(services, by_desk)
            assert audit == _audit(services, by_chat), action
            assert _told(services, by_desk) == _told(services, by_chat), action
            if want != "done":  # the code is in the record, the same on both
                assert audit[-1][1:] == ("refused", f"attempt={ACTIONS[action][0][2]} code={want}")
    finally:
        await desk.close()


def test_the_desk_takes_as_much_text_as_the_chat() -> None:
    from sipbot.chat.staff.base import TEXT_LIMIT
    from sipbot.web.desk_actions import TEXT_LIMIT as DESK_LIMIT

    assert DESK_LIMIT == TEXT_LIMIT


async def test_every_form_needs_its_token_and_a_blank_text_is_asked_again(
    emu: BotApiEmulator, bot: RunningBot, pages: WebServer
) -> None:
    from sipbot.web.desk_actions import ACTIONS as FORMS

    services = bot.services
    holder = Staff(emu, services, HOLDER, "Holder")
    await holder.enrol("ostersund")
    request = _held_request(services)
    desk = Visitor(pages)
    try:
        await desk.signs_in_as(HOLDER)
        for action in FORMS:
            response = await desk.post(f"/desk/requests/{request.reference}/{action}", {})
            assert response.status == 403, action
        await desk.get("/")
        form = {"csrf": desk.csrf(), "text": "   "}
        response = await desk.post(f"/desk/requests/{request.reference}/message", form)
        assert response.url.query["again"] == "text"
        words = texts_in(desk.last)
        assert holder.t("staff.input_text_only", limit=2000) in words
    finally:
        await desk.close()
    assert _told(services, request) == []
    assert [a[1] for a in _audit(services, request)] == ["claim"]
