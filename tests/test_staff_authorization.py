"""Who may do what to a request: every staff action × everyone who might press its button.

Buttons are pressed with forged data on a message in the presser's own chat, as a copied or
replayed button would be. Only the allowed cells change anything; the others get a short
answer and see nothing of the request.
"""

from __future__ import annotations

import pytest

from sipbot.db.engine import session_scope
from sipbot.db.models import SipRequest
from sipbot.playground.emulator import BotApiEmulator
from sipbot.requests import submit_request
from tests.conftest import RunningBot
from tests.scripts import BRANCHES
from tests.staff_story import Staff

ACTORS = {
    "stranger": None,  # not staff at all
    "other_unit": ("are", "staff"),
    "unit_staff": ("ostersund", "staff"),
    "unit_admin": ("ostersund", "admin"),
}
ME = 970  # the presser's Telegram id in every cell


def _allowed(actor: str, action: str) -> str:
    """What the cell should get: ok, or the msgid of the refusal."""
    if actor in ("stranger", "other_unit"):
        return "staff.not_available"
    acting = ("message", "status", "consent", "decline", "transfer")
    if actor == "unit_staff" and action in acting:
        return "staff.refused.claim_first"
    return "ok"


ACTIONS = {
    # action: (callback data with {r} for the request and {me} for the presser, proof of effect)
    "open": "S:o:{r}",
    "claim": "S:c:{r}",
    "note": "S:n:{r}",
    "assign": "S:A:{r}:{me}",
    "pdf": "S:p:{r}",
    "message": "S:m:{r}",
    "status": "S:s:{r}:contacted",
    "consent": "S:k:{r}:spoken",
    "decline": "S:d:{r}",
    "transfer": "S:T:{r}:are",
}


@pytest.mark.parametrize("action", list(ACTIONS))
@pytest.mark.parametrize("actor", list(ACTORS))
async def test_cell(emu: BotApiEmulator, bot: RunningBot, actor: str, action: str) -> None:
    services = bot.services
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
    me = Staff(emu, services, ME, "Me")
    if ACTORS[actor] is not None:
        unit, role = ACTORS[actor]  # type: ignore[misc]
        await me.enrol(unit, role)
    else:
        me.user.send("/start")
        await me.user.wait_for(lambda m: bool(m.text))
    before = len(me.user.messages)
    me.user.press_data(me.user.last.message_id, ACTIONS[action].format(r=request.id, me=ME))
    answer = await me.answered(0)
    expected = _allowed(actor, action)
    with session_scope(services.engine) as s:
        row = s.get(SipRequest, request.id)
        assert row is not None
    if expected != "ok":
        assert answer == me.t(expected)
        assert (row.assigned_to, row.status, row.consent, row.unit) == (
            None,
            "new",
            "to_confirm",
            "ostersund",
        )
        later = me.user.messages[before:]
        assert not any(request.reference in (m.text or "") for m in later)
        assert not any(m.document for m in later)
        return
    proof = {
        "open": lambda: me.user.wait_for(lambda m: script["main_goal"] in (m.text or "")),
        "claim": lambda: me.sees("staff.done.claim", reference=request.reference),
        "note": lambda: me.sees("staff.ask.note", limit=2000),
        "assign": lambda: me.sees("staff.done.assign", reference=request.reference),
        "pdf": lambda: me.user.wait_for(lambda m: m.document is not None),
        "message": lambda: me.sees("staff.ask.message", limit=2000),
        "status": lambda: me.sees("staff.done.status", reference=request.reference),
        "consent": lambda: me.sees("staff.done.consent", reference=request.reference),
        "decline": lambda: me.sees("staff.ask.decline_reason", limit=2000),
        "transfer": lambda: me.sees("staff.ask.transfer_reason", limit=2000),
    }
    await proof[action]()
