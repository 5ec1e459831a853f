"""A person's stored data is read when they write, not at start; finished people's rows go."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

from sqlalchemy import event, insert
from telegram.ext import Application

from sipbot.chat.app import build_application
from sipbot.chat.persistence import DatabasePersistence
from sipbot.chat.person.drafts import DraftKeeper
from sipbot.db.engine import session_scope
from sipbot.db.models import UserData
from sipbot.playground.emulator import BotApiEmulator
from sipbot.services import Services
from tests.conftest import FakeClock, RunningBot
from tests.story import Person


@asynccontextmanager
async def running(services: Services) -> AsyncIterator[Application]:  # type: ignore[type-arg]
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


async def test_nobody_is_read_at_start_and_a_person_when_they_write(
    emu: BotApiEmulator, services: Services
) -> None:
    p = Person(emu.user(960), services)
    async with running(services):
        await p.onboard()
        await p.presses("sip.role.self", "sip.own_name.ask")

    async with running(services) as app:
        assert 960 not in app.user_data  # the start read nobody's data
        # Their first update reads it: the flow goes on where they were.
        await p.says("Klara Holm", then="sip.municipality.ask")
        assert app.user_data[960]["flow"]["answers"] == {"role": "self", "own_name": "Klara Holm"}
    stored = await DatabasePersistence(services.engine).stored_user_data()
    assert stored[960]["flow"]["answers"] == {"role": "self", "own_name": "Klara Holm"}


async def test_rows_with_nothing_left_to_keep_go_an_hour_after_the_last_write(
    bot: RunningBot, clock: FakeClock
) -> None:
    stamps = {"last_update": ["5:1:1700000000"]}
    with session_scope(bot.services.engine) as s:
        s.execute(
            insert(UserData),
            [
                {"user_id": 970, "data": stamps, "updated_at": clock() - timedelta(hours=2)},
                {"user_id": 971, "data": stamps, "updated_at": clock() - timedelta(minutes=10)},
                {"user_id": 972, "data": {**stamps, "reply_to": 5, "flow": None},
                 "updated_at": clock() - timedelta(hours=2)},
                {"user_id": 973, "data": {}, "updated_at": clock() - timedelta(days=400)},
            ],
        )  # fmt: skip
    await DraftKeeper(bot.services).sweep(bot.app)
    stored = await DatabasePersistence(bot.services.engine).stored_user_data()
    # Finished, long enough ago: gone. Just finished: the stamps still guard a redelivery.
    # Someone whose reply is awaited keeps everything.
    assert set(stored) == {971, 972}
    assert stored[972]["reply_to"] == 5


async def test_an_answer_is_written_as_the_question_needs_and_not_again_by_the_flush(
    emu: BotApiEmulator, bot: RunningBot
) -> None:
    # Asking the next question stores the answer before it is sent and the message ids after
    # (the crash windows); the flush that ends the update then has nothing new to write.
    p = Person(emu.user(980), bot.services)
    await p.onboard()
    await p.presses("sip.role.self", "sip.own_name.ask")
    await emu.confirmed()
    await bot.app.update_queue.join()  # that update's last writes are done too
    writes: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        if statement.lstrip().upper().startswith(("INSERT INTO USER_DATA", "UPDATE USER_DATA")):
            writes.append(statement)

    event.listen(bot.services.engine, "before_cursor_execute", count)
    try:
        await p.says("Klara Holm", then="sip.municipality.ask")
        await emu.confirmed()
        await bot.app.update_queue.join()
    finally:
        event.remove(bot.services.engine, "before_cursor_execute", count)
    assert len(writes) == 2
