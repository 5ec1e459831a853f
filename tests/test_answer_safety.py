"""An answer is stored under its own question, or the person is told (issue 9)."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import pytest_asyncio
from sqlalchemy import Engine, create_engine, event

from sipbot.chat.app import build_application
from sipbot.chat.persistence import DatabasePersistence
from sipbot.playground.emulator import BotApiEmulator
from sipbot.services import Services
from tests.conftest import PG_URL, RunningBot
from tests.story import Person


@pytest_asyncio.fixture
async def limited_bot(services: Services) -> AsyncIterator[RunningBot]:
    """The real bot with its rate limiter, which retries a 429 three times before it gives up."""
    app = build_application(services, rate_limit=True)
    async with app:
        for job in app.job_queue.jobs():  # type: ignore[union-attr]
            job.enabled = False
        await app.start()
        await app.updater.start_polling(poll_interval=0, timeout=5)  # type: ignore[union-attr]
        try:
            yield RunningBot(app, services)
        finally:
            await app.updater.stop()  # type: ignore[union-attr]
            await app.stop()


class Database:
    """The test's own database, made unreachable and back (never the shared server)."""

    def __init__(self, engine: Engine, url: str) -> None:
        self.engine = engine
        self.url = url
        self.down = False
        if engine.dialect.name == "sqlite":
            # Every connection handed out refuses writes while the database is "down".
            event.listen(engine, "checkout", self._sqlite_checkout)

    def _sqlite_checkout(self, dbapi_conn: Any, _record: Any, _proxy: Any) -> None:
        dbapi_conn.execute(f"PRAGMA query_only = {int(self.down)}")

    @contextmanager
    def outage(self) -> Iterator[None]:
        self.down = True
        renamed = self._pg_schema(down=True) if self.engine.dialect.name != "sqlite" else None
        try:
            yield
        finally:
            if renamed:
                self._pg_schema(down=False)
            self.down = False

    def _pg_schema(self, *, down: bool) -> bool:
        """Rename the test's schema away (or back): nothing in it can be read or written."""
        # Each test has a database of its own (tests/conftest.py): its public schema holds it all.
        match = re.search(r"search_path%3D(\w+)", self.url)
        name = match.group(1) if match else "public"
        old, new = (name, f"{name}_down") if down else (f"{name}_down", name)
        self.engine.dispose()  # the bot's idle connections go, as in a server restart
        admin = create_engine(self.url if match is None else PG_URL)
        with admin.begin() as conn:
            conn.exec_driver_sql(f"ALTER SCHEMA {old} RENAME TO {new}")
        admin.dispose()
        return True


@pytest.fixture
def database(services: Services) -> Database:
    return Database(services.engine, services.settings.db_url)


async def stored_flow(services: Services, user_id: int) -> dict[str, Any]:
    data = await DatabasePersistence(services.engine).stored_user_data()
    return data[user_id]["flow"]


async def question_stored(services: Services, user_id: int) -> None:
    """Wait until the bot has stored that its last question went out (polled, as in
    test_reminder_kill: the bot says nothing more that could be waited for)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 10
    while True:
        flow = await stored_flow(services, user_id)
        if flow.get("shown") == flow["ask"]:
            return
        assert loop.time() < deadline, "the bot did not store its question"
        await asyncio.sleep(0.02)


async def at_problems(p: Person) -> None:
    await p.onboard()
    await p.presses("sip.role.self", "sip.own_name.ask")
    await p.says("Eva Berg", then="sip.municipality.ask")
    p.user.press("Krokom")
    await p.asked("sip.problems.ask")


@pytest.mark.parametrize("blank", ["\u200b", " \u200b\u2060 ", "\u3164", "\u2800", "\ufeff\u00a0"])
async def test_invisible_text_is_no_answer(
    emu: BotApiEmulator, bot: RunningBot, blank: str
) -> None:
    p = Person(emu.user(900), bot.services)
    await at_problems(p)
    await p.says(blank, then="input.empty")
    await p.asked("sip.problems.ask")
    assert "problems" not in (await stored_flow(bot.services, 900))["answers"]
    await p.says("Svårt att få hjälp", then="sip.main_goal.ask")
    assert (await stored_flow(bot.services, 900))["answers"]["problems"] == "Svårt att få hjälp"


FAILED_SENDS = {"500": (500, 1), "502": (502, 1), "reset": ("reset", 1), "429x4": (429, 4)}


@pytest.mark.parametrize("fault", FAILED_SENDS)
async def test_a_question_that_never_arrived_gets_no_answer_filed_under_it(
    emu: BotApiEmulator, limited_bot: RunningBot, fault: str
) -> None:
    services = limited_bot.services
    p = Person(emu.user(901), services)
    await at_problems(p)
    status, times = FAILED_SENDS[fault]
    failing = emu.inject("sendMessage", status=status, times=times, chat_id=901)  # type: ignore[arg-type]
    p.user.send("Svårt att få hjälp")
    await failing.hit.wait()
    # The person saw no next question, so they send their answer again.
    await p.says("Svårt att få hjälp", then="input.not_delivered")
    await p.asked("sip.main_goal.ask")
    answers = (await stored_flow(services, 901))["answers"]
    assert answers["problems"] == "Svårt att få hjälp" and "main_goal" not in answers
    await p.says("Ett eget boende", then="sip.subgoals.ask")
    answers = (await stored_flow(services, 901))["answers"]
    assert answers["main_goal"] == "Ett eget boende"


async def test_an_outage_is_answered_at_once_and_loses_nothing(
    emu: BotApiEmulator, bot: RunningBot, database: Database
) -> None:
    p = Person(emu.user(902, language_code="en"), bot.services, lang="en")
    await p.onboard()
    await p.presses("sip.role.self", "sip.own_name.ask")
    await p.says("Eva Berg", then="sip.municipality.ask")
    await question_stored(bot.services, 902)
    with database.outage():
        # A button: its question stays current, and the person hears it did not work.
        p.user.press("Krokom")
        await p.sees("error.not_stored")
        # A typed answer after the button again: not filed under the next question either.
        p.user.send("Krokom please")
        await p.sees("error.not_stored")
    assert not any(p.t("sip.problems.ask") in m.text for m in p.user.messages)
    p.user.press("Krokom")
    await p.asked("sip.problems.ask")
    await question_stored(bot.services, 902)
    with database.outage():
        p.user.send("Hard to get help")
        await p.sees("error.not_stored")
    assert not any(p.t("sip.main_goal.ask") in m.text for m in p.user.messages)
    await p.says("Hard to get help", then="sip.main_goal.ask")
    await p.says("A home of my own", then="sip.subgoals.ask")
    answers = (await stored_flow(bot.services, 902))["answers"]
    assert answers == {
        "role": "self",
        "own_name": "Eva Berg",
        "municipality": "krokom",
        "problems": "Hard to get help",
        "main_goal": "A home of my own",
    }
