"""The world each test stands in: a database, the Bot API emulator, the real bot, a clock."""

from __future__ import annotations

import os
import shutil
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

from sipbot.chat.app import build_application
from sipbot.cli import new_key
from sipbot.config import Settings, load_settings
from sipbot.db.engine import make_engine
from sipbot.db.migrate import upgrade
from sipbot.i18n import Catalogs
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


@pytest.fixture(scope="session")
def catalogs() -> Catalogs:
    """The catalogs compiled once per run; every test reads the same files."""
    defaults = load_settings(telegram_token="1000:test", secret_key=new_key())
    return Catalogs(defaults.locales_dir, defaults.tz)


class _Databases:
    """Empty and migrated databases for tests, the migrated ones copied from one template.

    Migrating once per run and copying keeps every test on a clean, really migrated database
    without paying for the migrations hundreds of times.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self.pg_admin = (
            create_engine(_pg_database(PG_URL, "postgres"), isolation_level="AUTOCOMMIT")
            if PG_URL
            else None
        )
        self.template = f"sipbot_tmpl_{os.getpid()}_{uuid.uuid4().hex[:8]}"
        self._made: list[str] = []
        self._migrate_template()

    def _migrate_template(self) -> None:
        url = self._create(self.template) if self.pg_admin else f"sqlite:///{self._sqlite_template}"
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()  # a template database must have no connections; SQLite folds its WAL

    @property
    def _sqlite_template(self) -> Path:
        return self.root / "template.db"

    def _create(self, name: str, template: str | None = None) -> str:
        assert self.pg_admin is not None
        suffix = f" TEMPLATE {template}" if template else ""
        with self.pg_admin.connect() as conn:
            conn.exec_driver_sql(f"CREATE DATABASE {name}{suffix}")
        self._made.append(name)
        return _pg_database(PG_URL, name)

    def empty(self, tmp_path: Path) -> str:
        if self.pg_admin:
            return self._create(f"t_{uuid.uuid4().hex[:16]}")
        return f"sqlite:///{tmp_path / 'sipbot.db'}"

    def migrated(self, tmp_path: Path) -> str:
        if self.pg_admin:
            return self._create(f"t_{uuid.uuid4().hex[:16]}", template=self.template)
        shutil.copyfile(self._sqlite_template, tmp_path / "sipbot.db")
        return f"sqlite:///{tmp_path / 'sipbot.db'}"

    def drop(self, url: str) -> None:
        if self.pg_admin:
            name = url.rsplit("/", 1)[-1].split("?", 1)[0]
            with self.pg_admin.connect() as conn:
                conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            self._made.remove(name)

    def close(self) -> None:
        if self.pg_admin:
            for name in [*self._made]:
                with self.pg_admin.connect() as conn:
                    conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            self.pg_admin.dispose()


def _pg_database(url: str, name: str) -> str:
    """The same server and credentials as ``url``, another database."""
    base, _, query = url.partition("?")
    return f"{base.rsplit('/', 1)[0]}/{name}" + (f"?{query}" if query else "")


@pytest.fixture(scope="session")
def databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[_Databases]:
    made = _Databases(tmp_path_factory.mktemp("db-template"))
    yield made
    made.close()


@pytest.fixture
def empty_database_url(databases: _Databases, tmp_path: Path) -> Iterator[str]:
    """A database nothing has been done to: for the tests of migration and start-up checks."""
    url = databases.empty(tmp_path)
    yield url
    databases.drop(url)


@pytest.fixture
def database_url(databases: _Databases, tmp_path: Path) -> Iterator[str]:
    """A clean database of its own, migrated to head (a copy of the run's template)."""
    url = databases.migrated(tmp_path)
    yield url
    databases.drop(url)


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
def services(settings: Settings, clock: FakeClock, catalogs: Catalogs) -> Iterator[Services]:
    built = Services.build(settings, clock=clock, catalogs=catalogs)
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
