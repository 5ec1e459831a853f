"""Updates as Telegram sends them: one it cannot read stops nobody, ids that start over
lose nobody, and one delivered again is applied once."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from telegram.ext import Application

from sipbot.chat.app import build_application
from sipbot.chat.persistence import DatabasePersistence
from sipbot.playground.emulator import BotApiEmulator
from sipbot.services import Services
from tests.conftest import RunningBot
from tests.story import Person

SECRET = "Min granne heter Ada och bor på Storgatan 5"


@asynccontextmanager
async def running(services: Services) -> AsyncIterator[Application]:  # type: ignore[type-arg]
    """One run of the real bot against the test's emulator (as the `bot` fixture), so a test
    can stop it and start another."""
    app = build_application(services, rate_limit=False)
    async with app:
        for job in app.job_queue.jobs():  # type: ignore[union-attr]
            job.enabled = False
        await app.start()
        await app.updater.start_polling(poll_interval=0, timeout=5)  # type: ignore[union-attr]
        try:
            yield app
        finally:
            await app.updater.stop()  # type: ignore[union-attr]
            await app.stop()


async def test_an_update_the_library_cannot_read_is_skipped_and_logged_by_its_id_only(
    emu: BotApiEmulator, bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    sender, bystander = emu.user(941), Person(emu.user(942), bot.services)
    # A poll as a self-hosted Bot API server before 9.6 sends it, in the same batch as a
    # bystander's words.
    poll = sender.send_poll(SECRET, ["Ja", "Nej"], legacy=True)
    bystander.user.send(SECRET)
    await bystander.sees("input.menu_only")
    await emu.confirmed()  # the offset moved past the poll: it is not fetched again

    assert not emu.pending_updates
    assert f"update.unreadable update_id={poll['update_id']}" in caplog.text
    assert "Storgatan" not in caplog.text and "Ada" not in caplog.text
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    # The next people are answered too, the sender among them.
    await Person(sender, bot.services).says("/start", then="language.ask")


async def test_update_ids_that_start_over_lower_still_reach_the_person(
    emu: BotApiEmulator, services: Services
) -> None:
    p = Person(emu.user(943), services)
    async with running(services):
        await p.onboard()
        await p.presses("sip.role.self", "sip.own_name.ask")
        await p.says("Eva Berg", then="sip.municipality.ask")
        last = p.user.press("Krokom")
        await p.asked("sip.problems.ask")

    # Killed before confirming the press: Telegram sends it again to the next run.
    emu.redeliver(last)
    async with running(services):
        before = len(p.user.events)
        asked = await p.says("Svårt att få hjälp", then="sip.main_goal.ask")
        # The press was not applied again (it would re-ask the problems, as an old button):
        # updates are handled in order, and only the answer's question came.
        assert p.user.events[before:] == [asked]

    # A new `sipbot try` run (or a week without updates): the ids start over, at and below
    # the ids this person's updates had.
    emu.next_update_id(1)
    async with running(services):
        await p.says("Ett eget boende", then="sip.subgoals.ask")

    stored = await DatabasePersistence(services.engine).stored_user_data()
    answers = stored[943]["flow"]["answers"]
    assert answers == {
        "role": "self",
        "own_name": "Eva Berg",
        "municipality": "krokom",
        "problems": "Svårt att få hjälp",
        "main_goal": "Ett eget boende",
    }
