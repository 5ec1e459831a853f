"""Unfinished requests: a warning at 27 days untouched, deleted at 30; ended requests purged."""

from __future__ import annotations

from datetime import timedelta

from sipbot.chat.person.drafts import SWEEP_EVERY, DraftKeeper
from sipbot.db.engine import session_scope
from sipbot.db.models import SipRequest
from sipbot.playground.emulator import BotApiEmulator
from sipbot.requests import withdraw
from tests.conftest import FakeClock, RunningBot
from tests.scripts import BRANCHES
from tests.story import Person
from tests.walker import request_through


async def _draft(emu: BotApiEmulator, bot: RunningBot, user_id: int) -> Person:
    p = Person(emu.user(user_id, language_code="sv"), bot.services, "sv", easy=True)
    await p.onboard()
    await p.presses("sip.role.self", "sip.own_name.ask")
    await p.says("Klara Holm", then="sip.municipality.ask")
    await p.says("/help", then="help.in_flow")
    await p.asked("sip.municipality.ask")  # asked again: the draft's last touch is now
    return p


async def test_the_sweep_runs_on_the_scheduler(bot: RunningBot) -> None:
    (job,) = bot.app.job_queue.get_jobs_by_name("drafts")  # type: ignore[union-attr]
    assert job.trigger.interval == SWEEP_EVERY  # type: ignore[attr-defined]


async def test_warned_once_at_27_days_then_deleted_at_30(
    emu: BotApiEmulator, bot: RunningBot, clock: FakeClock
) -> None:
    p = await _draft(emu, bot, 600)
    keeper = DraftKeeper(bot.services)
    clock.advance(days=26, hours=23)
    await keeper.sweep(bot.app)
    assert "flow" in bot.app.user_data[600]
    clock.advance(hours=2)
    await keeper.sweep(bot.app)
    deleted_on = p.t.date(clock() - timedelta(days=27, hours=1) + timedelta(days=30))
    warning = await p.sees("draft.warning", date=deleted_on)
    assert warning.button_texts == [p.t("draft.continue"), p.t("draft.restart")]
    await keeper.sweep(bot.app)  # once only
    clock.advance(days=3)
    await keeper.sweep(bot.app)
    expired = await p.sees("draft.expired", days=p.t.ngettext("count.days", 30, n=30))
    assert not any(p.t("draft.warning").split("{")[0] in (m.text or "") for m in [expired])
    assert sum(p.t("draft.warning").split("{")[0] in (m.text or "") for m in p.user.messages) == 1
    assert "flow" not in bot.app.user_data[600]
    stored = await bot.app.persistence.stored_user_data()  # type: ignore[union-attr]
    assert "flow" not in stored[600]


async def test_continuing_after_the_warning_keeps_the_draft_another_30_days(
    emu: BotApiEmulator, bot: RunningBot, clock: FakeClock
) -> None:
    p = await _draft(emu, bot, 601)
    keeper = DraftKeeper(bot.services)
    clock.advance(days=28)
    await keeper.sweep(bot.app)
    await p.sees("draft.warning", date=p.t.date(clock() + timedelta(days=2)))
    await p.presses("draft.continue", "sip.municipality.ask")
    clock.advance(days=29)
    await keeper.sweep(bot.app)
    assert bot.app.user_data[601]["flow"]["answers"] == {"role": "self", "own_name": "Klara Holm"}
    clock.advance(days=1)
    await keeper.sweep(bot.app)
    await p.sees("draft.expired", days=p.t.ngettext("count.days", 30, n=30))


async def test_ended_requests_keep_their_contents_for_the_deployments_days(
    emu: BotApiEmulator, bot: RunningBot, clock: FakeClock
) -> None:
    script, _ = BRANCHES["self"]
    _, request, _ = await request_through(emu, bot, 602, "sv", False, script)
    _, still_open, _ = await request_through(emu, bot, 603, "sv", False, script)
    assert withdraw(bot.services.engine, clock, 602, request.id) is not None  # type: ignore[arg-type]
    keeper = DraftKeeper(bot.services)
    clock.advance(days=bot.services.deployment.keep_ended_days - 1)
    await keeper.sweep(bot.app)
    with session_scope(bot.services.engine) as s:
        assert s.get(SipRequest, request.id).answers is not None  # type: ignore[union-attr]
    clock.advance(days=2)
    await keeper.sweep(bot.app)
    with session_scope(bot.services.engine) as s:
        ended = s.get(SipRequest, request.id)
        assert ended is not None and ended.answers is None and ended.status == "withdrawn"
        assert s.get(SipRequest, still_open.id).answers == script  # type: ignore[union-attr]
