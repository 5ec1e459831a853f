"""Alembic, driven from code: `sipbot db upgrade` and the start-up schema check."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from sipbot.config import ConfigError

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    command.upgrade(alembic_config(engine), revision)


def check_current(engine: Engine) -> None:
    """Refuse to run on a database that is not at this code's schema."""
    script = ScriptDirectory.from_config(alembic_config(engine))
    head = script.get_current_head()
    with engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_revision()
    if current == head:
        return
    if current is None:
        raise ConfigError("database: not set up; run `sipbot db upgrade` first")
    known = {rev.revision for rev in script.walk_revisions()}
    if current not in known:
        raise ConfigError(
            f"database: schema {current} is newer than this sipbot (knows up to {head}); "
            "upgrade sipbot"
        )
    raise ConfigError(f"database: schema {current} is behind {head}; run `sipbot db upgrade`")
