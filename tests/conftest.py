"""The world each test stands in: a database, the Bot API emulator, the real bot, a clock."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import pytest_asyncio
import yaml
from sqlalchemy import create_engine
from telegram.ext import Application

from sipbot.app import build_application
from sipbot.cli import new_key
from sipbot.config import Settings, load_settings
from sipbot.db.migrate import upgrade
from sipbot.playground.emulator import BotApiEmulator
from sipbot.services import Services

# CI sets this to run the whole suite against PostgreSQL as well as SQLite.
PG_URL = os.environ.get("SIPBOT_TEST_DATABASE_URL", "")


class FakeClock:
    """Time that moves only when a test says so."""

    def __init__(self, start: datetime = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kw: float) -> None:
        self.now += timedelta(**kw)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    if not PG_URL:
        yield f"sqlite:///{tmp_path / 'sipbot.db'}"
        return
    # A schema of its own per test: isolated, and the URL carries it to subprocesses too.
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL)
    with admin.begin() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    sep = "&" if "?" in PG_URL else "?"
    yield f"{PG_URL}{sep}options=-csearch_path%3D{schema}"
    with admin.begin() as conn:
        conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
    admin.dispose()


@pytest.fixture
def secret_key() -> str:
    return new_key()


@pytest_asyncio.fixture
async def emu() -> AsyncIterator[BotApiEmulator]:
    async with BotApiEmulator() as emulator:
        yield emulator


# Each unit's staff group in the test deployment: -1000 minus the unit's place in the file.
EXAMPLE_DEPLOYMENT = Path(__file__).resolve().parent.parent / "examples/jamtland-harjedalen.yaml"


def staff_group(services: Services, unit: str) -> int:
    group = services.deployment.unit(unit).staff_group_chat_id
    assert group is not None
    return group


@pytest.fixture
def deployment_file(tmp_path: Path) -> Path:
    """The example deployment with a staff group for every unit."""
    data = yaml.safe_load(EXAMPLE_DEPLOYMENT.read_text())
    for i, unit in enumerate(data["units"], 1):
        unit["staff_group_chat_id"] = -1000 - i
    path = tmp_path / "deployment.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    return path


@pytest.fixture
def settings(
    tmp_path: Path, database_url: str, secret_key: str, emu: BotApiEmulator, deployment_file: Path
) -> Settings:
    return load_settings(
        telegram_token="1000:test",
        telegram_api_url=emu.url,
        data_dir=tmp_path,
        database_url=database_url,
        secret_key=secret_key,
        deployment=deployment_file,
    )


@pytest.fixture
def services(settings: Settings, clock: FakeClock) -> Iterator[Services]:
    built = Services.build(settings, clock=clock, check_schema=False)
    upgrade(built.engine)
    yield built
    built.engine.dispose()


@dataclass
class RunningBot:
    app: Application  # type: ignore[type-arg]
    services: Services


@pytest_asyncio.fixture
async def bot(services: Services) -> AsyncIterator[RunningBot]:
    """The real Application long-polling the emulator over HTTP."""
    app = build_application(services, rate_limit=False)
    async with app:
        # Tests run the sweeps themselves with the fake clock; the jobs stay registered
        # (tests check that) but paused, so no sweep runs on the wall clock mid-test.
        for job in app.job_queue.jobs():  # type: ignore[union-attr]
            job.enabled = False
        await app.post_init(app)  # type: ignore[misc]  # run_polling would call it
        await app.start()
        await app.updater.start_polling(poll_interval=0, timeout=5)  # type: ignore[union-attr]
        try:
            yield RunningBot(app, services)
        finally:
            await app.updater.stop()  # type: ignore[union-attr]
            await app.stop()
