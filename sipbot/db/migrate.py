"""Alembic, driven from code: `sipbot db upgrade` and the start-up schema check.

Alembic is imported only to migrate or to explain a mismatch: the check at every start reads
the head from the migration files and the database's revision with one SELECT (importing
Alembic was a sixth of the bot's start-up).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from sipbot.config import ConfigError

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
_REVISION = re.compile(r'^revision(?:: *str)? *= *"([^"]+)"', re.M)
_DOWN = re.compile(r'^down_revision(?:: *[^=]+)? *= *"([^"]+)"', re.M)


def alembic_config(engine: Engine) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    from alembic import command

    command.upgrade(alembic_config(engine), revision)


def _head() -> str | None:
    """The one revision no other migration builds on, from the files; None if unclear."""
    revisions, downs = set(), set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        source = path.read_text(encoding="utf-8")
        revisions.update(_REVISION.findall(source))
        downs.update(_DOWN.findall(source))
    heads = revisions - downs
    return heads.pop() if len(heads) == 1 else None


def _current(engine: Engine) -> str | None:
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT version_num FROM alembic_version")).all()
    except DBAPIError:  # no such table: never migrated
        return None
    return rows[0][0] if len(rows) == 1 else None


def check_current(engine: Engine) -> None:
    """Refuse to run on a database that is not at this code's schema."""
    head = _head()
    if head is not None and _current(engine) == head:
        return  # the usual start: no Alembic
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

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
